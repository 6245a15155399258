"""Measure policygen against LibreOffice and docxtpl, its batch throughput and how it scales.

Input: this checkout, examples/bank.yaml, bench/contract_docxtpl.docx (see
make_docxtpl_template.py), LibreOffice when installed. Output: bench/RESULTS.md with the machine,
each measurement, its target and whether it is met. Every figure comes from this one run.

    .venv/bin/python bench/run.py            # everything: about 15 minutes on 2 cores
    .venv/bin/python bench/run.py --quick    # small sizes, to check the script: about 2 minutes

(a) the bank's regulation, contracts and SLAs as DOCX + PDF through the command line, against
    one ``soffice --headless --convert-to pdf`` over the same DOCX files;
(b) one contract DOCX through policygen against the same contract as a plain docxtpl template;
(c) ``policygen batch``: N contracts (DOCX + PDF) on all cores, with the peak memory of the
    whole process tree;
(d) 10 / 100 / 1,000 SLA metrics and 10 / 100 / 500 regulation articles, with a linearity check;
(e) ``policygen batch`` through a Dask cluster (``--scheduler local:N``) against the local pool,
    with 1 and 2 worker processes, and from its CPU per contract set (f) a projection to one
    million sets overnight.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import copy
import cProfile
import datetime
import io
import itertools
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BANK = ROOT / "examples" / "bank.yaml"
FONTS_CONF = ROOT / "tests" / "fonts.conf"
POLICYGEN = Path(sys.executable).parent / "policygen"
SET_KINDS = "regulation,contract,sla"
PDF_ENGINES = ("weasyprint", "typst")
"""The PDF engines measured side by side in (a) and (c) (`--pdf-engine`)."""
ALL_PARTS = frozenset({"a", "b", "c", "d", "e", "profile"})
"""The parts of the benchmark (`--only`)."""
DEFAULT = "default"
"""How (a) names the command as a user runs it: no `--pdf-engine`, the default engine."""

sys.path.insert(0, str(ROOT / "src"))


# --------------------------------------------------------------------------- measuring


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Run:
    """One timed command."""

    wall: float
    cpu: float
    returncode: int
    peak_tree_mb: float = 0.0
    peak_tree_pss_mb: float = 0.0
    peak_process_mb: float = 0.0
    processes: int = 0
    stderr: str = ""
    root_cpu: float = 0.0
    """CPU time of the command's own process (a batch's client), when sampled."""
    load: float = 0.0
    """The machine's 1-minute load average as the command started, when recorded."""


class TreeSampler(threading.Thread):
    """Sample a process and all its descendants every `interval` seconds: the sum of their
    resident sets (RSS, what `top` shows; shared pages counted in each process), the sum of their
    proportional sets (PSS, shared pages divided among their users: the memory really used), the
    largest single RSS, and their CPU time (workers started by a forkserver are not children of
    the command, so getrusage cannot see them)."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_tree = 0
        self.peak_pss = 0
        self.peak_process = 0
        self.cpu_ticks: dict[int, int] = {}
        self.stopped = threading.Event()
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.tick = os.sysconf("SC_CLK_TCK")

    def tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            # fields[0] is the state (field 3); utime and stime are fields 14 and 15
            self.ticks(int(entry.name), int(fields[11]) + int(fields[12]))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo += children.get(pid, [])
        return out

    def ticks(self, pid: int, value: int) -> None:
        if pid in self.cpu_ticks or pid == self.pid:
            self.cpu_ticks[pid] = max(self.cpu_ticks.get(pid, 0), value)

    def memory(self, pid: int) -> tuple[int, int]:
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                rss = int(statm.read().split()[1]) * self.page
            with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                pss = next(
                    int(line.split()[1]) * 1024 for line in rollup if line.startswith(b"Pss:")
                )
        except (OSError, IndexError, ValueError, StopIteration):
            return 0, 0
        return rss, pss

    def run(self) -> None:
        while not self.stopped.is_set():
            pids = self.tree()
            for pid in pids:
                self.cpu_ticks.setdefault(pid, 0)
            sizes = [self.memory(pid) for pid in pids]
            self.peak_tree = max(self.peak_tree, sum(rss for rss, _ in sizes))
            self.peak_pss = max(self.peak_pss, sum(pss for _, pss in sizes))
            self.peak_process = max(self.peak_process, max((r for r, _ in sizes), default=0))
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join()

    @property
    def cpu(self) -> float:
        return sum(self.cpu_ticks.values()) / self.tick


def run_command(
    command: Sequence[str], *, env: dict[str, str] | None = None, sample: bool = False
) -> Run:
    """Run `command` to completion; return its wall and CPU time (and peak memory)."""
    cpu = cpu_children()
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = TreeSampler(process.pid) if sample else None
    if sampler:
        sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - started
    if sampler:
        sampler.stop()
    if sampler is None:
        return Run(wall, cpu_children() - cpu, process.returncode, stderr=stderr[-2000:])
    return Run(
        wall=wall,
        cpu=max(sampler.cpu, cpu_children() - cpu),
        returncode=process.returncode,
        peak_tree_mb=sampler.peak_tree / 2**20,
        peak_tree_pss_mb=sampler.peak_pss / 2**20,
        peak_process_mb=sampler.peak_process / 2**20,
        processes=len(sampler.cpu_ticks),
        stderr=stderr[-2000:],
        root_cpu=sampler.cpu_ticks.get(process.pid, 0) / sampler.tick,
    )


def check(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise SystemExit(f"{what} failed ({run.returncode}):\n{run.stderr}")
    return run


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Return the wall times of `repeat` calls of `function`."""
    return [wall for wall, _ in timed_cpu(function, repeat)]


def timed_cpu(function: Callable[[], object], repeat: int) -> list[tuple[float, float]]:
    """Return (wall, CPU of this process) for `repeat` calls of `function`. CPU time hardly
    depends on what else the machine runs, so comparisons and linearity are judged on it."""
    times = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


# --------------------------------------------------------------------------- machine


def _first_line(command: Sequence[str]) -> str:
    try:
        result = subprocess.run(list(command), capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    return next((line.strip() for line in result.stdout.splitlines() if line.strip()), "unknown")


def machine() -> dict[str, str]:
    """Return what the figures were measured on."""
    from importlib.metadata import version

    from policygen.doctor import libreoffice, subsetting_path, weasyprint_versions

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    system = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = f"{line.split('=', 1)[1].strip(chr(34))} (Linux {platform.release()})"
    versions = weasyprint_versions()
    office = libreoffice()
    return {
        "CPU": cpu,
        "cores": f"{len(os.sched_getaffinity(0))} usable ({os.cpu_count()} online)",
        "RAM": memory,
        "OS": system,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "WeasyPrint": versions["weasyprint"],
        "Pango": versions["pango"],
        "HarfBuzz": versions["harfbuzz"],
        "fontconfig": versions["fontconfig"],
        "pydyf": versions["pydyf"],
        "python-docx": version("python-docx"),
        "docxtpl": version("docxtpl"),
        "LibreOffice": office[1] if office else "not installed",
        "font subsetting": subsetting_path(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --------------------------------------------------------------------------- (a)


def bench_set(repeat: int, engines: Sequence[str] = PDF_ENGINES) -> dict[str, Any]:
    """(a): the bank set through the CLI as a user runs it (the default command, no
    ``--pdf-engine``), and with each of `engines` named, against LibreOffice over the same
    DOCX files (the default command's). After one warm-up of each command, `repeat` rounds run
    every command once each, interleaved, so that the machine's drifting speed (a shared VM)
    weighs on policygen and LibreOffice alike; the ratio is taken round by round."""
    from policygen.writers.options import DEFAULT_PDF_ENGINE

    out: dict[str, Any] = {"engines": {}, "default_engine": DEFAULT_PDF_ENGINE}
    with tempfile.TemporaryDirectory(prefix="policygen-bench-") as temp:
        folder = Path(temp)
        target = folder / "out"
        commands: dict[str, tuple[list[str], list[str]]] = {}
        for engine in (DEFAULT, *(e for e in engines if e != DEFAULT_PDF_ENGINE)):
            flag = [] if engine == DEFAULT else ["--pdf-engine", engine]
            both = [str(POLICYGEN), "render", str(BANK), "-d", SET_KINDS, "-f", "docx,pdf"]
            both += [*flag, "-o", str(target if engine == DEFAULT else folder / f"out-{engine}")]
            pdf_only = [str(POLICYGEN), "render", str(BANK), "-d", SET_KINDS, "-f", "pdf"]
            pdf_only += [*flag, "-o", str(folder / f"pdf-only-{engine}")]
            commands[engine] = (both, pdf_only)
            check(run_command(both), f"policygen render {' '.join(flag)} (warm-up)")
            check(run_command(pdf_only), f"policygen render -f pdf {' '.join(flag)} (warm-up)")
            out["engines"][engine] = {
                "both": [],
                "pdf": [],
                "pages": _pages(sorted(Path(both[-1]).glob("*.pdf"))),
            }
        docx_files = sorted(target.glob("*.docx"))
        out["documents"] = [f.name for f in docx_files]
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        env = dict(os.environ)
        if FONTS_CONF.is_file():
            env["FONTCONFIG_FILE"] = str(FONTS_CONF)
        profile = folder / "lo-profile"

        def convert(user: Path, to: Path) -> Run:
            assert soffice is not None
            to.mkdir(parents=True, exist_ok=True)
            return check(
                run_command(
                    [
                        soffice,
                        f"-env:UserInstallation={user.as_uri()}",
                        "--headless",
                        "--norestore",
                        "--convert-to",
                        "pdf",
                        "--outdir",
                        str(to),
                        *map(str, docx_files),
                    ],
                    env=env,
                ),
                "soffice --convert-to pdf",
            )

        if soffice is not None:
            convert(profile, folder / "lo-warm-up")  # creates the profile, warms the disk cache
            out["libreoffice"] = []
        else:
            out["libreoffice"] = None
        for i in range(repeat):
            # The default command and LibreOffice back to back, so that each round's ratio
            # compares the two under the same load.
            for engine, (both, pdf_only) in commands.items():
                runs = out["engines"][engine]
                runs["both"].append(check(run_command(both), "policygen render"))
                if engine == DEFAULT and soffice is not None:
                    out["libreoffice"].append(convert(profile, folder / f"lo-{i}"))
                runs["pdf"].append(check(run_command(pdf_only), "render -f pdf"))
        if soffice is None:
            return out
        converted = sorted((folder / "lo-0").glob("*.pdf"))
        if len(converted) != len(docx_files):
            raise SystemExit(f"LibreOffice converted {len(converted)} of {len(docx_files)} files")
        out["libreoffice_pages"] = _pages(converted)
        out["libreoffice_cold"] = convert(folder / "lo-fresh", folder / "lo-fresh-out")
    return out


def _pages(pdfs: list[Path]) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(str(p)).pages) for p in pdfs)


def bench_set_inprocess(repeat: int) -> dict[str, Any]:
    """Where the CLI's time goes: start-up, then each document warm, in this process, laid
    out by one engine session (the default engine) as the command line holds one."""
    from policygen.layout.engine import Engines
    from policygen.pipeline import jobs, render_job
    from policygen.profile.load import load_profile

    startup = run_command([sys.executable, "-c", "import policygen.cli, policygen.pipeline"])
    profile = load_profile(BANK)
    todo = jobs(profile, SET_KINDS.split(","))
    with Engines() as engines:

        def render(job: Any, formats: list[str]) -> dict[str, bytes]:
            return render_job(profile, job, formats, engines=engines)

        first = timed(lambda: [render(j, ["docx", "pdf"]) for j in todo], 1)[0]
        per_doc: dict[str, dict[str, float]] = {}
        for job in todo:
            name = job.filename("x")[:-2]
            per_doc[name] = {
                fmt: min(timed(lambda job=job, fmt=fmt: render(job, [fmt]), repeat))
                for fmt in ("pdf", "docx")
            }
            per_doc[name]["docx+pdf"] = min(
                timed(lambda job=job: render(job, ["docx", "pdf"]), repeat)
            )
        warm = min(timed(lambda: [render(j, ["docx", "pdf"]) for j in todo], max(1, repeat)))
    return {"startup": startup.wall, "first": first, "warm": warm, "per_doc": per_doc}


# --------------------------------------------------------------------------- (b)


def bench_docxtpl(repeat: int) -> dict[str, Any]:
    """(b): one contract DOCX, policygen against the docxtpl template, N renders each."""
    from policygen.writers.docx.docxtpl_loader import load_docxtpl

    DocxTemplate = load_docxtpl()

    from policygen.api import render
    from policygen.pipeline import build_document, jobs, writer_options
    from policygen.profile.load import load_profile
    from policygen.writers.docx.writer import write_docx

    template = (BENCH / "contract_docxtpl.docx").read_bytes()
    context = json.loads((BENCH / "contract_docxtpl.json").read_text(encoding="utf-8"))
    profile = load_profile(BANK)
    number = context["contract_contract_no"]

    def policygen_once() -> bytes:
        return render(profile, "contract", "docx", contract_no=number)

    def docxtpl_once() -> bytes:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, autoescape=True)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    for _ in range(2):  # warm-up: compiled templates, imports, caches
        policygen_once()
        docxtpl_once()
    ours, theirs = [], []
    for _ in range(repeat):  # interleaved, so a busy moment hits both
        ours += timed_cpu(policygen_once, 1)
        theirs += timed_cpu(docxtpl_once, 1)
    job = next(j for j in jobs(profile, ["contract"]) if j.engagement.contract_no == number)
    options = writer_options()
    doc = build_document(profile, job)
    tree = statistics.median(timed(lambda: build_document(profile, job), repeat))
    writer = statistics.median(timed(lambda: write_docx(doc, options), repeat))
    return {
        "policygen": [wall for wall, _ in ours],
        "docxtpl": [wall for wall, _ in theirs],
        "policygen_cpu": [cpu for _, cpu in ours],
        "docxtpl_cpu": [cpu for _, cpu in theirs],
        "tree": tree,
        "write_docx": writer,
        "tags": _tags(template),
        "variables": len(context),
    }


def _tags(docx_bytes: bytes) -> int:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx_bytes)) as archive:
        return sum(
            archive.read(name).count(b"{{")
            for name in archive.namelist()
            if name.startswith("word/") and name.endswith(".xml")
        )


# --------------------------------------------------------------------------- (c)


def _batch_available() -> bool:
    result = subprocess.run(
        [str(POLICYGEN), "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    return " batch " in result.stdout


def _engagement_rows(count: int) -> Iterator[dict[str, Any]]:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    base = data["engagements"][0]
    for i in range(count):
        row = copy.deepcopy(base)
        row["contract_no"] = f"BENCH-{i + 1:04d}"
        row["title"] = f"{base['title']}（第{i + 1}号）"
        yield json.loads(json.dumps(row, default=str))


def bench_batch(count: int, jobs: int, engine: str) -> dict[str, Any]:
    """(c): `count` contracts, DOCX + PDF printed by `engine`, through `policygen batch` (or a
    pool if it is absent)."""
    with tempfile.TemporaryDirectory(prefix="policygen-batch-") as temp:
        folder = Path(temp)
        rows = folder / "engagements.jsonl"
        with rows.open("w", encoding="utf-8") as stream:
            for row in _engagement_rows(count):
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        if _batch_available():
            command = [
                str(POLICYGEN),
                "batch",
                str(rows),
                "-p",
                str(BANK),
                "-o",
                str(folder / "out"),
                "-d",
                "contract",
                "-f",
                "docx,pdf",
                "-j",
                str(jobs),
                "--force",
                "--pdf-engine",
                engine,
            ]
            how = f"`policygen batch -d contract -f docx,pdf -j {jobs} --pdf-engine {engine}`"
        else:
            command = [sys.executable, __file__, "--pool-worker", str(rows), str(jobs)]
            how = f"render_set over ProcessPoolExecutor({jobs}) (`policygen batch` not available)"
        run = check(run_command(command, sample=True), "batch")
        made = len(list((folder / "out").rglob("*.pdf"))) if (folder / "out").exists() else count
    return {"how": how, "count": count, "jobs": jobs, "run": run, "pdfs": made, "engine": engine}


def _pool_worker(rows: Path, jobs: int) -> int:
    """Fallback for (c) when `policygen batch` does not exist: render_set per chunk of rows."""
    from concurrent.futures import ProcessPoolExecutor

    lines = rows.read_text(encoding="utf-8").splitlines()
    chunks = [lines[i : i + 10] for i in range(0, len(lines), 10)]
    with ProcessPoolExecutor(jobs) as pool:
        done = sum(pool.map(_render_chunk, chunks))
    return 0 if done == 2 * len(lines) else 1


def _render_chunk(lines: list[str]) -> int:
    from ruamel.yaml import YAML

    from policygen.api import render_set

    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    data["engagements"] = [json.loads(line) for line in lines]
    return len(render_set(data, kinds=["contract"], formats=["docx", "pdf"]))


# --------------------------------------------------------------------------- (e)

CLUSTER_WORKERS = (1, 2)
"""Worker processes (e) measures each path with."""

OVERNIGHT_HOURS = 8
"""The window of (f)'s projection."""

OVERNIGHT_SETS = 1_000_000
"""Contract sets (a contract and its SLA, DOCX + PDF each) in (f)'s projection."""

UTILISATION = 0.8
"""Share of a core's time (f) counts on: uneven rows, the start and the tail of a run."""

START_SETS = 2
"""Sets in (e)'s short runs, which tell what a run costs to start."""


def bench_cluster(count: int, rounds: int) -> dict[str, Any]:
    """(e): contract sets (contract + SLA, DOCX + PDF by Typst) through `policygen batch` on
    the local pool (`-j 2N`: a Typst worker counts as two jobs) and on a Dask cluster of N
    worker processes started by the command (`--scheduler local:N`), for N in CLUSTER_WORKERS:
    each command with `count` sets and with START_SETS, so that what a run costs to start is
    told apart from what each set costs. `rounds` rounds, the eight commands interleaved."""
    runs: dict[tuple[str, int, int], list[Run]] = {}
    size = 0
    with tempfile.TemporaryDirectory(prefix="policygen-cluster-") as temp:
        folder = Path(temp)
        files = {}
        for sets in (START_SETS, count):
            files[sets] = folder / f"engagements-{sets}.jsonl"
            with files[sets].open("w", encoding="utf-8") as stream:
                for row in _engagement_rows(sets):
                    stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        for _ in range(rounds):
            for workers, path, sets in itertools.product(
                CLUSTER_WORKERS, ("local", "dask"), (START_SETS, count)
            ):
                how = ["-j", str(2 * workers)]
                if path == "dask":
                    how = ["--scheduler", f"local:{workers}"]
                out = folder / f"out-{path}-{workers}-{sets}"
                command = [str(POLICYGEN), "batch", str(files[sets]), "-p", str(BANK), "-o",
                           str(out), "-d", "contract,sla", "-f", "docx,pdf",
                           "--pdf-engine", "typst", "--force", *how]  # fmt: skip
                load = os.getloadavg()[0]
                run = check(run_command(command, sample=True), f"batch {path} {workers}")
                run.load = load
                runs.setdefault((path, workers, sets), []).append(run)
                made = len(list(out.rglob("*.pdf")))
                if made != 2 * sets:
                    raise SystemExit(f"batch {path} {workers}: {made} PDFs of {2 * sets}")
                if sets == count:
                    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"count": count, "rounds": rounds, "runs": runs, "bytes_per_set": size / count}


def _median_run(runs: list[Run]) -> Run:
    """Return the run of median wall time."""
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


# --------------------------------------------------------------------------- (d)


def _metrics(count: int) -> list[dict[str, Any]]:
    metrics = [
        {
            "name": "系统可用率",
            "target": 99.9,
            "method": "（当月总分钟数－非计划停机分钟数）÷当月总分钟数×100%",
        }
    ]
    for i in range(1, count):
        metrics.append(
            {
                "name": f"服务指标{i:04d}",
                "target": 90 + i % 10,
                "method": f"第{i}项服务的按时完成数÷应完成数×100%，按月统计，经双方确认",
            }
        )
    return metrics


def _regulation_template(folder: Path, articles: int) -> None:
    chapters = []
    for chapter in range(0, articles, 10):
        lines = [f"# 第{chapter // 10 + 1}部分管理要求 {{#part-{chapter // 10 + 1}}}", ""]
        for i in range(chapter, min(chapter + 10, articles)):
            lines += [
                f"## {{#article-{i + 1}}}",
                "",
                f"{{{{ organisation.short_name }}}}应当按照第{i + 1}项管理要求，建立健全外包"
                "活动的审批、监督和评价机制，明确各部门职责，定期向{{ organisation.board }}报告"
                "外包风险状况，并对服务提供商的履约情况进行持续监测和年度评估。",
                "",
            ]
        chapters.append("\n".join(lines))
    text = "{% set title = policy.title %}\n{% set subtitle = '' %}\n\n" + "\n".join(chapters)
    (folder / "regulation.md.j2").write_text(text, encoding="utf-8")


def bench_scaling(metric_sizes: Sequence[int], article_sizes: Sequence[int]) -> dict[str, Any]:
    """(d): SLA with N metrics and regulation with N articles, DOCX and PDF, in this process."""
    from ruamel.yaml import YAML

    from policygen.pipeline import jobs
    from policygen.profile.load import load_profile

    data = YAML(typ="safe").load(BANK.read_text(encoding="utf-8"))
    out: dict[str, Any] = {"metrics": [], "articles": []}
    for size in metric_sizes:
        variant = copy.deepcopy(data)
        variant["sla"]["metrics"] = _metrics(size)
        profile = load_profile(variant)
        job = next(j for j in jobs(profile, ["sla"]))
        out["metrics"].append(_measure(size, profile, job, None))
    profile = load_profile(BANK)
    for size in article_sizes:
        folder = Path(tempfile.mkdtemp(prefix="policygen-articles-"))
        try:
            _regulation_template(folder, size)
            out["articles"].append(
                _measure(size, profile, jobs(profile, ["regulation"])[0], folder)
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return out


def _measure(size: int, profile: Any, job: Any, folder: Path | None) -> dict[str, Any]:
    """Time `job` at `size`: tree, PDF alone, DOCX alone, both (as `render` does them)."""
    from policygen.pipeline import build_document, render_job

    dirs = [folder] if folder else []
    doc = build_document(profile, job, template_dirs=dirs)  # warm-up: compile the templates
    repeat = 3 if size <= 100 else 2
    out: dict[str, Any] = {"size": size, "blocks": len(doc.blocks)}
    # PDF first: a regulation's DOCX leaves its layout for the PDF that follows it.
    for key, formats in (("tree", None), ("pdf", ["pdf"]), ("docx", ["docx"])):
        if formats is None:
            runs = timed_cpu(lambda: build_document(profile, job, template_dirs=dirs), 5)
        else:
            runs = timed_cpu(
                lambda f=formats: render_job(profile, job, f, template_dirs=dirs), repeat
            )
        out[key] = min(wall for wall, _ in runs)
        out[f"{key}_cpu"] = min(cpu for _, cpu in runs)
    runs = timed_cpu(lambda: render_job(profile, job, ["docx", "pdf"], template_dirs=dirs), repeat)
    out["both"], out["both_cpu"] = min(w for w, _ in runs), min(c for _, c in runs)
    out["pages"] = _count_pages(render_job(profile, job, ["pdf"], template_dirs=dirs))
    return out


def _count_pages(files: dict[str, bytes]) -> int:
    from pypdf import PdfReader

    (data,) = files.values()
    return len(PdfReader(io.BytesIO(data)).pages)


def linearity(rows: list[dict], key: str) -> tuple[list[float], str]:
    """Return the marginal cost per unit between consecutive sizes, and a verdict on the time
    per unit at the two largest sizes: super-linear when it grows over 1.5×. (At the smaller
    size fixed costs inflate the time per unit, so the check errs towards "linear" only when
    growth is mild.)"""
    marginal = [
        (high[key] - low[key]) / (high["size"] - low["size"])
        for low, high in itertools.pairwise(rows)
    ]
    if len(rows) < 2:
        return marginal, "n/a"
    low, high = rows[-2], rows[-1]
    ratio = (high[key] / high["size"]) / (low[key] / low["size"])
    judged = f"time per unit {ratio:.2f}× from N={low['size']} to N={high['size']}"
    if ratio > 1.5:
        return marginal, f"**super-linear** ({judged})"
    return marginal, f"linear ({judged})"


# --------------------------------------------------------------------------- profile


_HOTSPOTS = (
    ("policygen/pipeline.py", "build_tree", "profile → tree (Jinja, Markdown, numbering)"),
    ("policygen/writers/docx/writer.py", "write_docx", "DOCX writer (python-docx)"),
    ("docx/oxml/styles.py", "default_for", "… python-docx style lookup by name (Styles.default)"),
    ("policygen/writers/pdf.py", "write_pdf", "PDF writer"),
    ("weasyprint/document.py", "_render", "… WeasyPrint layout (pages)"),
    ("weasyprint/css/__init__.py", "get_all_computed_styles", "… … CSS cascade"),
    ("weasyprint/document.py", "write_pdf", "… WeasyPrint PDF output (drawing, fonts)"),
    ("weasyprint/pdf/fonts.py", "build_fonts_dictionary", "… … font subsetting and embedding"),
    ("policygen/writers/html.py", "render_html", "HTML for the PDF"),
)


def profile_run() -> dict[str, Any]:
    """cProfile the full set and one contract (DOCX + PDF, warm) and pick out the hot spots."""
    from policygen.pipeline import jobs, render_job
    from policygen.profile.load import load_profile

    profile = load_profile(BANK)
    todo = jobs(profile, SET_KINDS.split(","))
    for job in todo:
        render_job(profile, job, ["docx", "pdf"])
    out = {}
    for name, selected in (("full set", todo), ("one contract", todo[1:2])):
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for job in selected:
            render_job(profile, job, ["docx", "pdf"])
        profiler.disable()
        wall = time.perf_counter() - started
        stats = pstats.Stats(profiler)
        total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
        rows = []
        for suffix, function, label in _HOTSPOTS:
            cumulative = sum(
                v[3]
                for (file, _, fn), v in stats.stats.items()  # type: ignore[attr-defined]
                if fn == function and file.endswith(suffix)
            )
            rows.append((label, cumulative, cumulative / total if total else 0.0))
        out[name] = {"wall": wall, "total": total, "rows": rows}
    return out


# --------------------------------------------------------------------------- report


def write_report(path: Path, results: dict[str, Any], quick: bool, merge: bool = False) -> None:
    """Write the report of `results` to `path`; with `merge`, keep the sections of the report
    there that `results` does not hold (`merged_report`)."""
    lines: list[str] = []
    add = lines.append
    add("# policygen benchmark results")
    add("")
    add(
        f"Generated by `make bench` (`bench/run.py{' --quick' if quick else ''}`) on "
        f"{results['date']}; every figure below comes from this one run. Times are wall-clock "
        "unless marked CPU. The machine was shared with other work: see the load averages."
    )
    add("")
    add("## Machine")
    add("")
    add("| | |")
    add("|---|---|")
    for key, value in results["machine"].items():
        add(f"| {key} | {value} |")
    add(f"| load average at end | {results['load_end']} |")
    add("")

    a = results.get("set")
    if a:
        engines = a["engines"]
        default = a["default_engine"]
        add("## (a) Bank set, DOCX + PDF: policygen CLI against LibreOffice")
        add("")
        add(
            f"Documents: {', '.join(a['documents'])}. policygen: `policygen render "
            f"examples/bank.yaml -d {SET_KINDS} -f docx,pdf` as a user runs it (the default "
            f"command: no `--pdf-engine`, so the default engine, {default}), and the same with "
            "`--pdf-engine ENGINE` for the other engine; a fresh process each time, one warm-up "
            f"run, then {len(engines[DEFAULT]['both'])} rounds, each running every command below "
            "once, LibreOffice right after the default command; medians. policygen writes the "
            "DOCX **and** the PDF of each document from the profile."
        )
        add("")
        add("| | wall | CPU (process and its children) | PDF pages |")
        add("|---|---:|---:|---:|")
        medians: dict[str, float] = {}
        for engine, e in engines.items():
            label = f"default ({default})" if engine == DEFAULT else f"--pdf-engine {engine}"
            medians[engine] = statistics.median(r.wall for r in e["both"])
            cpu = statistics.median(r.cpu for r in e["both"])
            add(
                f"| policygen render (DOCX + PDF), {label} | {fmt_s(medians[engine])} | "
                f"{fmt_s(cpu)} | {e['pages']} |"
            )
            pdf_wall = statistics.median(r.wall for r in e["pdf"])
            pdf_cpu = statistics.median(r.cpu for r in e["pdf"])
            add(
                f"| policygen render -f pdf (PDF only), {label} | {fmt_s(pdf_wall)} | "
                f"{fmt_s(pdf_cpu)} | |"
            )
        if a.get("libreoffice"):
            lo = statistics.median(r.wall for r in a["libreoffice"])
            lo_cpu = statistics.median(r.cpu for r in a["libreoffice"])
            cold = a["libreoffice_cold"]
            add(
                f"| LibreOffice `soffice --headless --convert-to pdf` of the same "
                f"{len(a['documents'])} DOCX, profile made by the warm-up run | {fmt_s(lo)} | "
                f"{fmt_s(lo_cpu)} | {a['libreoffice_pages']} |"
            )
            add(
                f"| LibreOffice, brand-new `-env:UserInstallation` (profile created in the run) | "
                f"{fmt_s(cold.wall)} | {fmt_s(cold.cpu)} | |"
            )
            add("")
            fonts = (
                " with tests/fonts.conf (宋体/黑体 → Noto CJK SC)" if FONTS_CONF.is_file() else ""
            )
            add(f"LibreOffice converted the DOCX of the default command's run{fonts}.")
            add("")
            rounds = [
                theirs.wall / mine.wall
                for theirs, mine in zip(a["libreoffice"], engines[DEFAULT]["both"], strict=True)
            ]
            add("Round by round, the default command against LibreOffice:")
            add("")
            add("| round | policygen (default) | LibreOffice | ratio LibreOffice / policygen |")
            add("|---:|---:|---:|---:|")
            for number, (theirs, mine) in enumerate(
                zip(a["libreoffice"], engines[DEFAULT]["both"], strict=True), start=1
            ):
                add(
                    f"| {number} | {fmt_s(mine.wall)} | {fmt_s(theirs.wall)} | "
                    f"{theirs.wall / mine.wall:.2f}× |"
                )
            median = statistics.median(rounds)
            add("")
            add(
                f"- **default command ({default}): ratio LibreOffice / policygen = "
                f"{median:.2f}× median of the rounds** ({min(rounds):.2f}–{max(rounds):.2f}×; "
                f"of the medians {lo / medians[DEFAULT]:.2f}×; against the LibreOffice run that "
                f"creates its profile: {cold.wall / medians[DEFAULT]:.2f}×). Target policygen "
                f"≥ 2× faster: {verdict(median >= 2)}."
            )
            for engine, ours in medians.items():
                if engine == DEFAULT:
                    continue
                ratio = lo / ours
                add(
                    f"- `--pdf-engine {engine}`: ratio LibreOffice / policygen = {ratio:.2f}× "
                    f"(of the medians; policygen is {'faster' if ratio > 1 else 'slower'})."
                )
        else:
            add("")
            add("LibreOffice is not installed: no comparison. Target: **not measured**.")
        add("")
    ip = results.get("set_inprocess")
    if ip:
        add(
            "Where the CLI's time goes with the default engine (in one process holding one "
            "engine session, after a warm-up; min of repeats; each document alone, so without "
            "the pipelining of a whole set; Typst remembers the layout of what it laid out "
            "before, so a repeated document costs a fraction of its first layout):"
        )
        add("")
        add("| | DOCX | PDF | DOCX + PDF |")
        add("|---|---:|---:|---:|")
        for name, t in ip["per_doc"].items():
            add(f"| {name} | {fmt_s(t['docx'])} | {fmt_s(t['pdf'])} | {fmt_s(t['docx+pdf'])} |")
        add("")
        add(
            f"Process start-up (import policygen CLI and pipeline): {fmt_s(ip['startup'])}. "
            f"Whole set in one process, one document after another: first pass "
            f"{fmt_s(ip['first'])} (compiles the templates, starts the engine and loads its "
            f"fonts), warm {fmt_s(ip['warm'])}. (`render` lays out each document in the "
            "engine's processes while it builds the next one: see the first table.)"
        )
        add("")

    b = results.get("docxtpl")
    if b:
        ours, theirs = statistics.median(b["policygen"]), statistics.median(b["docxtpl"])
        ours_cpu = statistics.median(b["policygen_cpu"])
        theirs_cpu = statistics.median(b["docxtpl_cpu"])
        ratio, ratio_cpu = ours / theirs, ours_cpu / theirs_cpu
        add("## (b) One contract DOCX: policygen against a plain docxtpl template")
        add("")
        add(
            f"`bench/contract_docxtpl.docx` is policygen's own DOCX of contract MY-ITO-2026-001 "
            f"with {b['tags']} Jinja tags for {b['variables']} profile values "
            "(`bench/make_docxtpl_template.py`); its output has the same text run for run, and "
            "the same numbering, fields and styles. "
            f"{len(b['policygen'])} renders each, interleaved, in one process after two warm-up "
            "renders. docxtpl: open template from bytes, `render(context, autoescape=True)`, save; "
            "its context is pre-formatted (amounts, dates), policygen's formatting is included. "
            "policygen: `policygen.render(profile, 'contract', 'docx', contract_no=…)` from a loaded "
            "profile (tree and DOCX writer; the font preflight runs only when a PDF is made)."
        )
        add("")
        add("| | median wall | min wall | max wall | median CPU |")
        add("|---|---:|---:|---:|---:|")
        for label, values, cpu in (
            ("policygen", b["policygen"], ours_cpu),
            ("docxtpl", b["docxtpl"], theirs_cpu),
        ):
            add(
                f"| {label} | {fmt_s(statistics.median(values))} | {fmt_s(min(values))} | "
                f"{fmt_s(max(values))} | {fmt_s(cpu)} |"
            )
        add("")
        add(
            f"policygen's time: profile → tree {fmt_s(b['tree'])}, DOCX writer "
            f"{fmt_s(b['write_docx'])} (median wall). **Ratio policygen / docxtpl = "
            f"{ratio_cpu:.2f}× in CPU time** ({ratio:.2f}× wall). Target within 1.5×: "
            f"{verdict(ratio_cpu <= 1.5)}."
        )
        add("")

    batches = results.get("batch")
    if batches:
        add("## (c) Batch throughput and memory")
        add("")
        first = batches[0]
        add(
            "Contracts are copies of the bank's first engagement with their own numbers, DOCX + "
            f"PDF each, via `policygen batch -d contract -f docx,pdf -j {first['jobs']} "
            "--pdf-engine ENGINE`, output to a temporary folder. Memory: resident set of the "
            "whole process tree (CLI, forkserver, workers) sampled every 0.25 s; CPU time "
            "summed over the same processes."
        )
        add("")
        add("| | " + " | ".join(c["engine"] for c in batches) + " | target |")
        add("|---|" + "---:|" * len(batches) + "---|")

        def row(label: str, cells: list[str], target: str = "") -> None:
            add(f"| {label} | " + " | ".join(cells) + f" | {target} |")

        row("contracts", [str(c["count"]) for c in batches])
        row("PDFs written", [str(c["pdfs"]) for c in batches])
        row("wall time", [fmt_s(c["run"].wall) for c in batches])
        row("CPU time (all processes)", [fmt_s(c["run"].cpu) for c in batches])
        row(
            "contracts / s",
            [f"{c['count'] / c['run'].wall:.2f} ({verdict(c['count'] / c['run'].wall >= 20)})"
             for c in batches],
            "≥ 20",
        )  # fmt: skip
        row(
            "peak RSS, process tree (sum)",
            [f"{c['run'].peak_tree_mb:.0f} MB ({verdict(c['run'].peak_tree_mb < 400)})"
             for c in batches],
            "< 400 MB",
        )  # fmt: skip
        row(
            "peak PSS, process tree (shared pages once)",
            [f"{c['run'].peak_tree_pss_mb:.0f} MB ({verdict(c['run'].peak_tree_pss_mb < 400)})"
             for c in batches],
            "< 400 MB",
        )  # fmt: skip
        row(
            "peak RSS, largest single process",
            [f"{c['run'].peak_process_mb:.0f} MB" for c in batches],
        )
        row("processes seen", [str(c["run"].processes) for c in batches])
        row("CPU per contract", [fmt_s(c["run"].cpu / c["count"]) for c in batches])
        row(
            f"ceiling on {first['jobs']} cores (contracts/s)",
            [f"{c['jobs'] * c['count'] / c['run'].cpu:.1f}" for c in batches],
        )
        add("")

    e = results.get("cluster")
    if e:
        _report_cluster(e, add)

    d = results.get("scaling")
    if d:
        add("## (d) Scaling")
        add("")
        add(
            "In one process after a warm-up render; min of 3 runs (2 for the largest size, 5 "
            "for the tree). "
            "Cells are wall / CPU time of this process; linearity is judged on CPU time, which "
            "other work on the machine hardly changes. With `--templates` the template renders "
            "in a child process (templating.limits) whose CPU is not counted here, so the "
            "articles' tree CPU is only the Markdown and numbering part."
        )
        add("")
        for key, unit, what in (
            ("metrics", "metric", "SLA annex with N metrics (sla.metrics; one table row each)"),
            ("articles", "article", "regulation with N articles (custom --templates folder)"),
        ):
            rows = d[key]
            add(f"### {what}")
            add("")
            add(
                "| N | PDF pages | profile → tree | DOCX | PDF | DOCX + PDF | DOCX + PDF CPU per "
                f"{unit} |"
            )
            add("|---:|---:|---:|---:|---:|---:|---:|")
            for row in rows:
                cells = " | ".join(
                    f"{fmt_s(row[part])} / {fmt_s(row[part + '_cpu'])}"
                    for part in ("tree", "docx", "pdf", "both")
                )
                add(
                    f"| {row['size']} | {row['pages']} | {cells} | "
                    f"{fmt_s(row['both_cpu'] / row['size'])} |"
                )
            add("")
            for part in ("tree", "docx", "pdf", "both"):
                marginal, judged = linearity(rows, part + "_cpu")
                steps = ", ".join(fmt_s(m) for m in marginal)
                add(f"- {part}: marginal CPU per {unit} between sizes: {steps}; {judged}")
            add("")

    prof = results.get("profile")
    if prof:
        add("## Profile (cProfile, warm, DOCX + PDF)")
        add("")
        add(
            "Cumulative time of the main stages as a share of the profiled run (cProfile slows "
            "Python code more than C, so shares are indicative). `…` marks a part of the line above."
        )
        add("")
        names = list(prof)
        add("| stage | " + " | ".join(names) + " |")
        add("|---|" + "---:|" * len(names))
        for i, (label, _, _) in enumerate(prof[names[0]]["rows"]):
            cells = []
            for name in names:
                _, seconds, share = prof[name]["rows"][i]
                cells.append(f"{fmt_s(seconds)} ({share:.0%})")
            add(f"| {label} | " + " | ".join(cells) + " |")
        add("")
    text = "\n".join(lines) + "\n"
    if merge and path.is_file():
        text = merged_report(path.read_text(encoding="utf-8"), text, results["date"])
    path.write_text(text, encoding="utf-8")


def _report_cluster(e: dict[str, Any], add: Callable[[str], None]) -> None:
    """Add sections (e) and (f), from `e` (bench_cluster's result), through `add`."""
    count, runs = e["count"], e["runs"]
    extra = count - START_SETS

    def steady(path: str, workers: int) -> tuple[Run, Run, float, float, float]:
        """The long and the short run, and a set's wall, CPU and client CPU between them."""
        long, short = (_median_run(runs[(path, workers, n)]) for n in (count, START_SETS))
        return (
            long,
            short,
            (long.wall - short.wall) / extra,
            (long.cpu - short.cpu) / extra,
            (long.root_cpu - short.root_cpu) / extra,
        )

    def round_overheads(workers: int) -> list[float]:
        """Round by round, the Dask path's wall time per set over the local pool's, less one
        (runs are listed in the order of the rounds; the long run less the short one)."""
        ran = {
            path: [
                a.wall - b.wall
                for a, b in zip(
                    runs[(path, workers, count)], runs[(path, workers, START_SETS)], strict=True
                )
            ]
            for path in ("local", "dask")
        }
        return [d / loc - 1 for d, loc in zip(ran["dask"], ran["local"], strict=True)]

    add("## (e) Batch on a Dask cluster against the local pool")
    add("")
    add(
        f"{count} contract sets (copies of the bank's first engagement; contract and SLA, DOCX + "
        "PDF by Typst: 4 files a set) through `policygen batch -d contract,sla -f docx,pdf "
        "--pdf-engine typst --force`, on the local pool (`-j 2N`: a Typst worker process counts "
        "as two jobs) and on a Dask cluster of N worker processes with one thread each, started "
        "by the command (`--scheduler local:N`: scheduler, nannies and workers on this machine; "
        f"the workers write the files, as the local pool's do); each command also with {START_SETS} sets, so that a "
        "run's start (processes, imports, the workers' warm-up) is told apart from the cost of "
        "a set: **per set** is the difference of the two runs divided by the sets between them. "
        f"{e['rounds']} round(s), the eight commands interleaved; medians. CPU time is summed "
        "over the whole process tree (client, scheduler, nannies, workers, Typst); the client's "
        "is that of the command's own process (with `local:N` it also runs the scheduler). The "
        "load average each long command started at is in the table: on a machine other work "
        "keeps busy (a load above its 2 cores), every time stretches and the overhead is only "
        "roughly told."
    )
    add("")
    add("| worker processes | path | wall | start-up (wall / CPU) | per set: wall | per set: "
        "CPU | per set: client's CPU | peak RSS, tree | load at start | overhead: wall | "
        "overhead per set: wall / CPU |")  # fmt: skip
    add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    overheads = []
    for workers in CLUSTER_WORKERS:
        local = steady("local", workers)
        for path in ("local", "dask"):
            long, short, wall, cpu, client = steady(path, workers)
            over = ("", "")
            if path == "dask":
                total = long.wall / local[0].wall - 1
                per_wall, per_cpu = wall / local[2] - 1, cpu / local[3] - 1
                overheads.append((workers, total, per_wall, per_cpu))
                over = (f"{total:+.1%}", f"{per_wall:+.1%} / {per_cpu:+.1%}")
            add(
                f"| {workers} | {path} | {fmt_s(long.wall)} | {fmt_s(short.wall)} / "
                f"{fmt_s(short.cpu)} | {fmt_s(wall)} | {fmt_s(cpu)} | {fmt_s(client)} | "
                f"{long.peak_tree_mb:.0f} MB | {long.load:.1f} | {over[0]} | {over[1]} |"
            )
    add("")
    for workers, total, per_wall, per_cpu in overheads:
        rounds = round_overheads(workers)
        median = statistics.median(rounds)
        add(
            f"- **{workers} worker process{'es' if workers > 1 else ''}: the Dask path's overhead "
            f"is {median:+.1%} of the local pool's wall time per set, median of the rounds** "
            f"({', '.join(f'{r:+.1%}' for r in rounds)} round by round: a round runs both paths "
            "back to back, so a machine that speeds up or slows down between rounds moves both "
            f"alike); {per_wall:+.1%} from the medians above ({per_cpu:+.1%} CPU), "
            f"{total:+.1%} of the whole run's of {count} sets, start included. Target under 10% "
            f"(per set, what a long batch pays): {verdict(median < 0.10)}."
        )
    add("")

    _, _, _, per_set, client = steady("dask", max(CLUSTER_WORKERS))
    seconds = OVERNIGHT_HOURS * 3600
    cpu_total = OVERNIGHT_SETS * per_set
    cores = cpu_total / seconds / UTILISATION
    add(f"## (f) Capacity: {OVERNIGHT_SETS:,} contract sets in {OVERNIGHT_HOURS} hours")
    add("")
    add(
        f"From (e)'s Dask runs with {max(CLUSTER_WORKERS)} workers: the CPU time of a set, all "
        f"processes counted, and the client's alone (it reads the rows and sends them; "
        "`local:N`'s workers write the files, where a client of a scheduler of one's own "
        "writes them: some 15 ms more a set, measured before `local:N` let its workers "
        f"write); a run's start, a few seconds, is left out. Cores are counted at {UTILISATION:.0%} use (uneven rows, a run's start "
        "and tail); a worker process with Typst keeps two cores busy, so a worker host of C "
        "cores runs C/2 `dask worker --nthreads 1` processes. CPU time measured while other "
        "work keeps the machine busy runs higher than on a quiet one (see (e)'s load and (c)'s "
        "CPU per contract): the projection then errs on the safe side."
    )
    add("")
    add("| | figure |")
    add("|---|---:|")
    add(f"| contract sets | {OVERNIGHT_SETS:,} (4 files each: {4 * OVERNIGHT_SETS:,} files) |")
    add(f"| window | {OVERNIGHT_HOURS} h ({seconds:,} s) |")
    add(f"| sets per second needed | {OVERNIGHT_SETS / seconds:.1f} |")
    add(f"| CPU per set, measured | {fmt_s(per_set)} |")
    add(f"| CPU in all | {cpu_total / 3600:,.0f} core-hours |")
    add(f"| **cores needed** | **{cores:.0f}** (16-core hosts: {-(-cores // 16):.0f}) |")
    add(f"| worker processes (2 cores each) | {-(-cores // 2):.0f} |")
    add(f"| client's CPU per set | {fmt_s(client)} |")
    limit = 1 / client if client else float("inf")
    hours = OVERNIGHT_SETS / limit / 3600 if client else 0.0
    add(
        f"| one client's ceiling | {limit:,.0f} sets/s: {hours:.1f} h for the million "
        f"({verdict(hours <= OVERNIGHT_HOURS)} within the window) |"
    )
    add(
        f"| output written | {e['bytes_per_set'] / 1024:.0f} KB a set: "
        f"{e['bytes_per_set'] * OVERNIGHT_SETS / 2**30:,.0f} GiB, "
        f"{e['bytes_per_set'] * OVERNIGHT_SETS / seconds / 2**20:.1f} MiB/s over the window |"
    )
    add("")
    add(
        "A client of a scheduler of one's own writes every file on its own machine; beyond its "
        "ceiling, let the workers write (`-o s3://…`, an fsspec URL), or split the rows into several files and run one "
        "`policygen batch` per output folder against the same scheduler (each run's worker "
        "plugin keeps apart)."
    )
    add("")


def _sections(text: str) -> tuple[str, dict[str, str]]:
    """Return the part of a report before its first ``## `` heading, and each section by its
    heading line."""
    head, *rest = text.split("\n## ")
    return head, {part.split("\n", 1)[0]: "## " + part for part in rest}


def _both_loads(old: str, new: str, date: str) -> str:
    """Return the machine section `new` with the load-average rows of `old` kept, for the
    sections kept from it, and `new`'s named for the parts measured on `date`."""
    loads = [line for line in old.splitlines() if line.startswith("| load average")]
    lines = []
    for line in new.splitlines():
        if line.startswith("| load average"):
            line = line.replace("| load average", f"| load average ({date} parts)", 1)
        lines.append(line)
    last = max(i for i, line in enumerate(lines) if line.startswith("|"))
    return "\n".join([*lines[: last + 1], *loads, *lines[last + 1 :]])


def merged_report(old: str, new: str, date: str) -> str:
    """Return the report `new` (some parts measured on `date`) with the sections of `old` it
    does not hold kept as they were, in `old`'s order: a run of some parts (``--only``)
    replaces their figures and leaves the others' standing."""
    _, before = _sections(old)
    head, now = _sections(new)
    head = head.replace(
        "every figure below comes from this one run.",
        f"the sections {', '.join(h.split(' ', 1)[0] for h in now if h != 'Machine')} and the "
        f"machine come from this run ({date}); the others were kept from an earlier run, as "
        "they were.",
    )
    out = [head.rstrip("\n") + "\n"]
    for heading, section in before.items():
        key = heading.split(" ", 1)[0]
        same = next((h for h in now if h.split(" ", 1)[0] == key), None)
        if key == "Machine" and same is not None:  # the load of both runs, each named
            out.append(_both_loads(section, now.pop(same), date))
            continue
        out.append(now.pop(same) if same is not None else section)
    out.extend(now.values())
    return "\n".join(part.rstrip("\n") + "\n" for part in out)


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.pop("POLICYGEN_PDF_ENGINE", None)  # (a) measures the default as users get it
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (checks the script)")
    parser.add_argument("--batch", type=int, default=None, help="contracts in (c); 1000 default")
    parser.add_argument(
        "--batch-weasyprint",
        type=int,
        default=None,
        help="contracts in (c) for WeasyPrint (about 2 a second); --batch by default",
    )
    parser.add_argument(
        "--pdf-engines", default=",".join(PDF_ENGINES), help="PDF engines measured in (a) and (c)"
    )
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument(
        "--cluster-rounds",
        type=int,
        default=1,
        help="rounds of (e)'s eight commands, interleaved (medians over the rounds)",
    )
    parser.add_argument(
        "--only",
        default=",".join(sorted(ALL_PARTS)),
        help="comma-separated parts: a,b,c,d,profile (a subset keeps the other sections of the "
        "report as they were)",
    )
    parser.add_argument("--output", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="first wait up to SECONDS for the 1-minute load average to fall below 0.5",
    )
    parser.add_argument("--pool-worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pool_worker:
        return _pool_worker(Path(args.pool_worker[0]), int(args.pool_worker[1]))
    deadline = time.monotonic() + args.wait_quiet
    while os.getloadavg()[0] >= 0.5 and time.monotonic() < deadline:
        print(
            f"[bench] waiting for a quiet machine (load {os.getloadavg()[0]:.2f})", file=sys.stderr
        )
        time.sleep(30)
    if not (BENCH / "contract_docxtpl.docx").is_file():
        subprocess.run([sys.executable, str(BENCH / "make_docxtpl_template.py")], check=True)
    # Byte-compiled as pip compiles an installed package: an editable install where bytecode is
    # never written (PYTHONDONTWRITEBYTECODE) would otherwise compile policygen in every process.
    compileall.compile_dir(ROOT / "src", quiet=1)
    parts = set(args.only.split(","))
    quick = args.quick
    results: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
    }

    def step(name: str, function: Callable[[], Any], key: str) -> None:
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        results[key] = function()
        print(f"[bench] {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)

    if "a" in parts:
        step(
            "(a) bank set vs LibreOffice",
            lambda: bench_set(2 if quick else 5, tuple(args.pdf_engines.split(","))),
            "set",
        )
        step(
            "(a) in-process breakdown",
            lambda: bench_set_inprocess(1 if quick else 2),
            "set_inprocess",
        )
    if "b" in parts:
        step("(b) contract vs docxtpl", lambda: bench_docxtpl(5 if quick else 20), "docxtpl")
    if "c" in parts:
        count = args.batch or (40 if quick else 1000)
        engines = args.pdf_engines.split(",")
        counts = {"weasyprint": args.batch_weasyprint or count}
        results["batch"] = []
        for engine in engines:
            n = counts.get(engine, count)
            step(
                f"(c) batch of {n}, {engine}",
                lambda n=n, engine=engine: bench_batch(n, args.jobs, engine),
                "batch_" + engine,
            )
            results["batch"].append(results.pop("batch_" + engine))
    if "e" in parts:
        count = 30 if quick else 150
        step(
            f"(e) batch of {count} sets, local pool against Dask",
            lambda: bench_cluster(count, args.cluster_rounds),
            "cluster",
        )
    if "d" in parts:
        sizes = ((10, 100), (10, 50)) if quick else ((10, 100, 1000), (10, 100, 500))
        step("(d) scaling", lambda: bench_scaling(*sizes), "scaling")
    if "profile" in parts:
        step("profile", profile_run, "profile")
    results["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    write_report(args.output, results, quick, merge=parts != ALL_PARTS)
    print(f"[bench] wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
