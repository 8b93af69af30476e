"""Ingestion assets: one per table of the input contract, keyed ["raw", <table>], partitioned by period.

Each materialisation reads every file of its table and period under raw/, loads typed rows into
raw.<table> with lineage, quarantines rejected rows with their reason, and records a reconciliation row
per file. A run may cover a range of periods in one step (single-run backfill policy): Dagster's cost per
step is paid once, not once per month. A period whose files are unchanged since they were last ingested
is skipped unless `full_refresh` is set. Metadata holds counts and reason codes only: never an ID number
or a name.

The data contracts of the table (pipelines/quality) run in the same step, on the periods just read, as
asset checks: a period that breaches a check of severity error is not recorded as ingested (the next run
reads and checks it again) and is listed in meta.contract_breaches, which holds it and every later period
back from publishing; the earlier complete periods are built and published. So the checks do not fail
the step (a failed step would stop the build of the earlier periods too): they show as failed, with
their severity, and the build and publish steps read the breaches. Clean periods are recorded and wait
to be built and published.
"""

from collections import Counter

import dagster as dg

from pipelines.assets.checks import check_result
from pipelines.assets.partitions import PERIODS
from pipelines.assets.resources import Warehouse
from pipelines.contract import TABLES, Table
from pipelines.ingest.discover import discover
from pipelines.ingest.load import ingest_table_period
from pipelines.process import release_memory
from pipelines.quality import RAW_CHECKS, check_raw
from pipelines.quality.gx import import_in_background
from pipelines.runs import (
    fingerprint,
    ingested_fingerprints,
    mark_build_pending,
    record_breaches,
    record_ingested,
)


class IngestConfig(dg.Config):
    full_refresh: bool = False  # read every period again, changed or not


def _raw_asset(table: Table) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", table.name],
        partitions_def=PERIODS,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=f"raw_{table.source}",
        kinds={"duckdb", "polars"},
        description=f"{table.title} ({table.source}): typed rows of every file of the period, "
        "with lineage; rejected rows in raw.quarantine, one reconciliation row per file in raw.files.",
        metadata={"source": table.source, "columns": ", ".join(table.headers)},
        check_specs=[
            # Not blocking: a breach holds back its periods through meta.contract_breaches instead.
            dg.AssetCheckSpec(name, asset=["raw", table.name], description=text, blocking=False)
            for name, text in RAW_CHECKS.items()
        ],
    )
    def _asset(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: Warehouse) -> dg.MaterializeResult:
        import_in_background()
        dataset = warehouse.locations.data
        discovery = discover(dataset)
        totals: Counter = Counter()
        reasons: Counter = Counter()
        quality: Counter = Counter()
        ingested, unchanged, fingerprints = [], [], {}
        # A table is expected from the first period in which any file of it is on file (extracts.md):
        # a period before it, never ingested, is before the department joined, not a missing delivery.
        first = min((f.period for f in discovery.files if f.table == table.name), default=None)
        with warehouse.connect() as con:
            recorded = ingested_fingerprints(con)
            done = {} if config.full_refresh else recorded
            for period in context.partition_keys:
                paths = [f.path for f in discovery.for_table(table.name, period)]
                if not paths and (first is None or period < first) and (table.name, period) not in recorded:
                    continue
                # Taken before reading, so a file changed mid-run is read again next time.
                fp = fingerprint(dataset, paths)
                if done.get((table.name, period)) == fp:
                    unchanged.append(period)
                    continue
                result = ingest_table_period(
                    con, dataset, table.name, period, run_id=context.run.run_id, discovery=discovery
                )
                fingerprints[period] = fp
                ingested.append(period)
                if not result.files:
                    context.log.warning(f"{table.name} {period}: no file on disk for this table")
                for f in result.files:
                    if f.status != "loaded":
                        context.log.warning(f"{f.file}: rejected whole ({f.reason})")
                    totals.update(
                        files=1,
                        files_rejected=int(f.status != "loaded"),
                        rows_read=f.rows_read,
                        rows_loaded=f.loaded,
                        rows_quarantined=f.quarantined,
                        rows_duplicate=f.duplicate,
                        rows_footer_blank=f.footer_blank,
                    )
                reasons.update(result.reasons)
                quality.update(result.quality)
            outcomes = check_raw(con, warehouse.locations, table.name, ingested)
            breached: dict[str, list[str]] = {}
            for outcome in outcomes:
                if not outcome.passed and outcome.severity == "error":
                    for period in outcome.failed_periods:
                        breached.setdefault(period, []).append(outcome.name)
            record_breaches(con, table.name, ingested, breached, context.run.run_id)
            clean = [p for p in ingested if p not in breached]
            for period in clean:
                record_ingested(con, table.name, period, fingerprints[period], context.run.run_id)
            if clean:
                mark_build_pending(con, min(clean))
        release_memory()
        return dg.MaterializeResult(
            metadata={
                "periods_ingested": ", ".join(ingested) or "none",
                "periods_unchanged": ", ".join(unchanged) or "none",
                **{
                    k: totals[k]
                    for k in (
                        "files",
                        "files_rejected",
                        "rows_read",
                        "rows_loaded",
                        "rows_quarantined",
                        "rows_duplicate",
                        "rows_footer_blank",
                    )
                },
                "quarantine_reasons": dg.MetadataValue.json(dict(sorted(reasons.items()))),
                "quality_issues": dg.MetadataValue.json(dict(sorted(quality.items()))),
                "periods_breaching_contracts": ", ".join(sorted(breached)) or "none",
            },
            check_results=[check_result(o, ["raw", table.name]) for o in outcomes],
        )

    return _asset


RAW_ASSETS = [_raw_asset(t) for t in TABLES.values()]
