"""Check a generated document set against the elements the rules require.

Input: a validated Profile and the requirements table (templates/zh/requirements.yaml: each
element, the document it belongs in, when it applies, the clause ids that cover it and the
profile values it needs). Output: one Finding per applicable element and document, naming the
clause and its number that covers it, or marking it missing and why (a profile value unset,
the clause excluded by the profile, the clause not in the document)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.instruments import catalogue
from policygen.kinds import DOCUMENT_KINDS
from policygen.library import numbered_ids
from policygen.lint import WordingFinding, lint_set
from policygen.pipeline import Built, Job, build_set
from policygen.profile.engagement import Engagement
from policygen.profile.load import split_path
from policygen.profile.model import Profile
from policygen.profile.types import Industry, Scope
from policygen.templating.context import build_context
from policygen.templating.environment import environment_for

REQUIREMENTS = "requirements.yaml"
FLAGS = ("financial", "critical", "personal_info", "sensitive_pi", "cross_border", "arbitration")


class Element(BaseModel):
    """One required element, as written in requirements.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    """要素 in Chinese."""
    document: str
    """The document kind that must contain it."""
    basis: tuple[str, ...] = Field(min_length=1)
    """The rules it comes from, e.g. 《个人信息保护法》第二十一条, or a practice (管理惯例):
    each instrument one of instruments.yaml."""
    confidence: str = Field(default="", pattern=r"^([VSM]( / [VSM])*)?$")
    """How each instrument's article number was read, one mark per instrument of `basis` in
    order: V its text, S a secondary summary, M memory
    (shared/reference/regulatory_checklist.md)."""
    informed_by: tuple[str, ...] = ()
    """Foreign guidelines and repealed instruments behind the element; never printed."""

    def marks(self) -> dict[str, str]:
        """Return each instrument of `basis` with its confidence mark."""
        cited = [b for b in self.basis if catalogue().find(b) is not None]
        marks = self.confidence.split(" / ") if self.confidence else []
        if len(marks) != len(cited):
            raise ValueError(
                f"confidence 有 {len(marks)} 个标记，basis 中有 {len(cited)} 件法规，应一一对应"
            )
        return dict(zip(cited, marks, strict=True))

    def printed(self, industry: Industry, scopes: tuple[Scope, ...]) -> tuple[str, str]:
        """Return the bases printed for an organisation of `industry` doing outsourcing of
        `scopes`, joined, and the confidence marks of the instruments among them."""
        shown = catalogue().applicable(self.basis, industry, scopes)
        marks = self.marks()
        cited = {catalogue().cite(b): mark for b, mark in marks.items()}
        return "；".join(shown), " / ".join(cited[b] for b in shown if b in cited)

    applies: tuple[str, ...] = ()
    """Flags that must all hold for the element to apply; empty means always."""
    clauses: tuple[str, ...] = Field(min_length=1)
    """Clause ids, any one of which covers the element."""
    requires: tuple[str, ...] = ()
    """Profile paths that must hold a value for the element to be covered."""


@dataclass(frozen=True)
class Finding:
    """Whether one element is covered in one document."""

    element: str
    title: str
    source: str
    document: str
    """The output file stem, e.g. ``contract-MY-ITO-2026-001``."""
    covered: bool
    clause: str = ""
    """The covering clause id; empty when missing."""
    number: str = ""
    """The covering clause's number, e.g. 第十二条; empty when missing or when the clause is
    not numbered (the parties block at a contract's head)."""
    reason: str = ""
    """Why the element is missing."""
    excluded: str = ""
    """The ``clauses.exclude`` entry that removed the covering clause; empty when none did."""
    confidence: str = ""
    """The confidence marks of the instruments in `source` (Element.confidence)."""

    @property
    def verified(self) -> bool:
        """Whether the element cites no article number to verify: some printed instrument was
        read in the provision's own text (V), or it cites no instrument (a practice)."""
        return not self.confidence or "V" in self.confidence

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return {**asdict(self), "verified": self.verified}


def requirements(template_dirs: Sequence[Path] = ()) -> dict[str, Element]:
    """Return the requirements table from the first template folder that has one."""
    for folder in environment_for(template_dirs).folders:
        path = folder / REQUIREMENTS
        if path.is_file():
            return _load(str(path))
    raise RenderError(f"找不到 {REQUIREMENTS} (requirements table missing)")


@CACHES.memo(files=True)
def _load(path: str) -> dict[str, Element]:
    data = CACHES.read_yaml(path)
    try:
        table = {str(k): Element.model_validate(v) for k, v in data.items()}
    except (ValidationError, AttributeError) as exc:
        raise RenderError(f"{path} 格式有误 (invalid requirements table): {exc}") from None
    for key, element in table.items():
        unknown = set(element.applies) - set(FLAGS)
        if unknown:
            raise RenderError(f"{path}: {key} 的 applies 含未知条件 {sorted(unknown)}")
        try:
            element.marks()
        except ValueError as exc:  # a basis not in the catalogue, or marks not one each
            raise RenderError(f"{path}: {key}: {exc}") from None
    return table


def check(
    profile: Profile, *, template_dirs: Sequence[Path] = (), built: Sequence[Built] | None = None
) -> list[Finding]:
    """Return a Finding for every element that applies to `profile`, in table order; `built` is
    the set already built with `template_dirs` (None: build it here)."""
    table = requirements(template_dirs)
    findings: list[Finding] = []
    documents = []
    for one in built if built is not None else build_set(profile, template_dirs=template_dirs):
        flags = build_context(profile, one.job.kind, one.job.engagement)["flags"]
        numbered = {i: one.refs[i] for i in numbered_ids(one.document.blocks) if i in one.refs}
        documents.append((one.job, one.refs, flags, numbered))
    organisation_flags = build_context(profile, DOCUMENT_KINDS["regulation"], None)["flags"]
    industry = profile.organisation.industry
    for key, element in table.items():
        matching = [d for d in documents if d[0].kind.name == element.document]
        if not matching:
            if _applies(element, organisation_flags):
                source, marks = element.printed(industry, tuple(profile.policy.scope))
                findings.append(
                    Finding(
                        key,
                        element.title,
                        source,
                        element.document,
                        covered=False,
                        reason=f"未生成 {element.document} 文档（如：配置中没有合同）",
                        confidence=marks,
                    )
                )
            continue
        for job, refs, flags, numbered in matching:
            if _applies(element, flags):
                findings.append(_finding(key, element, job, refs, numbered, profile))
    return findings


@dataclass(frozen=True)
class CheckReport:
    """What ``policygen check`` reports of a profile's set, as every front end shows it."""

    findings: list[Finding]
    """Every element that applies, covered or missing (`check`)."""
    wording: list[WordingFinding]
    """The wording findings of every document (lint.lint_set)."""
    untranslated: dict[str, tuple[str, ...]]
    """By file stem, the profile's Chinese texts an English document prints untranslated
    (Document.untranslated); documents with none are left out."""

    @property
    def missing(self) -> list[Finding]:
        """The findings of elements not covered."""
        return [f for f in self.findings if not f.covered]

    @property
    def ok(self) -> bool:
        """True when no element is missing and the wording has no finding."""
        return not self.missing and not self.wording

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data: ``policygen check --json``'s."""
        return {
            "ok": self.ok,
            "missing": len(self.missing),
            "findings": [f.as_dict() for f in self.findings],
            "wording": [w.as_dict() for w in self.wording],
            "untranslated": {name: list(texts) for name, texts in self.untranslated.items()},
        }


def check_report(
    profile: Profile, *, template_dirs: Sequence[Path] = (), lang: str | None = None
) -> CheckReport:
    """Return the coverage, wording and translation report of `profile`'s set, built once
    with `template_dirs` for all three readings, in the languages `lang` (None: the
    profile's ``meta.languages``); the untranslated texts are those each document kept as
    it was built (Document.untranslated)."""
    built = build_set(profile, template_dirs=template_dirs, lang=lang)
    untranslated = {b.job.stem: b.document.untranslated for b in built if b.document.untranslated}
    return CheckReport(
        check(profile, template_dirs=template_dirs, built=built),
        lint_set(profile, template_dirs=template_dirs, built=built),
        untranslated,
    )


def _applies(element: Element, flags: Any) -> bool:
    return all(getattr(flags, flag) for flag in element.applies)


def _finding(
    key: str,
    element: Element,
    job: Job,
    refs: dict[str, str],
    numbered: dict[str, str],
    profile: Profile,
) -> Finding:
    """Return whether `element` is covered in `job`'s document, whose ids are referred to as
    `refs` and numbered as `numbered` (the numbered ones only)."""
    scopes = (job.engagement.scope,) if job.engagement else tuple(profile.policy.scope)
    source, marks = element.printed(profile.organisation.industry, scopes)
    base = {
        "element": key,
        "title": element.title,
        "source": source,
        "document": job.stem,
        "confidence": marks,
    }
    present = [clause for clause in element.clauses if clause in refs]
    if not present:
        excluded = [c for c in element.clauses if c in profile.clauses.exclude]
        if excluded:
            return Finding(
                **base,
                covered=False,
                clause=excluded[0],
                reason=f"已按配置排除（clauses.exclude: {excluded[0]}）",
                excluded=excluded[0],
            )
        return Finding(**base, covered=False, reason="文档中没有覆盖该要素的条款（可能已被删除）")
    clause = present[0]
    for path in element.requires:
        if not _has_value(profile, path, job.engagement):
            return Finding(
                **base,
                covered=False,
                clause=clause,
                number=numbered.get(clause, ""),
                reason=f"配置未填写 {path}",
            )
    return Finding(**base, covered=True, clause=clause, number=numbered.get(clause, ""))


def _has_value(profile: Profile, path: str, engagement: Engagement | None) -> bool:
    """Return whether `path` holds a value, reading an engagement's sections as they apply to
    `engagement` (its override, else the organisation's), and a path under ``engagement.``
    from `engagement` itself."""
    first, *rest = split_path(path)
    node: Any = engagement if first == "engagement" else profile.section(str(first), engagement)
    for part in rest:
        node = node[part] if isinstance(part, int) else getattr(node, part, None)
        if node is None:
            return False
    return node not in ("", [], {}, ())
