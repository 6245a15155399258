"""Compare two versions of a document: which clauses changed, a redline, a 修订对照表.

Input: two validated profiles (the old and the new version) and a document kind. The two
numbered trees are aligned part by part into a `Comparison`, from which this module derives
the clause summary (`summary`, JSON-ready), the tracked-changes redline (`redline`, written by
writers.docx.redline) and the 修订对照表 (`revision_table`, a document tree for the ordinary writers).

How parts are matched is described in policygen.alignment.

The clauses the summary and the 修订对照表 report are chapters (their heading line), articles
(条) and numbered contract clauses (1.1): an article that holds numbered clauses reports its own
heading line and unnumbered content, each clause separately; an article added or removed as a
whole is one clause with everything in it. Blocks outside any chapter or article form sections,
each opened by an unnumbered heading (鉴于, 附件, 修订记录), the title or a signature page.
A clause is *changed* when its text (its own number left out) differs, *renumbered* when only
its number does, and *references* (条文序号调整) when what differs besides its number is only the
number of the clauses it cites, which moved when a clause before them was added or removed: a
cross-reference citing the same clause id on both sides is the same words.

Each side of a comparison is a `Revision` of the profile: its version, the date and author of
that version's entry in ``meta.revision_history`` (see `revision_of`). The tracked changes of the
redline carry the new revision's author and date, so that Word's review pane shows who changed
what and when.

The package: `compare` (the alignment into clauses), `report` (the summary, the sentences and
the text report), `redline`, `table` (the 修订对照表) and `sources` (files and git revisions).
The words this module puts into documents (table headings, notes) are in WORDS, read from
terms.yaml."""

from policygen.diff.compare import (
    STATUS_WORDS,
    Clause,
    Comparison,
    Revision,
    Status,
    compare,
    compare_documents,
    revision_of,
)
from policygen.diff.redline import redline
from policygen.diff.report import describe, report, summary
from policygen.diff.sources import diff_sources, read_profile, render_comparison
from policygen.diff.table import TABLE_KIND, renumbering_note, revision_table

__all__ = [
    "STATUS_WORDS",
    "TABLE_KIND",
    "Clause",
    "Comparison",
    "Revision",
    "Status",
    "compare",
    "compare_documents",
    "describe",
    "diff_sources",
    "read_profile",
    "redline",
    "render_comparison",
    "renumbering_note",
    "report",
    "revision_of",
    "revision_table",
    "summary",
]
