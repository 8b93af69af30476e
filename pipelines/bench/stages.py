"""Per-stage figures of one measured run, read from what the run leaves behind.

- the Dagster run's step events (in the warehouse's Dagster instance): `raw__<table>` steps are the
  ingestion, `warehouse_models` is dbt (`dbt build`: seeds, models and their data tests), the
  `<mart>_contracts` steps are the marts' data contracts, `published_snapshot` is the publish step;
- the probe's intervals spent in the raw tables' contracts, which run inside the ingestion steps: they are
  taken out of ingestion and counted as checks (with Great Expectations' import, paid by the first);
- the RSS samples of the process tree: a stage's peak is the largest sample taken inside its windows.

`other` is the rest of the wall time, told apart (`other_parts`) as: `startup` (interpreter and imports,
up to the probe's mark), `plan` (outside the Dagster runs: loading the definitions, fingerprinting the
files, planning, the run log), `dagster` (inside the runs, outside the steps: planning the run's
materialisations, events, bookkeeping) and `exit` (after the pipeline returned, until the process ended).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.bench.measure import peak_between

STAGES = ("ingestion", "dbt", "checks", "publish")


@dataclass(frozen=True)
class Step:
    key: str
    start: float  # time.time() of STEP_START
    end: float  # of STEP_SUCCESS / STEP_FAILURE


def stage_of(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return "ingestion"
    if step_key == "warehouse_models":
        return "dbt"
    if step_key.endswith("_contracts"):
        return "checks"
    if step_key == "published_snapshot":
        return "publish"
    return "other"


def read_steps(warehouse: Path, run_ids: list[str]) -> tuple[list[Step], list[tuple[float, float]]]:
    """The steps of the given Dagster runs of this warehouse, with their start and end times, and each
    run's span (its first event to its last)."""
    import dagster as dg
    from dagster import DagsterEventType as E

    instance = dg.DagsterInstance.from_config(str(Path(warehouse) / "dagster_home"))
    steps, runs = [], []
    for run_id in run_ids:
        records = instance.all_logs(run_id)
        if records:
            runs.append((records[0].timestamp, records[-1].timestamp))
        started: dict[str, float] = {}
        for record in records:
            event = record.dagster_event
            if event is None:
                continue
            if event.event_type == E.STEP_START:
                started[record.step_key] = record.timestamp
            elif event.event_type in (E.STEP_SUCCESS, E.STEP_FAILURE) and record.step_key in started:
                steps.append(Step(record.step_key, started.pop(record.step_key), record.timestamp))
    return sorted(steps, key=lambda s: s.start), runs


def subtract(windows: list[tuple[float, float]], holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of `windows` outside every hole."""
    out = []
    for a, b in windows:
        pieces = [(a, b)]
        for h0, h1 in holes:
            nxt = []
            for p0, p1 in pieces:
                if h1 <= p0 or h0 >= p1:
                    nxt.append((p0, p1))
                    continue
                if p0 < h0:
                    nxt.append((p0, h0))
                if h1 < p1:
                    nxt.append((h1, p1))
            pieces = nxt
        out += pieces
    return out


def _length(windows) -> float:
    return sum(b - a for a, b in windows)


def other_parts(
    steps: list[Step],
    runs: list[tuple[float, float]],
    started: float,
    seconds: float,
    imported: float,
    finished: float,
    other: float,
) -> dict[str, float]:
    """What `other` holds: startup, plan, dagster, exit (seconds; see the module's docstring)."""
    startup = max(0.0, imported - started)
    leaving = max(0.0, started + seconds - finished)
    dagster = max(0.0, _length(runs) - sum(s.end - s.start for s in steps))
    return {
        "startup": startup,
        "plan": max(0.0, other - startup - leaving - dagster),
        "dagster": dagster,
        "exit": leaving,
    }


def split_stages(
    steps: list[Step],
    check_intervals: list[tuple[float, float]],
    samples: list[tuple[float, int]],
    started: float,
    seconds: float,
) -> dict[str, dict]:
    """{stage: {"seconds", "peak_rss"}} for ingestion, dbt, checks, publish, other and total."""
    windows: dict[str, list[tuple[float, float]]] = {s: [] for s in (*STAGES, "other")}
    for step in steps:
        windows[stage_of(step.key)].append((step.start, step.end))
    raw_checks = [tuple(w) for w in check_intervals]
    windows["ingestion"] = subtract(windows["ingestion"], raw_checks)
    windows["checks"] = windows["checks"] + raw_checks
    figures = {}
    for stage in STAGES:
        figures[stage] = {"seconds": _length(windows[stage]), "peak_rss": peak_between(samples, windows[stage])}
    timed = [w for stage in STAGES for w in windows[stage]]
    rest = subtract([(started, started + seconds)], timed)
    figures["other"] = {
        "seconds": max(0.0, seconds - sum(figures[s]["seconds"] for s in STAGES)),
        "peak_rss": peak_between(samples, rest),
    }
    figures["total"] = {"seconds": seconds, "peak_rss": max((r for _, r in samples), default=None)}
    return figures


def dbt_nodes(warehouse: Path, run_id: str) -> dict:
    """Time dbt spent per kind of node (seed, model, test) in the build of this Dagster run, from the
    run_results.json dagster-dbt leaves in the warehouse's copy of the project; node times overlap
    (dbt runs several threads), so they tell shares, not wall time."""
    target = Path(warehouse) / "dbt_project" / "target"
    found = sorted(target.glob(f"*{run_id[:7]}*/run_results.json"), key=lambda p: p.stat().st_mtime)
    if not found:
        return {}
    results = json.loads(found[-1].read_text())["results"]
    kinds: dict[str, dict] = {}
    for r in results:
        kind = r["unique_id"].split(".", 1)[0]
        k = kinds.setdefault(kind, {"count": 0, "seconds": 0.0})
        k["count"] += 1
        k["seconds"] = round(k["seconds"] + (r.get("execution_time") or 0.0), 3)
    slowest = sorted(results, key=lambda r: r.get("execution_time") or 0.0, reverse=True)[:8]
    return {
        "kinds": kinds,
        "slowest": [[r["unique_id"].split(".")[-1], round(r.get("execution_time") or 0.0, 3)] for r in slowest],
    }


def rows_read(warehouse: Path, periods: list[str]) -> tuple[int, int]:
    """(rows read, files) of these periods, from the run's reconciliation (raw.files)."""
    import duckdb

    if not periods:
        return 0, 0
    con = duckdb.connect(str(Path(warehouse) / "working.duckdb"), read_only=True)
    try:
        marks = ", ".join("?" * len(periods))
        rows, files = con.execute(
            f"select coalesce(sum(rows_read), 0), count(*) from raw.files where period in ({marks})", periods
        ).fetchall()[0]
    finally:
        con.close()
    return int(rows), int(files)
