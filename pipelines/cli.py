"""`safetynet`: the command line of SafetyNet (兜底监测)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipelines.bench.datasets import DEFAULT_CASES as DEFAULT_BENCH_CASES
from pipelines.process import end_process
from pipelines.settings import DEFAULT_DATA, DEFAULT_WAREHOUSE, Locations

DATA_OPTION = click.option(
    "--data",
    "data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="数据集目录 / dataset folder (raw/, seeds/)",
)
WAREHOUSE_OPTION = click.option(
    "--warehouse",
    "warehouse",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_WAREHOUSE,
    show_default=True,
    help="数据仓库目录 / warehouse folder",
)


def _format_of(out: Path, fmt: str | None) -> str:
    """--format, else the extension of --out."""
    if fmt is None:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise click.UsageError("--format csv|xlsx (the extension of --out is neither)")
    return fmt


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """SafetyNet 兜底监测: low-income population monitoring warehouse."""


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="输出目录 / output folder: raw/, seeds/, truth/",
)
@click.option(
    "--preset",
    type=click.Choice(["demo", "report-2021"]),
    default="demo",
    show_default=True,
    help="demo: months of a city with planted cases; report-2021: 泰安市 2021-09 (taian only)",
)
@click.option(
    "--city",
    type=click.Choice(["taian", "jining"]),
    default="taian",
    show_default=True,
    help="城市 / city: taian 泰安市, jining 济宁市 (own counties, standards, rule settings); report-2021 is taian only",
)
@click.option("--scale", type=float, default=1.0, show_default=True, help="规模倍数 / size multiplier")
@click.option("--months", type=int, default=None, help="统计期数 / number of monthly periods")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--dirty", type=float, default=None, help="脏数据比例 / share of rows with dirt (0–1)")
@click.option(
    "--reference/--no-reference",
    default=True,
    show_default=True,
    help="write truth/findings.csv and kpis.csv by the reference evaluation (slow and memory-hungry "
    "at province scale; benchmarks do not need it)",
)
@click.option(
    "--departments/--no-departments",
    default=None,
    help="demo: 公安、人社、财政、医保 (household changes, social insurance, payroll, medical settlements; medical "
    "insurance joins in the middle of the months) [default: on; report-2021 has none]",
)
@click.option(
    "--sized-population/--legacy-population",
    default=None,
    help="demo: registered population sized to the people (低保覆盖率 a few per cent), or drawn as before, a large "
    "city's whatever the scale [default: sized]. --no-departments --legacy-population writes the dataset the "
    "generator wrote before either existed, byte for byte",
)
@click.option(
    "--parts",
    type=click.IntRange(1, 499),
    default=1,
    show_default=True,
    help="demo, with --no-reference: the dataset as PARTS independent populations of the city at scale/PARTS each, "
    "generated one after the other into the same folder (the memory of one part), identifiers disjoint (national "
    "ids, households, cards, references); part i>0's files are named <table>[_<county>]_p<i>.<ext>. seeds/ are "
    "written once (region_population: the parts' sum); truth/ holds files.csv, quarantine.csv, quality_issues.csv "
    "and loaded/ of the whole (loaded rows by period, then part), but no findings, KPIs or disposition history, "
    "which need every part at once",
)
def generate(
    out: Path,
    preset: str,
    city: str,
    scale: float,
    months: int | None,
    seed: int,
    dirty: float | None,
    reference: bool,
    departments: bool | None,
    sized_population: bool | None,
    parts: int,
):
    """生成合成数据集 / write a synthetic dataset with its truth (all people invented)."""
    from pipelines.generate import generate as run_generate

    if preset == "report-2021" and city != "taian":
        raise click.UsageError("--preset report-2021 is 泰安市's published table: use --city taian")
    if preset == "report-2021" and (departments or sized_population is not None):
        raise click.UsageError("--preset report-2021 is a published table: no --departments or population options")
    if parts > 1 and preset != "demo":
        raise click.UsageError("--parts: the demo preset only (report-2021 is a published table)")
    if parts > 1 and reference:
        raise click.UsageError(
            "--parts needs --no-reference: the reference evaluation (truth/findings.csv, kpis.csv) needs every part "
            "at once"
        )
    summary = run_generate(
        out,
        preset=preset,
        scale=scale,
        months=months,
        seed=seed,
        dirty=dirty,
        progress=_progress,
        city=city,
        reference=reference,
        departments=departments,
        sized_population=sized_population,
        parts=parts,
    )
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@main.command()
@DATA_OPTION
@WAREHOUSE_OPTION
@click.option("--full-refresh", is_flag=True, help="重新处理全部统计期 / reprocess every period")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="以此时间为“现在”计算处置状态 / state the cases as of this time (ISO 8601; no offset: Beijing time)",
)
def run(data: Path, warehouse: Path, full_refresh: bool, as_of: str | None):
    """运行流水线 / ingest, build, check and publish through Dagster, in-process."""
    from pipelines.run import run_pipeline

    summary = run_pipeline(
        Locations(data.resolve(), warehouse.resolve()), full_refresh=full_refresh, progress=_progress, as_of=as_of
    )
    click.echo(summary.describe())
    if not summary.ok:
        sys.exit(1)


@main.command()
@DATA_OPTION
@WAREHOUSE_OPTION
def status(data: Path, warehouse: Path):
    """状态 / periods on file, what is published, and what each run did."""
    from pipelines.status import describe_status

    click.echo(describe_status(Locations(data.resolve(), warehouse.resolve())))


@main.command()
@click.argument("kind", type=click.Choice(["warnings", "verifications", "kpis", "quarantine", "files"]))
@click.option("--period", default=None, help="统计期 YYYY-MM; default: the latest period of the list's table")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default=None,
    help="文件格式 / file format; default: from the extension of --out",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件 / output file")
@click.option("--county", default=None, help="县区代码 (6 or 12 digits): only this county's rows")
@click.option("--unmasked", is_flag=True, help="不脱敏: full ID numbers and names")
@click.option("--user", default=None, help="导出人 for the export line; default: the OS login name")
@DATA_OPTION
@WAREHOUSE_OPTION
def export(
    kind: str,
    period: str | None,
    fmt: str,
    out: Path,
    county: str | None,
    unmasked: bool,
    user: str | None,
    data: Path,
    warehouse: Path,
):
    """导出名单 / export a list: warnings|verifications|kpis|quarantine|files (masked unless --unmasked)."""
    from pipelines.exports import ExportError, export_list

    fmt = _format_of(out, fmt)
    try:
        rows = export_list(
            kind,
            Locations(data.resolve(), warehouse.resolve()),
            period,
            fmt,
            out,
            county=county,
            unmasked=unmasked,
            user=user,
        )
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{rows} 行 rows → {out}{'' if not unmasked else ' (未脱敏 unmasked)'}")


class FeedbackUsageError(click.ClickException):
    """A feedback command that cannot start (an unknown user, an analyst, an unreadable file): exit 2."""

    exit_code = 2


@main.group()
def feedback() -> None:
    """预警处置 / dispositions: import a returned list, export the cases (the store: feedback/feedback.sqlite,
    or the file in SAFETYNET_FEEDBACK)."""


def _as_of(text: str | None):
    from pipelines.feedback.clock import ClockError, parse_as_of

    if text is None:
        return None
    try:
        return parse_as_of(text)
    except ClockError as exc:
        raise FeedbackUsageError(str(exc)) from None


@feedback.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", required=True, help="记录人 / the user recording (from the users file: their role and county)")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="记录时间 / record time, ISO 8601 (no offset: Beijing time); default now",
)
@click.option(
    "--refused",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="拒收行 / write the refused rows to this CSV (行号, 预警编号, 首次预警期, 原因)",
)
@DATA_OPTION
@WAREHOUSE_OPTION
def feedback_import(file: Path, user: str, as_of: str | None, refused: Path | None, data: Path, warehouse: Path):
    """导入回填名单 / record the dispositions filled into a returned list (XLSX or CSV).

    Exit 0 when no row was refused, 1 when some were (the valid rows are recorded all together), 2 when
    nothing could be read or the user may not record."""
    from dashboards.auth import ANALYST, UsersConfigError, load_users
    from pipelines.exports.writers import write_csv
    from pipelines.feedback.record import Actor, NotAllowed, record, refused_frame
    from pipelines.feedback.returned import MAX_BYTES, ReturnedFileError, read_returned
    from pipelines.feedback.store import feedback_store

    try:
        users = load_users()
    except UsersConfigError as exc:
        raise FeedbackUsageError(str(exc)) from None
    account = users.get(user)
    if account is None:
        raise FeedbackUsageError(f"--user {user}: no such user in the users file")
    if account.role == ANALYST:
        raise FeedbackUsageError(f"--user {user}: an analyst records no dispositions")
    recorded_at = _as_of(as_of)
    if file.stat().st_size > MAX_BYTES:
        raise FeedbackUsageError(f"{file.name}: 文件超过 20 MB (file over 20 MB)")
    content = file.read_bytes()
    try:
        entries = read_returned(file.name, content)
    except ReturnedFileError as exc:
        raise FeedbackUsageError(str(exc)) from None
    actor = Actor(account.user, account.role, account.county)
    try:
        result = record(feedback_store(), actor, entries, as_of=recorded_at, file_name=file.name, file_bytes=content)
    except NotAllowed as exc:
        raise FeedbackUsageError(str(exc)) from None
    click.echo(f"{file.name}: {result.describe()}")
    for refusal in result.refused:
        click.echo(f"第{refusal.row}行 预警编号 {refusal.warning_id or ''}: {refusal.reason}")
    if refused is not None:
        write_csv(refused_frame(result.refused), refused)
        click.echo(f"拒收行 refused rows → {refused}")
    if result.refused:
        sys.exit(1)


@feedback.command("replay")
@DATA_OPTION
@WAREHOUSE_OPTION
def feedback_replay(data: Path, warehouse: Path):
    """回放处置历史 / replay a disposition history (DIR/feedback/history.json, the demo's) into an empty store.

    Publishes at the history's time, then imports each batch at its time as its user, through the same
    write path as an upload. A store that already holds a publication is left as it is (make demo runs
    this every time; only the first does anything)."""
    from dashboards.auth import UsersConfigError, load_users
    from pipelines.feedback.replay import replay_history

    try:
        users = load_users()
    except UsersConfigError as exc:
        raise FeedbackUsageError(str(exc)) from None
    results = replay_history(Locations(data.resolve(), warehouse.resolve()), users, say=_progress)
    if results is None:
        click.echo("处置历史 no history to replay, or the feedback store already has one: nothing done")
    else:
        click.echo(f"处置历史 replayed {len(results)} batch(es), {sum(len(r.recorded) for r in results)} record(s)")


@feedback.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出文件 / output file")
@click.option("--county", default=None, help="县区代码 (6 or 12 digits): only this county's cases")
@click.option("--period", default=None, help="统计期 YYYY-MM: only the cases with a finding in it")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="状态截至 / status as of, ISO 8601 (no offset: Beijing time); default now",
)
@click.option("--unmasked", is_flag=True, help="不脱敏: full ID numbers and names")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default=None,
    help="文件格式 / file format; default: from the extension of --out",
)
@click.option("--user", default=None, help="导出人 for the export line; default: the OS login name")
@DATA_OPTION
@WAREHOUSE_OPTION
def feedback_export(
    out: Path,
    county: str | None,
    period: str | None,
    as_of: str | None,
    unmasked: bool,
    fmt: str | None,
    user: str | None,
    data: Path,
    warehouse: Path,
):
    """导出预警事项 / the cases with their status, deadline and latest disposition (masked unless --unmasked)."""
    from pipelines.exports import ExportError
    from pipelines.exports.cases import export_cases

    fmt = _format_of(out, fmt)
    when = _as_of(as_of)
    try:
        rows = export_cases(
            Locations(data.resolve(), warehouse.resolve()),
            fmt,
            out,
            county=county,
            period=period,
            as_of=when,
            unmasked=unmasked,
            user=user,
        )
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{rows} 行 rows → {out}{'' if not unmasked else ' (未脱敏 unmasked)'}")


@main.command()
@DATA_OPTION
@WAREHOUSE_OPTION
@click.option("--port", type=int, default=8501, show_default=True)
def serve(data: Path, warehouse: Path, port: int):
    """看板 / serve the dashboards (Streamlit) on the published snapshot of the warehouse."""
    import os

    env = {**os.environ, "SAFETYNET_DATA": str(data.resolve()), "SAFETYNET_WAREHOUSE": str(warehouse.resolve())}
    click.echo(f"看板 dashboards: http://localhost:{port}  (demo users: README, 演示账号)", err=True)
    os.execvpe(sys.executable, streamlit_command(port), env)


def streamlit_command(port: int) -> list[str]:
    """The Streamlit server of `safetynet serve`: headless, no usage statistics sent out."""
    from pipelines.settings import REPO_ROOT

    app = REPO_ROOT / "dashboards" / "app.py"
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # users see the app, not Streamlit's developer menu (rerun, deploy, settings)
        "--client.toolbarMode",
        "viewer",
    ]


@main.command()
@click.option(
    "--scales",
    default=",".join(DEFAULT_BENCH_CASES),
    show_default=True,
    help="cases, comma-separated: demo (1 month), x<N> (the demo city's month at N × a city's volume, in N "
    "parts), "
    "incremental (a 13th month on 12, against a rebuild of 13)",
)
@click.option(
    "--repeat",
    type=int,
    default=3,
    show_default=True,
    help="runs of each case up to ×1 (median reported); larger cases run once",
)
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/tmp/safetynet-bench"),
    show_default=True,
    help="datasets (generated once, reused), warehouses, logs and results",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="markdown file whose generated section is rewritten [default: docs/benchmarks.md]",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the chart (PNG) [default: beside --out, benchmarks.png]",
)
@click.option(
    "--incremental-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="monthly size of the incremental case, in multiples of ×1",
)
@click.option(
    "--from-results",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="measure nothing: render the report from an earlier results file",
)
def bench(
    scales: str,
    repeat: int,
    work_dir: Path,
    out: Path | None,
    chart: Path | None,
    incremental_scale: float,
    from_results: Path | None,
):
    """基准测试 / time every stage of the pipeline per scale against the DuckDB floor."""
    import json

    from pipelines.bench.datasets import parse_cases
    from pipelines.bench.harness import run_bench
    from pipelines.bench.report import write_report
    from pipelines.settings import REPO_ROOT

    out = out or REPO_ROOT / "docs" / "benchmarks.md"
    chart = chart or out.with_name("benchmarks.png")
    if from_results:
        results = json.loads(from_results.read_text(encoding="utf-8"))
    else:
        try:
            cases = parse_cases(scales, incremental_scale)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        if repeat < 1:
            raise click.UsageError("--repeat must be at least 1")
        results = run_bench(cases, repeat, work_dir.resolve(), say=_progress)
    write_report(results, out, chart)
    click.echo(f"report: {out} (chart {chart})")


@main.group()
def users() -> None:
    """看板用户 / dashboard users and roles (config/users.toml, or the file in SAFETYNET_USERS)."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["analyst", "county_officer", "city_admin"]),
    required=True,
    help="analyst: aggregates only; county_officer: own county's lists, masked; "
    "city_admin: everything, may export unmasked",
)
@click.option("--county", default=None, help="县区代码 (6 digits), for a county_officer only")
def users_add(name: str, role: str, county: str | None):
    """添加或替换用户 / add a user, or replace them (the password is asked twice, never echoed)."""
    from dashboards.auth import UsersConfigError, add_user, check_user, default_users_path, password_problem

    try:
        check_user(name, role, county)
    except UsersConfigError as exc:
        raise click.UsageError(str(exc)) from None

    def long_enough(value: str) -> str:
        problem = password_problem(name, value)  # at least 10 characters, not the user name
        if problem:
            raise click.BadParameter(problem)
        return value

    password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True, value_proc=long_enough)
    path = default_users_path()
    try:
        replaced = add_user(name, role, county, password, path)
    except UsersConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'replaced' if replaced else 'added'} {name} ({role}{' ' + county if county else ''}) → {path}")


def command() -> None:
    """The `safetynet` program (pyproject's script): the commands above, then `end_process`. (`main`
    itself, as click's test runner calls it, returns as usual.)"""
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            sys.stderr.write(done.code + "\n")
    end_process(code)


if __name__ == "__main__":
    command()
