"""The one Dagster Definitions of SafetyNet (`dagster dev` and `safetynet run` load it)."""

import dagster as dg

from pipelines.assets.dbt import dbt_resource, warehouse_models
from pipelines.assets.raw import RAW_ASSETS
from pipelines.assets.resources import Warehouse
from pipelines.orchestration.jobs import BUILD_JOB, INGEST_JOB
from pipelines.settings import Locations


def build_definitions(locations: Locations) -> dg.Definitions:
    """The definitions bound to one dataset and warehouse (`safetynet run --data --warehouse`)."""
    return dg.Definitions(
        assets=[*RAW_ASSETS, warehouse_models],
        jobs=[INGEST_JOB, BUILD_JOB],
        resources={"warehouse": Warehouse.from_locations(locations), "dbt": dbt_resource(locations)},
        # Every asset writes the one working DuckDB file: run them one after another in one process.
        executor=dg.in_process_executor,
    )


# `dagster dev` reads SAFETYNET_DATA and SAFETYNET_WAREHOUSE (the Makefile's `dagster` target sets them).
defs = build_definitions(Locations.from_env())
