"""The one door the dashboards read through: the published snapshot, short-lived read-only connections,
and the viewer's scope applied where the data is read.

- Nothing here opens the working warehouse: only the snapshot named by `published/current.json`, read-only,
  for the length of one query, so a dashboard never sees half a build and never blocks a run.
- Scope: an `analyst` reads aggregates only (KPIs, counts); a `county_officer` reads the lists and
  aggregates of their own county (and the city's totals for comparison), masked; a `city_admin` reads
  everything and may ask for unmasked lists. A request outside the scope raises `AccessDenied`, it is not
  silently narrowed: a page that asks for another county has a bug worth seeing.
- Lists are the export code's lists (`pipelines.exports`): what a page shows is what a download holds.
  Every download is recorded in the audit log.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import publish
from pipelines.exports import ExportedList, read_list, write_list
from pipelines.exports.audit import download_entry, record_download
from pipelines.exports.export import EXPORT_TZ
from pipelines.settings import Locations

LIST_KINDS = ("warnings", "verifications", "quarantine")  # lists of persons: never for the analyst role


class AccessDenied(Exception):
    """The viewer's role or county does not allow this read. The message names no person."""


class NotPublished(Exception):
    """No snapshot is published yet: the pipeline has not completed a run that passed its checks."""


def snapshot(locations: Locations) -> publish.Snapshot:
    current = publish.current(locations)
    if current is None:
        raise NotPublished("尚无已发布的数据 nothing is published yet: run `safetynet run` first")
    return current


@contextmanager
def connect(locations: Locations):
    """A read-only connection to the snapshot in service, for one query."""
    con = duckdb.connect(str(snapshot(locations).path(locations)), read_only=True)
    try:
        yield con
    finally:
        con.close()


def query(locations: Locations, sql: str, params: list | None = None) -> pl.DataFrame:
    with connect(locations) as con:
        return pl.from_arrow(con.sql(sql, params=params or []).to_arrow_table())


def _region_scope(viewer, alias: str = "r") -> tuple[str, list]:
    """SQL condition on dim_region (aliased `alias`) limiting aggregates to the viewer's regions."""
    if viewer.role != "county_officer":
        return "true", []
    county = viewer.county + "000000"
    return f"({alias}.level = 'city' or {alias}.county_code = ?)", [county]


def list_county(viewer, kind: str, county: str | None) -> str | None:
    """The county (6 digits) a list must be read for, or None for all: raises when not allowed."""
    if kind in LIST_KINDS and not viewer.can_see_lists:
        raise AccessDenied("名单仅对区县及市级用户开放 lists are not open to the analyst role")
    county = county[:6] if county else None
    if viewer.role == "county_officer":
        if county not in (None, viewer.county):
            raise AccessDenied("只能查看本区县 a county officer reads their own county only")
        return viewer.county
    return county


def read_scoped_list(locations: Locations, viewer, kind: str, period: str | None = None,
                     county: str | None = None, unmasked: bool = False) -> ExportedList:
    """A list as exported, within the viewer's scope; masked unless the role allows and it is asked."""
    if unmasked and not viewer.can_unmask:
        raise AccessDenied("仅市级管理员可查看未脱敏名单 only a city_admin may read unmasked lists")
    scoped = list_county(viewer, kind, county)
    return read_list(kind, snapshot(locations).path(locations), period, scoped, unmasked)


def filter_list(exported: ExportedList, filters: dict[str, object]) -> ExportedList:
    """The list narrowed by column filters (header -> value or list of values), e.g. 乡镇街道, 规则编号."""
    frame = exported.frame
    for header, value in filters.items():
        if value in (None, "", [], ()):
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        frame = frame.filter(pl.col(header).cast(pl.String).is_in([str(v) for v in values]))
    return replace(exported, frame=frame)


def download(locations: Locations, viewer, exported: ExportedList, fmt: str,
             filters: dict[str, object] | None = None) -> bytes:
    """The bytes of a list as shown (already scoped and filtered), recorded in the download log."""
    if exported.kind in LIST_KINDS:
        list_county(viewer, exported.kind, exported.county)  # the list must still be the viewer's
    if not exported.masked and not viewer.can_unmask:
        raise AccessDenied("仅市级管理员可导出未脱敏名单 only a city_admin may export unmasked lists")
    when = datetime.now(EXPORT_TZ)
    buffer = io.BytesIO()
    rows = write_list(exported, fmt, buffer, user=viewer.user, when=when)
    conditions = exported.conditions()
    extra = ", ".join(f"{k}={v}" for k, v in (filters or {}).items() if v not in (None, "", [], ()))
    record_download(download_entry(
        user=viewer.user, channel="dashboard", kind=exported.kind, period=exported.period,
        county=exported.county, conditions=conditions + (f", {extra}" if extra else ""), rows=rows,
        masked=exported.masked, fmt=fmt, when=when,
    ))
    return buffer.getvalue()


def kpis(locations: Locations, viewer, periods: list[str] | None = None) -> pl.DataFrame:
    """KPIs with their region's name, level and parent, within the viewer's regions."""
    scope, params = _region_scope(viewer)
    period_filter = ""
    if periods:
        period_filter = f" and k.period in ({', '.join('?' * len(periods))})"
        params = params + list(periods)
    return query(locations, f"""
        select k.period, k.region_code, r.name as region_name, k.level, r.parent_code, r.county_code,
               k.indicator_id, k.value
        from main_marts.fct_kpis k join main_marts.dim_region r using (region_code)
        where {scope}{period_filter}
        order by k.period, k.level, k.region_code, k.indicator_id
    """, params)


def finding_counts(locations: Locations, viewer) -> pl.DataFrame:
    """Findings counted by period, county, kind, severity and rule: aggregates every role may read."""
    scope, params = _region_scope(viewer)
    return query(locations, f"""
        select f.period, r.region_code as county_code, r.name as county_name, f.kind, f.severity,
               f.rule_id, count(*) as findings,
               count(*) filter (where f.consecutive_periods = 1) as new_findings
        from main_marts.fct_findings f
        join main_marts.dim_region r on r.region_code = substr(f.region_code, 1, 6) || '000000'
        where {scope}
        group by all order by all
    """, params)


def data_docs(locations: Locations) -> Path | None:
    from pipelines.quality import data_docs_index

    index = data_docs_index(locations)
    return index if index.exists() else None
