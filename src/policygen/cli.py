"""The command line: parse arguments, call the library, map errors to exit codes. No business
logic lives here."""

from __future__ import annotations

import sys

INTERRUPTED = "已中断 (interrupted)"
"""What Ctrl-C prints, alone on its line, wherever it finds the command line."""

try:  # Ctrl-C while the command line loads (about half a second): one line, exit 130
    import signal
    from pathlib import Path
    from typing import TYPE_CHECKING, Annotated

    import typer
    from rich.console import Console

    from policygen.chars import printable
    from policygen.errors import ExitCode, InvalidInputError, PolicygenError, UsageError
    from policygen.output import write_all, write_atomic
    from policygen.writers.options import PDF_STANDARDS, engines_for
except KeyboardInterrupt:
    # A worker process preloading the command line's script (multiprocessing runs it as
    # __mp_main__, beside its own __main__) ends quietly: the command says it, once.
    if sys.modules.get("__mp_main__", sys.modules["__main__"]) is sys.modules["__main__"]:
        sys.stderr.write(INTERRUPTED + "\n")
    raise SystemExit(130) from None  # ExitCode.INTERRUPTED, which may not be loaded yet

if TYPE_CHECKING:
    from policygen.check import Finding
    from policygen.layout.engine import Engines
    from policygen.library import Entry
    from policygen.lint import WordingFinding
    from policygen.pipeline import Job
    from policygen.request import RenderRequest

app = typer.Typer(
    name="policygen",
    help="把外包管理参数生成外包服务管理制度、服务外包合同、服务水平协议等中文文档（DOCX/PDF）。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SCHEMA_FILE = "profile.schema.json"

ProfileArgument = Annotated[
    str, typer.Argument(help="配置文件（YAML、JSON、TOML）， - 表示标准输入。", metavar="PROFILE")
]
TemplatesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--templates", help="自定义模板目录（先于内置模板查找）， 可重复。", metavar="DIR"
    ),
]
PdfEngineOption = Annotated[
    str | None,
    typer.Option(
        "--pdf-engine",
        help="PDF 排版引擎：typst（默认， 快）或 weasyprint（HTML 与 CSS）； 未指定时取环境变量 "
        "POLICYGEN_PDF_ENGINE。",
        metavar="ENGINE",
    ),
]
PdfStandardOption = Annotated[
    str | None,
    typer.Option(
        "--pdf-standard",
        help="PDF 归档标准："
        + "； ".join(
            f"{name} = {standard.label}（{' 或 '.join(engines_for(name))}）"
            for name, standard in PDF_STANDARDS.items()
        )
        + "。 默认为普通 PDF。 字体全部嵌入， 带结构标签， 标题、作者、语言写入 XMP。",
        metavar="STANDARD",
    ),
]
StyleOption = Annotated[
    str | None,
    typer.Option(
        "--style",
        help="版式文件（*.style.yaml）或版式名称， 代替配置中的 meta.style； DOCX、PDF、HTML "
        "都按它排版。",
        metavar="STYLE",
    ),
]
STARTER_FILE = "policygen.yaml"


def _version(value: bool) -> None:
    if value:
        from policygen._launch import version_line

        out.print(version_line())
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="显示版本号并退出。", metavar=""
        ),
    ] = False,
) -> None:
    """policygen: outsourcing governance documents from one profile."""


def _fail(error: PolicygenError) -> typer.Exit:
    """Print `error` once, in the form a user can act on, and return the exit to raise."""
    from rich.markup import escape

    if isinstance(error, InvalidInputError):
        count = len(error.issues)
        err.print(
            f"[bold red]{escape(error.what)}有误[/]：发现 {count} 处错误 ({count} error(s))",
            markup=True,
        )
        for issue in error.issues:
            err.print(f"  {issue}", markup=False)
    else:
        err.print(f"错误 (error): {error}", markup=False)
    return typer.Exit(error.exit_code)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="写入起始配置的目录。", metavar="DIR")] = Path(
        "."
    ),
    force: Annotated[
        bool, typer.Option("--force", help="覆盖已有的 policygen.yaml。", metavar="")
    ] = False,
) -> None:
    """写出一份带注释的起始配置（列出全部默认值）。"""
    from policygen.profile.starter import starter_yaml

    target = directory / STARTER_FILE
    if target.exists() and not force:
        err.print(f"{target} 已存在，未覆盖；如需覆盖请加 --force (exists; use --force)")
        raise typer.Exit(ExitCode.INVALID_INPUT)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(target, starter_yaml().encode("utf-8"))
    except OSError as exc:
        err.print(f"无法写入 {target}：{exc.strerror} (cannot write)")
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    out.print(f"已写出起始配置 {target}；修改后运行 policygen validate {target}")


@app.command()
def validate(
    profile: ProfileArgument,
    json_output: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出结果。", metavar="")
    ] = False,
    templates: TemplatesOption = None,
) -> None:
    """校验配置文件：检查 render 会检查的一切（字段、条款 id、引用、整套文档能否生成）； 有效则退出码 0， 否则一次列出全部错误（含路径与行列号）并退出码 1。"""
    from policygen.validation import load_checked

    try:
        loaded = load_checked(profile, template_dirs=_folders(templates), documents=True)
    except PolicygenError as error:
        if json_output and isinstance(error, InvalidInputError):
            out.print_json(data={"valid": False, "errors": [_issue_json(i) for i in error.issues]})
            raise typer.Exit(error.exit_code) from None
        raise _fail(error) from None
    from policygen.profile.starter import PLACEHOLDER, placeholders

    left = placeholders(loaded)
    warnings = [
        f"{where}: 仍是起始配置的示例值（含「{PLACEHOLDER}」），请替换为真实信息 "
        "(still the starter's sample value)"
        for where in left
    ]
    if json_output:
        out.print_json(data={"valid": True, "errors": [], "warnings": warnings})
        return
    for warning in warnings:
        err.print(f"提示 (warning): {warning}", markup=False)
    name = "标准输入" if profile == "-" else printable(profile)
    out.print(
        f"配置有效：{name}（{loaded.organisation.name}，{len(loaded.engagements)} 份合同） (valid)"
    )


def _folders(templates: list[Path] | None) -> list[Path]:
    """Return the template folders asked for; raise UsageError naming one that does not exist."""
    from policygen.request import check_folder

    return [check_folder(folder) for folder in templates or []]


def _style_file(style: str | None, templates: list[Path] | None) -> Path | None:
    """Return the style file ``--style`` gives, validated (None: none); raise UsageError when
    it names no file or style, InvalidInputError when the file is not a valid style."""
    if style is None:
        return None
    from policygen.style.load import style_option
    from policygen.templating.environment import environment_for

    return style_option(style, environment_for(_folders(templates)).folders)


def _issue_json(issue: object) -> dict[str, object]:
    from policygen.errors import Issue

    assert isinstance(issue, Issue)
    loc = issue.location
    return {
        "path": issue.path,
        "message": issue.message,
        "file": loc.file if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column if loc else None,
    }


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="写入 JSON Schema 的目录（不写则输出到标准输出）。",
            metavar="DIR",
        ),
    ] = None,
) -> None:
    """输出配置文件的 JSON Schema：写到标准输出， 或以 -o DIR 写入 DIR/profile.schema.json。"""
    from policygen.profile.schema import schema_json

    if output is None:
        sys.stdout.write(schema_json())
        return
    try:
        output.mkdir(parents=True, exist_ok=True)
        write_atomic(output / SCHEMA_FILE, schema_json().encode("utf-8"))
    except OSError as exc:
        err.print(f"无法写入 {output}：{exc.strerror} (cannot write)")
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    out.print(f"已写出 {output / SCHEMA_FILE}")


def _split(values: list[str] | None, default: list[str]) -> list[str]:
    """Return the comma- or repeat-separated option `values`, or `default` when none."""
    if not values:
        return default
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


# Long by design: a typer command's options are its parameters; the work is _render_command.
@app.command()
def render(
    profile: ProfileArgument,
    documents: Annotated[
        list[str] | None,
        typer.Option(
            "-d",
            "--documents",
            help="文档类型， 逗号分隔：regulation,contract,sla。 默认全部。",
            metavar="KINDS",
        ),
    ] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "-f",
            "--formats",
            help="输出格式， 逗号分隔：docx,pdf,html,md,txt。 默认 docx,pdf。",
            metavar="FORMATS",
        ),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="输出目录。", metavar="DIR")
    ] = Path("out"),
    templates: TemplatesOption = None,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            help="用自己的 Word 模板（docxtpl 标签的 .docx）生成， 每份文档一个 DOCX。",
            metavar="DOCX",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "-j",
            "--jobs",
            min=1,
            help="并行进程数（生成 PDF 时）。 默认 CPU 核数； 1 为不并行。"
            "用 Typst（默认）时少于 16 份文档在一个进程中生成（Typst 另占一核）。",
            metavar="N",
        ),
    ] = None,
    pdf_engine: PdfEngineOption = None,
    style: StyleOption = None,
    pdf_standard: PdfStandardOption = None,
    contract_no: Annotated[
        str | None,
        typer.Option(
            "--contract-no",
            help="只生成这份合同（合同编号）的文档， 以及每个组织一份的文档。",
            metavar="NO",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="语言：zh（中文）、 en（英文）或 zh+en（中英文对照， 逐条中文在前、 英文在后）。"
            " 默认为配置文件 meta.languages。 管理制度、 安全生产管理协议和评估表暂无英文模板。",
            metavar="LANG",
        ),
    ] = None,
) -> None:
    """生成文档：管理制度、每份合同及其服务水平协议， 输出 DOCX、PDF 等格式。"""
    from policygen.request import RenderOptions, RenderRequest

    if template is not None:
        RenderOptions.of(  # checked as for any render
            template_dirs=templates, pdf_engine=pdf_engine, pdf_standard=pdf_standard, style=style
        )
        from policygen.word_template import write_word_template

        kinds = _split(documents, []) or None
        for path in write_word_template(
            profile, template, output, kinds=kinds, formats=_split(formats, [])
        ):
            out.print(str(path))
        return
    from policygen.layout.engine import Engines, engine_class

    request = RenderRequest.of(
        profile,
        kinds=documents,  # None: the full set that applies to the profile
        formats=formats,
        contract_no=contract_no,
        template_dirs=templates,
        pdf_engine=pdf_engine,
        pdf_standard=pdf_standard,
        style=style,
        lang=lang,
    )
    options = request.options
    with Engines() as engines:
        if "pdf" in options.formats and engine_class(options.pdf_engine).cores > 1:
            # An engine that lays out beside this process (Typst) renders a set here: its
            # processes start and read their fonts while the profile loads.
            engines.get(options.pdf_engine).warm_up(wait=False)
        _render_command(request, output, workers, engines)


# Long by design: the steps of one render in order (load, plan, write, report), each a call.
def _render_command(
    request: RenderRequest, output: Path, workers: int | None, engines: Engines
) -> None:
    """Render and write the documents of `request`, laid out by the engines of `engines`."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from policygen.parallel import render_jobs

    # What validate checks, but for building the trees: rendering builds them next, and
    # writes nothing when one fails.
    loaded = request.load()
    options = request.options
    fmts = list(options.formats)
    todo = options.jobs(loaded)
    from policygen.parallel import freeze_heap

    freeze_heap()  # what is loaded by now lives until the command ends
    if not todo:
        from policygen.errors import NOTHING_TO_RENDER

        err.print(NOTHING_TO_RENDER)
        raise typer.Exit(ExitCode.INVALID_INPUT)
    # Everything is rendered in memory first: a failure half-way writes nothing at all.
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("生成文档", total=len(todo))

        def done(job: Job) -> None:
            name = job.filename(fmts[0]).rsplit(".", 1)[0]
            progress.update(task, advance=1, description=f"已生成 {name}")

        # In worker processes when PDFs are wanted and there are several documents (parallel.py).
        rendered = render_jobs(
            loaded,
            todo,
            fmts,
            template_dirs=list(options.template_dirs),
            jobs=workers,
            on_done=done,
            pdf_engine=options.pdf_engine,
            style_file=options.style,
            pdf_standard=options.pdf_standard,
            engines=engines,
        )
    try:
        output.mkdir(parents=True, exist_ok=True)
        write_all(output, rendered)  # all files or none: a failure leaves the old set
    except OSError as exc:
        err.print(f"无法写入 {output}：{exc.strerror} (cannot write output)")
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    for name in rendered:
        out.print(str(output / name))
    _warn_untranslated(rendered.untranslated)


def _warn_untranslated(untranslated: dict[str, tuple[str, ...]]) -> None:
    """Print one warning per document naming the profile's texts its English prints in
    Chinese for want of English in ``meta.translations`` (`untranslated`, by file stem)."""
    from policygen.bilingual import untranslated_note

    for name, texts in untranslated.items():
        err.print(f"提示 (warning): {name}: {untranslated_note(texts)}", markup=False)


@app.command("check")
def check_command(
    profile: ProfileArgument,
    json_output: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出结果。", metavar="")
    ] = False,
    templates: TemplatesOption = None,
) -> None:
    """核对生成的文档是否包含适用规则要求的全部要素， 并检查用语； 有缺失或用语问题时退出码 1。"""
    from policygen.check import check_report
    from policygen.validation import load_checked

    folders = _folders(templates)
    report = check_report(load_checked(profile, template_dirs=folders), template_dirs=folders)
    findings, missing = report.findings, report.missing
    if json_output:
        out.print_json(data=report.as_dict())
    else:
        _print_findings(findings)
        if not all(f.verified for f in findings):
            out.print(
                "※ 依据的条号来自二手资料，引用前请核对官方文本 (article number from a secondary source)",
                soft_wrap=False,
            )
        summary = f"{len(findings) - len(missing)}/{len(findings)} 项要素已覆盖"
        out.print(summary + (f"，缺失 {len(missing)} 项" if missing else ""))
        _print_wording(report.wording)
        _warn_untranslated(report.untranslated)
    if not report.ok:
        raise typer.Exit(ExitCode.INVALID_INPUT)


WIDE_CHECK = 160
"""Columns from which ``check`` prints one table with the legal basis of each element; a
narrower terminal, or output that is not a terminal, gets one short table per document."""


def _print_findings(findings: list[Finding]) -> None:
    """Print `findings`: one table with every column on a wide terminal, else per document a
    table of one line per element (the basis is left to --json). Ids, clause numbers and
    document names are never broken; only titles and reasons wrap."""
    from rich.markup import escape
    from rich.table import Table

    def result(f: Finding) -> str:
        return "[green]✓[/]" if f.covered else "[bold red]缺失[/]"

    def title(f: Finding, *, reason: bool) -> str:
        mark = "" if f.verified else "※"
        why = f"\n[red]{escape(f.reason)}[/]" if reason and not f.covered else ""
        return escape(f.title) + mark + why

    if out.is_terminal and out.width >= WIDE_CHECK:
        table = Table(title="要素核对 (required elements)", show_lines=False)
        table.add_column("要素", no_wrap=True)
        table.add_column("名称", ratio=2, min_width=12, overflow="fold")
        table.add_column("依据", ratio=3, min_width=16, overflow="fold")
        for column in ("文档", "条款", "条号"):
            table.add_column(column, no_wrap=True)
        wide = any(not f.covered for f in findings)  # room for a reason and the id it names
        table.add_column("结果", ratio=2 if wide else None, min_width=24 if wide else None,
                         overflow="fold")  # fmt: skip
        for f in findings:
            source = f.source if f.verified else f"{f.source} ※"
            outcome = result(f) + ("" if f.covered else f" {escape(f.reason)}")
            cells = (f.element, title(f, reason=False), escape(source), f.document,
                     f.clause or "—", f.number or "—", outcome)  # fmt: skip
            table.add_row(*cells)
        out.print(table)
        return
    out.print("要素核对 (required elements)")
    documents = dict.fromkeys(f.document for f in findings)
    for document in documents:
        mine = [f for f in findings if f.document == document]
        table = Table(title=f"{document}（{len(mine)} 项）", title_justify="left", box=None,
                      pad_edge=False, show_edge=False)  # fmt: skip
        for column in ("结果", "要素", "条号", "条款"):
            table.add_column(column, no_wrap=True)
        table.add_column("名称", ratio=1, min_width=16, overflow="fold")
        for f in mine:
            table.add_row(
                result(f), f.element, f.number or "—", f.clause or "—", title(f, reason=True)
            )
        out.print(table)
    out.print(f"依据见 --json 或宽于 {WIDE_CHECK} 列的终端 (basis: --json)")


@app.command("lint")
def lint_command(
    profile: ProfileArgument,
    json_output: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出结果。", metavar="")
    ] = False,
    templates: TemplatesOption = None,
) -> None:
    """检查生成文档的用语； 有问题时退出码 1。

    检查项：数字用法、日/天、或者/或、列举项标点、空格、统一用语、协议中的自称。"""
    from policygen.lint import lint_set
    from policygen.validation import load_checked

    folders = _folders(templates)
    loaded = load_checked(profile, template_dirs=folders)
    wording = lint_set(loaded, template_dirs=folders)
    if json_output:
        out.print_json(
            data={
                "ok": not wording,
                "count": len(wording),
                "findings": [f.as_dict() for f in wording],
            }
        )
    else:
        _print_wording(wording)
    if wording:
        raise typer.Exit(ExitCode.INVALID_INPUT)


def _print_wording(findings: list[WordingFinding]) -> None:
    """Print the wording findings as a table and a one-line summary."""
    from rich.markup import escape
    from rich.table import Table

    if not findings:
        out.print("用语检查：未发现问题 (wording: no findings)")
        return
    table = Table(title="用语检查 (wording)", show_lines=False)
    table.add_column("文档", no_wrap=True)  # file stems and rule ids are never broken
    table.add_column("位置", ratio=1, min_width=6, overflow="fold")
    table.add_column("规则", no_wrap=True)
    table.add_column("原文", ratio=2, min_width=8, overflow="fold")
    table.add_column("说明", ratio=2, min_width=8, overflow="fold")
    for f in findings:
        table.add_row(*(escape(c) for c in (f.document, f.where, f.rule, f.excerpt, f.message)))
    out.print(table)
    out.print(f"用语检查：发现 {len(findings)} 处问题 (wording: {len(findings)} finding(s))")


@app.command("clauses")
def clauses_command(
    profile: ProfileArgument,
    json_output: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出结果。", metavar="")
    ] = False,
    templates: TemplatesOption = None,
) -> None:
    """列出配置生成的各文档中的条款：条款 id、所在文档、条号、标题及其法律依据。"""
    from rich.markup import escape
    from rich.table import Table

    from policygen.library import clause_report
    from policygen.validation import load_checked

    folders = _folders(templates)
    report = clause_report(load_checked(profile, template_dirs=folders), template_dirs=folders)
    entries, gaps = report.clauses, report.uncatalogued
    if json_output:
        out.print_json(data=report.as_dict())
        return

    def title(e: Entry) -> str:
        return e.title + ("（已改写）" if e.replaced else "（本机构新增）" if e.added else "")

    if out.is_terminal and out.width >= WIDE_CHECK:
        table = Table(title="条款库 (clause library)", show_lines=False)
        for column in ("id", "文档", "条号"):  # ids are copied into profiles: never broken
            table.add_column(column, no_wrap=True)
        table.add_column("标题", ratio=1, overflow="fold")
        table.add_column("依据", ratio=2, overflow="fold")
        for e in entries:
            cells = (e.id, e.document, e.number or "—", title(e), "\n".join(e.basis) or "—")
            table.add_row(*(escape(c) for c in cells))
        out.print(table)
    else:  # one table per document, the basis under the title
        out.print("条款库 (clause library)")
        for document in dict.fromkeys(e.document for e in entries):
            table = Table(title=document, title_justify="left", box=None, pad_edge=False,
                          show_edge=False)  # fmt: skip
            for column in ("id", "条号"):
                table.add_column(column, no_wrap=True)
            table.add_column("标题 / 依据", ratio=1, min_width=16, overflow="fold")
            for e in (e for e in entries if e.document == document):
                basis = "".join(f"\n[dim]{escape(b)}[/]" for b in e.basis)
                table.add_row(escape(e.id), e.number or "—", escape(title(e)) + basis)
            out.print(table)
    out.print(f"共 {len(entries)} 条")
    for g in gaps:
        err.print(
            f"未编入条款库 (uncatalogued): {g.document} {g.number} {g.id}：{g.reason}", markup=False
        )


@app.command()
def batch(
    engagements: Annotated[
        Path,
        typer.Argument(
            help="合同清单：.jsonl（每行一份合同）或 .csv（列名为字段路径， 如 vendor.name）。",
            metavar="FILE",
        ),
    ],
    profile: Annotated[
        str,
        typer.Option("-p", "--profile", help="组织配置文件（甲方与制度参数）。", metavar="PROFILE"),
    ],
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            help="输出目录； 与 --scheduler 同用时也可为 fsspec 地址（如 s3://bucket/dir）， "
            "由集群的工作进程直接写入。",
            metavar="DIR",
        ),
    ] = "out",
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "-f", "--formats", help="输出格式， 逗号分隔。 默认 docx,pdf。", metavar="FORMATS"
        ),
    ] = None,
    documents: Annotated[
        list[str] | None,
        typer.Option(
            "-d",
            "--documents",
            help="每份合同的文档， 逗号分隔。 默认 contract,sla。",
            metavar="KINDS",
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "-j",
            "--jobs",
            min=1,
            help="并行作业数。 默认 CPU 核数。 用 Typst 时每个进程占两核（Typst 另有一线程）。",
            metavar="N",
        ),
    ] = None,
    templates: TemplatesOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="即使输出已是最新也重新生成。", metavar="")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="把汇总与每行错误写成 JSON 文件。", metavar="FILE"),
    ] = None,
    pdf_engine: PdfEngineOption = None,
    style: StyleOption = None,
    pdf_standard: PdfStandardOption = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="在 Dask 集群上生成：调度器地址 tcp://HOST:PORT， 或 local:N（在本机启动 N 个"
            "工作进程）。 需安装 policygen[cluster]。",
            metavar="ADDRESS",
        ),
    ] = None,
) -> None:
    """批量生成合同：每行一份， 多进程并行， 坏行逐行报告， 已是最新的跳过。"""
    from policygen.batch import DEFAULT_KINDS, BatchOptions, run_with_progress
    from policygen.batch.run import URL
    from policygen.writers.options import check_pdf_standard, pdf_engine_from

    engine = pdf_engine_from(pdf_engine, source="--pdf-engine")
    options = BatchOptions(
        kinds=tuple(_split(documents, list(DEFAULT_KINDS))),
        formats=tuple(_split(formats, ["docx", "pdf"])),
        template_dirs=tuple(templates or ()),
        force=force,
        pdf_engine=engine,
        style_file=_style_file(style, templates),
        pdf_standard=check_pdf_standard(pdf_standard, engine, source="--pdf-standard"),
        scheduler=scheduler,
        **({"jobs": jobs} if jobs else {}),
    )
    target = output if URL.match(output) else Path(output)  # a URL: written by the workers
    code = run_with_progress(
        engagements, profile, target, options, console=err, summary_console=out, report=report
    )
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址。", metavar="HOST")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="监听端口。", metavar="PORT")
    ] = 8000,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="服务进程数（PDF 生成按进程并行）。", metavar="N"),
    ] = 1,
    templates: TemplatesOption = None,
) -> None:
    """启动 HTTP 服务：POST /validate、/render、/render-set、/clauses； 接口说明见 /docs。

    模板目录（--templates）中的模板与数据文件修改后， 下一次请求即按新文件生成。"""
    from policygen.service import serve as run_server

    run_server(host=host, port=port, workers=workers, template_dirs=_folders(templates))


@app.command()
def edit(
    profile: Annotated[
        Path | None, typer.Argument(help="先打开的配置文件（YAML）。", metavar="PROFILE")
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            help="工作目录： 只读写其中的配置文件。 默认为配置文件所在目录。",
            metavar="DIR",
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="监听地址。", metavar="HOST")] = "127.0.0.1",
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="监听端口； 0 为任一空闲端口。", metavar="N"),
    ] = 8765,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="不打开浏览器。", metavar="")
    ] = False,
    templates: TemplatesOption = None,
) -> None:
    """在浏览器中编辑配置： 按表单填写， 错误显示在字段旁， 文档实时预览， 可调整条款、 保存和比较版本。"""
    from policygen.editor import run as run_editor

    run_editor(
        profile,
        workspace=workspace,
        host=host,
        port=port,
        template_dirs=tuple(_folders(templates)),
        open_browser=not no_browser,
    )


# Long by design: a typer command's options are its parameters, then one call each for the
# comparison, the report and the files.
@app.command("diff")
def diff_command(
    old: Annotated[
        str,
        typer.Argument(
            help="修订前的配置：文件路径， 或 git 版本 REV:path（如 HEAD~1:policygen.yaml）。",
            metavar="OLD",
        ),
    ],
    new: Annotated[
        str, typer.Argument(help="修订后的配置：文件路径， 或 git 版本 REV:path。", metavar="NEW")
    ],
    documents: Annotated[
        list[str] | None,
        typer.Option(
            "-d", "--documents", help="文档类型， 逗号分隔。 默认 regulation。", metavar="KINDS"
        ),
    ] = None,
    contract_no: Annotated[
        str | None,
        typer.Option(
            "--contract-no", help="合同类文档：比较哪一份合同（合同编号）。", metavar="NO"
        ),
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="输出目录。", metavar="DIR")
    ] = Path("out"),
    json_output: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出条款变化。", metavar="")
    ] = False,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="修订人：修订稿中每处修订记在其名下。 默认取修订记录中该版本的 author，"
            "没有时为外包归口管理部门。",
            metavar="NAME",
        ),
    ] = None,
    revised_on: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="修订日期（YYYY-MM-DD）。 默认取修订记录中该版本的日期， 无记录时为施行日期。",
            metavar="DATE",
        ),
    ] = None,
    templates: TemplatesOption = None,
) -> None:
    """比较两个版本：列出新增、删除、修改的条款， 写出修订稿（DOCX 修订模式）和修订对照表（DOCX、PDF）。"""
    from datetime import date

    from policygen.diff import diff_sources, report, summary

    kinds = _split(documents, ["regulation"])
    try:
        day = date.fromisoformat(revised_on) if revised_on else None
    except ValueError:
        raise UsageError(
            f"--date 应为 YYYY-MM-DD 格式的日期：{revised_on} (invalid date)"
        ) from None
    comparisons, files = diff_sources(
        old,
        new,
        kinds,
        contract_no=contract_no,
        template_dirs=list(templates or []),
        author=author.strip() if author else None,
        revised_on=day,
    )
    try:
        output.mkdir(parents=True, exist_ok=True)
        write_all(output, files)  # the redline and the table together, or neither
    except OSError as exc:
        err.print(f"无法写入 {output}：{exc.strerror} (cannot write output)")
        raise typer.Exit(ExitCode.INVALID_INPUT) from None
    if json_output:
        documents_json = [summary(c) for c in comparisons]
        out.print_json(
            data={"documents": documents_json, "files": [str(output / f) for f in files]}
        )
        return
    for comparison in comparisons:
        for line in report(comparison, out.width):
            out.print(line, markup=False)
    for name in files:
        out.print(str(output / name))


@app.command()
def doctor(
    strict: Annotated[
        bool, typer.Option("--strict", help="警告（如慢速字体子集化）也返回 1。", metavar="")
    ] = False,
    fontconfig: Annotated[
        bool,
        typer.Option(
            "--fontconfig",
            help="不检查， 改为输出让 LibreOffice 以 PDF 所用字体替换宋体、黑体等的 fontconfig 规则"
            "， 存到 ~/.config/fontconfig/conf.d/ 下的 60-policygen.conf。",
            metavar="",
        ),
    ] = False,
) -> None:
    """检查字体、字体子集化、WeasyPrint/Pango、Typst 与 LibreOffice； 缺少必需组件时退出码 1。

    字体：宋体、黑体、仿宋、楷体类（或可代替它们的字体）。"""
    if fontconfig:
        from policygen.style import bundled_style
        from policygen.style.fontconfig import fontconfig as fontconfig_rules

        sys.stdout.write(fontconfig_rules(bundled_style("default")))
        raise typer.Exit(0)
    from policygen.doctor import diagnose, exit_code, report

    findings = diagnose()
    out.print(report(findings), markup=False)
    raise typer.Exit(exit_code(findings, strict=strict))


@app.command("list")
def list_kinds() -> None:
    """列出可生成的文档类型和输出格式。"""
    from rich.table import Table

    from policygen.kinds import DOCUMENT_KINDS
    from policygen.writers import WRITERS

    conditions = {
        "personal_info": "（仅委托处理个人信息时）",
        "on_premises": "（仅乙方人员在甲方场所工作时）",
    }
    table = Table(box=None, show_header=False, pad_edge=False)  # aligned by display width
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for kind in DOCUMENT_KINDS.values():
        scope = "每份合同一份" if kind.per_engagement else "每个组织一份"
        table.add_row(kind.name, kind.template, scope + conditions.get(kind.needs, ""))
    out.print(table)
    out.print("formats: " + ", ".join(WRITERS))


class _Terminated(BaseException):
    """SIGTERM arrived: unwind like an interrupt, so no temporary output file is left behind."""


class _Interrupted(BaseException):
    """Ctrl-C (SIGINT) arrived. Not a KeyboardInterrupt, which Click would answer with
    "Aborted!" and exit code 1: it unwinds to `_run` like SIGTERM, removing temporary files."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _on_sigint(signum: int, frame: object) -> None:
    raise _Interrupted


def _on_sigint_at_exit(signum: int, frame: object) -> None:
    """Ctrl-C while the process ends (its output is complete): one line, exit 130 at once."""
    import os

    sys.stderr.write(INTERRUPTED + "\n")
    sys.stderr.flush()
    os._exit(ExitCode.INTERRUPTED)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with `argv` (None: the process arguments); return the exit code."""
    import threading

    handled = threading.current_thread() is threading.main_thread()
    if handled:
        signal.signal(signal.SIGTERM, _on_sigterm)
        previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        return _run(argv)
    finally:
        if argv is not None:  # run in-process by a caller who goes on
            if handled:
                signal.signal(signal.SIGINT, previous)
            if "policygen.parallel" in sys.modules:  # render froze what it loaded
                sys.modules["policygen.parallel"].thaw_heap()
        elif handled:  # the process ends now
            signal.signal(signal.SIGINT, _on_sigint_at_exit)


def _run(argv: list[str] | None) -> int:
    try:
        app(args=argv, prog_name="policygen")
    except SystemExit as stop:  # typer ends every run this way; usage errors exit 2
        code = stop.code
        return code if isinstance(code, int) else ExitCode.OK if code is None else ExitCode.USAGE
    except PolicygenError as error:
        return _fail(error).exit_code
    except (KeyboardInterrupt, _Interrupted):
        err.print(INTERRUPTED, markup=False)
        return ExitCode.INTERRUPTED
    except _Terminated:
        err.print("已终止，未留下不完整的文件 (terminated; no partial file left)")
        return 143
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["app", "main"]
