"""Jobs: what a run materialises."""

import dagster as dg


INGEST_JOB = dg.define_asset_job(
    "ingest_period",
    selection=dg.AssetSelection.key_prefixes(["raw"]),
    description="Ingest every extract of one period into the working warehouse.",
)
