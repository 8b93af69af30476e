"""The publish step: the checked working warehouse becomes the serving snapshot.

Downstream of the marts, whose blocking checks (dbt tests and the data contracts) must pass first: when
one fails, Dagster does not run this step and the last good snapshot stays in service. Raw data that
breaches a contract (meta.contract_breaches) holds back its period and the later ones: the build left
them out, and the snapshot names them. It refuses when that would withdraw periods already in service
(a period published before whose corrected extract now breaches): the last good snapshot stays.
"""

import dagster as dg

from pipelines import publish
from pipelines.assets.feedback import record_issues
from pipelines.assets.resources import Warehouse
from pipelines.quality.settings import breach_advice
from pipelines.runs import clear_build_pending, first_held_back, held_back

MARTS = ("dim_region", "fct_findings", "fct_kpis", "fct_membership", "fct_cases")


@dg.asset(
    key="published_snapshot",
    deps=[dg.AssetKey(["marts", m]) for m in MARTS],
    group_name="serving",
    kinds={"duckdb"},
    description="The snapshot of the warehouse that exports and dashboards read: a copy of the working "
    "warehouse, put in service by an atomic rename once every blocking check passed. Periods whose raw "
    "data breaches a blocking contract, and the later ones, are held back and named in the snapshot.",
)
def published_snapshot(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        breaches = held_back(con)
    first_held = first_held_back(breaches)
    in_service = publish.current(warehouse.locations)
    if in_service and in_service.would_withdraw(first_held):
        raise dg.Failure(
            description=f"not published: periods from {first_held} are in service and their raw data now "
            f"breaches its contracts ({'; '.join(breach_advice(b) for b in breaches[:5])}). The last good "
            "snapshot stays in service until the extracts are fixed.",
            metadata={"breaches": len(breaches), "held_back_from": first_held},
        )
    try:
        snapshot = publish.publish(
            warehouse.locations, context.run.run_id, held_back=breaches, before_service=record_issues
        )
    except publish.PublishError as e:
        raise dg.Failure(description=f"not published: {e}", metadata={"breaches": len(breaches)}) from None
    with warehouse.connect() as con:
        # Every period before the first held back is built, checked and in service; a held-back period
        # is marked pending again when its corrected extract is ingested.
        clear_build_pending(con)
    context.log.info(f"published {snapshot.describe()}")
    for b in breaches:
        context.log.warning(f"held back: {breach_advice(b)}")
    return dg.MaterializeResult(
        metadata={
            "snapshot": snapshot.file,
            "periods": ", ".join(snapshot.periods),
            "held_back_from": first_held or "none",
            **{f"rows {t}": n for t, n in snapshot.rows.items()},
            **{f"content hash {t}": h for t, h in snapshot.content_hashes.items()},
            "path": dg.MetadataValue.path(str(snapshot.path(warehouse.locations))),
        }
    )
