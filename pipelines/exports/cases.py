"""The case export (`safetynet feedback export`): one row per case with its status as of a time, its
deadline and its latest disposition (product.md, "The case export").

The cases come from the published snapshot (main_marts.fct_cases: rule, region, person, issue time); the
status is computed live over the feedback store as of the time asked (pipelines/feedback/status.py, the
SQL the warehouse's case mart uses), so a disposition recorded a minute ago is in it. Masked unless
`unmasked`; every export is recorded in the download log like the lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from pipelines.exports import lists
from pipelines.exports.export import (
    EXPORT_TZ,
    FORMATS,
    PERIOD_RE,
    ExportError,
    _connect,
    _county_name,
    default_user,
    normalise_county,
    record_export,
    warehouse_path,
)
from pipelines.exports.labels import (
    CASE_HEADERS,
    CASES_TITLE,
    KIND_LABELS,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
)
from pipelines.exports.masking import mask_id_expr, mask_name_expr
from pipelines.exports.writers import write_csv, write_xlsx
from pipelines.feedback.clock import beijing_date_expr, beijing_text, beijing_text_expr, utc_now
from pipelines.feedback.outcomes import OUTCOMES
from pipelines.settings import Locations

KIND = "cases"  # the list's name in the download log
KIND_ORDER = {"warning": 0, "verification": 1}
YES = "是"


@dataclass(frozen=True)
class ExportedCases:
    as_of: dt.datetime  # naive UTC
    period: str | None
    county: str | None  # 6 digits
    county_name: str | None
    masked: bool
    frame: pl.DataFrame  # CASE_HEADERS
    kinds: tuple[str, ...]  # each row's rule kind (warning / verification): its outcomes

    @property
    def rows(self) -> int:
        return self.frame.height

    def conditions(self) -> str:
        county = "全部" if self.county is None else " ".join(x for x in (self.county, self.county_name) if x)
        return (
            f"截至={beijing_text(self.as_of)}, 统计期={self.period or '全部'}, 县区={county}, "
            f"脱敏={'是' if self.masked else '否'}"
        )

    def export_line(self, user: str, when: dt.datetime) -> str:
        return f"导出人: {user}  导出时间: {when:%Y-%m-%d %H:%M}  条件: {self.conditions()}"


def read_cases(
    where: Locations | Path | str,
    county: str | None = None,
    period: str | None = None,
    as_of: dt.datetime | None = None,
    unmasked: bool = False,
    store=None,
) -> ExportedCases:
    """The cases of the snapshot in service (of one county, and with a finding in `period`: first_period
    <= period <= last_period) with their status as of `as_of` (naive UTC, default now) over the feedback
    store (`store`, default SAFETYNET_FEEDBACK's). A case issued after `as_of` did not exist yet: left out."""
    from pipelines.feedback.status import live_cases
    from pipelines.feedback.store import feedback_store

    if period is not None and not PERIOD_RE.match(period):
        raise ExportError("--period: a month YYYY-MM")
    county6 = normalise_county(county)
    as_of = as_of or utc_now()
    path = warehouse_path(where) if isinstance(where, Locations) else Path(where)
    con = _connect(path)
    try:
        if not lists.has_table(con, lists.CASES):
            raise ExportError(f"the warehouse has no {lists.CASES}: run `safetynet run` first")
        county_name = _county_name(con, county6) if county6 is not None else None
        clauses, params = [], []
        if county6 is not None:
            clauses.append("substr(c.county_code, 1, 6) = ?")
            params.append(county6)
        if period is not None:
            clauses.append("c.first_period <= ? and c.last_period >= ?")
            params += [period, period]
        cases = live_cases(
            con, store if store is not None else feedback_store(), as_of, " and ".join(clauses) or "true", params
        )
        names = _region_names(con)
    finally:
        con.close()
    cases = cases.filter(pl.col("issued_at") <= as_of)
    frame = case_frame(cases, names, unmasked)
    kinds = tuple(frame.get_column("_kind").to_list())
    return ExportedCases(as_of, period, county6, county_name, not unmasked, frame.drop("_kind"), kinds)


def _region_names(con) -> pl.DataFrame:
    if not lists.has_table(con, lists.REGIONS):
        return pl.DataFrame(schema={"region_code": pl.String, "name": pl.String})
    return lists._frame(con, f"select region_code, name from {lists.REGIONS}", [])


def case_frame(cases: pl.DataFrame, names: pl.DataFrame, unmasked: bool) -> pl.DataFrame:
    """live_cases' frame as exported: CASE_HEADERS in order (and `_kind`, each row's rule kind), sorted by
    kind, severity, county, township, rule and case."""
    county = names.select(pl.col("region_code").alias("county_code"), pl.col("name").alias("county_name"))
    township = names.select(pl.col("region_code").alias("township_code"), pl.col("name").alias("township_name"))
    name = pl.col("subject_name").cast(pl.String)
    person = pl.col("subject_person_id").cast(pl.String)
    df = (
        cases.join(county, on="county_code", how="left")
        .join(township, on="township_code", how="left")
        .with_columns(
            _kind_order=pl.col("kind").replace_strict(KIND_ORDER, default=len(KIND_ORDER)),
            _severity_order=pl.col("severity").replace_strict(SEVERITY_ORDER, default=len(SEVERITY_ORDER)),
        )
        .sort(
            ["_kind_order", "_severity_order", "county_code", "township_code", "rule_id", "warning_id", "first_period"],
            nulls_last=True,
        )
    )
    columns = [
        pl.col("warning_id"),
        pl.col("first_period"),
        pl.col("rule_id"),
        pl.col("rule_name"),
        pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind"), return_dtype=pl.String),
        pl.col("severity").replace_strict(SEVERITY_LABELS, default=pl.col("severity"), return_dtype=pl.String),
        pl.col("county_name"),
        pl.col("township_name"),
        pl.col("region_code"),
        name if unmasked else mask_name_expr(name),
        person if unmasked else mask_id_expr(person),
        pl.col("status"),
        pl.col("timeliness").cast(pl.String),
        pl.when(pl.col("recheck").fill_null(False)).then(pl.lit(YES)).otherwise(pl.lit(None, dtype=pl.String)),
        beijing_date_expr("issued_at"),
        pl.col("deadline").cast(pl.Date),
        pl.col("checked_on").cast(pl.Date),
        pl.col("outcome").cast(pl.String),
        pl.col("note").cast(pl.String),
        pl.col("records").cast(pl.Int64),
        pl.col("last_recorded_by").cast(pl.String),
        beijing_text_expr("last_recorded_at"),
    ]
    return df.select(
        *(expr.alias(header) for expr, header in zip(columns, CASE_HEADERS, strict=True)), pl.col("kind").alias("_kind")
    )


def write_cases(
    exported: ExportedCases,
    fmt: str,
    out: Path | str | BinaryIO,
    user: str | None = None,
    when: dt.datetime | None = None,
) -> int:
    """Write the cases as CSV (UTF-8 with BOM) or XLSX (export line, header, table; 处置结果 with each
    row's outcomes as a drop-down, 核查日期 a date). Returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"--format: one of {', '.join(FORMATS)}")
    target = Path(out) if isinstance(out, (str, Path)) else out
    if fmt == "csv":
        write_csv(exported.frame, target)
    else:
        when = when or dt.datetime.now(EXPORT_TZ)
        line = exported.export_line(user or default_user(), when)
        outcomes = [OUTCOMES.get(kind, ()) for kind in exported.kinds]
        write_xlsx(exported.frame, target, CASES_TITLE, line, outcomes=outcomes)
    return exported.rows


def export_cases(
    where: Locations | Path | str,
    fmt: str,
    out: Path | str | BinaryIO,
    county: str | None = None,
    period: str | None = None,
    as_of: dt.datetime | None = None,
    unmasked: bool = False,
    user: str | None = None,
    channel: str = "cli",
    store=None,
) -> int:
    """Write the case export to `out` and record the download (who, when, conditions, rows, masked or
    not) in the download log; returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"--format: one of {', '.join(FORMATS)}")
    exported = read_cases(where, county, period, as_of, unmasked, store)
    user = user or default_user()
    when = dt.datetime.now(EXPORT_TZ)
    rows = write_cases(exported, fmt, out, user=user, when=when)
    record_export(exported, KIND, rows, fmt, user, channel, when)
    return rows
