"""`safetynet run`: materialise the pipeline through Dagster, in-process, period by period.

Only what changed is read again: a table's period is ingested when the fingerprint of its files differs
from the one recorded when it was last ingested (or with --full-refresh). Two Dagster runs: the
ingestion (with the raw tables' contracts) over a range of periods, then dbt, the marts' checks and the
publish step. A failed step or blocking mart check stops there: nothing is published. Raw data that
breaches a blocking contract holds back its period and the later ones; the earlier are published.
The plan (`stale_tables`, `ingest_request`, `needs_build`) is shared with the schedule and the sensor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines import publish
from pipelines.assets.partitions import PERIODS
from pipelines.assets.resources import Warehouse
from pipelines.catalog import has_schema
from pipelines.contract import TABLES
from pipelines.feedback.clock import parse_as_of
from pipelines.ingest import workers as ingest_workers
from pipelines.ingest.discover import discover
from pipelines.ingest.load import period_status
from pipelines.orchestration.jobs import BUILD_JOB, INGEST_JOB
from pipelines.quality import data_docs_index
from pipelines.quality.settings import breach_advice
from pipelines.runs import (
    append_run,
    build_from,
    build_pending,
    fingerprint,
    first_held_back,
    held_back,
    held_back_from,
    ingested_fingerprints,
    now,
    verdict,
)
from pipelines.settings import Locations


@dataclass
class RunSummary:
    run_ids: list[str] = field(default_factory=list)
    ingested: dict[str, list[str]] = field(default_factory=dict)  # period -> tables ingested
    failed: list[str] = field(default_factory=list)  # "period table: error class" (no person data)
    warnings: list[str] = field(default_factory=list)  # checks of severity warn that did not pass
    unchanged: int = 0
    built_from: str | None = None  # the first period the marts were rebuilt from ("all": every one)
    published: publish.Snapshot | None = None  # the snapshot this run put in service
    data_docs: str | None = None  # the data contracts' report (Data Docs index), when one exists
    # Raw data breaching a blocking contract after the run ({"table", "period", "checks"}): its period
    # and the later ones wait for corrected extracts.
    held_back: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing is held back (exit status 0)."""
        return not self.failed and not self.held_back

    @property
    def held_back_from(self) -> str | None:
        return first_held_back(self.held_back)

    def describe(self) -> str:
        lines = []
        for period, tables in sorted(self.ingested.items()):
            lines.append(f"{period}: 入库 ingested {len(tables)} table(s): {', '.join(tables)}")
        if self.unchanged:
            lines.append(f"{self.unchanged} table-period(s) unchanged since the last run: not read again")
        if self.published:
            span = {"all": "every period", "cases": "the cases' statuses only: no extract changed"}.get(
                self.built_from, f"periods from {self.built_from}"
            )
            lines.append(f"建模 built and checked ({span}); 发布 published: {self.published.describe()}")
        if not self.ingested and not self.published and not self.failed:
            lines.append("nothing new: the published warehouse is up to date")
        for w in self.warnings:
            lines.append(f"WARNING check {w}")
        for f in self.failed:
            lines.append(f"FAILED {f}")
        if self.held_back:
            lines.append(f"暂缓发布 HELD BACK: periods from {self.held_back_from} wait for corrected extracts:")
            lines += [f"  {breach_advice(b)}" for b in self.held_back]
            if self.published:
                lines.append(f"  the complete periods before {self.held_back_from} are published.")
            elif not self.failed:
                lines.append(
                    "  Nothing was published: the snapshot in service stays (it holds periods from "
                    f"{self.held_back_from}, or nothing before them waited)."
                )
            if self.data_docs:
                lines.append(f"  Details: the data contracts' report {self.data_docs}")
        if self.failed:
            lines.append(
                "Nothing was published: the last good snapshot stays in service. Details: the "
                "Dagster run(s) named above (`make dagster`)"
                + (f" and the data contracts' report {self.data_docs}" if self.data_docs else "")
                + "."
            )
        lines.append(f"{verdict(self.failed, self.held_back)} in {self.seconds:.1f} s")
        return "\n".join(lines)


INSTANCE_CONFIG = """\
# Written by SafetyNet (pipelines/run.py). One run at a time writes the working warehouse: DuckDB
# allows one writer per file, so runs of the nightly schedule, the sensor and the UI queue behind it.
concurrency:
  runs:
    tag_concurrency_limits:
      - key: "safetynet/warehouse"
        limit: 1
"""
# A bureau's server sends nothing out: no usage statistics, and no newsletter sign-up in the UI. Added to
# an instance file written before these keys existed; a key already set there is left as it is.
PRIVATE_INSTANCE_CONFIG = {"telemetry": {"enabled": False}, "nux": {"enabled": False}}


def dagster_instance(warehouse: Path) -> dg.DagsterInstance:
    """The Dagster instance of this warehouse (the one `make dagster` shows), so runs are visible there."""
    from dagster._core.instance.ref import InstanceRef

    from pipelines.orchestration.event_log import EVENT_LOG_STORAGE

    home = warehouse / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    configured = write_instance_config(home)
    # Our event log keeps its SQLite connections open (pipelines/orchestration/event_log.py); a
    # dagster.yaml that names a storage of its own (Postgres, say) keeps it.
    overrides = {}
    if not {"storage", "event_log_storage"} & set(configured):
        runs = home / "history" / "runs"
        overrides["event_log_storage"] = {**EVENT_LOG_STORAGE, "config": {"base_dir": str(runs)}}
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))


def write_instance_config(home: Path) -> dict:
    """Write the instance's dagster.yaml where missing or without our private keys; returns its settings."""
    import yaml

    config = home / "dagster.yaml"
    text = config.read_text() if config.exists() else ""
    if not text.strip():
        text = INSTANCE_CONFIG
    settings = yaml.safe_load(text) or {}
    missing = {k: v for k, v in PRIVATE_INSTANCE_CONFIG.items() if k not in settings}
    if missing or not config.exists():
        if missing:
            text = (
                text.rstrip("\n") + "\n# Nothing phones home (SafetyNet).\n" + yaml.safe_dump(missing, sort_keys=False)
            )
        config.write_text(text)
    return settings | missing


def stale_tables(locations: Locations, full_refresh: bool) -> tuple[dict[str, list[str]], int]:
    """period -> tables whose files changed since they were last ingested; and how many did not.
    A period that breached a contract was not recorded as ingested, so it is read again."""
    discovery = discover(locations.data)
    done: dict[tuple[str, str], str] = {}
    if locations.duckdb_path.exists() and not full_refresh:
        with Warehouse.from_locations(locations).connect() as con:
            done = ingested_fingerprints(con)
    todo: dict[str, list[str]] = {}
    unchanged = 0
    for period in discovery.all_periods:
        for table in TABLES:
            paths = [f.path for f in discovery.for_table(table, period)]
            if not paths and (table, period) not in done:
                continue
            if done.get((table, period)) == fingerprint(locations.data, paths):
                unchanged += 1
                continue
            todo.setdefault(period, []).append(table)
    return todo, unchanged


def plan_build(locations: Locations, full_refresh: bool = False) -> tuple[bool, str | None]:
    """Whether the marts must be built, checked and published (ingested periods wait for it in
    meta.build_pending, cleared by publishing; the marts do not exist; or nothing is published), and the
    first period the build covers (None: every period).

    Periods from the first one whose raw data breaches a blocking contract are held back: nothing is
    built when only they wait, when no complete period comes before them, nor when the snapshot in
    service holds one of them (publishing would withdraw a period that was good when published: it stays
    in service until the extract is fixed)."""
    if not locations.duckdb_path.exists():
        return False, None
    with Warehouse.from_locations(locations).connect() as con:
        pending, first, held = build_pending(con), build_from(con), held_back_from(con)
        buildable = held is None or any(p.complete and p.period < held for p in period_status(con, locations.data))
    in_service = publish.current(locations)
    if not buildable or (in_service and in_service.would_withdraw(held)):
        return False, first
    if full_refresh:
        return True, None
    if held and in_service and pending is not None and pending >= held:
        return False, first
    return pending is not None or in_service is None, first


def needs_build(locations: Locations, full_refresh: bool = False) -> bool:
    return plan_build(locations, full_refresh)[0]


@dataclass(frozen=True)
class IngestRequest:
    """One Dagster run of the ingestion job over a range of periods: what `safetynet run`, the nightly
    schedule and the new-period sensor all launch."""

    tables: list[str]
    first: str
    last: str
    full_refresh: bool = False

    @property
    def asset_selection(self) -> list[dg.AssetKey]:
        return [dg.AssetKey(["raw", t]) for t in self.tables]

    @property
    def tags(self) -> dict[str, str]:
        return {
            "dagster/asset_partition_range_start": self.first,
            "dagster/asset_partition_range_end": self.last,
        }

    @property
    def run_config(self) -> dict:
        return {"ops": {f"raw__{t}": {"config": {"full_refresh": self.full_refresh}} for t in self.tables}}

    def run_request(self, run_key: str, trigger: str) -> dg.RunRequest:
        """The request a schedule or sensor (`trigger`) returns for this run."""
        return dg.RunRequest(
            run_key=run_key,
            asset_selection=self.asset_selection,
            tags={**self.tags, "safetynet/trigger": trigger},
            run_config=self.run_config,
        )


def ingest_request(
    instance: dg.DagsterInstance, todo: dict[str, list[str]], full_refresh: bool = False
) -> IngestRequest:
    """Register new periods as partitions and cover every period with work by one range."""
    known = instance.get_dynamic_partitions(PERIODS.name)
    new = sorted(p for p in todo if p not in known)
    if new:
        instance.add_dynamic_partitions(PERIODS.name, new)
    # A range in the partitions' order that covers every period with work; periods inside it whose
    # files did not change are skipped by the assets themselves.
    order = {p: i for i, p in enumerate(instance.get_dynamic_partitions(PERIODS.name))}
    first, last = min(todo, key=order.__getitem__), max(todo, key=order.__getitem__)
    tables = [t for t in TABLES if any(t in ts for ts in todo.values())]
    return IngestRequest(tables, first, last, full_refresh)


def build_run_config(full_refresh: bool = False, as_of: str | None = None) -> dict:
    """The build job: the feedback store's copy as of the run's clock (`as_of`, ISO 8601; None: now), dbt
    from the first unpublished period (the asset reads it), checks, publish."""
    return {
        "ops": {
            "warehouse_models": {"config": {"full_refresh": full_refresh}},
            "feedback_copy": {"config": {"as_of": as_of}},
        }
    }


# What a run refreshes when no extract changed: the cases' statuses move with the clock and with the
# dispositions recorded since the last run (product.md), so the case marts, K10–K12 and a new snapshot.
CASE_REFRESH = [
    *[dg.AssetKey(["feedback", t]) for t in ("publications", "case_issues", "dispositions", "clock")],
    *[dg.AssetKey(["intermediate", m]) for m in ("int_cases", "int_case_publications", "int_case_kpis")],
    dg.AssetKey(["marts", "fct_cases"]),
    dg.AssetKey(["marts", "fct_kpis"]),
    dg.AssetKey("published_snapshot"),
]


def can_refresh_cases(locations: Locations) -> bool:
    """Whether the cases alone can be rebuilt and published: a snapshot is in service, the working
    warehouse holds the marts, and publishing would not withdraw a period held back since."""
    in_service = publish.current(locations)
    if in_service is None or not locations.duckdb_path.exists():
        return False
    with Warehouse.from_locations(locations).connect() as con:
        if not has_schema(con, "main_marts"):
            return False
        held = held_back_from(con)
    return not in_service.would_withdraw(held)


def _failures(result: dg.ExecuteInProcessResult, with_message: bool) -> list[str]:
    """Failed checks with their summary, then failed steps by name and error class; dbt's own message
    (model and test names) where safe. Ingestion errors are reduced to their class: a library's message
    could quote a value."""
    failed = [f"check {key}: {text}" for key, severity, text in check_findings(result) if severity == "ERROR"]
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            text = f"{event.step_key}: {error.cls_name if error else 'error'}"
            # A failed blocking check is reported above, with its summary.
            if with_message and error is not None and error.cls_name != "DagsterAssetCheckFailedError":
                text += " — " + error.message.strip().splitlines()[0][:300]
            failed.append(f"{text} (Dagster run {result.run_id})")
    return failed or [f"Dagster run {result.run_id} failed"]


def check_findings(result: dg.ExecuteInProcessResult) -> list[tuple[str, str, str]]:
    """(check, severity, summary) of every asset check of the run that did not pass."""
    found = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                key = evaluation.asset_check_key
                summary = evaluation.description or ""
                found.append((f"{key.asset_key.to_user_string()} {key.name}", evaluation.severity.value, summary))
    return found


def _execute(
    job,
    definitions,
    instance,
    summary,
    *,
    with_message: bool,
    run_config: dict,
    tags: dict | None = None,
    asset_selection=None,
) -> bool:
    """One Dagster run in-process; its id, warnings and failures go into the summary."""
    result = definitions.resolve_job_def(job.name).execute_in_process(
        instance=instance,
        asset_selection=asset_selection,
        tags={**(tags or {}), **RUN_TAGS},
        run_config={**run_config, "loggers": QUIET},
        raise_on_error=False,
    )
    summary.run_ids.append(result.run_id)
    summary.warnings += [f"{k}: {t}" for k, sev, t in check_findings(result) if sev == "WARN"]
    if not result.success:
        summary.failed += _failures(result, with_message=with_message)
    return result.success


def _ingest(locations, todo, full_refresh, instance, definitions, summary, say) -> bool:
    """One Dagster run over every period with work (a partition range, one step per table)."""
    request = ingest_request(instance, todo, full_refresh)
    say(f"入库 ingesting {sum(map(len, todo.values()))} table-period(s) over {len(todo)} period(s)")
    # Ingestion errors are reported by class only: a library's message could quote a value.
    try:
        ok = _execute(
            INGEST_JOB,
            definitions,
            instance,
            summary,
            with_message=False,
            run_config=request.run_config,
            tags=request.tags,
            asset_selection=request.asset_selection,
        )
    finally:
        ingest_workers.shutdown()  # the reading processes' memory is not held through the build
    if not ok:
        return False
    summary.ingested = {p: todo[p] for p in sorted(todo)}
    return True


def _build(locations, full_refresh, instance, definitions, summary, say, as_of=None) -> bool:
    """One Dagster run: `dbt build` over the periods not yet published, the marts' checks, publish; when
    no period waits, the cases alone (their statuses as of now) and publish."""
    needed, first = plan_build(locations, full_refresh)
    selection = None
    if not needed:
        if not can_refresh_cases(locations):
            return True
        selection, first = CASE_REFRESH, "cases"
        say("处置 refreshing the cases' statuses and K10–K12, and publishing")
    else:
        say(f"建模 building, checking and publishing the warehouse ({'from ' + first if first else 'every period'})")
    if not _execute(
        BUILD_JOB,
        definitions,
        instance,
        summary,
        with_message=True,
        run_config=build_run_config(full_refresh, as_of),
        asset_selection=selection,
    ):
        return False
    summary.built_from = first or "all"
    summary.published = publish.current(locations)
    return True


RUN_TAGS = {"safetynet/command": "run"}
# Step events stay in the Dagster instance; the terminal gets warnings and our progress lines.
QUIET = {"console": {"config": {"log_level": "WARNING"}}}


def run_pipeline(
    locations: Locations,
    full_refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    as_of: str | None = None,
) -> RunSummary:
    """Ingest what changed, then build and test the warehouse from the first changed period on, and the
    cases as of `as_of` (ISO 8601, without an offset Beijing time; None: now)."""
    if as_of is not None:
        parse_as_of(as_of)  # a clear error before any work
    from pipelines.definitions import build_definitions

    say = progress or (lambda _msg: None)
    started = time.monotonic()
    summary = RunSummary()
    todo, summary.unchanged = stale_tables(locations, full_refresh)
    definitions = build_definitions(locations)
    # Entered, so that Dagster's definitions state storage is this instance's for the run: otherwise it
    # may be one left behind by an earlier instance of the process, already collected ("Attempted to
    # resolve undefined DagsterInstance weakref" when a process runs the pipeline more than once).
    with dagster_instance(locations.warehouse) as instance:
        ok = True
        if todo:
            ok = _ingest(locations, todo, full_refresh, instance, definitions, summary, say)
        if ok:
            _build(locations, full_refresh, instance, definitions, summary, say, as_of)
    if locations.duckdb_path.exists():
        with Warehouse.from_locations(locations).connect() as con:
            summary.held_back = held_back(con)
    summary.seconds = time.monotonic() - started
    docs = data_docs_index(locations)
    summary.data_docs = str(docs) if docs.exists() else None
    append_run(
        locations.warehouse,
        {
            "finished_at": now(),
            "command": "run" + (" --full-refresh" if full_refresh else "") + (f" --as-of {as_of}" if as_of else ""),
            "ok": summary.ok,
            "run_ids": summary.run_ids,
            "ingested": summary.ingested,
            "built_from": summary.built_from,
            "published": summary.published.file if summary.published else None,
            "failed": summary.failed,
            "warnings": summary.warnings,
            "held_back": summary.held_back,
            "seconds": round(summary.seconds, 1),
        },
    )
    return summary
