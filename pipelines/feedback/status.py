"""Every case's status as of a time, over the live feedback store: what the dashboards show at once after a
record, and what `safetynet feedback export` writes.

The SQL is the warehouse's own (dbt_project/macros/case_status.sql, rendered here with plain Jinja): the
case mart of a run and this live view cannot disagree about a rule of rules.md. The snapshot in service
gives the cases (main_marts.fct_cases: region, rule, last period, issue time); the store gives the
records and publications up to now.
"""

from __future__ import annotations

import datetime as dt
import functools

import duckdb
import jinja2
import polars as pl

from pipelines.dbt_cli import DBT_PROJECT_DIR
from pipelines.feedback.store import FeedbackStore

MACRO = DBT_PROJECT_DIR / "macros" / "case_status.sql"
CASES = "main_marts.fct_cases"
# The case mart's columns that do not move with the clock (the rest is recomputed here).
CASE_FACTS = (
    "case_id",
    "warning_id",
    "first_period",
    "last_period",
    "rule_id",
    "rule_name",
    "kind",
    "severity",
    "deadline_days",
    "region_code",
    "county_code",
    "township_code",
    "subject_person_id",
    "subject_name",
    "household_id",
    "issued_at",
)


@functools.cache
def _macro():
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(MACRO.read_text(encoding="utf-8")).module


def status_sql(cases: str, dispositions: str, publications: str, as_of: str) -> str:
    """The status query of case_status.sql over the named relations, as of a SQL timestamp expression."""
    return str(_macro().case_status(cases, dispositions, publications, as_of))


def live_cases(
    con: duckdb.DuckDBPyConnection,
    store: FeedbackStore,
    as_of: dt.datetime,
    where: str = "true",
    params: list | None = None,
) -> pl.DataFrame:
    """The cases of the snapshot open on `con` (filtered by `where` over fct_cases' columns, e.g. a
    county scope) with their status as of `as_of` over the store's records and publications."""
    frames = store.frames(("publications", "dispositions", "case_issues"))
    facts = ", ".join(f"c.{c}" for c in CASE_FACTS if c != "issued_at")
    cases = _frame(con, f"select {facts}, c.issued_at from {CASES} as c where {where}", params or [])
    # The store's issue time wins over the snapshot's (they agree unless the publish after the snapshot
    # was cut short: rules.md, the issue time never changes once recorded).
    cases = (
        cases.join(
            frames["case_issues"].select("case_id", pl.col("issued_at").alias("stored")), on="case_id", how="left"
        )
        .with_columns(pl.coalesce("stored", "issued_at").alias("issued_at"))
        .drop("stored")
    )
    local = duckdb.connect()
    try:
        local.register("cases", cases)
        local.register("dispositions", frames["dispositions"])
        local.register("publications", frames["publications"])
        status = _frame(local, status_sql("cases", "dispositions", "publications", "$as_of"), {"as_of": as_of})
    finally:
        local.close()
    return cases.join(status, on="case_id", how="left")


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
