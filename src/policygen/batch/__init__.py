"""Render one contract set per row of an engagements file, in parallel worker processes or on a Dask cluster.

Input: an organisation profile, a JSON Lines or CSV file holding one engagement per row (the
shape of ``engagements[]`` in a profile) and an output folder. Output: for every good row,
``OUT/<contract_no>/<kind>-<contract_no>.<fmt>`` and a manifest ``.policygen.json`` beside them,
so that a second run skips every file whose inputs have not changed; for every bad row, its
issues, named by row number and field path. A bad row never stops the others.

Rows are streamed: the file is read twice (once to count rows and find duplicate contract
numbers, once to render), at most two tasks per worker are in flight (a task is one row, or,
when the engine keeps two cores busy, up to CHUNK rows pipelined in one worker), and each worker writes its rows' files
itself; the failed rows' errors wait in a temporary file (ErrorLog), so memory stays flat
however long the file is and however many rows fail. How rows are read (CSV columns, lists in
cells) is described in readers/engagements.py.

The package: `rows` (a row checked as a profile), `manifest` (what is up to date), `results`,
`options`, `workers` (what renders rows, in any process), `scheduling` (where: the local pool),
`cluster` (or a Dask cluster, `--scheduler`; imported only then), `run` (one run, whichever
renders it) and `progress` (as a user sees it).

One run holds an output folder at a time (output_lock). SIGINT or SIGTERM stops a run after the
rows in progress, which are reported; the workers end with the run however it ends
(procs.serve_parent)."""

from policygen.batch.constants import DEFAULT_KINDS, MANIFEST, OUTPUT_FOLDER, Status
from policygen.batch.manifest import (
    MAX_TEMPLATE_FILE_BYTES,
    check_outside_templates,
    inputs_digest,
    read_manifest,
    templates_digest,
)
from policygen.batch.options import BatchOptions, batch_kinds
from policygen.batch.progress import run_with_progress
from policygen.batch.results import BatchSummary, ErrorLog, RowResult
from policygen.batch.rows import engagement_profile, organisation_data
from policygen.batch.run import LOCK, output_lock, run_batch
from policygen.batch.workers import CHUNK

__all__ = [
    "CHUNK",
    "DEFAULT_KINDS",
    "LOCK",
    "MANIFEST",
    "MAX_TEMPLATE_FILE_BYTES",
    "OUTPUT_FOLDER",
    "BatchOptions",
    "BatchSummary",
    "ErrorLog",
    "RowResult",
    "Status",
    "batch_kinds",
    "check_outside_templates",
    "engagement_profile",
    "inputs_digest",
    "organisation_data",
    "output_lock",
    "read_manifest",
    "run_batch",
    "run_with_progress",
    "templates_digest",
]
