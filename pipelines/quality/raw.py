"""The data contracts of the raw tables: contract, value_ranges, quarantine_share, county_coverage,
volume_drift.

The contract suite of a table is built from the input contract (pipelines/contract/tables.py), never
listed by hand. Person columns (ID numbers, card numbers, names, household numbers, payment references)
are masked in the query itself: the frame Great Expectations sees holds '*' or NULL there, so only their
presence can be checked and no result, store or Data Docs page can show one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pandas as pd

from pipelines.catalog import has_table
from pipelines.contract.tables import (
    BOOL,
    CARD_NO,
    CHINA_REGION_CODE,
    COUNTY_CODE,
    DATE,
    DERIVED_COLUMNS,
    ENUM,
    INTEGER,
    LINEAGE_COLUMNS,
    MONEY,
    MONTH,
    PERSON_ID,
    REGION_CODE,
    TABLES,
    Table,
)
from pipelines.quality import gx as g
from pipelines.quality.outcome import CheckOutcome, describe_failures, failures, period_span, unexpected_rows
from pipelines.quality.settings import RAW_CHECKS, CheckSettings, load_settings

PERIOD_END = "period_last_day"  # helper column of the contract frame: the last day of the row's period


def person_columns(table: Table) -> set[str]:
    """Columns whose values identify a person: only their presence is ever checked."""
    cols = {c.name for c in table.columns if c.kind in (PERSON_ID, CARD_NO) or c.name == "name"}
    cols |= {k for k in (table.household_key, table.payment_reference) if k}
    cols |= {c for c in DERIVED_COLUMNS.get(table.name, ()) if c == "person_id"}
    return cols


def expected_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns] + list(DERIVED_COLUMNS.get(table.name, ())) + list(LINEAGE_COLUMNS)


def contract_expectations(table: Table, periods: list[str], settings: CheckSettings) -> list:
    """The contract suite of a raw table, from the input contract: what ingestion guarantees of every
    loaded table (columns, rows in every period, required values, value sets, codes, payments within
    the period). A failure is a broken table, so it blocks (severity error by default)."""
    E = g.gx_module().expectations
    person = person_columns(table)
    out = [
        E.ExpectTableColumnsToMatchSet(column_set=expected_columns(table) + [PERIOD_END], exact_match=True),
        # at least one row in every period validated
        E.ExpectColumnDistinctValuesToContainSet(column="period", value_set=sorted(periods)),
    ]
    for c in table.columns:
        if c.required:
            out.append(E.ExpectColumnValuesToNotBeNull(column=c.name))
        if c.name in person:
            continue  # presence only
        if c.kind == ENUM:
            out.append(E.ExpectColumnValuesToBeInSet(column=c.name, value_set=sorted(set(c.values.values()))))
        elif c.kind == BOOL:
            out.append(E.ExpectColumnValuesToBeInSet(column=c.name, value_set=[True, False]))
        elif c.kind == MONEY:  # amount_negative quarantines the rest
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, min_value=0))
        elif c.kind == INTEGER:  # integer_format quarantines the rest
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, min_value=1))
        elif c.kind in (REGION_CODE, CHINA_REGION_CODE):  # nulls (an optional code left empty) are ignored
            out.append(E.ExpectColumnValuesToMatchRegex(column=c.name, regex=r"^[0-9]{12}$"))
        elif c.kind == COUNTY_CODE:  # stored as the 12-digit code of the county
            out.append(E.ExpectColumnValuesToMatchRegex(column=c.name, regex=r"^[0-9]{6}0{6}$"))
        elif c.kind == MONTH:
            out.append(
                E.ExpectColumnPairValuesToBeEqual(
                    column_A=c.name, column_B="period", ignore_row_if="either_value_is_missing"
                )
            )
        elif c.kind == DATE and c.name == table.period_column:  # period_mismatch quarantines the rest
            out.append(
                E.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=PERIOD_END, column_B=c.name, or_equal=True, ignore_row_if="either_value_is_missing"
                )
            )
    for name in DERIVED_COLUMNS.get(table.name, ()):
        out.append(E.ExpectColumnValuesToNotBeNull(column=name))
        if name == "region_code":
            out.append(E.ExpectColumnValuesToMatchRegex(column=name, regex=r"^[0-9]{12}$"))
    for name in LINEAGE_COLUMNS:
        out.append(E.ExpectColumnValuesToNotBeNull(column=name))
    out.append(E.ExpectColumnValuesToBeBetween(column="source_row", min_value=1))
    return out


def value_range_expectations(table: Table, settings: CheckSettings) -> list:
    """The plausible ranges of single values (value_ranges): amounts and household sizes under their
    ceilings, dates from earliest_date on, and the dates of events (审批日期, 认定日期, 识别监测时间, 发证日期)
    not after the end of the period. A row outside them loaded as read and is data (a date entered ahead
    is counted as date_after_period on 数据质量): shown, never a reason to hold the city back (severity
    warn by default)."""
    E = g.gx_module().expectations
    earliest = dt.datetime.combine(settings.earliest_date, dt.time())
    events = {c.name for c in table.event_dates}
    out = []
    for c in table.columns:
        if c.kind == MONEY:
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, max_value=settings.money_max))
        elif c.kind == INTEGER:
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, max_value=settings.integer_max))
        elif c.kind == DATE:
            out.append(E.ExpectColumnValuesToBeBetween(column=c.name, min_value=earliest))
            if c.name in events:
                out.append(
                    E.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A=PERIOD_END, column_B=c.name, or_equal=True, ignore_row_if="either_value_is_missing"
                    )
                )
    return out


def _table_columns(con, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ? "
        "order by ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def contract_frame(con, table: Table, periods: list[str]) -> pd.DataFrame:
    """The rows of the periods, person columns masked to '*' / NULL, money as double, with the last day
    of each row's period. A column the contract does not know is kept as NULLs (its name is checked)."""
    present = _table_columns(con, table.name)
    if not present or "period" not in present:
        import pandas as pd

        return pd.DataFrame({c: [] for c in present})
    person = person_columns(table)
    kinds = {c.name: c.kind for c in table.columns}
    expected = set(expected_columns(table))
    select = []
    for name in present:
        col = _q(name)
        if name not in expected:
            select.append(f"null::varchar as {col}")
        elif name in person:
            select.append(f"case when {col} is null then null else '*' end as {col}")
        elif kinds.get(name) == MONEY:
            select.append(f"cast({col} as double) as {col}")
        else:
            select.append(col)
    select.append(f"last_day(strptime(period, '%Y-%m'))::date as {PERIOD_END}")
    sql = f"select {', '.join(select)} from raw.{_q(table.name)} where period in (select unnest(?::varchar[]))"
    frame = con.sql(sql, params=[list(periods)]).pl()
    # Dates as nanosecond timestamps: pandas gets datetime64[ms] from a date, on which Great Expectations'
    # range check takes a slow path (1.4 s instead of 0.1 s for 240 000 rows).
    # Integers as 64-bit: Great Expectations' range check compares any other width in Python, row by row.
    small_ints = pl.col(pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32)
    return frame.with_columns(pl.col(pl.Date).cast(pl.Datetime("ns")), small_ints.cast(pl.Int64)).to_pandas()


def _check_rows(locations, table: Table, periods, settings, name: str, make, frame) -> CheckOutcome:
    """Run one row-level suite (contract, value_ranges) over the frame of the periods; the periods that
    breach it are found by validating each period's slice again."""
    severity = settings.severity_of(name, table.name)
    suite = f"raw.{table.name}.{name}"
    result = g.run_suite(
        locations.warehouse,
        suite,
        make(),
        frame,
        run_name=period_span(periods),
        result_format=g.SUMMARY,
        keep=settings.results_kept,
    )
    total = len(result.results)
    meta = {"suite": suite, "periods": sorted(periods), "rows": int(len(frame)), "expectations": total}
    if result.success:
        return CheckOutcome(
            name,
            True,
            severity,
            RAW_CHECKS[name],
            f"{len(periods)} period(s), {len(frame)} rows, {total} expectations passed",
            meta,
        )
    failed = failures(result)
    breached: set[str] = set()
    row_level = []
    for i, r in enumerate(result.results):
        if r.success:
            continue
        if r.expectation_config.type == "expect_column_distinct_values_to_contain_set" and not r.exception_info.get(
            "raised_exception"
        ):
            observed = set((r.result or {}).get("observed_value") or [])
            breached |= {p for p in periods if p not in observed}
        else:
            row_level.append(i)
    if row_level:
        present = sorted(set(frame["period"])) if "period" in frame else []
        slices = [(p, frame[frame["period"] == p]) for p in present]
        per_period = g.validate_slices(locations.warehouse, suite, make, slices)
        breached |= {p for p, idx in per_period.items() if set(idx) & set(row_level)}
        if not breached:
            breached = set(periods)
    breached_sorted = tuple(sorted(breached))
    meta |= {"failed_periods": list(breached_sorted), "failed": failed, "failed_expectations": len(failed)}
    summary = f"{', '.join(breached_sorted)}: {len(failed)} expectation(s) failed ({describe_failures(failed)})"
    return CheckOutcome(name, False, severity, RAW_CHECKS[name], summary, meta, breached_sorted)


def _check_quarantine_share(con, locations, table: Table, periods, settings) -> CheckOutcome:
    name = "quarantine_share"
    severity = settings.severity_of(name, table.name)
    suite = f"raw.{table.name}.quarantine_share"
    frame = (
        con.sql(
            """
        with p as (select unnest(?::varchar[]) as period)
        select p.period,
               count(f.period)::integer as loaded_files,
               coalesce(sum(f.rows_loaded), 0)::bigint as rows_loaded,
               coalesce(sum(f.rows_quarantined), 0)::bigint as rows_quarantined,
               case when sum(f.rows_loaded) + sum(f.rows_quarantined) >= ?
                    then sum(f.rows_quarantined) / (sum(f.rows_loaded) + sum(f.rows_quarantined))
               end as quarantine_share
        from p left join raw.files f on f.period = p.period and f.table_name = ? and f.status = 'loaded'
        group by p.period order by p.period
        """,
            params=[list(periods), max(settings.min_rows_for_share, 1), table.name],
        )
        .pl()
        .to_pandas()
    )
    E = g.gx_module().expectations
    expectations = [
        E.ExpectColumnValuesToBeBetween(column="quarantine_share", min_value=0, max_value=settings.max_quarantine_share)
    ]
    result = g.run_suite(
        locations.warehouse,
        suite,
        expectations,
        frame,
        run_name=period_span(periods),
        result_format=g.indexed("COMPLETE", ["period"]),
        keep=settings.results_kept,
    )
    shares = {r.period: _number(r.quarantine_share) for r in frame.itertuples()}
    worst = max((v for v in shares.values() if v is not None), default=0.0)
    meta = {
        "suite": suite,
        "periods": sorted(periods),
        "max_share": settings.max_quarantine_share,
        "share_by_period": {p: v for p, v in shares.items() if v is not None},
        "min_rows_for_share": settings.min_rows_for_share,
        "periods_too_small": [p for p, v in shares.items() if v is None],
    }
    if result.success:
        return CheckOutcome(
            name,
            True,
            severity,
            RAW_CHECKS[name],
            f"{len(periods)} period(s), highest share {worst:.1%} (max {settings.max_quarantine_share:.0%})"
            + (
                f", {len(meta['periods_too_small'])} with fewer than {settings.min_rows_for_share} rows not judged"
                if meta["periods_too_small"]
                else ""
            ),
            meta,
        )
    bad = tuple(sorted({row["period"] for row in unexpected_rows(result)}))
    meta["failed_periods"] = list(bad)
    summary = ", ".join(f"{p}: {shares[p]:.1%} of rows quarantined" for p in bad)
    return CheckOutcome(
        name,
        False,
        severity,
        RAW_CHECKS[name],
        f"{summary} (max {settings.max_quarantine_share:.0%})",
        meta,
        bad or tuple(periods),
    )


def _number(value) -> float | None:
    """A share rounded for metadata; None for a missing one (NULL / NaN)."""
    if value is None or value != value:
        return None
    return round(float(value), 4)


def county_frame(con, table: str, periods: list[str]) -> pd.DataFrame:
    """Per period and county of the previous period (the latest earlier period of the table in
    raw.files): rows then and now."""
    return (
        con.sql(
            f"""
        with p as (select unnest(?::varchar[]) as period),
        prev as (
            select p.period,
                   (select max(f.period) from raw.files f where f.table_name = ? and f.period < p.period)
                   as previous_period
            from p
        ),
        counts as (
            select period, substr(region_code, 1, 6) as county_code, count(*)::bigint as n
            from raw.{_q(table)}
            where period in (select period from prev union select previous_period from prev)
            group by all
        )
        select prev.period, prev.previous_period, c0.county_code,
               c0.n as previous_rows, coalesce(c1.n, 0)::bigint as current_rows,
               coalesce(c1.n, 0) / c0.n as ratio
        from prev
        join counts c0 on c0.period = prev.previous_period
        left join counts c1 on c1.period = prev.period and c1.county_code = c0.county_code
        order by prev.period, c0.county_code
        """,
            params=[list(periods), table],
        )
        .pl()
        .to_pandas()
    )


def _check_county_coverage(con, locations, table: Table, periods, settings, frame) -> CheckOutcome:
    name = "county_coverage"
    severity = settings.severity_of(name, table.name)
    if table.name not in settings.coverage_tables:
        return CheckOutcome(
            name,
            True,
            severity,
            RAW_CHECKS[name],
            f"not applied: {table.name} is not in coverage_tables",
            {"applied": False},
        )
    suite = f"raw.{table.name}.county_coverage"
    E = g.gx_module().expectations
    expectations = [E.ExpectColumnValuesToBeBetween(column="current_rows", min_value=1)]
    result = g.run_suite(
        locations.warehouse,
        suite,
        expectations,
        frame[["period", "county_code", "current_rows"]],
        run_name=period_span(periods),
        result_format=g.indexed("COMPLETE", ["period", "county_code"]),
        keep=settings.results_kept,
    )
    counties = sorted(set(frame["county_code"]))
    meta = {"suite": suite, "periods": sorted(periods), "counties_checked": counties}
    if result.success:
        return CheckOutcome(
            name,
            True,
            severity,
            RAW_CHECKS[name],
            f"{len(periods)} period(s), {len(counties)} counties present as before",
            meta,
        )
    missing: dict[str, list[str]] = {}
    for row in unexpected_rows(result):
        missing.setdefault(row["period"], []).append(row["county_code"])
    missing = {p: sorted(set(c)) for p, c in sorted(missing.items())}
    meta["missing_counties"] = missing
    meta["failed_periods"] = list(missing)
    summary = "; ".join(
        f"{p}: no rows from {len(c)} county(ies) present before ({', '.join(c)})" for p, c in missing.items()
    )
    return CheckOutcome(name, False, severity, RAW_CHECKS[name], summary, meta, tuple(missing))


def _check_volume_drift(con, locations, table: Table, periods, settings, frame) -> CheckOutcome:
    name = "volume_drift"
    severity = settings.severity_of(name, table.name)
    suite = f"raw.{table.name}.volume_drift"
    judged = frame[frame["previous_rows"] >= settings.min_rows_for_drift]
    view = frame[["period", "county_code", "previous_rows", "current_rows"]].copy()
    view["ratio"] = frame["ratio"].where(frame["previous_rows"] >= settings.min_rows_for_drift)
    E = g.gx_module().expectations
    expectations = [E.ExpectColumnValuesToBeBetween(column="ratio", min_value=1 - settings.max_volume_drop)]
    result = g.run_suite(
        locations.warehouse,
        suite,
        expectations,
        view,
        run_name=period_span(periods),
        result_format=g.indexed("COMPLETE", ["period", "county_code"]),
        keep=settings.results_kept,
    )
    meta = {
        "suite": suite,
        "periods": sorted(periods),
        "max_drop": settings.max_volume_drop,
        "min_rows_for_drift": settings.min_rows_for_drift,
        "county_periods_judged": int(len(judged)),
    }
    if result.success:
        return CheckOutcome(
            name,
            True,
            severity,
            RAW_CHECKS[name],
            f"{len(periods)} period(s), {len(judged)} county-periods, none fell by more than "
            f"{settings.max_volume_drop:.0%}",
            meta,
        )
    counts = {(r.period, r.county_code): (int(r.previous_rows), int(r.current_rows)) for r in view.itertuples()}
    drops = []
    for row in unexpected_rows(result):
        before, now = counts[(row["period"], row["county_code"])]
        drops.append(
            {"period": row["period"], "county_code": row["county_code"], "previous_rows": before, "current_rows": now}
        )
    drops.sort(key=lambda d: (d["period"], d["county_code"]))
    bad = tuple(sorted({d["period"] for d in drops}))
    meta["drops"] = drops
    meta["failed_periods"] = list(bad)
    summary = "; ".join(
        f"{d['period']} {d['county_code']}: {d['previous_rows']} → {d['current_rows']} rows" for d in drops[:6]
    )
    if len(drops) > 6:
        summary += f"; {len(drops) - 6} more"
    return CheckOutcome(
        name,
        False,
        severity,
        RAW_CHECKS[name],
        f"rows fell by more than {settings.max_volume_drop:.0%}: {summary}",
        meta,
        bad,
    )


def check_raw(
    con, locations, table: str, periods: list[str], settings: CheckSettings | None = None
) -> list[CheckOutcome]:
    """The checks of RAW_CHECKS, in order, on the given periods of raw.<table>."""
    settings = settings or load_settings()
    spec = TABLES[table]
    # A table is expected from the first period in which any file of it is on file (extracts.md): a period
    # before it, or every period of a table the dataset has never sent, has nothing to check.
    first = first_period_on_file(con, table)
    periods = sorted(p for p in set(periods) if first is not None and p >= first)
    if not periods:
        return [
            CheckOutcome(n, True, settings.severity_of(n, table), d, "no period to check", {"periods": []})
            for n, d in RAW_CHECKS.items()
        ]
    rows = contract_frame(con, spec, periods)  # one frame for both row-level suites
    suites = {
        "contract": lambda: contract_expectations(spec, periods, settings),
        "value_ranges": lambda: value_range_expectations(spec, settings),
    }
    outcomes = [_check_rows(locations, spec, periods, settings, name, make, rows) for name, make in suites.items()]
    del rows  # the largest frame of the step: freed before the next checks
    outcomes.append(_check_quarantine_share(con, locations, spec, periods, settings))
    frame = county_frame(con, table, periods) if has_table(con, f"raw.{table}") else _empty_county_frame()
    outcomes.append(_check_county_coverage(con, locations, spec, periods, settings, frame))
    outcomes.append(_check_volume_drift(con, locations, spec, periods, settings, frame))
    g.update_docs(locations.warehouse)
    return outcomes


def first_period_on_file(con, table: str) -> str | None:
    """The first period in which a file of the table is in raw.files (read or rejected whole), or None."""
    if not has_table(con, "raw.files"):
        return None
    return con.execute("select min(period) from raw.files where table_name = ?", [table]).fetchall()[0][0]


def _empty_county_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "period": pd.Series([], dtype=str),
            "previous_period": pd.Series([], dtype=str),
            "county_code": pd.Series([], dtype=str),
            "previous_rows": pd.Series([], dtype="int64"),
            "current_rows": pd.Series([], dtype="int64"),
            "ratio": pd.Series([], dtype=float),
        }
    )
