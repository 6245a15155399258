"""The clause library: each clause's stable id, its title and the legal basis it implements.

Input: the catalogue (templates/zh/clauses.yaml: id → document kind, title, basis, condition)
and a validated Profile. Output: one Entry for every catalogued clause in the profile's
documents, with the document it sits in and its number (第十二条, 第3.2条), and one for every
clause the profile adds (`clauses.add`); and the chapter and article ids a document holds that
the catalogue does not describe."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from ruamel.yaml.error import YAMLError

from policygen import instruments
from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.pipeline import Built, Job, build_set
from policygen.profile.clauses import ClauseId, DocumentKindName
from policygen.profile.model import Profile
from policygen.profile.types import Scope
from policygen.templating.environment import environment_for
from policygen.tree import nodes as n

CATALOGUE = "clauses.yaml"


def _check_basis(value: str) -> str:
    value = value.strip()
    if value.count("《") != value.count("》"):
        raise ValueError(f"书名号不成对：{value!r}")
    instruments.catalogue().find(value)  # a ValueError names what is wrong
    return value


def _check_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("不能为空")
    return value


Basis = Annotated[str, AfterValidator(_check_basis)]
"""A rule a clause implements, e.g. 《中华人民共和国个人信息保护法》第二十一条 (an instrument of
instruments.yaml), or a practice such as 合同惯例."""


class Clause(BaseModel):
    """One clause of the library, as written in clauses.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: DocumentKindName
    """The document kind the clause belongs to."""
    title: Annotated[str, AfterValidator(_check_text)]
    """条标题 in Chinese; a descriptive one for untitled regulation articles."""
    basis: tuple[Basis, ...] = Field(min_length=1)
    """The rules the clause implements, most specific first."""
    condition: Annotated[str, AfterValidator(str.strip)] = ""
    """When the clause appears only in some documents, or how it varies; empty: always."""


_TABLE = TypeAdapter(dict[ClauseId, Clause])


@dataclass(frozen=True)
class Entry:
    """A catalogued clause as it appears in one rendered document."""

    id: str
    document: str
    """The output file stem, e.g. ``regulation`` or ``contract-MY-ITO-2026-001``."""
    kind: str
    """The document kind, e.g. ``contract``."""
    number: str
    """How the document numbers the clause, e.g. 第十二条 or 第3.2条; empty when unnumbered."""
    title: str
    basis: tuple[str, ...]
    condition: str = ""
    replaced: bool = False
    """True when the profile rewrites the clause (`clauses.replace`): check its basis still holds."""
    added: bool = False
    """True for a clause of the organisation's own (`clauses.add`): not in the catalogue, so
    with no basis, and titled as the profile titles it (empty for an untitled article)."""

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Uncatalogued:
    """A chapter or article id in a rendered document that the catalogue does not describe."""

    id: str
    document: str
    """The output file stem, e.g. ``regulation``."""
    kind: str
    number: str
    """The id's number in the document, e.g. 第十二条."""
    reason: str
    """Why it counts as uncatalogued: missing, or catalogued for another document kind."""

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return asdict(self)


def library(template_dirs: Sequence[Path] = ()) -> dict[str, Clause]:
    """Return the clause catalogue from the first template folder that has one."""
    for folder in environment_for(template_dirs).folders:
        path = folder / CATALOGUE
        if path.is_file():
            return _load(str(path))
    raise RenderError(f"找不到 {CATALOGUE} (clause library missing)")


@CACHES.memo(files=True)
def _load(path: str) -> dict[str, Clause]:
    try:
        data = CACHES.read_yaml(path)
        return _TABLE.validate_python(data)
    except (YAMLError, ValidationError) as exc:
        raise RenderError(f"{path} 格式有误 (invalid clause library): {exc}") from None


def catalogue(
    profile: Profile,
    template_dirs: Sequence[Path] = (),
    *,
    built: Sequence[Built] | None = None,
) -> list[Entry]:
    """Return an Entry for every catalogued clause in the documents of `profile`'s set, and for
    every clause the profile adds, in the order of the set and, within a document, in reading
    order. Excluded clauses are absent. `built` is the set already built with `template_dirs`
    (None: build it here)."""
    table = library(template_dirs)
    replaced = set(profile.clauses.replace)
    added = {a.id: a for a in profile.clauses.add}
    out: list[Entry] = []
    for one in _built(profile, template_dirs, built):
        job, document, refs = one.job, one.document, one.refs
        numbered = set(numbered_ids(document.blocks))
        for clause_id, ref in refs.items():
            own = added.get(clause_id)
            if own is not None:
                number = ref if clause_id in numbered else ""
                out.append(
                    Entry(clause_id, job.stem, job.kind.name, number, own.title or "", (),
                          added=True)
                )  # fmt: skip
                continue
            clause = table.get(clause_id)
            if clause is None or clause.document != job.kind.name:
                continue
            out.append(
                Entry(
                    id=clause_id,
                    document=job.stem,
                    kind=job.kind.name,
                    number=ref if clause_id in numbered else "",
                    title=clause.title,
                    basis=instruments.catalogue().applicable(
                        clause.basis, profile.organisation.industry, _scopes(profile, job)
                    ),
                    condition=clause.condition,
                    replaced=clause_id in replaced,
                )
            )
    return out


def _built(
    profile: Profile, template_dirs: Sequence[Path], built: Sequence[Built] | None
) -> Sequence[Built]:
    """Return `built`, the set of `profile` already built with `template_dirs`; None: the set,
    built here."""
    return built if built is not None else build_set(profile, template_dirs=template_dirs)


def _scopes(profile: Profile, job: Job) -> tuple[Scope, ...]:
    """The outsourcing scopes a document of `job` speaks of: its engagement's, or for a
    set-wide document the regulation's."""
    return (job.engagement.scope,) if job.engagement else tuple(profile.policy.scope)


def uncatalogued(
    profile: Profile,
    template_dirs: Sequence[Path] = (),
    *,
    built: Sequence[Built] | None = None,
) -> list[Uncatalogued]:
    """Return the chapter and article ids in `profile`'s documents that the catalogue lacks or
    gives to another document kind. Articles the profile adds (`clauses.add`) are the
    organisation's own and are not reported. `built` as for `catalogue`."""
    table = library(template_dirs)
    added = {a.id for a in profile.clauses.add}
    out: list[Uncatalogued] = []
    for one in _built(profile, template_dirs, built):
        job, document, refs = one.job, one.document, one.refs
        for clause_id in _structural_ids(document.blocks):
            if clause_id in added:
                continue
            clause = table.get(clause_id)
            if clause is None:
                reason = f"{CATALOGUE} 中没有该 id (not in the catalogue)"
            elif clause.document != job.kind.name:
                reason = f"{CATALOGUE} 将该 id 归入 {clause.document} (catalogued for another kind)"
            else:
                continue
            out.append(
                Uncatalogued(clause_id, job.stem, job.kind.name, refs.get(clause_id, ""), reason)
            )
    return out


@dataclass(frozen=True)
class ClauseReport:
    """What ``policygen clauses`` lists of a profile's documents, as every front end shows it."""

    clauses: list[Entry]
    """Every catalogued clause and every clause the profile adds (`catalogue`)."""
    uncatalogued: list[Uncatalogued]
    """The chapter and article ids the catalogue lacks (`uncatalogued`)."""

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data: ``policygen clauses --json``'s."""
        return {
            "clauses": [e.as_dict() for e in self.clauses],
            "uncatalogued": [g.as_dict() for g in self.uncatalogued],
        }


def clause_report(profile: Profile, template_dirs: Sequence[Path] = ()) -> ClauseReport:
    """Return the clause list of `profile`'s documents, each built once with `template_dirs`
    for both readings."""
    built = build_set(profile, template_dirs=template_dirs)
    return ClauseReport(
        catalogue(profile, template_dirs, built=built),
        uncatalogued(profile, template_dirs, built=built),
    )


def _structural_ids(blocks: Sequence[n.Block]) -> Iterator[str]:
    """Yield the ids of the chapters and articles in `blocks`, in reading order."""
    for block in blocks:
        if isinstance(block, n.Chapter | n.Article) and block.id:
            yield block.id
        if isinstance(block, n.Chapter):
            yield from _structural_ids(block.blocks)


def numbered_ids(blocks: Sequence[n.Block], *, inside: bool = False) -> Iterator[str]:
    """Yield the ids the numbering labels: chapters, articles, the body paragraphs of articles
    and ordered-list items. Headings, tables and paragraphs outside articles (the parties block)
    are referred to by their text instead, so they have no number."""
    for block in blocks:
        match block:
            case n.Chapter():
                yield from ([block.id] if block.id else [])
                yield from numbered_ids(block.blocks)
            case n.Article():
                yield from ([block.id] if block.id else [])
                yield from numbered_ids(block.blocks, inside=True)
            case n.Paragraph() if inside and block.align is None and block.id:
                yield block.id
            case n.OrderedList():
                for item in block.items:
                    yield from ([item.id] if item.id else [])
                    yield from numbered_ids(item.blocks)
