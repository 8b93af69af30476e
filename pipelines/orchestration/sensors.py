"""Sensors: a new complete period under raw/ starts an ingestion run; a successful ingestion run starts
the build (dbt, the marts' checks, publish).

The new-period sensor keeps the periods it has seen complete in its cursor, and names each run after
the newest period (run key), so a period starts one run, never two. A period is complete when every
table expected in it (extracts.md: from the table's first period on file) has a file for it; a
half-delivered month waits, and a department that joins later never holds an earlier month back.
"""

import json

import dagster as dg
import duckdb

from pipelines.assets.resources import Warehouse
from pipelines.contract.tables import complete_periods as expected_complete_periods
from pipelines.ingest.discover import discover
from pipelines.orchestration.jobs import BUILD_JOB, INGEST_JOB, warehouse_busy
from pipelines.run import build_run_config, ingest_request, needs_build, stale_tables


def complete_periods(dataset) -> list[str]:
    """Periods for which every table expected in the period (extracts.md: from the first period in which
    any file of it is on disk) has at least one file on disk."""
    on_disk = {(f.period, f.table) for f in discover(dataset).files}
    return expected_complete_periods(on_disk, on_disk)


@dg.sensor(
    name="new_period",
    job=INGEST_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts an ingestion run when a new complete period (a file of every expected table) appears under "
    "raw/.",
)
def new_period(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    complete = complete_periods(warehouse.locations.data)
    new = sorted(set(complete) - seen)
    if not new:
        return dg.SkipReason("no new complete period under raw/")
    if warehouse_busy(context.instance):
        return dg.SkipReason("a run is writing the warehouse: the new period is looked at after it")
    try:
        todo, _ = stale_tables(warehouse.locations, full_refresh=False)
    except duckdb.IOException:
        # The cursor is not moved: the period is looked at again at the next evaluation.
        return dg.SkipReason("the working warehouse is held by a run: waiting")
    cursor = json.dumps(sorted(seen | set(complete)))
    if not any(p in todo for p in new):
        # Already ingested (by `safetynet run` or the nightly schedule): remember it, start nothing.
        return dg.SensorResult(skip_reason=f"periods {', '.join(new)} already ingested", cursor=cursor)
    request = ingest_request(context.instance, todo)
    return dg.SensorResult(run_requests=[request.run_request(f"period-{new[-1]}", "new_period")], cursor=cursor)


@dg.run_status_sensor(
    name="build_after_ingest",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[INGEST_JOB],
    request_job=BUILD_JOB,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When an ingestion run succeeds: build the periods not yet published, check the marts and publish.",
)
def build_after_ingest(context: dg.RunStatusSensorContext, warehouse: Warehouse):
    try:
        if not needs_build(warehouse.locations):
            # e.g. the nightly run found only what the new-period run had just ingested
            return dg.SkipReason("the ingestion run changed nothing: the published warehouse is current")
    except duckdb.IOException:
        pass  # another run holds the warehouse: request the build, it queues behind that run
    return dg.RunRequest(
        run_key=f"build-after-{context.dagster_run.run_id}",
        run_config=build_run_config(),
        tags={"safetynet/trigger": "build_after_ingest"},
    )
