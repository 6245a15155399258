"""Rendering a set in worker processes gives the bytes and the errors rendering in-process gives."""

from __future__ import annotations

import pickle
from concurrent.futures import Future
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from policygen.errors import InvalidInputError, Issue, Location, RenderError, UsageError
from policygen.layout.engine import Engines
from policygen.parallel import render_jobs
from policygen.pipeline import Job, jobs, render_job
from policygen.profile.load import load_profile

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "examples" / "bank.yaml"


@pytest.mark.parametrize(
    "error",
    [
        InvalidInputError([Issue("vendor.name", "不能为空", Location("p.yaml", 3, 5))], "p.yaml"),
        RenderError("模板 x 出错"),
        UsageError("未知的输出格式 y"),
    ],
)
def test_errors_survive_pickling(error: Exception) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.exit_code == error.exit_code  # type: ignore[attr-defined]
    if isinstance(error, InvalidInputError):
        assert copy.issues == error.issues and copy.source == error.source


def test_workers_give_the_in_process_bytes_in_job_order() -> None:
    """With WeasyPrint (workers from two documents up) the workers give what one process
    gives."""
    profile = load_profile(BANK)
    todo = jobs(profile, ["sla"])
    done: list[Job] = []
    engine = "weasyprint"
    here = render_jobs(profile, todo, ["pdf", "docx"], jobs=1, pdf_engine=engine)
    there = render_jobs(
        profile, todo, ["pdf", "docx"], jobs=2, on_done=done.append, pdf_engine=engine
    )
    assert list(there) == list(here)
    assert there == here
    assert sorted(j.filename("x") for j in done) == sorted(j.filename("x") for j in todo)


def test_a_failing_job_raises_the_in_process_error() -> None:
    """A character no font draws, in a profile field, fails the font preflight in the worker as here."""
    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    data["engagements"][1]["vendor"]["name"] = "深圳\ue000信息技术服务有限公司"
    profile = load_profile(data)
    todo = jobs(profile, ["sla"])
    with pytest.raises(InvalidInputError) as here:
        render_jobs(profile, todo, ["pdf"], jobs=1, pdf_engine="weasyprint")
    with pytest.raises(InvalidInputError) as there:
        render_jobs(profile, todo, ["pdf"], jobs=2, pdf_engine="weasyprint")
    assert str(there.value) == str(here.value)


def test_jobs_below_one_is_a_usage_error() -> None:
    profile = load_profile(BANK)
    with pytest.raises(UsageError):
        render_jobs(profile, jobs(profile, ["sla"]), ["pdf"], jobs=0)


# --------------------------------------------------------------------------- Typst in its lanes


def test_typst_set_in_one_process_gives_each_jobs_own_bytes() -> None:
    """The set rendered with Typst laying out in its lanes (jobs in flight beside the next
    one's tree and DOCX: pipeline.pipelined) gives, job by job, what rendering that job alone
    gives."""
    profile = load_profile(BANK)
    todo = jobs(profile, ["contract", "sla"])
    done: list[Job] = []
    together = render_jobs(
        profile, todo, ["docx", "pdf"], jobs=2, pdf_engine="typst", on_done=done.append
    )
    alone: dict[str, bytes] = {}
    for job in todo:
        alone.update(render_job(profile, job, ["docx", "pdf"], pdf_engine="typst"))
    assert list(together) == list(alone)
    assert together == alone
    assert done == todo  # in job order, each once


def test_typst_an_earlier_jobs_pdf_error_comes_before_a_later_jobs_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from policygen import pipeline
    from policygen.layout.typst_engine import TypstEngine

    profile = load_profile(BANK)
    todo = jobs(profile, ["contract"])
    failing = todo[0].engagement
    real_compile = TypstEngine._pdf
    real_build = pipeline.build_document

    def compile_pdf(engine: TypstEngine, lane: object, source: str, *rest: object) -> bytes:
        if failing is not None and failing.contract_no in source:
            raise RenderError("first job's PDF")
        return real_compile(engine, lane, source, *rest)  # type: ignore[arg-type]

    def build(profile_: object, job: Job, **kwargs: object) -> object:
        if job is todo[1]:
            raise RenderError("second job's tree")
        return real_build(profile_, job, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TypstEngine, "_pdf", compile_pdf)
    monkeypatch.setattr(pipeline, "build_document", build)
    done: list[Job] = []
    with pytest.raises(RenderError, match="first job's PDF"):
        render_jobs(profile, todo, ["pdf"], jobs=1, pdf_engine="typst", on_done=done.append)
    assert done == []


def test_typst_small_sets_render_without_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from policygen import parallel
    from policygen.layout.typst_engine import TypstEngine

    def no_workers(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small Typst set started worker processes")

    monkeypatch.setattr(parallel, "_render_in_workers", no_workers)
    profile = load_profile(BANK)
    todo = jobs(profile, ["regulation", "contract", "sla"])
    assert len(todo) < TypstEngine.workers_from
    files = render_jobs(profile, todo, ["docx", "pdf"], jobs=2, pdf_engine="typst")
    assert sorted(files) == sorted(j.filename(f) for j in todo for f in ("docx", "pdf"))
    assert all(data[:5] == b"%PDF-" for name, data in files.items() if name.endswith(".pdf"))


def test_typst_files_written_early_keep_their_error_for_the_result(
    monkeypatch: pytest.MonkeyPatch, engines: Engines
) -> None:
    """A job's DOCX is written as soon as the next job is queued in Typst (write_ready); a
    writer's error then waits for the job's result, and a contents page's DOCX waits for its
    layout."""
    from policygen import pipeline

    profile = load_profile(BANK)
    contract, regulation = jobs(profile, ["contract"])[0], jobs(profile, ["regulation"])[0]

    def failing_docx(doc: object, options: object) -> bytes:
        raise RenderError("DOCX writer failed")

    monkeypatch.setitem(pipeline.WRITERS, "docx", failing_docx)
    started = pipeline.start_job(
        profile, contract, ["docx", "pdf"], engines=engines, pdf_engine="typst"
    )
    started.write_ready()  # written now: no error yet
    with pytest.raises(RenderError, match="DOCX writer failed"):
        started.result()
    monkeypatch.undo()

    import threading

    from policygen.layout.typst_engine import TypstEngine

    release = threading.Event()
    real_pages = TypstEngine._pages

    def held_pages(engine: TypstEngine, *args: object) -> object:
        release.wait(30)
        return real_pages(engine, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(TypstEngine, "_pages", held_pages)
    started = pipeline.start_job(
        profile, regulation, ["docx", "pdf"], engines=engines, pdf_engine="typst"
    )
    started.write_ready()
    docx = started.files[regulation.filename("docx")]
    pdf = started.files[regulation.filename("pdf")]
    assert isinstance(docx, pipeline._Later) and docx.layout is not None
    assert docx._bytes is None  # not laid out yet: left for later
    release.set()
    assert isinstance(pdf, Future)
    pdf.result()
    started.write_ready()
    assert docx._bytes is not None  # laid out: written now
    alone = render_job(profile, regulation, ["docx", "pdf"], pdf_engine="typst")
    assert started.result() == alone


def test_freeze_heap_hides_what_exists_from_the_collector_until_thawed() -> None:
    import gc

    from policygen.parallel import freeze_heap, thaw_heap

    assert gc.get_freeze_count() == 0
    freeze_heap()
    try:
        assert gc.get_freeze_count() > 0
    finally:
        thaw_heap()
    assert gc.get_freeze_count() == 0


def test_freeze_heap_leaves_a_callers_own_frozen_objects_alone() -> None:
    import gc

    from policygen.parallel import freeze_heap, thaw_heap

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        freeze_heap()
        thaw_heap()
        # Not thawed by us (unfreezing empties the permanent generation); a frozen object
        # another thread frees meanwhile (pytest-xdist's) leaves it, so the count may drop a
        # little.
        assert frozen * 0.99 <= gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_render_run_in_process_gives_its_objects_back_to_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from policygen import cli, parallel

    counts: list[int] = []
    real = parallel.freeze_heap

    def freeze() -> None:
        real()
        counts.append(gc.get_freeze_count())

    monkeypatch.setattr(parallel, "freeze_heap", freeze)  # render imports it when it runs
    assert cli.main(["render", str(BANK), "-d", "sla", "-f", "md", "-o", str(tmp_path)]) == 0
    assert list(tmp_path.glob("*.md"))
    assert len(counts) == 1 and counts[0] > 0  # frozen while rendering
    assert gc.get_freeze_count() == 0  # and given back
