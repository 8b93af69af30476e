"""The data contracts of the marts: fct_findings (contract), fct_cases (contract), fct_kpis (contract,
region_totals, population_rates).

The findings frame holds keys, labels, regions and persistence only: never subject_person_id,
subject_name, household_id, value or source_rows. warning_id is `rule_id-` and the first 12 hex digits
of a SHA-256 (not an ID number), so its uniqueness may be checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

from pipelines.contract import RULE_IDS
from pipelines.exports.labels import KPI_NAMES
from pipelines.quality import gx as g
from pipelines.quality.outcome import CheckOutcome, describe_failures, failures, unexpected_rows
from pipelines.quality.settings import MART_CHECKS, CheckSettings, load_settings

KPI_IDS = tuple(KPI_NAMES)
RATE_IDS = tuple(k for k in KPI_IDS if k.endswith(("_rate", "_coverage")))
# Rates over the registered population of the region_population seed, not over a set of the warehouse:
# above 1 when the seed is out of date for a township, a plausible oddity of one row (population_rates).
POPULATION_RATE_IDS = ("K02_rate", "K02_rural_rate", "K02_urban_rate")
NULLABLE_IDS = RATE_IDS + tuple(k for k in KPI_IDS if k.startswith("K09_")) + ("K12_days_median",)
# Indicators whose value for a city (county) is the sum over its counties (townships).
ADDITIVE_IDS = (
    "K01_households",
    "K03_persons",
    "K05_persons",
    "K05_in_dibao",
    "K05_in_tekun",
    "K06_living_persons",
    "K06_nursing_persons",
    "K06_living_amount",
    "K06_nursing_amount",
    "K07_amount",
    "K08_open",
    "K08_new",
)
# Distinct persons: a person on the rolls in two counties is counted once by the city.
BOUNDED_IDS = ("K01_persons",)
INDEX = ["period", "region_code", "indicator_id"]  # what names an unexpected row of fct_kpis

FINDING_KEYS = (
    "period",
    "warning_id",
    "rule_id",
    "kind",
    "severity",
    "region_code",
    "county_code",
    "first_period",
    "consecutive_periods",
)


def _findings(con):
    E = g.gx_module().expectations
    frame = con.sql(f"select {', '.join(FINDING_KEYS)} from main_marts.fct_findings").pl().to_pandas()
    expectations = [E.ExpectColumnValuesToNotBeNull(column=c) for c in FINDING_KEYS] + [
        E.ExpectColumnValuesToBeInSet(column="rule_id", value_set=list(RULE_IDS)),
        E.ExpectColumnValuesToBeInSet(column="kind", value_set=["warning", "verification"]),
        E.ExpectColumnValuesToBeInSet(column="severity", value_set=["red", "orange", "yellow"]),
        E.ExpectColumnValuesToMatchRegex(column="region_code", regex=r"^[0-9]{12}$"),
        E.ExpectColumnValuesToBeBetween(column="consecutive_periods", min_value=1),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="period", column_B="first_period", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        E.ExpectCompoundColumnsToBeUnique(column_list=["period", "warning_id"]),
    ]
    return frame, expectations, g.SUMMARY


# The case frame holds keys, codes, statuses and dates: never the subject's id or name, nor the notes.
CASE_KEYS = ("case_id", "rule_id", "kind", "county_code", "status", "recheck", "records")


def _cases(con):
    E = g.gx_module().expectations
    frame = (
        con.sql(
            f"select last_period as period, {', '.join(CASE_KEYS)}, timeliness, episode_start, deadline "
            "from main_marts.fct_cases"
        )
        .pl()
        .to_pandas()
    )
    expectations = [E.ExpectColumnValuesToNotBeNull(column=c) for c in ("period", *CASE_KEYS)] + [
        E.ExpectColumnValuesToBeInSet(column="rule_id", value_set=list(RULE_IDS)),
        E.ExpectColumnValuesToBeInSet(column="kind", value_set=["warning", "verification"]),
        E.ExpectColumnValuesToBeInSet(column="status", value_set=["待处置", "已超期", "已处置", "已消除"]),
        E.ExpectColumnValuesToBeInSet(column="timeliness", value_set=["按时", "超期处置"]),
        E.ExpectColumnValuesToBeBetween(column="records", min_value=0),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="deadline", column_B="episode_start", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
        E.ExpectColumnValuesToBeUnique(column="case_id"),
    ]
    return frame, expectations, g.SUMMARY


def _kpis(con):
    E = g.gx_module().expectations
    rates = ", ".join(f"'{k}'" for k in RATE_IDS)
    population = ", ".join(f"'{k}'" for k in POPULATION_RATE_IDS)
    nullable = ", ".join(f"'{k}'" for k in NULLABLE_IDS)
    frame = (
        con.sql(
            f"""select period, region_code, level, indicator_id, value,
                   case when indicator_id in ({rates}) and indicator_id not in ({population})
                        then value end as rate_value,
                   value is null and indicator_id not in ({nullable}) as count_is_null
            from main_marts.fct_kpis"""
        )
        .pl()
        .to_pandas()
    )
    expectations = [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectColumnValuesToNotBeNull(column="period"),
        E.ExpectColumnValuesToNotBeNull(column="region_code"),
        E.ExpectColumnValuesToBeInSet(column="indicator_id", value_set=list(KPI_IDS)),
        E.ExpectColumnValuesToBeInSet(column="level", value_set=["city", "county", "township"]),
        # Counts and amounts are never null; a rate with a null or 0 denominator and a standard not in
        # force (K09) are (docs/decisions.md, Warehouse: KPIs).
        E.ExpectColumnValuesToBeInSet(column="count_is_null", value_set=[False]),
        E.ExpectColumnValuesToBeBetween(column="value", min_value=0),
        E.ExpectColumnValuesToBeBetween(column="rate_value", min_value=0, max_value=1),
        E.ExpectCompoundColumnsToBeUnique(column_list=["period", "region_code", "indicator_id"]),
    ]
    return frame, expectations, g.indexed("SUMMARY", INDEX)


# A warning placed at a county (W09: its department knows no villages) counts in its county and the
# city, in no township: it is a child of its county beside the townships.
TOTALS_SQL = """
with placed as (
    select period, region_code, kind, warning_id, consecutive_periods
    from main_marts.fct_findings
    where kind = 'warning' and township_code is null
),
k as (
    select k.period, k.region_code, k.level, k.indicator_id, k.value, r.parent_code
    from main_marts.fct_kpis k join main_marts.dim_region r using (region_code)
    union all
    select period, region_code || '/county', 'placed', 'K08_open', count(distinct warning_id), region_code
    from placed group by all
    union all
    select period, region_code || '/county', 'placed', 'K08_new', count(distinct warning_id), region_code
    from placed where consecutive_periods = 1 group by all
),
t as (
    select p.period, p.region_code, p.level, p.indicator_id, p.value,
           coalesce(sum(c.value), 0) as child_sum, max(c.value) as child_max, count(c.value) as children
    from k p left join k c
      on c.parent_code = p.region_code and c.period = p.period and c.indicator_id = p.indicator_id
    where p.level in ('city', 'county') and p.indicator_id in (select unnest($ids::varchar[]))
    group by all
)
select period, region_code, level, indicator_id, value, child_sum, child_max, children,
       case when indicator_id in (select unnest($additive::varchar[]))
            then abs(value - child_sum) / greatest(abs(value), abs(child_sum), 1e-12) end as additive_relative_gap,
       case when indicator_id in (select unnest($bounded::varchar[])) then value end as bounded_value,
       case when indicator_id in (select unnest($bounded::varchar[])) then coalesce(child_max, 0) end
            as bounded_child_max,
       case when indicator_id in (select unnest($bounded::varchar[])) then child_sum end as bounded_child_sum
from t order by period, region_code, indicator_id
"""


def totals_frame(con) -> pd.DataFrame:
    return (
        con.sql(
            TOTALS_SQL,
            params={
                "ids": list(ADDITIVE_IDS + BOUNDED_IDS),
                "additive": list(ADDITIVE_IDS),
                "bounded": list(BOUNDED_IDS),
            },
        )
        .pl()
        .to_pandas()
    )


def _population_rates(con):
    E = g.gx_module().expectations
    frame = (
        con.sql(
            "select period, region_code, indicator_id, value from main_marts.fct_kpis "
            "where indicator_id in (select unnest(?::varchar[]))",
            params=[list(POPULATION_RATE_IDS)],
        )
        .pl()
        .to_pandas()
    )
    expectations = [E.ExpectColumnValuesToBeBetween(column="value", max_value=1)]
    return frame, expectations, g.indexed("COMPLETE", INDEX)


def _totals(con, settings: CheckSettings):
    E = g.gx_module().expectations
    frame = totals_frame(con)
    expectations = [
        E.ExpectColumnValuesToBeBetween(
            column="additive_relative_gap", min_value=0, max_value=settings.totals_tolerance
        ),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="bounded_value",
            column_B="bounded_child_max",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="bounded_child_sum",
            column_B="bounded_value",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]
    return frame, expectations, g.indexed("COMPLETE", INDEX)


def check_mart(con, locations, mart: str, settings: CheckSettings | None = None) -> list[CheckOutcome]:
    """The checks of MART_CHECKS[mart], in order, over every period of main_marts.<mart>."""
    if mart not in MART_CHECKS:
        raise KeyError(f"no checks for mart {mart!r}; expected one of {sorted(MART_CHECKS)}")
    settings = settings or load_settings()
    outcomes = []
    for name, description in MART_CHECKS[mart].items():
        if (mart, name) == ("fct_findings", "contract"):
            frame, expectations, fmt = _findings(con)
        elif (mart, name) == ("fct_cases", "contract"):
            frame, expectations, fmt = _cases(con)
        elif (mart, name) == ("fct_kpis", "contract"):
            frame, expectations, fmt = _kpis(con)
        elif (mart, name) == ("fct_kpis", "population_rates"):
            frame, expectations, fmt = _population_rates(con)
        else:
            frame, expectations, fmt = _totals(con, settings)
        outcomes.append(_run(locations, mart, name, description, frame, expectations, fmt, settings))
    g.update_docs(locations.warehouse)
    return outcomes


def _run(locations, mart, name, description, frame, expectations, fmt, settings) -> CheckOutcome:
    severity = settings.severity_of(name, mart)
    suite = f"{mart}.{name}"
    periods = sorted(set(frame["period"])) if len(frame) else []
    run_name = f"{periods[0]}..{periods[-1]}" if periods else "empty"
    result = g.run_suite(
        locations.warehouse,
        suite,
        expectations,
        frame,
        run_name=run_name,
        result_format=fmt,
        keep=settings.results_kept,
    )
    meta = {"suite": suite, "rows": int(len(frame)), "periods": len(periods), "expectations": len(result.results)}
    if result.success:
        return CheckOutcome(
            name,
            True,
            severity,
            description,
            f"{len(periods)} period(s), {len(frame)} rows, {len(result.results)} expectations passed",
            meta,
        )
    failed = failures(result)
    meta |= {"failed": failed, "failed_expectations": len(failed)}
    where = [{k: row[k] for k in INDEX if k in row} for row in unexpected_rows(result)]
    if where:
        meta["failing_rows"] = where[:50]
        meta["failing_periods"] = sorted({w["period"] for w in where if "period" in w})
    detail = describe_failures(failed)
    if where and name in ("region_totals", "population_rates"):
        first = where[0]
        detail += f"; e.g. {first.get('period')} {first.get('region_code')} {first.get('indicator_id')}"
    return CheckOutcome(name, False, severity, description, f"{len(failed)} expectation(s) failed ({detail})", meta)
