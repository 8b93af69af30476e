"""Cases in the dashboards (rules.md, "Cases"): scoped reads of their live status, a case's records, the
disposition form and the returned-list upload, and K10–K12 for the viewer's regions.

- Statuses are live: `pipelines.feedback.status.live_cases` over the snapshot in service and the feedback
  store, as of now, so a disposition shows at once without waiting for a run.
- Scope, as in `dashboards.data`: an analyst reads no case row (aggregates only); a county officer's
  query holds their county in its `where` (the case's county, as the write path judges it); a city
  admin reads everything. Names and ID numbers are masked unless a city admin asks.
- Writes go through `pipelines.feedback.record.record`, which decides from the store itself what a user
  may write: whatever a page sends, an officer cannot record another county's case.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from dashboards.data import AccessDenied, connect
from pipelines.catalog import has_table
from pipelines.exports.masking import mask_id_expr, mask_name_expr
from pipelines.feedback import tables as t
from pipelines.feedback.clock import beijing_date, utc_now
from pipelines.feedback.outcomes import DISPOSED, ELIMINATED, LATE, OVERDUE, PENDING, RECHECK_DUE
from pipelines.feedback.record import (
    REFUSED_HEADERS,  # noqa: F401  (the pages ask through this module)
    Actor,
    Entry,
    NotAllowed,
    Result,
    record,
    refused_frame,
)
from pipelines.feedback.status import CASES, live_cases
from pipelines.feedback.store import feedback_store
from pipelines.settings import Locations

# The list pages' status filter: the four statuses, and a re-check episode not yet disposed of again.
STATUS_FILTERS = (PENDING, OVERDUE, DISPOSED, RECHECK_DUE, ELIMINATED)
FINDINGS = "main_marts.fct_findings"
REGIONS = "main_marts.dim_region"


class NoCases(Exception):
    """The snapshot in service has no case mart yet (published before cases existed)."""


def store_version() -> tuple[int, int]:
    """(last disposition id, last publication id): part of every cache key, so a record shows at once."""
    with feedback_store().read() as connection:
        return tuple(
            connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
            for table in (t.dispositions, t.publications)
        )


def cache_day(now: dt.datetime | None = None) -> str:
    """The Beijing date: statuses move only at Beijing midnight (deadlines and re-check days are dates)."""
    return beijing_date(now or utc_now()).isoformat()


def _case_scope(viewer) -> tuple[str, list]:
    """The condition on fct_cases (aliased c) that keeps the viewer's case rows; raises for an analyst."""
    if not viewer.can_see_lists:
        raise AccessDenied("预警事项仅对区县及市级用户开放 cases are not open to the analyst role")
    if viewer.role == "county_officer":
        return "c.county_code like ?", [viewer.county + "%"]
    return "true", []


def _of_period(where: str, params: list, period: str | None) -> tuple[str, list]:
    """Narrow to the cases of `period`: its findings (case_id = warning_id-first_period)."""
    if period is None:
        return where, params
    return (
        f"({where}) and c.case_id in "
        f"(select f.warning_id || '-' || f.first_period from {FINDINGS} as f where f.period = ?)",
        [*params, period],
    )


def _live(locations: Locations, where: str, params: list, period: str | None, as_of) -> pl.DataFrame:
    """Live cases (and, with a period, the region of each case's finding of that period)."""
    with connect(locations) as con:
        if not has_table(con, CASES):
            raise NoCases("已发布的数据中还没有预警事项 no cases in the published snapshot: run `safetynet run`")
        frame = live_cases(con, feedback_store(), as_of or utc_now(), where, params)
        if period is None:
            return frame
        places = pl.from_arrow(
            con.sql(
                f"""
                select f.warning_id || '-' || f.first_period as case_id, r.county_code as period_county_code,
                       r.county_name as period_county_name, r.township_code as period_township_code,
                       r.township_name as period_township_name
                from {FINDINGS} as f left join {REGIONS} as r on r.region_code = f.region_code
                where f.period = ?
                """,
                params=[period],
            ).to_arrow_table()
        )
    return frame.join(places, on="case_id", how="left")


def cases(
    locations: Locations, viewer, period: str | None = None, unmasked: bool = False, as_of: dt.datetime | None = None
) -> pl.DataFrame:
    """The viewer's cases (of `period`: its findings), with their status as of now; one row per case,
    the columns of `live_cases` (`recheck_due`: a re-check episode not yet disposed of again)."""
    if unmasked and not viewer.can_unmask:
        raise AccessDenied("仅市级管理员可查看未脱敏信息 only a city_admin may read unmasked details")
    where, params = _of_period(*_case_scope(viewer), period)
    frame = _live(locations, where, params, period, as_of)
    if not unmasked:
        frame = frame.with_columns(
            subject_name=mask_name_expr(pl.col("subject_name").cast(pl.String)),
            subject_person_id=mask_id_expr(pl.col("subject_person_id").cast(pl.String)),
        )
    return frame.sort("case_id")


def case_history(locations: Locations, viewer, case_id: str) -> pl.DataFrame:
    """Every record of one case of the viewer's scope, oldest first: when (UTC), who, 核查日期, 处置结果,
    处置说明 and the returned list it came from. AccessDenied outside the scope, LookupError when unknown."""
    where, params = _case_scope(viewer)
    with connect(locations) as con:
        if not has_table(con, CASES):
            raise NoCases("已发布的数据中还没有预警事项 no cases in the published snapshot")
        seen = con.execute(
            f"select count(*) filter (where {where}), count(*) from {CASES} as c where c.case_id = ?",
            [*params, case_id],
        ).fetchall()[0]
    if seen[1] == 0:
        raise LookupError(f"no case {case_id}")
    if seen[0] == 0:
        raise AccessDenied("只能查看本区县的预警事项 a county officer reads their own county's cases only")
    d, i = t.dispositions.c, t.imports.c
    query = (
        sa.select(d.id, d.recorded_at, d.recorded_by, d.checked_on, d.outcome, d.note, i.file_name)
        .select_from(t.dispositions.outerjoin(t.imports, i.id == d.import_id))
        .where(d.case_id == case_id)
        .order_by(d.recorded_at, d.id)
    )
    with feedback_store().read() as connection:
        rows = connection.execute(query).all()
    schema = {
        "id": pl.Int64,
        "recorded_at": pl.Datetime("us"),
        "recorded_by": pl.String,
        "checked_on": pl.Date,
        "outcome": pl.String,
        "note": pl.String,
        "file_name": pl.String,
    }
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _actor(viewer) -> Actor:
    if not viewer.can_see_lists:
        raise AccessDenied("分析员不能登记处置 the analyst role records no disposition")
    return Actor(viewer.user, viewer.role, viewer.county)


def record_disposition(
    locations: Locations,
    viewer,
    warning_id: str,
    first_period: str,
    checked_on,
    outcome: str | None,
    note: str | None,
    as_of: dt.datetime | None = None,
) -> Result:
    """Record one disposition from the form; a refusal comes back in `Result.refused` with its reason."""
    entry = Entry(warning_id, first_period, checked_on, outcome, note)
    try:
        return record(feedback_store(), _actor(viewer), [entry], as_of=as_of)
    except NotAllowed as exc:
        raise AccessDenied(str(exc)) from None


def upload_returned(
    locations: Locations, viewer, file_name: str, content: bytes, as_of: dt.datetime | None = None
) -> Result:
    """Record a returned list (the XLSX export filled in, or a CSV with its columns): the valid rows
    together, the refused ones with their reasons. The import is kept even when nothing was recorded."""
    from pipelines.feedback.returned import read_returned  # the reader of the returned lists

    actor = _actor(viewer)
    entries = read_returned(file_name, content)
    try:
        return record(feedback_store(), actor, entries, as_of=as_of, file_name=file_name, file_bytes=content)
    except NotAllowed as exc:
        raise AccessDenied(str(exc)) from None


def refused_table(result: Result) -> pl.DataFrame:
    """The refused rows of a record or an upload: file row, 预警编号, 首次预警期, reason (no person)."""
    return refused_frame(result.refused)


# --- aggregates: K10–K12 and overdue / late counts (every role) ---------------------------------------

COUNTS = ("cases", "disposed", "pending", "overdue", "late", "recheck_due")


def _counts() -> list[pl.Expr]:
    """Per group: K10_cases, K10_disposed, K10_rate, 待处置, K11_overdue, K11_late, 复核到期, K12_days_median."""
    disposed = pl.col("disposed").fill_null(False)
    return [
        pl.len().cast(pl.Int64).alias("cases"),
        disposed.sum().cast(pl.Int64).alias("disposed"),
        (pl.col("status") == PENDING).sum().cast(pl.Int64).alias("pending"),
        (pl.col("status") == OVERDUE).sum().cast(pl.Int64).alias("overdue"),
        (disposed & (pl.col("timeliness") == LATE)).sum().cast(pl.Int64).alias("late"),
        pl.col("recheck_due").sum().cast(pl.Int64).alias("recheck_due"),
        pl.col("days_to_first_record").filter(disposed).cast(pl.Float64).median().alias("days_median"),
    ]


def _with_rate(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        rate=pl.when(pl.col("cases") > 0).then(pl.col("disposed") / pl.col("cases")).otherwise(None)
    )


def _period_cases(locations: Locations, period: str, as_of) -> pl.DataFrame:
    """Every case of `period` (unscoped: callers aggregate and scope the regions they return)."""
    where, params = _of_period("true", [], period)
    return _live(locations, where, params, period, as_of)


def case_kpis(locations: Locations, viewer, period: str, as_of: dt.datetime | None = None) -> pl.DataFrame:
    """K10–K12 (and 待处置, 复核到期) of `period` by region of each case's finding of that period: the city,
    each county, each township; a county officer gets the city, their county and its townships. One row
    per region: region_code, level, cases, disposed, rate, pending, overdue, late, recheck_due,
    days_median (the median of whole days to the first record; null without a disposed case)."""
    frame = _period_cases(locations, period, as_of)
    levels = [
        frame.select(_counts()).with_columns(level=pl.lit("city"), region_code=pl.lit(None, pl.String)),
        frame.group_by(region_code="period_county_code").agg(_counts()).with_columns(level=pl.lit("county")),
        frame.filter(pl.col("period_township_code").is_not_null())
        .group_by(region_code="period_township_code")
        .agg(_counts())
        .with_columns(level=pl.lit("township")),
    ]
    columns = ["region_code", "level", *COUNTS, "days_median"]
    out = _with_rate(pl.concat([f.select(columns) for f in levels], how="vertical_relaxed"))
    if viewer.role == "county_officer":
        mine = pl.col("region_code").cast(pl.String).str.starts_with(viewer.county)
        out = out.filter((pl.col("level") == "city") | mine)
    return out.sort("level", "region_code", nulls_last=False)


def case_breakdown(locations: Locations, viewer, period: str, as_of: dt.datetime | None = None) -> pl.DataFrame:
    """Counts of the cases of `period` by county, township and rule (the finding's region of that period),
    within the viewer's counties: county_code, county_name, township_code, township_name, rule_id,
    rule_name, kind, cases, disposed, rate, pending, overdue, late, recheck_due, days_median."""
    frame = _period_cases(locations, period, as_of)
    if viewer.role == "county_officer":
        frame = frame.filter(pl.col("period_county_code").cast(pl.String).str.starts_with(viewer.county))
    keys = ["period_county_code", "period_county_name", "period_township_code", "period_township_name"]
    out = frame.group_by([*keys, "rule_id", "rule_name", "kind"]).agg(_counts())
    out = out.rename({k: k.removeprefix("period_") for k in keys})
    return _with_rate(out).sort("county_code", "township_code", "rule_id", nulls_last=True)


def summarise(breakdown: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """The breakdown's counts summed by `by` (e.g. county, or rule), the rate again; no median (it does
    not add up)."""
    return _with_rate(breakdown.group_by(by).agg([pl.col(c).sum() for c in COUNTS])).sort(by, nulls_last=True)
