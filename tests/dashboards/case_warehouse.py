"""A hand-made published snapshot with cases, and a feedback store that issued them: for the tests of the
cases' data layer and pages without running the pipeline.

The exports' small warehouse (two counties, 2026-09 and 2026-10, invented persons) gets a
`main_marts.fct_cases` built from its findings as the case mart defines it (one row per run: warning_id
and first_period; the region of its last period). The store records one publication of the snapshot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from pipelines.feedback.store import CASE_COLUMNS, FeedbackStore
from pipelines.publish import publish
from pipelines.settings import Locations
from tests.exports import conftest as small

P, P_PREV = small.P, small.P_PREV
C1, C2 = small.C1[:6], small.C2[:6]  # 370902, 370911
DEADLINE_DAYS = {"red": 3, "orange": 7, "yellow": 15}

CASES_SQL = f"""
create table main_marts.fct_cases as
with runs as (
    select warning_id, first_period, max(period) as last_period from main_marts.fct_findings group by all
)
select f.warning_id || '-' || f.first_period as case_id, f.warning_id, f.first_period, runs.last_period,
       f.rule_id, f.rule_name, f.kind, f.severity,
       case f.severity {" ".join(f"when '{k}' then {v}" for k, v in DEADLINE_DAYS.items())} end as deadline_days,
       f.region_code, r.county_code, r.township_code, f.subject_person_id, f.subject_name, f.household_id,
       null::timestamp as issued_at
from main_marts.fct_findings as f
join runs on runs.warning_id = f.warning_id and runs.first_period = f.first_period
           and runs.last_period = f.period
left join main_marts.dim_region as r on r.region_code = f.region_code
"""


def build(root: Path) -> Locations:
    """The small warehouse with fct_cases, published."""
    locations = Locations(data=root / "data", warehouse=root / "warehouse")
    small.build_warehouse(locations.duckdb_path)
    con = duckdb.connect(str(locations.duckdb_path))
    try:
        con.execute(CASES_SQL)
    finally:
        con.close()
    publish(locations, "case-fixture")
    return locations


def case_facts(locations: Locations) -> pl.DataFrame:
    con = duckdb.connect(str(locations.duckdb_path), read_only=True)
    try:
        return pl.from_arrow(con.sql(f"select {', '.join(CASE_COLUMNS)} from main_marts.fct_cases").to_arrow_table())
    finally:
        con.close()


def issue(locations: Locations, store: FeedbackStore, published_at: dt.datetime) -> pl.DataFrame:
    """Record the snapshot's publication (and so every case's issue time) in `store`; the cases' facts."""
    facts = case_facts(locations)
    store.record_publication("case-fixture", published_at, P, facts)
    return facts
