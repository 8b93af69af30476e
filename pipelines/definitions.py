"""The one Dagster Definitions object of SafetyNet (`dagster dev` and `safetynet run` load it)."""

import dagster as dg

from pipelines.assets.raw import RAW_ASSETS
from pipelines.assets.resources import Warehouse
from pipelines.orchestration.jobs import INGEST_JOB
from pipelines.settings import Locations

defs = dg.Definitions(
    assets=RAW_ASSETS,
    jobs=[INGEST_JOB],
    resources={"warehouse": Warehouse.from_locations(Locations.from_env())},
    # Every asset writes the one working DuckDB file: run them one after another in one process.
    executor=dg.in_process_executor,
)
