"""Check a profile for everything rendering its set needs, and report every problem at once.

Input: a parsed profile (profile.load.Parsed) or a validated Profile, and the template folders.
Output: the Profile, or InvalidInputError listing in one pass, each at its path and, for a
parsed file, its file:line:column: the model's errors (profile.load); clause adaptations
(``clauses``) that name no clause of the library, or none of the documents this profile's set
holds, or add an id the library uses; references the adaptations leave pointing at nothing;
and, when asked (``validate``), whatever building a document of the set fails on.

The clause ids a document can hold are known two ways. When the model is valid, by rendering
the set's templates (the ids this profile's documents really have). When it is not, by reading
the ``{#id}`` markers in the template sources (the library), so that an unknown id is reported
beside a bad date instead of after it is fixed. The command line, the API, the service and
batch all check through `check_parsed` or `check_set`: validate and render see the same."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from jinja2 import TemplateNotFound

from policygen.caches import CACHES
from policygen.errors import InvalidInputError, Issue, Location, RenderError, suggest
from policygen.kinds import DOCUMENT_KINDS
from policygen.pipeline import Job, TemplateOutput, finish_tree, jobs, read_template
from policygen.profile.load import Loc, Parsed, dotted, parse_source, validate
from policygen.profile.model import Profile
from policygen.style.load import load_style, style_path, unknown_style
from policygen.templating.environment import environment_for
from policygen.transforms.clauses import adapt
from policygen.tree import nodes as n

Where = Callable[[Loc], Location | None]
"""Return the place of a path in the profile's source; None when it has none (no file)."""

# --------------------------------------------------------------------------- loading


def load_checked(
    source: str | Path | Mapping[str, Any],
    *,
    fmt: str | None = None,
    name: str | None = None,
    template_dirs: Sequence[Path] = (),
    documents: bool = False,
) -> Profile:
    """Return the profile in `source` (a path, ``-`` or a mapping, as for profile.load_profile)
    checked by `check_parsed`; raise InvalidInputError listing every problem."""
    return check_parsed(
        parse_source(source, fmt=fmt, name=name),
        template_dirs=template_dirs,
        documents=documents,
    )


def check_parsed(
    parsed: Parsed, *, template_dirs: Sequence[Path] = (), documents: bool = False
) -> Profile:
    """Return the Profile `parsed` describes when its set can be rendered with the templates in
    `template_dirs` (and the bundled ones); raise InvalidInputError listing every problem.

    With `documents`, also build every document of the set (without writing it) and report
    what fails: what ``validate`` promises. Render leaves this to the rendering itself, which
    builds the same trees next and writes nothing when one fails."""
    try:
        profile = validate(parsed)
    except InvalidInputError as error:
        issues = [*error.issues, *check_data(parsed, error.issues, template_dirs=template_dirs)]
        raise InvalidInputError(sorted(issues, key=_line), parsed.source) from None
    issues = check_set(
        profile, template_dirs=template_dirs, where=parsed.location, documents=documents
    )
    if issues:
        raise InvalidInputError(sorted(issues, key=_line), parsed.source)
    return profile


def checked(profile: Profile, *, template_dirs: Sequence[Path] = ()) -> Profile:
    """Return `profile` when `check_set` finds nothing; raise InvalidInputError otherwise."""
    issues = check_set(profile, template_dirs=template_dirs)
    if issues:
        raise InvalidInputError(issues, "clauses")
    return profile


def _line(issue: Issue) -> tuple[int, int]:
    """Return where `issue` sits, for sorting: issues without a place first."""
    where = issue.location
    return (where.line or 0, where.column or 0) if where else (0, 0)


# --------------------------------------------------------------------------- the library


@dataclass(frozen=True)
class Library:
    """The clause ids each document kind's templates can produce, read from their source."""

    ids: Mapping[str, frozenset[str]]
    """Ids written literally (``{#vendor-criteria}``), by document kind."""
    patterns: Mapping[str, tuple[re.Pattern[str], ...]]
    """Ids written with a Jinja expression (``{#{{ prefix }}-disputes}``), by document kind."""

    def kinds_of(self, clause_id: str) -> list[str]:
        """Return the document kinds whose templates can produce `clause_id`, in set order."""
        return [
            kind
            for kind in DOCUMENT_KINDS
            if clause_id in self.ids.get(kind, ())
            or any(p.fullmatch(clause_id) for p in self.patterns.get(kind, ()))
        ]

    def literal(self) -> set[str]:
        """Return every id written literally, whatever the kind."""
        return set().union(*self.ids.values())


_MARKER = re.compile(r"(?<!\\)\{(?:\s*\.[A-Za-z][\w-]*)*\s*#((?:[\w-]|\{\{.*?\}\})+)")
"""An id attribute in a template's source: ``{#id}``, ``{.unnumbered #id}``, ``{#{{ x }}-y}``."""
_REFERENCED = re.compile(r"\{%-?\s*(?:include|import|from|extends)\b(.*?)%\}", re.DOTALL)
_QUOTED = re.compile(r"""["']([^"'\n]+)["']""")
_EXPRESSION = re.compile(r"\{\{.*?\}\}")
_ANY_ID = re.compile(r".+")


def library_ids(template_dirs: Sequence[Path] = ()) -> Library:
    """Return the ids the templates of every document kind can produce: the markers in each
    kind's template and the templates it includes or imports by name. A template named by a
    variable may hold any id; one that is missing is left to rendering to report."""
    env = environment_for(template_dirs).jinja
    ids: dict[str, frozenset[str]] = {}
    patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
    for kind in DOCUMENT_KINDS.values():
        literal: set[str] = set()
        dynamic: list[re.Pattern[str]] = []
        todo, seen = [kind.template], set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                text = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
            except (TemplateNotFound, RenderError):
                continue
            for tag in _REFERENCED.finditer(text):
                names = _QUOTED.findall(tag.group(1))
                todo += names
                if not names:
                    dynamic.append(_ANY_ID)
            for marker in _MARKER.finditer(text):
                written = marker.group(1)
                if "{{" in written:
                    parts = _EXPRESSION.split(written)
                    dynamic.append(re.compile(r"[\w-]+".join(re.escape(p) for p in parts)))
                else:
                    literal.add(written)
        ids[kind.name] = frozenset(literal)
        patterns[kind.name] = tuple(dynamic)
    return Library(ids, patterns)


# --------------------------------------------------------------------------- an invalid model


def check_data(
    parsed: Parsed, reported: Sequence[Issue] = (), *, template_dirs: Sequence[Path] = ()
) -> list[Issue]:
    """Return the clause adaptations in `parsed` (whose model is invalid) that name no clause
    any template of the library can produce, or add an id one does; paths `reported` already
    has are left alone."""
    data = parsed.data.get("clauses") if isinstance(parsed.data, dict) else None
    entries = [e for e in _raw_entries(data) if dotted(e[0]) not in {i.path for i in reported}]
    if not entries:
        return []
    library = library_ids(template_dirs)
    issues = []
    for loc, clause_id, scope in entries:
        owners = library.kinds_of(clause_id)
        if scope is None:  # an added clause's own id
            if clause_id in library.literal():
                issues.append(Issue(dotted(loc), _in_use(clause_id, owners), parsed.location(loc)))
        elif not owners or (scope and scope not in owners):
            message = _elsewhere(clause_id, scope, owners) if owners else None
            message = message or _unknown(clause_id, library.literal())
            issues.append(Issue(dotted(loc), message, parsed.location(loc)))
    return issues


def _raw_entries(clauses: Any) -> Iterator[tuple[Loc, str, str | None]]:
    """Yield each clause id in plain `clauses` data: its path, the id, and the document kind
    it must be found in ("" for any; None for an added clause's own id)."""
    if not isinstance(clauses, dict):
        return
    exclude, replace, add = (clauses.get(k) for k in ("exclude", "replace", "add"))
    for i, clause_id in enumerate(exclude if isinstance(exclude, list) else ()):
        if isinstance(clause_id, str):
            yield ("clauses", "exclude", i), clause_id.strip(), ""
    for clause_id in replace if isinstance(replace, dict) else ():
        yield ("clauses", "replace", clause_id), str(clause_id).strip(), ""
    for i, added in enumerate(add if isinstance(add, list) else ()):
        if not isinstance(added, dict):
            continue
        document = added.get("document")
        scope = document if isinstance(document, str) and document in DOCUMENT_KINDS else ""
        for anchor in ("after", "before"):
            if isinstance(added.get(anchor), str):
                yield ("clauses", "add", i, anchor), added[anchor].strip(), scope
        if isinstance(added.get("id"), str):
            yield ("clauses", "add", i, "id"), added["id"].strip(), None


# --------------------------------------------------------------------------- a valid model


def check_set(
    profile: Profile,
    *,
    template_dirs: Sequence[Path] = (),
    where: Where | None = None,
    documents: bool = False,
) -> list[Issue]:
    """Return what rendering the set of `profile` would meet.

    Clause adaptations: ids no document of the set holds (saying which kind of document holds
    them, if any), added ids the library uses, clauses removed or rewritten that others still
    refer to; each at its path (``clauses.exclude[0]``), placed by `where` (None: unplaced).
    With `documents`, also every document whose tree cannot be built (one issue each). Renders
    the set's templates only when `profile` adapts clauses or `documents` is asked."""
    clauses = profile.clauses
    adapting = bool(clauses.exclude or clauses.replace or clauses.add)
    place = where or (lambda loc: None)
    issues: list[Issue] = _style_issues(profile, template_dirs, place)
    if not (adapting or documents):
        return issues
    outputs: list[tuple[Job, TemplateOutput]] = []
    failed: set[str] = set()
    for job in jobs(profile):
        try:
            outputs.append((job, read_template(profile, job, template_dirs=template_dirs)))
        except RenderError as error:
            failed.add(job.kind.name)
            issues.append(_document_issue(job, error))
    broken = [
        _broken_references(output.blocks, profile, job) if adapting else []
        for job, output in outputs
    ]
    if adapting:
        issues += _clause_issues(profile, outputs, failed, template_dirs, place)
        seen = {(issue.path, issue.message) for issue in issues}
        for loc, message in (found for each in broken for found in each):
            if (dotted(loc), message) not in seen:
                seen.add((dotted(loc), message))
                issues.append(Issue(dotted(loc), message, place(loc)))
    if documents:
        for (job, output), breaks in zip(outputs, broken, strict=True):
            try:
                if not breaks:  # a broken reference is reported above, at its adaptation
                    finish_tree(profile, job, output)
            except RenderError as error:
                issues.append(_document_issue(job, error))
    return issues


def _style_issues(profile: Profile, template_dirs: Sequence[Path], place: Where) -> list[Issue]:
    """Return what is wrong with the house style ``meta.style`` names: no template folder has
    it (at ``meta.style``), or its file is invalid (its own issues, located in it)."""
    name = profile.meta.style
    folders = environment_for(template_dirs).folders
    path = style_path(name, folders)
    if path is None:
        loc = ("meta", "style")
        return [Issue(dotted(loc), unknown_style(name, folders), place(loc))]
    try:
        load_style(path, folders)
    except InvalidInputError as error:
        return list(error.issues)
    return []


def _clause_issues(
    profile: Profile,
    outputs: list[tuple[Job, TemplateOutput]],
    failed: set[str],
    template_dirs: Sequence[Path],
    place: Where,
) -> list[Issue]:
    """Return the ids in `profile.clauses` the documents of `outputs` do not hold as they
    should, and the added ids already in use. A kind in `failed` did not render: an id it may
    hold is not reported."""
    clauses = profile.clauses
    held: dict[str, set[str]] = {}
    for job, output in outputs:
        held.setdefault(job.kind.name, set()).update(_ids(output.blocks))
    known = set().union(*held.values())
    produced = set(held) | failed
    library = library_ids(template_dirs)
    issues: list[Issue] = []

    def check(loc: Loc, clause_id: str, scope: str = "") -> None:
        if clause_id in (held.get(scope, ()) if scope else known):
            return
        owners = library.kinds_of(clause_id)
        if scope in owners:
            owners = [scope]
        if failed.intersection(owners):
            return  # a document that failed to render may hold it: that failure is reported
        if not owners:
            message = _unknown(clause_id, known | library.literal())
        else:
            message = _elsewhere(clause_id, scope, owners) or _not_in_set(
                clause_id, owners, profile, produced
            )
        issues.append(Issue(dotted(loc), message, place(loc)))

    for i, clause_id in enumerate(clauses.exclude):
        check(("clauses", "exclude", i), clause_id)
    for clause_id in clauses.replace:
        check(("clauses", "replace", clause_id), clause_id)
    for i, added in enumerate(clauses.add):
        anchor = "after" if added.after else "before"
        check(
            ("clauses", "add", i, anchor), added.after or added.before or "", added.document or ""
        )
        if added.id in known or added.id in library.literal():
            loc = ("clauses", "add", i, "id")
            owners = library.kinds_of(added.id)
            issues.append(Issue(dotted(loc), _in_use(added.id, owners), place(loc)))
    return issues


def _document_issue(job: Job, error: RenderError) -> Issue:
    name = job.stem
    return Issue("", f"文档 {name} 无法生成 (cannot build the document): {error}")


def _broken_references(
    blocks: tuple[n.Block, ...], profile: Profile, job: Job
) -> list[tuple[Loc, str]]:
    """Return, for each clause of `job`'s document that the clause adaptations remove or
    rewrite while other clauses still refer to it, the adaptation's path and the message."""
    clauses = profile.clauses
    chains = dict(_walk(blocks))
    adapted = adapt(blocks, clauses, job.kind.name)
    present = set(_ids(adapted))
    referrers: dict[tuple[Loc, str, str], dict[str, None]] = {}
    for target, referrer in _references(adapted):
        if target in present or target not in chains:
            continue  # present, or never there: a template's own error, reported when built
        for ancestor in chains[target]:
            if ancestor in clauses.exclude:
                loc: Loc = ("clauses", "exclude", clauses.exclude.index(ancestor))
            elif ancestor in clauses.replace:
                loc = ("clauses", "replace", ancestor)
            else:
                continue
            referrers.setdefault((loc, ancestor, target), {})[referrer] = None
            break
    found = []
    for (loc, ancestor, target), by in referrers.items():
        excluded = loc[1] == "exclude"
        verb, english = ("删除", "excluded") if excluded else ("改写", "replaced")
        named = "、".join(f"「{r}」" for r in by if r)
        who = f"条款{named}" if named else "正文"
        inside = "" if ancestor == target else f"（在「{ancestor}」之内）"
        found.append(
            (
                loc,
                f"{job.kind.name} 中{who}引用了条款「{target}」{inside}，{verb}后引用将无所指 "
                f"(clause {target} is referred to in {job.kind.name}: {ancestor} cannot be "
                f"{english})",
            )
        )
    return found


# --------------------------------------------------------------------------- messages


def _unknown(clause_id: str, candidates: set[str]) -> str:
    hint = suggest(clause_id, sorted(candidates))
    return f"条款库中没有 id「{clause_id}」{hint.zh} (unknown clause id{hint.en})"


def _in_use(clause_id: str, owners: list[str]) -> str:
    where = f"（{'、'.join(owners)}）" if owners else ""
    return f"id「{clause_id}」已被条款库使用{where}，请换一个 (id already in use)"


def _elsewhere(clause_id: str, scope: str, owners: list[str]) -> str | None:
    """Return the message for an anchor looked for in `scope` but found only in `owners`."""
    if not scope or scope in owners:
        return None
    return (
        f"条款「{clause_id}」不在 {scope} 中，而在 {'、'.join(owners)} 中 "
        f"(clause {clause_id} is not in {scope} but in {', '.join(owners)})"
    )


def _not_in_set(clause_id: str, owners: list[str], profile: Profile, rendered: set[str]) -> str:
    """Return the message for a library clause the profile's documents do not hold."""
    absent = [kind for kind in owners if kind not in rendered]
    if len(absent) == len(owners):
        reasons = {_why_absent(kind, profile) for kind in absent}
        why = f"（{'；'.join(sorted(r for r in reasons if r))}）" if any(reasons) else ""
        return (
            f"条款「{clause_id}」属于 {'、'.join(owners)}，本配置不生成该类文档{why} "
            f"(clause {clause_id} belongs to {', '.join(owners)}, not produced for this profile)"
        )
    held = [kind for kind in owners if kind in rendered]
    return (
        f"条款「{clause_id}」属于 {'、'.join(held)}，但按本配置生成的文档中没有该条款"
        f"（它只在特定设置下出现，见 policygen clauses） (clause {clause_id} is not in this "
        f"profile's {', '.join(held)}: it appears only under some settings)"
    )


def _why_absent(kind: str, profile: Profile) -> str:
    document_kind = DOCUMENT_KINDS[kind]
    if document_kind.needs_personal_info and not profile.data_protection.processes_personal_info:
        return "data_protection.processes_personal_info 为 false"
    if document_kind.needs == "on_premises" and not any(e.on_premises for e in profile.engagements):
        return "没有合同填写 on_premises"
    if document_kind.per_engagement and not profile.engagements:
        return "engagements 为空"
    return ""


# --------------------------------------------------------------------------- tree walking


def _walk(node: Any, chain: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Yield every id in `node` with the ids of the blocks it lies in, outermost first, and the
    id itself last."""
    if isinstance(node, tuple):
        for child in node:
            yield from _walk(child, chain)
        return
    if not hasattr(node, "__dataclass_fields__") or isinstance(node, n.Text):
        return
    node_id = getattr(node, "id", None)
    if node_id:
        chain = (*chain, node_id)
        yield node_id, chain
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple) or hasattr(value, "__dataclass_fields__"):
            yield from _walk(value, chain)


def _ids(blocks: tuple[n.Block, ...]) -> Iterator[str]:
    return (node_id for node_id, _ in _walk(blocks))


def _references(node: Any, holder: str = "") -> Iterator[tuple[str, str]]:
    """Yield (target, id of the nearest block around it) for every reference in `node`."""
    if isinstance(node, tuple):
        for child in node:
            yield from _references(child, holder)
        return
    if isinstance(node, n.Ref):
        yield node.target, holder
        return
    if not hasattr(node, "__dataclass_fields__") or isinstance(node, n.Text):
        return
    holder = getattr(node, "id", None) or holder
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple) or hasattr(value, "__dataclass_fields__"):
            yield from _references(value, holder)


@CACHES.memo
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
