"""The document kinds policygen renders: one line each, naming the template and numbering."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What policygen needs to know to render one kind of document."""

    name: str
    """The kind's name on the command line, e.g. ``regulation``."""
    template: str
    """The Markdown-Jinja template in the template folders."""
    scheme: str
    """The numbering scheme in transforms.numbering: ``regulation`` or ``contract``."""
    per_engagement: bool
    """True when one document is rendered per engagement (contract, SLA, NDA, …)."""
    needs: str = ""
    """What an engagement must have for the kind to be rendered for it (pipeline.applies):
    ``personal_info`` (it entrusts personal information: the DPA) or ``on_premises`` (the
    vendor's people work on the organisation's premises: the safety agreement); empty for every
    engagement."""
    contents: bool = False
    """True when its DOCX has a contents page (目录) showing the pages of the PDF layout."""
    agreement: bool = False
    """True when the organisation signs it with the vendor (contract, SLA, NDA, DPA): it calls
    the organisation 甲方 (its self-names such as 本行 read 甲方, transforms.voice), and its cover
    names the parties and the signing date and place; an engagement's assessment forms are not
    agreements and show only the contract number."""

    @property
    def needs_personal_info(self) -> bool:
        """True when the kind exists only for engagements that entrust personal information."""
        return self.needs == "personal_info"


DOCUMENT_KINDS: dict[str, Kind] = {
    "regulation": Kind(
        "regulation", "regulation.md.j2", "regulation", per_engagement=False, contents=True
    ),
    "contract": Kind("contract", "contract.md.j2", "contract", per_engagement=True, agreement=True),
    "sla": Kind("sla", "sla.md.j2", "contract", per_engagement=True, agreement=True),
    "nda": Kind("nda", "nda.md.j2", "contract", per_engagement=True, agreement=True),
    "dpa": Kind(
        "dpa",
        "dpa.md.j2",
        "contract",
        per_engagement=True,
        needs="personal_info",
        agreement=True,
    ),
    "safety": Kind(
        "safety",
        "safety.md.j2",
        "contract",
        per_engagement=True,
        needs="on_premises",
        agreement=True,
    ),
    "scorecard": Kind("scorecard", "scorecard.md.j2", "contract", per_engagement=True),
    "risk_register": Kind("risk_register", "risk_register.md.j2", "contract", per_engagement=True),
}
"""Every kind, in the order a full set is rendered."""
