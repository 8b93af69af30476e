"""The nightly run: at 02:00 Asia/Shanghai, ingest whatever changed under raw/ since the last run.

The build, checks and publish follow through the `build_after_ingest` sensor when the ingestion run
succeeds. A night with nothing new is skipped with its reason (visible on the schedule's page).
"""

import datetime as dt

import dagster as dg
import duckdb

from pipelines.assets.resources import Warehouse
from pipelines.orchestration.jobs import INGEST_JOB, warehouse_busy
from pipelines.run import ingest_request, stale_tables

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"  # the bureaus' local time


@dg.schedule(
    name="nightly",
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    job=INGEST_JOB,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:00 Asia/Shanghai: ingest the extracts that changed (then build, check and publish).",
)
def nightly(context: dg.ScheduleEvaluationContext, warehouse: Warehouse):
    if warehouse_busy(context.instance):
        return dg.SkipReason("a run is writing the warehouse: the new-period sensor and the next night follow")
    try:
        todo, unchanged = stale_tables(warehouse.locations, full_refresh=False)
    except duckdb.IOException:
        return dg.SkipReason("the working warehouse is held by a run: the next night tries again")
    if not todo:
        return dg.SkipReason(f"nothing changed under raw/ ({unchanged} table-periods unchanged)")
    request = ingest_request(context.instance, todo)
    night = (context.scheduled_execution_time or dt.datetime.now()).strftime("%Y-%m-%d")
    return request.run_request(f"nightly-{night}", "nightly")
