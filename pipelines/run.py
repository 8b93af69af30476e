"""`safetynet run`: materialise the pipeline through Dagster, in-process, period by period.

Only what changed is read again: a table's period is ingested when the fingerprint of its files differs
from the one recorded when it was last ingested (or with --full-refresh).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import dagster as dg

from pipelines.assets.partitions import PERIODS
from pipelines.assets.resources import Warehouse
from pipelines.contract import TABLES
from pipelines.ingest.discover import discover
from pipelines.runs import (
    append_run,
    build_pending,
    clear_build_pending,
    fingerprint,
    ingested_fingerprints,
    mark_build_pending,
    now,
)
from pipelines.settings import Locations


@dataclass
class RunSummary:
    run_ids: list[str] = field(default_factory=list)
    ingested: dict[str, list[str]] = field(default_factory=dict)  # period -> tables ingested
    failed: list[str] = field(default_factory=list)  # "period table: error class" (no person data)
    unchanged: int = 0
    built_from: str | None = None  # the first period the marts were rebuilt from ("all": every one)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def describe(self) -> str:
        lines = []
        for period, tables in sorted(self.ingested.items()):
            lines.append(f"{period}: 入库 ingested {len(tables)} table(s): {', '.join(tables)}")
        if self.unchanged:
            lines.append(f"{self.unchanged} table-period(s) unchanged since the last run: not read again")
        if self.built_from:
            lines.append(f"建模 warehouse built and tested ({'every period' if self.built_from == 'all' else 'from ' + self.built_from})")
        if not self.ingested and not self.built_from and not self.failed:
            lines.append("nothing new: the warehouse is up to date")
        for f in self.failed:
            lines.append(f"FAILED {f}")
        lines.append(f"{'OK' if self.ok else 'FAILED'} in {self.seconds:.1f} s")
        return "\n".join(lines)


def dagster_instance(warehouse: Path) -> dg.DagsterInstance:
    """The Dagster instance of this warehouse (the one `make dagster` shows), so runs are visible there."""
    home = warehouse / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    return dg.DagsterInstance.from_config(str(home))


def stale_tables(locations: Locations, full_refresh: bool) -> tuple[dict[str, list[str]], int]:
    """period -> tables whose files changed since they were last ingested; and how many did not."""
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


def _failures(result: dg.ExecuteInProcessResult, with_message: bool) -> list[str]:
    """Failed steps, by name and error class; dbt's own message (model and test names) where safe.
    Ingestion errors are reduced to their class: a library's message could quote a value."""
    failed = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            text = f"{event.step_key}: {error.cls_name if error else 'error'}"
            if with_message and error is not None:
                text += " — " + error.message.strip().splitlines()[0][:300]
            failed.append(f"{text} (Dagster run {result.run_id})")
    return failed or [f"Dagster run {result.run_id} failed"]


def _ingest(locations, todo, full_refresh, instance, definitions, summary, say) -> bool:
    """One Dagster run over every period with work (a partition range, one step per table)."""
    known = instance.get_dynamic_partitions(PERIODS.name)
    new = sorted(p for p in todo if p not in known)
    if new:
        instance.add_dynamic_partitions(PERIODS.name, new)
    # A range in the partitions' order that covers every period with work; periods inside it whose
    # files did not change are skipped by the assets themselves.
    order = {p: i for i, p in enumerate(instance.get_dynamic_partitions(PERIODS.name))}
    first, last = min(todo, key=order.__getitem__), max(todo, key=order.__getitem__)
    tables = [t for t in TABLES if any(t in ts for ts in todo.values())]
    say(f"入库 ingesting {sum(map(len, todo.values()))} table-period(s) over {len(todo)} period(s)")
    result = definitions.resolve_job_def("ingest_period").execute_in_process(
        instance=instance,
        asset_selection=[dg.AssetKey(["raw", t]) for t in tables],
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
            "safetynet/command": "run",
        },
        run_config={
            "ops": {f"raw__{t}": {"config": {"full_refresh": full_refresh}} for t in tables},
            "loggers": QUIET,
        },
        raise_on_error=False,
    )
    summary.run_ids.append(result.run_id)
    if not result.success:
        summary.failed += _failures(result, with_message=False)
        return False
    summary.ingested = {p: todo[p] for p in sorted(todo)}
    with Warehouse.from_locations(locations).connect() as con:
        mark_build_pending(con, min(todo))
    return True


def _build(locations, full_refresh, instance, definitions, summary, say) -> bool:
    """One Dagster run of `dbt build` over the periods that changed (every period with --full-refresh)."""
    with Warehouse.from_locations(locations).connect() as con:
        pending = build_pending(con)
        built = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'main_marts'"
        ).fetchone()[0]
    if not (full_refresh or pending or not built):
        return True
    from_period = None if full_refresh or not built else pending
    say(f"建模 building the warehouse ({'every period' if from_period is None else 'from ' + from_period})")
    result = definitions.resolve_job_def("build_warehouse").execute_in_process(
        instance=instance,
        tags={"safetynet/command": "run"},
        run_config={
            "ops": {"warehouse_models": {"config": {"from_period": from_period, "full_refresh": full_refresh}}},
            "loggers": QUIET,
        },
        raise_on_error=False,
    )
    summary.run_ids.append(result.run_id)
    if not result.success:
        summary.failed += _failures(result, with_message=True)
        return False
    summary.built_from = from_period or "all"
    with Warehouse.from_locations(locations).connect() as con:
        clear_build_pending(con)
    return True


# Step events stay in the Dagster instance; the terminal gets warnings and our progress lines.
QUIET = {"console": {"config": {"log_level": "WARNING"}}}


def run_pipeline(
    locations: Locations, full_refresh: bool = False, progress: Callable[[str], None] | None = None
) -> RunSummary:
    """Ingest what changed, then build and test the warehouse from the first changed period on."""
    from pipelines.definitions import build_definitions

    say = progress or (lambda _msg: None)
    started = time.monotonic()
    summary = RunSummary()
    todo, summary.unchanged = stale_tables(locations, full_refresh)
    instance = dagster_instance(locations.warehouse)
    definitions = build_definitions(locations)
    ok = True
    if todo:
        ok = _ingest(locations, todo, full_refresh, instance, definitions, summary, say)
    if ok and locations.duckdb_path.exists():
        _build(locations, full_refresh, instance, definitions, summary, say)
    summary.seconds = time.monotonic() - started
    append_run(
        locations.warehouse,
        {
            "finished_at": now(),
            "command": "run" + (" --full-refresh" if full_refresh else ""),
            "ok": summary.ok,
            "run_ids": summary.run_ids,
            "ingested": summary.ingested,
            "built_from": summary.built_from,
            "failed": summary.failed,
            "seconds": round(summary.seconds, 1),
        },
    )
    return summary
