"""The five lists as polars frames with their Chinese headers, read from an open DuckDB connection.

Every function takes a read-only connection, the period and an optional county (6 digits) and returns
the list exactly as exported: headers of `labels.HEADERS[kind]` in order, sorted, masked unless
`unmasked`. Queries are parameterised; nothing here ever formats a person's id or name into a message.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import polars as pl

from pipelines.catalog import has_table  # noqa: F401  (exports ask through lists.has_table)
from pipelines.exports.labels import (
    CASE_STATE_HEADERS,
    CHECKED_ON,
    COUNTY_NAME_HEADERS,
    FILE_STATUS_LABELS,
    FINDING_KIND,
    HEADERS,
    ID_HEADERS,
    KIND_LABELS,
    KPI_NAMES,
    KPI_ORDER,
    LEVEL_LABELS,
    LEVEL_ORDER,
    NAME_HEADERS,
    NOTE,
    OUTCOME,
    REGION_CODE_HEADERS,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    SOURCE_LABELS,
    TABLE_TITLES,
    describe_sources,
)
from pipelines.exports.masking import mask_id_expr, mask_name_expr, scrub_ids_expr

FINDINGS = "main_marts.fct_findings"
CASES = "main_marts.fct_cases"
KPIS = "main_marts.fct_kpis"
REGIONS = "main_marts.dim_region"
QUARANTINE = "raw.quarantine"
FILES = "raw.files"
# The table whose latest period is the default period of each list. Quarantine and files take the
# ingestion record (raw.files), so a period without a single quarantined row is still the current one.
PERIOD_TABLE = {
    "warnings": FINDINGS,
    "verifications": FINDINGS,
    "kpis": KPIS,
    "quarantine": FILES,
    "files": FILES,
}
# The tables each list reads (checked before reading, for a clear message).
NEEDS = {
    "warnings": (FINDINGS, REGIONS),
    "verifications": (FINDINGS, REGIONS),
    "kpis": (KPIS, REGIONS),
    "quarantine": (QUARANTINE, FILES),
    "files": (FILES,),
}


def latest_period(con, kind: str) -> str | None:
    return con.execute(f"select max(period) from {PERIOD_TABLE[kind]}").fetchall()[0][0]


def _frame(con, sql: str, params: list) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params).to_arrow_table())


def _county_clause(column: str, county6: str | None, params: list) -> str:
    if county6 is None:
        return ""
    params.append(county6)
    return f" and substr({column}, 1, 6) = ?"


def findings(
    con,
    kind: str,
    period: str,
    county6: str | None,
    unmasked: bool,
    as_of: dt.datetime | None = None,
    store=None,
) -> pl.DataFrame:
    """The findings of `period`, each with its case's state as of `as_of` (naive UTC, default now) over the
    feedback store (`store`, default the one of SAFETYNET_FEEDBACK)."""
    params: list = [period, FINDING_KIND[kind]]
    where = _county_clause("f.region_code", county6, params)
    states = case_states(con, params, where, as_of, store)
    df = _frame(
        con,
        f"""
        select f.period, f.warning_id, f.rule_id, f.rule_name, f.kind, f.severity,
               r.county_code, r.county_name, r.township_code, r.township_name,
               -- a finding placed at a county (W09) names no township and no village
               case when r.level = 'village' then r.name end as village_name,
               f.region_code, f.subject_name, f.subject_person_id, f.household_id, f.persons_involved,
               f.value, f.threshold, f.first_period, f.consecutive_periods, f.source_rows,
               f.warning_id || '-' || f.first_period as case_id
        from {FINDINGS} as f
        left join {REGIONS} as r on r.region_code = f.region_code
        where f.period = ? and f.kind = ?{where}
    """,
        params,
    )
    name = pl.col("subject_name").cast(pl.String)
    person = pl.col("subject_person_id").cast(pl.String)
    df = df.with_columns(
        _severity_order=pl.col("severity").replace_strict(SEVERITY_ORDER, default=len(SEVERITY_ORDER)),
        subject_name=name if unmasked else mask_name_expr(name),
        subject_person_id=person if unmasked else mask_id_expr(person),
        kind=pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind")),
        severity=pl.col("severity").replace_strict(SEVERITY_LABELS, default=pl.col("severity")),
        source_rows=pl.col("source_rows").map_elements(describe_sources, return_dtype=pl.String),
        persons_involved=pl.col("persons_involved").cast(pl.Int64),
        consecutive_periods=pl.col("consecutive_periods").cast(pl.Int64),
    ).sort(["_severity_order", "county_code", "township_code", "rule_id", "warning_id"], nulls_last=True)
    columns = [
        "period",
        "warning_id",
        "rule_id",
        "rule_name",
        "kind",
        "severity",
        "county_name",
        "township_name",
        "village_name",
        "region_code",
        "subject_name",
        "subject_person_id",
        "household_id",
        "persons_involved",
        "value",
        "threshold",
        "first_period",
        "consecutive_periods",
        "source_rows",
    ]
    df = _with_headers(df.select(*columns, "case_id"), kind, extra=("case_id",))
    return df.join(states, on="case_id", how="left", maintain_order="left").drop("case_id")


# The case state's columns when there is no case (an older warehouse, a finding not in the case mart).
CASE_STATE_SCHEMA = dict(zip(CASE_STATE_HEADERS, (pl.String, pl.Date, pl.Date, pl.Date, pl.String, pl.String)))


def case_states(con, params: list, where: str, as_of: dt.datetime | None, store) -> pl.DataFrame:
    """case_id and the CASE_STATE_HEADERS of the cases of the findings `where` selects (over fct_findings
    aliased f, with `params`), live: as of `as_of` over the feedback store. 处置状态 is the status, marked
    （复核到期） for a case in a re-check episode not yet disposed of again. Empty (no rows) when the
    snapshot has no case mart yet: the columns are then empty, not an error."""
    if not has_table(con, CASES):
        return pl.DataFrame(schema={"case_id": pl.String, **CASE_STATE_SCHEMA})
    from pipelines.feedback.clock import beijing_date_expr, utc_now
    from pipelines.feedback.outcomes import RECHECK_DUE
    from pipelines.feedback.status import live_cases
    from pipelines.feedback.store import feedback_store

    cases = live_cases(
        con,
        store if store is not None else feedback_store(),
        as_of or utc_now(),
        f"c.case_id in (select f.warning_id || '-' || f.first_period from {FINDINGS} as f "
        f"where f.period = ? and f.kind = ?{where})",
        list(params),
    )
    status = pl.col("status")
    return cases.select(
        "case_id",
        pl.when(pl.col("recheck_due"))
        .then(status + f"（{RECHECK_DUE}）")
        .otherwise(status)
        .alias(CASE_STATE_HEADERS[0]),
        beijing_date_expr("issued_at").alias(CASE_STATE_HEADERS[1]),
        pl.col("deadline").cast(pl.Date).alias(CASE_STATE_HEADERS[2]),
        pl.col("checked_on").cast(pl.Date).alias(CHECKED_ON),
        pl.col("outcome").cast(pl.String).alias(OUTCOME),
        pl.col("note").cast(pl.String).alias(NOTE),
    )


def kpis(con, period: str, county6: str | None) -> pl.DataFrame:
    params: list = [period]
    where = ""
    if county6 is not None:
        where = " and k.level in ('county', 'township')" + _county_clause("k.region_code", county6, params)
    df = _frame(
        con,
        f"""
        select k.period, k.region_code, r.name as region_name, k.level, k.indicator_id,
               cast(k.value as double) as value
        from {KPIS} as k
        left join {REGIONS} as r on r.region_code = k.region_code
        where k.period = ?{where}
    """,
        params,
    )
    df = df.with_columns(
        _level_order=pl.col("level").replace_strict(LEVEL_ORDER, default=len(LEVEL_ORDER)),
        _kpi_order=pl.col("indicator_id").replace_strict(KPI_ORDER, default=len(KPI_ORDER)),
        level=pl.col("level").replace_strict(LEVEL_LABELS, default=pl.col("level")),
        indicator_name=pl.col("indicator_id").replace_strict(KPI_NAMES, default=None, return_dtype=pl.String),
    ).sort(["_level_order", "region_code", "_kpi_order", "indicator_id"], nulls_last=True)
    columns = ["period", "region_code", "region_name", "level", "indicator_id", "indicator_name", "value"]
    return _with_headers(df.select(columns), "kpis")


def _label(column: str, labels: dict) -> pl.Expr:
    return pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)


def _nfkc(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def quarantine_counties(raw_rows: list[str | None], counties: list[tuple[str, str | None]]) -> list[str | None]:
    """The county (6 digits) of each quarantined row, from its own region code or, in the monitoring
    extract, its county name (`counties`: (county code, name) pairs); None for rows with neither
    (whole-file rows, an unreadable code). One Python call per quarantined row: the raw rows are JSON
    with the file's own headers, which only a normalised comparison can match; quarantined rows are the
    dirt of a month (a few per cent), not its bulk."""
    by_name = {_nfkc(name): code[:6] for code, name in counties if name}
    return [_quarantine_county(r, by_name) for r in raw_rows]


def _quarantine_county(raw_row: str | None, county_by_name: dict[str, str]) -> str | None:
    if not raw_row:
        return None
    try:
        row = json.loads(raw_row)
    except ValueError:
        return None
    if not isinstance(row, dict):
        return None
    for key, value in row.items():
        if value is None:
            continue
        header, text = _nfkc(str(key)), _nfkc(str(value))
        if header in REGION_CODE_HEADERS and len(text) in (6, 12) and text.isdigit():  # 6: a county code
            return text[:6]
        if header in COUNTY_NAME_HEADERS and text in county_by_name:
            return county_by_name[text]
    return None


def quarantine(con, period: str, county6: str | None, county_name: str | None, unmasked: bool) -> pl.DataFrame:
    df = _frame(
        con,
        f"""
        select period, source, table_name, file, row_number, reason, column_name, raw_value, raw_row
        from {QUARANTINE} where period = ?
    """,
        [period],
    )
    if county6 is not None:
        found = quarantine_counties(df["raw_row"].to_list(), [(county6, county_name)])
        df = df.filter(pl.Series(found, dtype=pl.String).eq_missing(county6))
    raw = pl.col("raw_value").cast(pl.String)
    if not unmasked:
        column = pl.col("column_name")
        raw = (
            pl.when(column.is_in(sorted(ID_HEADERS)))
            .then(mask_id_expr(raw))
            .when(column.is_in(sorted(NAME_HEADERS)))
            .then(mask_name_expr(raw))
            .otherwise(scrub_ids_expr(raw))
        )
    df = (
        df.with_columns(
            raw_value=raw,
            row_number=pl.col("row_number").cast(pl.Int64),
        )
        .sort(["file", "row_number"], nulls_last=False)
        .with_columns(
            source=_label("source", SOURCE_LABELS),
            table_name=_label("table_name", TABLE_TITLES),
        )
    )
    columns = ["period", "source", "table_name", "file", "row_number", "reason", "column_name", "raw_value"]
    return _with_headers(df.select(columns), "quarantine")


def files(con, period: str) -> pl.DataFrame:
    df = _frame(
        con,
        f"""
        select period, source, table_name, file, status, rows_read, rows_loaded, rows_quarantined,
               rows_duplicate, rows_footer_blank
        from {FILES} where period = ? order by file
    """,
        [period],
    )
    counts = ["rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "rows_footer_blank"]
    df = df.with_columns(
        *[pl.col(c).cast(pl.Int64) for c in counts],
        source=_label("source", SOURCE_LABELS),
        table_name=_label("table_name", TABLE_TITLES),
        status=_label("status", FILE_STATUS_LABELS),
    )
    return _with_headers(df, "files")


def _with_headers(df: pl.DataFrame, kind: str, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    """The frame's columns (in order, then `extra` kept as they are) named as the list's headers; a
    warning or verification list's headers end with the case state, which is joined afterwards."""
    headers = [h for h in HEADERS[kind] if h not in CASE_STATE_HEADERS] if kind in FINDING_KIND else HEADERS[kind]
    assert len(headers) + len(extra) == df.width, (kind, df.columns)
    return df.rename(dict(zip(df.columns, headers)))
