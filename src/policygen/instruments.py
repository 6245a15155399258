"""The Chinese instruments a document may cite as its basis, and to whom each applies.

Input: the catalogue (templates/zh/instruments.yaml: each law, regulation, rule, normative
document and national standard with its 文号, level, status, and the industries and outsourcing
scopes it binds) and a basis as the data files write it (``《中华人民共和国民法典》第四百七十条``,
``管理惯例``). Output: whether a basis applies to an organisation of an industry doing work of
some scopes, and how it is cited (a rule's or a normative document's 文号 after its title).

Foreign guidelines are not in the catalogue: they inform the requirement table
(``informed_by``) and are never printed as a basis. A repealed instrument is never cited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from policygen.caches import CACHES
from policygen.errors import RenderError
from policygen.profile.types import Industry, Scope

CATALOGUE_RESOURCE = "templates/zh/instruments.yaml"
"""Where the catalogue lives, relative to the policygen package."""


class Level(StrEnum):
    """效力层级, highest first: the order in which a regulation lists its bases."""

    LAW = "law"
    ADMINISTRATIVE_REGULATION = "administrative_regulation"
    RULE = "rule"
    NORMATIVE = "normative"
    STANDARD = "standard"


def _title(value: str) -> str:
    if not (value.startswith("《") and value.endswith("》")) or value.count("《") != 1:
        raise ValueError(f"标题应为带书名号的全称，如《中华人民共和国民法典》：{value!r}")
    return value


Title = Annotated[str, AfterValidator(_title)]


class Instrument(BaseModel):
    """One instrument of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    """Its full title in 书名号."""
    title_en: str = ""
    """Its official English title, without brackets, for the English templates (en_law);
    empty when it has none."""
    number: str = ""
    """文号, e.g. 银保监办发〔2021〕141号; cited after the title unless the instrument is a law."""
    number_en: str = ""
    """The 文号 as an English text cites it after the title, e.g. Yin Bao Jian Ban Fa [2021] No. 141."""
    level: Level
    status: Literal["in_force", "repealed", "unverified"] = "in_force"
    """unverified: its being in force is not confirmed; like a repealed one, never cited."""
    repealed_by: str = ""
    """The key of the instrument that repealed it."""
    industries: tuple[Industry | Literal["all"], ...] = Field(min_length=1)
    scopes: tuple[Scope | Literal["all"], ...] = Field(min_length=1)
    basis_of_regulation: bool = False
    """Listed among a regulation's bases (第一条) wherever it applies."""
    aliases: tuple[Title, ...] = ()
    """Short titles the documents use, e.g. 《个人信息保护法》."""
    note: str = ""
    """How sure the catalogue is of the 文号, the status or the article numbers; never printed."""

    @property
    def in_force(self) -> bool:
        return self.status == "in_force"

    def applies(self, industry: Industry, scopes: Iterable[Scope]) -> bool:
        """Return whether the instrument is in force and binds an organisation of `industry`
        doing outsourcing of any of `scopes`."""
        return (
            self.in_force
            and ("all" in self.industries or industry in self.industries)
            and ("all" in self.scopes or any(scope in self.scopes for scope in scopes))
        )

    @property
    def citation(self) -> str:
        """The title as a document cites it: a rule's or normative document's 文号 in brackets
        after it (a law is cited by its title alone)."""
        if self.number and self.level is not Level.LAW:
            return f"{self.title}（{self.number}）"
        return self.title


class Regulator(BaseModel):
    """Who supervises the outsourcing of an organisation of one industry, as the documents
    name it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: str = Field(min_length=1)
    """What the organisation is, e.g. 证券基金经营机构 (the contract's recital)."""
    body: str = Field(min_length=1)
    """The regulation's 监管部门, e.g. 国家金融监督管理总局及其派出机构."""
    includes: str = Field(min_length=1)
    """The contract's 监管机构, e.g. 中国证券监督管理委员会及其派出机构."""
    note: str = ""
    """For the editors; never printed."""


class Catalogue(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    practices: tuple[str, ...] = Field(min_length=1)
    """Bases that name no rule (合同惯例, 管理惯例…), printed as written."""
    no_applicable_basis: str = Field(min_length=1)
    """Printed when none of an element's bases applies to the organisation."""
    regulators: dict[Industry, Regulator] = Field(default_factory=dict)
    """The regulator of each industry whose outsourcing is supervised; an industry not listed
    has none."""
    instruments: dict[str, Instrument]

    def regulator(self, industry: Industry) -> Regulator | None:
        """Return the regulator of an organisation of `industry`; None when its outsourcing has
        none."""
        return self.regulators.get(industry)

    def find(self, basis: str) -> Instrument | None:
        """Return the instrument `basis` cites (by its title or an alias at its start), or None
        for a practice. Raise ValueError for anything else: a title the catalogue lacks, or a
        text that is neither a title nor a practice (a foreign guideline)."""
        found = self._match(basis)
        return found[0] if found else None

    def cite(self, basis: str) -> str:
        """Return `basis` as printed: its title followed by the 文号 where one is cited,
        then the article (``《…办法》（银保监办发〔2021〕141号）第二十一条``)."""
        found = self._match(basis)
        if found is None:
            return basis
        instrument, title = found
        rest = basis[len(title) :]
        if rest.startswith("（"):  # the data gave the 文号 already
            return instrument.title + rest
        return instrument.citation + rest

    def _match(self, basis: str) -> tuple[Instrument, str] | None:
        """Return the instrument `basis` cites and the title (or alias) it starts with; None
        for a practice; raise ValueError as `find` says."""
        if basis in self.practices:
            return None
        for instrument in self.instruments.values():
            for title in (instrument.title, *instrument.aliases):
                if basis.startswith(title):
                    return instrument, title
        if basis.startswith("《"):
            raise ValueError(
                f"{basis!r} 不在法律依据目录 {CATALOGUE_RESOURCE} 中；请先在目录中登记该文件"
                "（文号、效力层级、适用行业和外包类型）"
            )
        raise ValueError(
            f"依据应以《法规名称》开头，或写 {'、'.join(self.practices)}：{basis!r}"
            "（境外监管指引不作为依据，写入 informed_by）"
        )

    def applicable(
        self, bases: Sequence[str], industry: Industry, scopes: Iterable[Scope]
    ) -> tuple[str, ...]:
        """Return the `bases` that bind an organisation of `industry` doing outsourcing of
        `scopes`, cited (`cite`), practices kept; `no_applicable_basis` alone when none does."""
        scopes = tuple(scopes)
        kept = []
        for basis in bases:
            instrument = self.find(basis)
            if instrument is None or instrument.applies(industry, scopes):
                kept.append(self.cite(basis))
        return tuple(kept) or (self.no_applicable_basis,)

    def regulation_bases(
        self, listed: Sequence[str], industry: Industry, scopes: Iterable[Scope]
    ) -> tuple[str, ...]:
        """Return the bases a regulation cites in its first article: those `listed` in the
        profile, then every instrument marked `basis_of_regulation` that applies and is not
        listed, ordered by level (laws first), an industry's own before the general, then in
        catalogue order; each cited with its 文号. A listed title the catalogue lacks (the
        organisation's own rule, a local regulation) comes last, as listed."""
        scopes = tuple(scopes)
        levels = list(Level)
        keys = list(self.instruments.values())
        # (level, an industry's own before the general, catalogue order, listed order, text)
        chosen: list[tuple[int, int, int, int, str]] = []
        seen: set[str] = set()
        for position, basis in enumerate(listed):
            instrument = self._known(basis)
            if instrument is None:  # the organisation's own or a local rule: after the rest
                chosen.append((len(levels), 1, len(keys), position, basis))
                continue
            seen.add(instrument.title)
            chosen.append(self._rank(instrument, keys, position, self.cite(basis)))
        for instrument in keys:
            if (
                instrument.basis_of_regulation
                and instrument.title not in seen
                and instrument.applies(industry, scopes)
            ):
                chosen.append(self._rank(instrument, keys, len(listed), instrument.citation))
        return tuple(text for *_, text in sorted(chosen))

    @staticmethod
    def _rank(
        instrument: Instrument, keys: list[Instrument], position: int, text: str
    ) -> tuple[int, int, int, int, str]:
        """Sort key of a regulation basis: level, then an industry's own law before the laws
        of every industry, then catalogue order."""
        general = 1 if "all" in instrument.industries else 0
        return (
            list(Level).index(instrument.level),
            general,
            keys.index(instrument),
            position,
            text,
        )

    def regulator_rules(self, industry: Industry, scopes: Iterable[Scope]) -> tuple[str, ...]:
        """Return the supervisory rules (below the level of a law) that bind an organisation of
        `industry` doing outsourcing of `scopes` and that its regulation names as its basis,
        cited with their 文号: what it reports to its regulator under."""
        scopes = tuple(scopes)
        return tuple(
            i.citation
            for i in self.instruments.values()
            if i.basis_of_regulation and i.level is not Level.LAW and i.applies(industry, scopes)
        )

    def _known(self, basis: str) -> Instrument | None:
        try:
            return self.find(basis)
        except ValueError:
            return None

    def refused(self, basis: str, industry: Industry, scopes: Iterable[Scope]) -> str:
        """Return why an organisation of `industry` doing outsourcing of `scopes` may not cite
        `basis`, or an empty string when it may (an instrument not in the catalogue may be
        cited: it is the organisation's own or a local rule)."""
        instrument = self._known(basis)
        if instrument is None:
            return ""
        if instrument.status == "unverified":
            return f"{instrument.citation}的现行有效状态未经核实，暂不作为依据"
        if not instrument.in_force:
            replaced = self.instruments.get(instrument.repealed_by)
            by = f"，已由{replaced.citation}取代" if replaced else ""
            return f"{instrument.citation}已废止{by}"
        if not instrument.applies(industry, scopes):
            who = "、".join(INDUSTRY_WORDS.get(str(i), str(i)) for i in instrument.industries)
            what = "" if "all" in instrument.scopes else f"的{'、'.join(instrument.scopes)}外包"
            return f"{instrument.title}适用于{who}{what}，不适用于本机构"
        return ""


INDUSTRY_WORDS = {
    "all": "各行业",
    "banking": "银行业",
    "insurance": "保险业",
    "securities": "证券基金业",
    "manufacturing": "制造业",
    "internet": "互联网行业",
    "retail": "零售业",
    "healthcare": "医疗卫生行业",
    "other": "其他行业",
}
"""How `refused` names an instrument's industries."""


@CACHES.memo(files=True)
def catalogue() -> Catalogue:
    """Return the bundled catalogue, read and validated once while it is unchanged."""
    path = resources.files("policygen") / CATALOGUE_RESOURCE
    try:
        data = CACHES.read_yaml(str(path))
        return Catalogue.model_validate(data)
    except ValidationError as exc:
        raise RenderError(
            f"{CATALOGUE_RESOURCE} 格式有误 (invalid instrument catalogue): {exc}"
        ) from None
