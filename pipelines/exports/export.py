"""The export of a list: one library function for the command line and the dashboards.

`export_list(kind, where, period, fmt, out, county=None, unmasked=False, user=None) -> rows` reads the
warehouse (read-only, short-lived connection), builds the list and writes it. `read_list` gives the frame
without writing (the dashboards show it, then offer `to_bytes`).
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from pipelines.exports import lists
from pipelines.exports.audit import download_entry, record_download
from pipelines.exports.labels import EXPORT_KINDS, FINDING_KIND, TITLES
from pipelines.exports.writers import write_csv, write_xlsx
from pipelines.feedback.outcomes import OUTCOMES
from pipelines.publish import serving_path
from pipelines.settings import Locations

FORMATS = ("csv", "xlsx")
PERIOD_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
COUNTY_RE = re.compile(r"^[0-9]{6}([0-9]{6})?$")
EXPORT_TZ = ZoneInfo("Asia/Shanghai")  # 导出时间 is the users' local time


class ExportError(Exception):
    """A list cannot be exported (no warehouse, no data, a bad option). The message never holds a person."""


@dataclass(frozen=True)
class ExportedList:
    kind: str
    period: str
    county: str | None  # 6 digits
    county_name: str | None
    masked: bool
    frame: pl.DataFrame

    @property
    def rows(self) -> int:
        return self.frame.height

    def conditions(self) -> str:
        county = "全部" if self.county is None else " ".join(x for x in (self.county, self.county_name) if x)
        return f"统计期={self.period}, 县区={county}, 脱敏={'是' if self.masked else '否'}"

    def export_line(self, user: str, when: datetime) -> str:
        return f"导出人: {user}  导出时间: {when:%Y-%m-%d %H:%M}  条件: {self.conditions()}"


def warehouse_path(locations: Locations) -> Path:
    """The DuckDB file the exports read: the published snapshot, never the working file a run writes."""
    path = serving_path(locations)
    if path is None:
        raise ExportError(f"nothing is published in {locations.warehouse} yet: run `safetynet run` first")
    return path


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in this environment
        return "unknown"


def normalise_county(county: str | None) -> str | None:
    """A county as its 6 leading digits; accepts 6 digits or the 12-digit code (ending in 000000)."""
    if county is None:
        return None
    county = county.strip()
    if not COUNTY_RE.match(county) or (len(county) == 12 and county[6:] != "000000"):
        raise ExportError("--county: a county code of 6 digits or 12 digits ending in 000000 (县区代码)")
    return county[:6]


def _connect(path: Path):
    if not path.exists():
        raise ExportError(f"no warehouse at {path}: run `safetynet run` first")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        raise ExportError(
            f"the warehouse {path} cannot be opened now (a run may be writing it): {type(exc).__name__}"
        ) from None


def _county_name(con, county6: str) -> str | None:
    if not lists.has_table(con, lists.REGIONS):
        return None
    rows = con.execute(
        f"select name, level from {lists.REGIONS} where region_code = ?", [county6 + "000000"]
    ).fetchall()
    row = rows[0] if rows else None
    if row is None or row[1] != "county":
        raise ExportError(f"--county {county6}: not a county of the regions seed")
    return row[0]


def read_list(
    kind: str,
    where: Locations | Path | str,
    period: str | None = None,
    county: str | None = None,
    unmasked: bool = False,
    as_of: datetime | None = None,
    store=None,
) -> ExportedList:
    """The list `kind` of `period` (default: the latest period of its table), of one county or all.

    A warning or verification list ends with each finding's case state as of `as_of` (naive UTC, default
    now) over the feedback store (`store`, default SAFETYNET_FEEDBACK's): what the list pages show at once
    after a record."""
    if kind not in EXPORT_KINDS:
        raise ExportError(f"unknown list {kind!r}: one of {', '.join(EXPORT_KINDS)}")
    if period is not None and not PERIOD_RE.match(period):
        raise ExportError("--period: a month YYYY-MM")
    county6 = normalise_county(county)
    if county6 is not None and kind == "files":
        raise ExportError("the files list has no county (a file is not tied to one); export it without --county")
    path = warehouse_path(where) if isinstance(where, Locations) else Path(where)
    con = _connect(path)
    try:
        missing = [t for t in lists.NEEDS[kind] if not lists.has_table(con, t)]
        if missing:
            raise ExportError(f"the warehouse has no {', '.join(missing)}: run `safetynet run` first")
        if period is None:
            period = lists.latest_period(con, kind)
            if period is None:
                raise ExportError(f"{lists.PERIOD_TABLE[kind]} is empty: no period to export")
        county_name = _county_name(con, county6) if county6 is not None else None
        if kind in ("warnings", "verifications"):
            frame = lists.findings(con, kind, period, county6, unmasked, as_of=as_of, store=store)
        elif kind == "kpis":
            frame = lists.kpis(con, period, county6)
        elif kind == "quarantine":
            frame = lists.quarantine(con, period, county6, county_name, unmasked)
        else:
            frame = lists.files(con, period)
    finally:
        con.close()
    return ExportedList(kind, period, county6, county_name, not unmasked, frame)


def list_outcomes(kind: str) -> tuple[str, ...] | None:
    """The outcomes an officer may fill into a list's 处置结果 (its drop-down), None for other lists."""
    return OUTCOMES[FINDING_KIND[kind]] if kind in FINDING_KIND else None


def write_list(
    exported: ExportedList, fmt: str, out: Path | str | BinaryIO, user: str | None = None, when: datetime | None = None
) -> int:
    if fmt not in FORMATS:
        raise ExportError(f"--format: one of {', '.join(FORMATS)}")
    target = Path(out) if isinstance(out, (str, Path)) else out
    if fmt == "csv":
        write_csv(exported.frame, target)
    else:
        when = when or datetime.now(EXPORT_TZ)
        line = exported.export_line(user or default_user(), when)
        write_xlsx(exported.frame, target, TITLES[exported.kind], line, outcomes=list_outcomes(exported.kind))
    return exported.rows


def export_list(
    kind: str,
    locations_or_path: Locations | Path | str,
    period: str | None,
    fmt: str,
    out: Path | str | BinaryIO,
    county: str | None = None,
    unmasked: bool = False,
    user: str | None = None,
    channel: str = "cli",
    as_of: datetime | None = None,
) -> int:
    """Write the list `kind` of `period` to `out` as `fmt` (csv|xlsx) and record the download in the
    audit log (who, when, which list, filters, rows, masked or not); returns the number of rows."""
    if fmt not in FORMATS:
        raise ExportError(f"--format: one of {', '.join(FORMATS)}")
    exported = read_list(kind, locations_or_path, period, county, unmasked, as_of=as_of)
    user = user or default_user()
    when = datetime.now(EXPORT_TZ)
    rows = write_list(exported, fmt, out, user=user, when=when)
    record_export(exported, kind, rows, fmt, user, channel, when)
    return rows


def record_export(exported, kind: str, rows: int, fmt: str, user: str, channel: str, when: datetime) -> None:
    """One download in the download log: who, when, which list, its conditions, rows, masked or not."""
    record_download(
        download_entry(
            user=user,
            channel=channel,
            kind=kind,
            period=exported.period,
            county=exported.county,
            conditions=exported.conditions(),
            rows=rows,
            masked=exported.masked,
            fmt=fmt,
            when=when,
        )
    )
