"""The warehouse against the generator's truth: findings and KPIs, compared the same way everywhere.

Messages carry counts, column names, indicator ids and warning_ids (hashes) only: never a person id, a
name or a value of a person.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.settings import Locations

FINDING_KEY = ["period", "warning_id"]
FINDING_COLUMNS = [
    "first_period",
    "consecutive_periods",
    "region_code",
    "value",
    "threshold",
    "persons_involved",
    "source_rows",
    "severity",
    "kind",
    "household_id",
]
KPI_KEY = ["period", "region_code", "indicator_id"]
RELATIVE = 1e-9
SHOWN = 5  # warning_ids listed per kind of difference


def query(locations: Locations, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        return con.sql(sql).pl()


def warehouse_findings(locations: Locations) -> pl.DataFrame:
    frame = query(locations, "select * from main_marts.fct_findings")
    return frame.select([pl.col(c).cast(pl.String) for c in ["rule_id", *FINDING_KEY, *FINDING_COLUMNS]])


def truth_findings(locations: Locations) -> pl.DataFrame:
    frame = pl.read_csv(locations.data / "truth" / "findings.csv", infer_schema=False)
    return frame.select(["rule_id", *FINDING_KEY, *FINDING_COLUMNS])


def finding_differences(truth: pl.DataFrame, got: pl.DataFrame, rule_id: str | None = None) -> list[str]:
    """What differs (for one rule, or all): missing and unexpected findings, then every column."""
    if rule_id is not None:
        truth = truth.filter(pl.col("rule_id") == rule_id)
        got = got.filter(pl.col("rule_id") == rule_id)
    problems = []
    duplicated = got.group_by(FINDING_KEY).len().filter(pl.col("len") > 1)
    if duplicated.height:
        problems.append(f"{duplicated.height} (period, warning_id) twice in fct_findings")
    for name, left, right in (("missing", truth, got), ("unexpected", got, truth)):
        only = left.join(right, on=FINDING_KEY, how="anti").sort(FINDING_KEY)
        if only.height:
            ids = ", ".join(f"{p} {w}" for p, w in only.select(FINDING_KEY).head(SHOWN).iter_rows())
            problems.append(f"{only.height} {name} finding(s) of {left.height} vs {right.height}: {ids}")
    both = truth.join(got, on=FINDING_KEY, suffix="_got")
    for column in FINDING_COLUMNS:
        wrong = both.filter(pl.col(column).ne_missing(pl.col(f"{column}_got"))).sort(FINDING_KEY)
        if wrong.height:
            ids = ", ".join(f"{p} {w}" for p, w in wrong.select(FINDING_KEY).head(SHOWN).iter_rows())
            problems.append(f"{column}: {wrong.height} of {both.height} differ: {ids}")
    return problems


def warehouse_kpis(locations: Locations) -> pl.DataFrame:
    """K01–K09, as truth/kpis.csv holds them. K10–K12 are stated as of a time, with the dispositions
    recorded by then: tests/feedback compares them with the reference of the cases."""
    return query(
        locations,
        "select period, region_code, level, indicator_id, value from main_marts.fct_kpis "
        "where indicator_id not in ('K10_cases', 'K10_disposed', 'K10_rate', 'K11_overdue', 'K11_late', "
        "'K12_days_median')",
    ).with_columns(pl.col("value").cast(pl.Float64))


def truth_kpis(locations: Locations) -> pl.DataFrame:
    return pl.read_csv(
        locations.data / "truth" / "kpis.csv",
        schema_overrides={
            "period": pl.String,
            "region_code": pl.String,
            "level": pl.String,
            "indicator_id": pl.String,
            "value": pl.Float64,
        },
    ).select("period", "region_code", "level", "indicator_id", "value")


def kpi_differences(got: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Rows whose key is on one side only, whose level differs, or whose value differs (nulls equal,
    floats within RELATIVE)."""
    joined = truth.join(got, on=KPI_KEY, how="full", suffix="_got", coalesce=True)
    value, got_value = pl.col("value"), pl.col("value_got")
    same_value = (value.is_null() & got_value.is_null()) | (
        (value - got_value).abs() <= RELATIVE * pl.max_horizontal(value.abs(), got_value.abs(), pl.lit(1.0))
    )
    same_level = pl.col("level").eq_missing(pl.col("level_got"))
    return joined.filter(~(same_value.fill_null(False) & same_level))


def describe_kpi_differences(diff: pl.DataFrame) -> str:
    """Counts of differing rows per indicator and level (codes and counts only)."""
    by = diff.group_by("indicator_id", "level").len().sort("indicator_id", "level")
    return f"{diff.height} differing kpi rows: " + ", ".join(f"{i}/{lv} {n}" for i, lv, n in by.iter_rows())
