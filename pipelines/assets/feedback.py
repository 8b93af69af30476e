"""The feedback store's copy in the warehouse: what the case marts are built from.

Each build reads the store (pipelines/feedback/store.py) in one transaction and rewrites the tables of the
warehouse's `feedback` schema whole, with the run's clock (`safetynet run --as-of`, else now): the cases
are stated as of it, and the publish step records the new cases' issue time at it. The store is never
written here: dashboards may be recording while a run reads.
"""

import dagster as dg
import polars as pl

from pipelines.assets.resources import Warehouse
from pipelines.catalog import has_table
from pipelines.feedback.clock import parse_as_of, utc_now
from pipelines.feedback.store import CASE_COLUMNS, feedback_store

COPIED = ("publications", "case_issues", "dispositions")
FEEDBACK_KEYS = [dg.AssetKey(["feedback", name]) for name in (*COPIED, "clock")]


class FeedbackConfig(dg.Config):
    as_of: str | None = None  # ISO 8601 (without an offset: Beijing time); None: the time of the run


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            group_name="feedback",
            kinds={"sqlite", "duckdb"},
            description=f"feedback.{key.path[-1]}: a copy of the feedback store's table, or the run's clock.",
        )
        for key in FEEDBACK_KEYS
    ],
    name="feedback_copy",
)
def feedback_copy(context: dg.AssetExecutionContext, config: FeedbackConfig, warehouse: Warehouse):
    as_of = parse_as_of(config.as_of) if config.as_of else utc_now()
    frames = feedback_store().frames(COPIED)
    with warehouse.connect() as con:
        con.execute("create schema if not exists feedback")
        for name, frame in frames.items():
            con.register("copied", frame)
            con.execute(f"create or replace table feedback.{name} as select * from copied")
            con.unregister("copied")
        con.execute("create or replace table feedback.clock as select $as_of::timestamp as as_of", {"as_of": as_of})
    context.log.info(f"feedback store copied as of {as_of:%Y-%m-%d %H:%M:%S} UTC")
    for name in COPIED:
        yield dg.MaterializeResult(asset_key=["feedback", name], metadata={"rows": frames[name].height})
    yield dg.MaterializeResult(asset_key=["feedback", "clock"], metadata={"as_of": f"{as_of:%Y-%m-%dT%H:%M:%S}Z"})


def record_issues(con, snapshot: str) -> int:
    """Record in the store, for the snapshot about to be put in service (`con` reads its copy), its
    publication and the issue time of every case it holds for the first time: the run's clock, which
    the snapshot's fct_cases already shows. Returns the number of cases issued now."""
    if not has_table(con, "main_marts.fct_cases"):
        return 0
    ((as_of,),) = con.execute("select as_of from feedback.clock").fetchall()
    ((latest,),) = con.execute("select max(period) from main_marts.fct_kpis").fetchall()
    cases = pl.from_arrow(con.sql(f"select {', '.join(CASE_COLUMNS)} from main_marts.fct_cases").to_arrow_table())
    return feedback_store().record_publication(snapshot, as_of, latest, cases)
