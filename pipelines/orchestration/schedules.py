"""The nightly run: at 02:00 Asia/Shanghai, ingest whatever changed under raw/ since the last run.

The build, checks and publish follow through the `build_after_ingest` sensor when the ingestion run
succeeds. A night with nothing new is skipped with its reason (visible on the schedule's page).
"""

import datetime as dt

import dagster as dg
import duckdb

from pipelines.assets.resources import Warehouse
from pipelines.orchestration.jobs import BUILD_JOB, INGEST_JOB, warehouse_busy
from pipelines.run import CASE_REFRESH, build_run_config, can_refresh_cases, ingest_request, needs_build, stale_tables

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


@dg.schedule(
    name="nightly_cases",
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    job=BUILD_JOB,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:00 Asia/Shanghai, when no extract changed: the cases' statuses as of the night (deadlines "
    "pass, re-checks fall due, dispositions recorded during the day), K10–K12, and a new snapshot.",
)
def nightly_cases(context: dg.ScheduleEvaluationContext, warehouse: Warehouse):
    if warehouse_busy(context.instance):
        return dg.SkipReason("a run is writing the warehouse: its build states the cases as of then")
    try:
        todo, _ = stale_tables(warehouse.locations, full_refresh=False)
        if todo or needs_build(warehouse.locations):
            return dg.SkipReason("extracts changed: the build after the nightly ingestion refreshes the cases")
        if not can_refresh_cases(warehouse.locations):
            return dg.SkipReason("nothing is published yet, or the periods in service are held back")
    except duckdb.IOException:
        return dg.SkipReason("the working warehouse is held by a run: the next night tries again")
    night = (context.scheduled_execution_time or dt.datetime.now()).strftime("%Y-%m-%d")
    return dg.RunRequest(
        run_key=f"cases-{night}",
        asset_selection=CASE_REFRESH,
        run_config=build_run_config(),
        tags={"safetynet/trigger": "nightly_cases"},
    )
