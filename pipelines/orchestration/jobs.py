"""Jobs: what a run materialises.

The ingestion job is partitioned by period (a range per run); the build job is not: dbt builds the
periods not yet published, the marts' contracts check them, and the publish step puts them in service.
Both carry the warehouse tag, which the instance limits to one run at a time (one writer per DuckDB file).
"""

import dagster as dg

WAREHOUSE_TAG = {"safetynet/warehouse": "working"}

INGEST_JOB = dg.define_asset_job(
    "ingest_period",
    selection=dg.AssetSelection.key_prefixes(["raw"]),
    description="Ingest the extracts of a range of periods into the working warehouse and check the "
    "raw tables' contracts.",
    tags=WAREHOUSE_TAG,
)

BUILD_JOB = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.key_prefixes(["raw"]),
    description="Build and test the dbt models of the periods not yet published, check the marts' "
    "contracts, then publish the serving snapshot.",
    tags=WAREHOUSE_TAG,
)


def warehouse_busy(instance: dg.DagsterInstance) -> bool:
    """Whether a run that writes the warehouse is queued or in progress: then sensors do not open it."""
    active = [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]
    return bool(instance.get_run_records(dg.RunsFilter(statuses=active, tags=WAREHOUSE_TAG), limit=1))
