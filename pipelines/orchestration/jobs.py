"""Jobs: what a run materialises."""

import dagster as dg

INGEST_JOB = dg.define_asset_job(
    "ingest_period",
    selection=dg.AssetSelection.key_prefixes(["raw"]),
    description="Ingest every extract of one period into the working warehouse.",
)

BUILD_JOB = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.key_prefixes(["raw"]),
    description="Build and test the dbt models (seeds, staging, intermediate, marts) of the warehouse.",
)
