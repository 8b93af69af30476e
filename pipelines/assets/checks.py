"""Data contracts as Dagster asset checks (the contracts themselves live in pipelines/quality).

The marts' checks are blocking: one that fails with severity error stops the publish step; a check whose
severity is warn (value ranges, drift, population rates, by default) is shown and stops nothing. The raw
tables' checks run inside their ingestion step (pipelines/assets/raw.py) and hold back the periods they
breach, and the later ones, rather than the step; the marts' run after `dbt build`, before publishing.
Metadata carries counts, periods, county codes and column names: never an ID number or a name.
"""

import dagster as dg

from pipelines.assets.resources import Warehouse
from pipelines.quality import MART_CHECKS, CheckOutcome, check_mart, data_docs_index

SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


def check_result(outcome: CheckOutcome, asset_key, data_docs=None) -> dg.AssetCheckResult:
    metadata = {
        "summary": outcome.summary,
        "severity": outcome.severity,
        **{k: _metadata_value(v) for k, v in outcome.metadata.items()},
    }
    if outcome.failed_periods:
        metadata["failed_periods"] = ", ".join(outcome.failed_periods)
    if data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(data_docs))
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(asset_key),
        check_name=outcome.name,
        passed=outcome.passed,
        severity=SEVERITY[outcome.severity],
        description=outcome.summary,
        metadata=metadata,
    )


def _metadata_value(value):
    if isinstance(value, (dict, list, tuple)):
        return dg.MetadataValue.json(value)
    return value


def _mart_checks(mart: str) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=f"{mart}_contracts",
        specs=[
            dg.AssetCheckSpec(name, asset=["marts", mart], description=text, blocking=True)
            for name, text in MART_CHECKS[mart].items()
        ],
    )
    def _checks(warehouse: Warehouse):
        with warehouse.connect() as con:
            outcomes = check_mart(con, warehouse.locations, mart)
        docs = data_docs_index(warehouse.locations)
        for outcome in outcomes:
            yield check_result(outcome, ["marts", mart], docs)

    return _checks


MART_CHECK_DEFS = [_mart_checks(mart) for mart in MART_CHECKS]
