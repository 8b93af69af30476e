"""Jobs: what a run materialises."""

import dagster as dg

from pipelines.assets.partitions import PERIODS

INGEST_JOB = dg.define_asset_job(
    "ingest_period",
    selection=dg.AssetSelection.key_prefixes(["raw"]),
    partitions_def=PERIODS,
    description="Ingest every extract of one period into the working warehouse.",
)
