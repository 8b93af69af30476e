"""The nightly schedule and the sensors, evaluated as the Dagster daemon would evaluate them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from pipelines.assets.resources import Warehouse
from pipelines.definitions import build_definitions, defs
from pipelines.generate import generate
from pipelines.ingest.discover import discover
from pipelines.orchestration.schedules import nightly, nightly_cases
from pipelines.orchestration.sensors import build_after_ingest, complete_periods, new_period
from pipelines.run import dagster_instance, run_pipeline
from pipelines.runs import clear_build_pending, mark_build_pending
from pipelines.settings import Locations


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    data = tmp_path_factory.mktemp("orchestration") / "data"
    generate(data, preset="demo", scale=0.05, months=2, seed=4, dirty=0.02)
    return data


@pytest.fixture(scope="module")
def ran(dataset, tmp_path_factory) -> Locations:
    """A copy of the dataset, run once (the last test adds a period to it)."""
    root = tmp_path_factory.mktemp("ran")
    shutil.copytree(dataset, root / "data")
    locations = Locations(root / "data", root / "warehouse")
    summary = run_pipeline(locations)
    assert summary.ok, summary.describe()
    return locations


def _schedule_context(locations: Locations, instance, when: dt.datetime):
    return dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=when,
        resources={"warehouse": Warehouse.from_locations(locations)},
    )


def _sensor_context(locations: Locations, instance, cursor=None):
    return dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"warehouse": Warehouse.from_locations(locations)},
    )


def test_schedule_and_sensors_are_defined_and_running_by_default():
    schedule = defs.resolve_schedule_def("nightly")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "ingest_period"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def("new_period")
    assert sensor.job_name == "ingest_period" and sensor.default_status == dg.DefaultSensorStatus.RUNNING
    follow = defs.resolve_sensor_def("build_after_ingest")
    assert follow.job_name == "build_warehouse"


def test_nightly_run_ingests_what_changed_then_skips_when_nothing_did(dataset, ran, tmp_path):
    locations = Locations(dataset, tmp_path / "warehouse")
    instance = dagster_instance(locations.warehouse)
    night = dt.datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with _schedule_context(locations, instance, night) as context:
        request = nightly(context)
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == "nightly-2026-11-23"  # one run per night, never two
    # every table with a file (the departments the generated city has)
    assert set(request.asset_selection) == {dg.AssetKey(["raw", f.table]) for f in discover(dataset).files}
    periods = complete_periods(dataset)
    assert request.tags["dagster/asset_partition_range_start"] == periods[0]
    assert request.tags["dagster/asset_partition_range_end"] == periods[-1]
    assert set(periods) <= set(instance.get_dynamic_partitions("period"))
    # What the schedule requests is what `safetynet run` runs; once done, the next night has nothing.
    with _schedule_context(ran, dagster_instance(ran.warehouse), night) as context:
        skipped = nightly(context)
    assert isinstance(skipped, dg.SkipReason) and "nothing changed" in skipped.skip_message


def test_a_night_without_new_extracts_still_restates_the_cases(dataset, ran, tmp_path):
    """Statuses move with the clock: a night with nothing new rebuilds the cases, K10–K12 and publishes."""
    night = dt.datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    # Contexts closed when done: evaluating one enters an instance of its own (from the instance's ref), and
    # left open it stays Dagster's current definitions-state storage after it is collected ("undefined
    # DagsterInstance weakref" in a later test).
    with _schedule_context(ran, dagster_instance(ran.warehouse), night) as context:
        request = nightly_cases(context)
    assert isinstance(request, dg.RunRequest) and request.run_key == "cases-2026-11-24"
    assert dg.AssetKey(["marts", "fct_cases"]) in request.asset_selection
    assert dg.AssetKey("published_snapshot") in request.asset_selection
    assert not any(key.path[0] == "raw" for key in request.asset_selection)
    # With extracts to ingest, the build after the ingestion restates them: no second run.
    fresh = Locations(dataset, tmp_path / "warehouse")
    with _schedule_context(fresh, dagster_instance(fresh.warehouse), night) as context:
        skipped = nightly_cases(context)
    assert isinstance(skipped, dg.SkipReason)


def test_the_build_follows_a_successful_ingestion(ran):
    instance = dagster_instance(ran.warehouse)
    ingest_run = next(r for r in instance.get_runs() if r.job_name == "ingest_period")
    success = next(iter(instance.all_logs(ingest_run.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)))
    context = dg.build_run_status_sensor_context(
        sensor_name="build_after_ingest",
        dagster_instance=instance,
        dagster_run=ingest_run,
        dagster_event=success.dagster_event,
        resources={"warehouse": Warehouse.from_locations(ran)},
    )
    # Everything ingested is published already (`safetynet run` built it): no build for nothing.
    assert isinstance(build_after_ingest(context), dg.SkipReason)
    # Periods ingested and not yet published: the build follows.
    with duckdb.connect(str(ran.duckdb_path)) as con:
        mark_build_pending(con, complete_periods(ran.data)[-1])
    request = build_after_ingest(context)
    assert request.run_key == f"build-after-{ingest_run.run_id}"
    with duckdb.connect(str(ran.duckdb_path)) as con:
        clear_build_pending(con)
    assert build_definitions(ran).resolve_sensor_def("build_after_ingest").job_name == "build_warehouse"


def test_a_new_complete_period_starts_one_run(ran):
    data, instance = ran.data, dagster_instance(ran.warehouse)
    first = new_period(_sensor_context(ran, instance))
    assert not first.run_requests  # every period on file is already ingested: no run, cursor set
    cursor = first.cursor
    assert json.loads(cursor) == complete_periods(data)

    # A new month arrives, one department at a time: the sensor waits for the last one.
    last = complete_periods(data)[-1]
    new = f"{int(last[:4]) + (last[5:] == '12')}-{int(last[5:]) % 12 + 1:02d}"
    sources = sorted(p.name for p in (data / "raw").iterdir() if p.is_dir())
    for source in sources[:-1]:
        shutil.copytree(data / "raw" / source / last, data / "raw" / source / new)
    waiting = new_period(_sensor_context(ran, instance, cursor))
    assert isinstance(waiting, dg.SkipReason)
    shutil.copytree(data / "raw" / sources[-1] / last, data / "raw" / sources[-1] / new)

    result = new_period(_sensor_context(ran, instance, cursor))
    assert [r.run_key for r in result.run_requests] == [f"period-{new}"]
    request = result.run_requests[0]
    assert request.tags["dagster/asset_partition_range_end"] == new
    assert new in instance.get_dynamic_partitions("period")
    again = new_period(_sensor_context(ran, instance, result.cursor))
    assert isinstance(again, dg.SkipReason)  # the same period never starts a second run


def test_sensor_and_schedule_keep_off_the_warehouse_while_a_run_writes_it(dataset, tmp_path):
    """A sensor opening the working file while a run writes it would make one of them fail."""
    from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

    from pipelines.orchestration.jobs import WAREHOUSE_TAG

    locations = Locations(dataset, tmp_path / "warehouse")
    instance = dagster_instance(locations.warehouse)
    instance.add_run(
        DagsterRun(
            job_name="ingest_period", run_id="a-run-in-progress", status=DagsterRunStatus.STARTED, tags=WAREHOUSE_TAG
        )
    )
    skipped = new_period(_sensor_context(locations, instance))
    assert isinstance(skipped, dg.SkipReason) and "writing the warehouse" in skipped.skip_message
    with _schedule_context(locations, instance, dt.datetime(2026, 11, 23, 2, 0)) as context:
        night = nightly(context)
    assert isinstance(night, dg.SkipReason)
    assert not locations.duckdb_path.exists()  # nothing opened (or created) the working file


def test_runs_log_through_open_connections_into_files_dagster_reads(ran, tmp_path):
    """The warehouse's event log keeps its connections open (pipelines/orchestration/event_log.py) but
    writes Dagster's own files: the webserver's stock instance reads every run and event of them."""
    from pipelines.orchestration.event_log import WarehouseEventLogStorage

    ours = dagster_instance(ran.warehouse)
    stock = dg.DagsterInstance.from_config(str(ran.warehouse / "dagster_home"))
    assert isinstance(ours.event_log_storage, WarehouseEventLogStorage)
    assert type(stock.event_log_storage) is not WarehouseEventLogStorage
    runs = stock.get_runs()
    assert runs and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    for run in runs:
        logged = stock.all_logs(run.run_id)
        assert len(logged) == len(ours.all_logs(run.run_id)) > 20
    materialized = stock.get_latest_materialization_event(dg.AssetKey(["raw", "dibao"]))
    assert materialized is not None and materialized.run_id in {r.run_id for r in runs}
    ours.dispose()

    # A dagster.yaml naming a storage of its own (a bureau's Postgres, say) keeps it.
    home = tmp_path / "warehouse" / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {tmp_path / 'elsewhere'}\n")
    assert not isinstance(dagster_instance(tmp_path / "warehouse").event_log_storage, WarehouseEventLogStorage)
