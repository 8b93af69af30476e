"""Ingestion assets: one per table of the input contract, keyed ["raw", <table>], partitioned by period.

Each materialisation reads every file of its table and period under raw/, loads typed rows into
raw.<table> with lineage, quarantines rejected rows with their reason, and records a reconciliation row
per file. Metadata holds counts and reason codes only: never an ID number or a name.
"""


import dagster as dg

from pipelines.assets.partitions import PERIODS
from pipelines.assets.resources import Warehouse
from pipelines.contract import TABLES, Table
from pipelines.ingest.discover import discover
from pipelines.ingest.load import ingest_table_period
from pipelines.runs import fingerprint, record_ingested


def _raw_asset(table: Table) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", table.name],
        partitions_def=PERIODS,
        group_name=f"raw_{table.source}",
        kinds={"duckdb", "polars"},
        description=f"{table.title} ({table.source}): typed rows of every file of the period, "
        "with lineage; rejected rows in raw.quarantine, one reconciliation row per file in raw.files.",
        metadata={"source": table.source, "columns": ", ".join(table.headers)},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        period = context.partition_key
        dataset = warehouse.locations.data
        discovery = discover(dataset)
        paths = [f.path for f in discovery.for_table(table.name, period)]
        # The fingerprint is taken before reading, so a file changed mid-run is read again next time.
        fp = fingerprint(dataset, paths)
        with warehouse.connect() as con:
            result = ingest_table_period(
                con, dataset, table.name, period, run_id=context.run.run_id, discovery=discovery
            )
            record_ingested(con, table.name, period, fp, context.run.run_id)
        files = result.files
        if not files:
            context.log.warning(f"{table.name} {period}: no file on disk for this table")
        for f in files:
            if f.status != "loaded":
                context.log.warning(f"{f.file}: rejected whole ({f.reason})")
        return dg.MaterializeResult(
            metadata={
                "period": period,
                "files": len(files),
                "files_rejected": sum(f.status != "loaded" for f in files),
                "rows_read": sum(f.rows_read for f in files),
                "rows_loaded": sum(f.loaded for f in files),
                "rows_quarantined": sum(f.quarantined for f in files),
                "rows_duplicate": sum(f.duplicate for f in files),
                "rows_footer_blank": sum(f.footer_blank for f in files),
                "quarantine_reasons": dg.MetadataValue.json(dict(sorted(result.reasons.items()))),
                "quality_issues": dg.MetadataValue.json(dict(sorted(result.quality.items()))),
                "dagster/row_count": sum(f.loaded for f in files),
            }
        )

    return _asset


RAW_ASSETS = [_raw_asset(t) for t in TABLES.values()]
