"""The one Dagster Definitions of SafetyNet (`dagster dev` and `safetynet run` load it)."""

import dagster as dg

from pipelines.assets.checks import MART_CHECK_DEFS
from pipelines.assets.dbt import dbt_resource, warehouse_models
from pipelines.assets.feedback import feedback_copy
from pipelines.assets.publish import published_snapshot
from pipelines.assets.raw import RAW_ASSETS
from pipelines.assets.resources import Warehouse
from pipelines.orchestration.jobs import BUILD_JOB, INGEST_JOB
from pipelines.orchestration.schedules import nightly, nightly_cases
from pipelines.orchestration.sensors import build_after_ingest, new_period
from pipelines.settings import Locations


def build_definitions(locations: Locations) -> dg.Definitions:
    """The definitions bound to one dataset and warehouse (`safetynet run --data --warehouse`)."""
    return dg.Definitions(
        assets=[*RAW_ASSETS, feedback_copy, warehouse_models, published_snapshot],
        asset_checks=MART_CHECK_DEFS,
        jobs=[INGEST_JOB, BUILD_JOB],
        schedules=[nightly, nightly_cases],
        sensors=[new_period, build_after_ingest],
        resources={"warehouse": Warehouse.from_locations(locations), "dbt": dbt_resource(locations)},
        # Every asset writes the one working DuckDB file: run them one after another in one process.
        executor=dg.in_process_executor,
    )


# `dagster dev` reads SAFETYNET_DATA and SAFETYNET_WAREHOUSE (the Makefile's `dagster` target sets them).
defs = build_definitions(Locations.from_env())
