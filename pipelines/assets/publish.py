"""The publish step: the checked working warehouse becomes the serving snapshot.

Downstream of the marts, whose blocking checks (dbt tests and the data contracts) must pass first: when
one fails, Dagster does not run this step and the last good snapshot stays in service. It also refuses
while raw data breaches a contract (meta.contract_breaches), so a build started by hand over a broken
extract cannot publish either.
"""

import dagster as dg

from pipelines import publish
from pipelines.assets.resources import Warehouse
from pipelines.runs import clear_build_pending, open_breaches

MARTS = ("dim_region", "fct_findings", "fct_kpis", "fct_membership")


@dg.asset(
    key="published_snapshot",
    deps=[dg.AssetKey(["marts", m]) for m in MARTS],
    group_name="serving",
    kinds={"duckdb"},
    description="The snapshot of the warehouse that exports and dashboards read: a copy of the working "
    "warehouse, put in service by an atomic rename once every blocking check passed.",
)
def published_snapshot(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        breaches = open_breaches(con)
    if breaches:
        listed = "; ".join(f"raw.{t} {p}: {checks}" for t, p, checks in breaches[:10])
        raise dg.Failure(
            description=f"not published: raw data breaches its contracts ({listed}). "
            "Fix the extracts and run again; the last good snapshot stays in service.",
            metadata={"breaches": len(breaches)},
        )
    snapshot = publish.publish(warehouse.locations, context.run.run_id)
    with warehouse.connect() as con:
        clear_build_pending(con)  # every period is now built, checked and in service
    context.log.info(f"published {snapshot.describe()}")
    return dg.MaterializeResult(
        metadata={
            "snapshot": snapshot.file,
            "periods": ", ".join(snapshot.periods),
            **{f"rows {t}": n for t, n in snapshot.rows.items()},
            **{f"content hash {t}": h for t, h in snapshot.content_hashes.items()},
            "path": dg.MetadataValue.path(str(snapshot.path(warehouse.locations))),
        }
    )
