"""The run as a user sees it: a progress bar, the summary, the report file."""

from __future__ import annotations

import signal
import time
import typing
from pathlib import Path

from policygen.batch.manifest import check_outside_templates
from policygen.batch.options import BatchOptions
from policygen.batch.results import BatchSummary, RowResult
from policygen.batch.run import run_batch
from policygen.output import write_atomic
from policygen.templating.environment import environment_for

if typing.TYPE_CHECKING:
    from rich.console import Console


# Long by design: the progress bar's callbacks beside the run they follow.
def run_with_progress(
    engagements: Path,
    profile: str | Path,
    out: Path | str,
    options: BatchOptions,
    *,
    console: Console,
    summary_console: Console,
    report: Path | None = None,
) -> int:
    """Run a batch showing a progress bar and each bad row's issues on `console`, then print the
    summary on `summary_console` and, when `report` is given, write the JSON summary there.
    Return the exit code: 1 when any row failed, 143 when a SIGTERM to a worker stopped it.

    A run stopped by SIGINT or SIGTERM (run_batch) prints and writes the summary of the rows
    it finished, then lets the signal act: KeyboardInterrupt, or the command line's exit 143."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from policygen.errors import ExitCode

    if report is not None:
        folders = environment_for(options.template_dirs).folders
        check_outside_templates(report, folders, ("报告文件", "report file"))
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("失败 {task.fields[failed]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    task = None
    failed = 0

    def start(total: int) -> None:
        nonlocal task
        task = progress.add_task("批量生成", total=total, failed=0)
        progress.start()

    def result(row: RowResult) -> None:
        nonlocal failed
        if row.status == "failed":
            failed += 1
            for message in row.messages():
                progress.console.print(message, markup=False, highlight=False)
        if task is not None:
            progress.update(task, advance=1, failed=failed)

    summary = BatchSummary()
    began = time.perf_counter()
    try:
        run_batch(
            engagements, profile, out, options, on_start=start, on_result=result, summary=summary
        )
    except BaseException as error:
        progress.stop()
        # Stopped by a signal once the rows were counted, even before the workers ran (Ctrl-C
        # while they start): say how far it got and that a rerun resumes. An error that is
        # not an interrupt (an Exception) is reported by the caller alone.
        if summary.interrupted or (task is not None and not isinstance(error, Exception)):
            summary.interrupted = True
            summary.seconds = summary.seconds or time.perf_counter() - began
            _conclude(summary, summary_console, report)
        raise
    progress.stop()
    _conclude(summary, summary_console, report)
    if summary.rows == 0:
        console.print("文件中没有合同行 (no rows)", markup=False)
        return ExitCode.INVALID_INPUT
    if summary.interrupted:
        return 128 + signal.SIGTERM
    return ExitCode.INVALID_INPUT if summary.failed else ExitCode.OK


def _conclude(summary: BatchSummary, console: Console, report: Path | None) -> None:
    """Print `summary` on `console` and write it as JSON to `report` when given."""
    console.print(
        f"{'截至中断' if summary.interrupted else '完成'}：生成 {summary.rendered} 行（{summary.files} 个文件），跳过 {summary.skipped} 行"
        f"（已是最新），失败 {summary.failed} 行，用时 {summary.seconds:.1f} 秒 "
        f"(rendered {summary.rendered}, skipped {summary.skipped}, failed {summary.failed}, "
        f"{summary.seconds:.1f} s)",
        markup=False,
        highlight=False,
    )
    if summary.interrupted:
        done = summary.rows - summary.unfinished
        console.print(
            f"已中断：已完成 {done} 行，另有 {summary.unfinished} 行未完成；重新运行同一命令即可"
            f"续做，已完成的行将跳过 (interrupted: {done} rows done, {summary.unfinished} rows "
            "not done; run again to resume)",
            markup=False,
            highlight=False,
        )
    if report is not None:
        write_atomic(report, summary.report())
