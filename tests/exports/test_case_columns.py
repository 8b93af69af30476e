"""The case state in the warning and verification lists, the XLSX an officer fills in, and the case export.
PYTEST_DONT_REWRITE (failures never show an id or a name).

A snapshot is built by hand (the export fixture's marts plus a main_marts.fct_cases of their cases) and a
feedback store of its own in tmp_path records two publications: 2026-09 at ISSUED_PREV, 2026-10 at ISSUED.
Asserts are on statuses, dates, outcomes, counts and cell types; no test prints a person's id or name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.exports import ExportError, export_list, read_list
from pipelines.exports.audit import read_downloads
from pipelines.exports.cases import export_cases, read_cases
from pipelines.exports.labels import CASE_HEADERS, CASE_STATE_HEADERS, FINDING_HEADERS
from pipelines.feedback.outcomes import RECHECK_DUE, VERIFICATION_OUTCOMES, WARNING_OUTCOMES
from pipelines.feedback.record import Actor, Entry, record
from pipelines.feedback.returned import read_returned
from pipelines.feedback.store import CASE_COLUMNS, FeedbackStore
from pipelines.publish import publish
from pipelines.settings import Locations
from tests.exports.conftest import FINDINGS, IDS, NAMES, P_PREV, P, build_warehouse
from tests.exports.helpers import BOM, column_cells, has_full_id, open_sheet, read_csv, xlsx_header, xlsx_rows

ISSUED_PREV = dt.datetime(2026, 10, 5, 2, 0)  # UTC: 10:00 Beijing
ISSUED = dt.datetime(2026, 11, 3, 2, 0)
NOW = dt.datetime(2026, 11, 8, 2, 0)
DEADLINE_DAYS = {"red": 3, "orange": 7, "yellow": 15}
ADMIN = Actor("admin", "city_admin", None)

W04 = "W04-111111111111"  # red, first period 2026-09, county 370911
W05 = "W05-222222222222"  # orange, 2026-10, county 370902
W01 = "W01-333333333333"  # orange, 2026-10, county 370911
W02 = "W02-0a1b2c3d4e5f"  # yellow: a case of 2026-09 (ended there) and one of 2026-10
V01 = "V01-444444444444"  # orange, 2026-10, county 370902
V04 = "V04-555555555555"  # yellow, 2026-09, county 370902


def case_rows() -> list[dict]:
    """One row per case of the fixture's findings (warning_id, first_period), placed by its last period."""
    cases: dict[tuple[str, str], dict] = {}
    for f in sorted(FINDINGS, key=lambda f: f[0]):
        (period, warning_id, rule_id, rule_name, kind, severity, person, name, household, _, region) = f[:11]
        first = f[13]
        cases[(warning_id, first)] = {
            "case_id": f"{warning_id}-{first}",
            "warning_id": warning_id,
            "first_period": first,
            "last_period": period,
            "rule_id": rule_id,
            "rule_name": rule_name,
            "kind": kind,
            "severity": severity,
            "deadline_days": DEADLINE_DAYS[severity],
            "region_code": region,
            "county_code": region[:6] + "000000",
            "township_code": region[:9] + "000",
            "subject_person_id": IDS[person],
            "subject_name": NAMES[name],
            "household_id": household,
            "issued_at": ISSUED_PREV if first == P_PREV else ISSUED,
        }
    return list(cases.values())


def add_case_mart(path: Path) -> None:
    """main_marts.fct_cases with the columns the exports read (the status columns as a run would leave
    them; the exports recompute them live)."""
    frame = pl.DataFrame(case_rows()).with_columns(
        status=pl.lit("待处置"), disposed=pl.lit(False), recheck=pl.lit(False), records=pl.lit(0), as_of=pl.lit(ISSUED)
    )
    con = duckdb.connect(str(path))
    try:
        con.register("cases", frame)
        con.execute("create table main_marts.fct_cases as select * from cases")
    finally:
        con.close()


def record_publications(store: FeedbackStore) -> None:
    cases = pl.DataFrame(case_rows())
    first = cases.filter(pl.col("first_period") == P_PREV)
    store.record_publication("snapshot-1", ISSUED_PREV, P_PREV, first.select(CASE_COLUMNS))
    current = cases.filter(pl.col("last_period") == P)
    store.record_publication("snapshot-2", ISSUED, P, current.select(CASE_COLUMNS))


@dataclass
class World:
    locations: Locations
    store: FeedbackStore
    store_path: Path


def make_world(root: Path, monkeypatch) -> World:
    """A published snapshot with a case mart, and a feedback store of its own (SAFETYNET_FEEDBACK)."""
    locations = Locations(data=root / "data", warehouse=root / "warehouse")
    build_warehouse(locations.duckdb_path)
    add_case_mart(locations.duckdb_path)
    publish(locations, "case-run")
    store_path = root / "feedback" / "feedback.sqlite"
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(store_path))
    store = FeedbackStore(store_path)
    record_publications(store)
    return World(locations, store, store_path)


@pytest.fixture
def world(tmp_path, monkeypatch) -> World:
    return make_world(tmp_path, monkeypatch)


def by_id(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["预警编号"]: row for row in frame.iter_rows(named=True)}


# --- the lists' case columns -----------------------------------------------------------------------


def test_old_warehouse_has_empty_case_columns(locations, tmp_path, monkeypatch):
    """A snapshot without main_marts.fct_cases: the columns are there and empty, and no store is opened."""
    store_path = tmp_path / "untouched" / "feedback.sqlite"
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(store_path))
    frame = read_list("warnings", locations).frame
    assert frame.columns == list(FINDING_HEADERS)
    assert frame.height == 4
    assert all(frame[h].null_count() == frame.height for h in CASE_STATE_HEADERS)
    assert not store_path.exists()


def test_list_shows_each_case_as_of_now(world):
    frame = read_list("warnings", world.locations, P, as_of=NOW).frame
    assert frame.columns == list(FINDING_HEADERS)
    rows = by_id(frame)
    assert rows[W04]["处置状态"] == "已超期"  # red, issued 2026-10-05: deadline 2026-10-08
    assert rows[W04]["下发日期"] == dt.date(2026, 10, 5)
    assert rows[W04]["处置期限"] == dt.date(2026, 10, 8)
    assert rows[W05]["处置状态"] == "待处置"  # orange, issued 2026-11-03: deadline 2026-11-10
    assert rows[W05]["下发日期"] == dt.date(2026, 11, 3)
    assert rows[W05]["处置期限"] == dt.date(2026, 11, 10)
    assert all(rows[w]["核查日期"] is None and rows[w]["处置结果"] is None for w in rows)
    verifications = by_id(read_list("verifications", world.locations, P, as_of=NOW).frame)
    assert verifications[V04]["处置状态"] == "已超期" and verifications[V01]["处置状态"] == "待处置"


def test_a_record_shows_at_once(world):
    checked = dt.date(2026, 11, 4)
    result = record(
        world.store,
        ADMIN,
        [Entry(W05, P, checked, "已落实照料服务", "签订照料协议")],
        as_of=NOW - dt.timedelta(hours=1),
    )
    assert len(result.recorded) == 1
    row = by_id(read_list("warnings", world.locations, P, as_of=NOW).frame)[W05]
    assert (row["处置状态"], row["核查日期"], row["处置结果"], row["处置说明"]) == (
        "已处置",
        checked,
        "已落实照料服务",
        "签订照料协议",
    )
    # a later correction is the latest record shown
    record(world.store, ADMIN, [Entry(W05, P, checked, "其他", "照料协议另签")], as_of=NOW)
    row = by_id(read_list("warnings", world.locations, P, as_of=NOW).frame)[W05]
    assert (row["处置结果"], row["处置说明"]) == ("其他", "照料协议另签")


def test_recheck_due_is_marked(world):
    """A record saying nothing was wrong: six months after its 核查日期 the case is due again."""
    record(world.store, ADMIN, [Entry(W04, P_PREV, dt.date(2026, 10, 1), "经核查数据有误", None)], as_of=ISSUED_PREV)
    before = by_id(read_list("warnings", world.locations, P, as_of=dt.datetime(2027, 3, 31, 12)).frame)[W04]
    assert before["处置状态"] == "已处置"
    due = by_id(read_list("warnings", world.locations, P, as_of=dt.datetime(2027, 4, 2, 2)).frame)[W04]
    assert due["处置状态"] == f"待处置（{RECHECK_DUE}）"
    assert due["处置期限"] == dt.date(2027, 4, 4)  # the re-check day 2027-04-01 + 3 days (red)
    assert due["处置结果"] == "经核查数据有误"  # the latest record, still
    late = by_id(read_list("warnings", world.locations, P, as_of=dt.datetime(2027, 4, 10, 2)).frame)[W04]
    assert late["处置状态"] == f"已超期（{RECHECK_DUE}）"


def test_county_scope_keeps_the_case_columns(world):
    frame = read_list("verifications", world.locations, P, county="370902", as_of=NOW).frame
    assert frame.height == 2 and frame["处置状态"].null_count() == 0


# --- the files: XLSX to fill in, CSV -------------------------------------------------------------------


def _validations(ws) -> list:
    return list(ws.data_validations.dataValidation)


def _column_range(ws, header: str, rows: int) -> str:
    letter = ws.cell(row=2, column=xlsx_header(ws).index(header) + 1).column_letter
    return f"{letter}3:{letter}{2 + rows}"


@pytest.mark.parametrize(
    ("kind", "outcomes"), [("warnings", WARNING_OUTCOMES), ("verifications", VERIFICATION_OUTCOMES)]
)
def test_xlsx_drop_down_and_date_cells(world, tmp_path, kind, outcomes):
    case = W05 if kind == "warnings" else V01
    record(world.store, ADMIN, [Entry(case, P, dt.date(2026, 11, 4), outcomes[0], None)], as_of=NOW)
    out = tmp_path / f"{kind}.xlsx"
    rows = export_list(kind, world.locations, P, "xlsx", out, user="tester", as_of=NOW)
    ws = open_sheet(out)
    assert xlsx_header(ws) == list(FINDING_HEADERS)
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref.startswith("A2:")
    lists = [v for v in _validations(ws) if v.type == "list"]
    assert len(lists) == 1
    assert str(lists[0].sqref) == _column_range(ws, "处置结果", rows)
    assert lists[0].formula1 == '"' + ",".join(outcomes) + '"'
    assert len(lists[0].formula1) - 2 < 255
    dates = [v for v in _validations(ws) if v.type == "date"]
    assert len(dates) == 1 and str(dates[0].sqref) == _column_range(ws, "核查日期", rows)
    checked = [c for c in column_cells(ws, "核查日期") if c.value is not None]
    assert len(checked) == 1
    assert checked[0].is_date and checked[0].value.date() == dt.date(2026, 11, 4)
    assert checked[0].number_format == "yyyy-mm-dd"
    issued = [c for c in column_cells(ws, "下发日期")]
    assert all(c.is_date for c in issued) and len(issued) == rows
    # the officer's columns stay editable (unlocked even if the sheet is protected); the others do not
    for header in ("核查日期", "处置结果", "处置说明"):
        assert all(c.protection.locked is False for c in column_cells(ws, header)), header
    assert all(c.protection.locked is not False for c in column_cells(ws, "预警编号"))
    assert all(c.data_type == "s" for c in column_cells(ws, "预警编号"))


def test_csv_dates_are_text(world, tmp_path):
    out = tmp_path / "w.csv"
    export_list("warnings", world.locations, P, "csv", out, as_of=NOW)
    assert out.read_bytes().startswith(BOM)
    rows = {r["预警编号"]: r for r in read_csv(out).iter_rows(named=True)}
    assert rows[W04]["下发日期"] == "2026-10-05" and rows[W04]["处置期限"] == "2026-10-08"
    assert rows[W04]["处置状态"] == "已超期" and rows[W04]["核查日期"] is None


def _fill_csv(path: Path, answers: dict[str, tuple[str, str, str]]) -> bytes:
    """The exported CSV with the three officer columns filled in for some rows (as an officer would)."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for row in rows:
        if row["预警编号"] in answers:
            row["核查日期"], row["处置结果"], row["处置说明"] = answers[row["预警编号"]]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_csv_round_trip(world, tmp_path):
    out = tmp_path / "w.csv"
    export_list("warnings", world.locations, P, "csv", out, as_of=NOW)
    filled = _fill_csv(out, {W04: ("2026/11/5", "已给予临时救助", ""), W05: ("2026-11-06", "其他", "家属已接回照料")})
    entries = read_returned("w.csv", filled)
    assert len(entries) == 4 and [e.row for e in entries] == [2, 3, 4, 5]
    result = record(world.store, ADMIN, entries, as_of=NOW, file_name="w.csv", file_bytes=filled)
    assert (len(result.recorded), len(result.unchanged), len(result.refused), result.empty) == (2, 0, 0, 2)
    # the same file again: nothing new
    again = record(world.store, ADMIN, read_returned("w.csv", filled), as_of=NOW, file_name="w.csv", file_bytes=filled)
    assert (len(again.recorded), len(again.unchanged), len(again.refused)) == (0, 2, 0)
    # a new export is pre-filled with the latest records: sent back as it is, it is unchanged
    export_list("warnings", world.locations, P, "csv", out, as_of=NOW + dt.timedelta(minutes=5))
    rows = {r["预警编号"]: r for r in read_csv(out).iter_rows(named=True)}
    assert (rows[W04]["处置状态"], rows[W04]["核查日期"], rows[W04]["处置结果"]) == (
        "已处置",
        "2026-11-05",
        "已给予临时救助",
    )
    resent = out.read_bytes()
    third = record(world.store, ADMIN, read_returned("w.csv", resent), as_of=NOW + dt.timedelta(minutes=6))
    assert (len(third.recorded), len(third.unchanged), third.empty) == (0, 2, 2)


def test_xlsx_round_trip(world, tmp_path):
    out = tmp_path / "v.xlsx"
    export_list("verifications", world.locations, P, "xlsx", out, user="tester", as_of=NOW)
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    header = xlsx_header(ws)
    for row in xlsx_rows(ws):
        if row[header.index("预警编号")].value == V04:
            row[header.index("核查日期")].value = dt.datetime(2026, 11, 2)  # a date cell, as Excel stores it
            row[header.index("处置结果")].value = "已停发并追回资金"
            row[header.index("处置说明")].value = "追回两个月"
    filled = io.BytesIO()
    wb.save(filled)
    entries = read_returned("v.xlsx", filled.getvalue())
    assert [e.row for e in entries] == [3, 4]  # the export line is row 1, the header row 2
    v04 = next(e for e in entries if e.warning_id == V04)
    assert v04.checked_on == dt.date(2026, 11, 2) and v04.first_period == P_PREV
    result = record(world.store, ADMIN, entries, as_of=NOW)
    assert (len(result.recorded), len(result.refused), result.empty) == (1, 0, 1)
    row = by_id(read_list("verifications", world.locations, P, as_of=NOW).frame)[V04]
    assert (row["处置状态"], row["处置结果"]) == ("已处置", "已停发并追回资金")


# --- the case export -----------------------------------------------------------------------------------


def test_case_export_columns_and_status(world):
    record(world.store, ADMIN, [Entry(W04, P_PREV, dt.date(2026, 10, 20), "已给予临时救助", None)], as_of=NOW)
    exported = read_cases(world.locations, as_of=NOW + dt.timedelta(hours=1))
    frame = exported.frame
    assert frame.columns == list(CASE_HEADERS)
    assert frame.height == 7  # every case, the one that ended in 2026-09 too
    rows = {(r["预警编号"], r["首次预警期"]): r for r in frame.iter_rows(named=True)}
    w04 = rows[(W04, P_PREV)]
    assert (w04["处置状态"], w04["处置时效"], w04["记录数"], w04["最近记录人"]) == ("已处置", "超期处置", 1, "admin")
    assert w04["最近记录时间"] == "2026-11-08 10:00"  # Beijing time
    assert w04["类型"] == "预警" and w04["预警等级"] == "红" and w04["县区"] == "岱岳区"
    assert rows[(W02, P_PREV)]["处置状态"] == "已消除"
    assert rows[(W02, P)]["处置状态"] == "待处置" and rows[(W02, P)]["处置时效"] is None
    assert all(r["复核到期"] is None for r in rows.values())
    assert frame["类型"].to_list()[:5] == ["预警"] * 5 and frame["类型"].to_list()[5:] == ["核查"] * 2
    assert exported.kinds[:5] == ("warning",) * 5
    assert all(len(v) == 18 and v[6:14] == "*" * 8 for v in frame["身份证号"].to_list())


def test_case_export_filters(world):
    assert read_cases(world.locations, period=P_PREV, as_of=NOW).frame.height == 3  # W02, W04, V04 of 2026-09
    assert read_cases(world.locations, period=P, as_of=NOW).frame.height == 6  # all but W02's first case
    county = read_cases(world.locations, county="370902", as_of=NOW).frame
    assert county.height == 3 and set(county["县区"].to_list()) == {"泰山区"}
    before = read_cases(world.locations, as_of=ISSUED - dt.timedelta(days=1)).frame  # not yet issued: left out
    assert before.height == 3


def test_case_export_files_and_log(world, tmp_path, audit_log):
    out = tmp_path / "cases.xlsx"
    rows = export_cases(world.locations, "xlsx", out, as_of=NOW, user="tester")
    ws = open_sheet(out)
    assert xlsx_header(ws) == list(CASE_HEADERS) and len(xlsx_rows(ws)) == rows == 7
    assert "截至=2026-11-08 10:00" in ws["A1"].value
    lists = sorted((str(v.sqref), v.formula1) for v in _validations(ws) if v.type == "list")
    letter = ws.cell(row=2, column=CASE_HEADERS.index("处置结果") + 1).column_letter
    assert lists == [
        (f"{letter}3:{letter}7", '"' + ",".join(WARNING_OUTCOMES) + '"'),
        (f"{letter}8:{letter}9", '"' + ",".join(VERIFICATION_OUTCOMES) + '"'),
    ]
    assert not has_full_id(out)
    csv_out = tmp_path / "cases.csv"
    export_cases(world.locations, "csv", csv_out, as_of=NOW, unmasked=True, user="tester")
    assert csv_out.read_bytes().startswith(BOM) and has_full_id(csv_out)
    log = read_downloads(audit_log)
    assert [(e["list"], e["masked"], e["rows"], e["format"]) for e in log] == [
        ("cases", True, 7, "xlsx"),
        ("cases", False, 7, "csv"),
    ]


def test_case_export_needs_the_case_mart(locations, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(tmp_path / "feedback.sqlite"))
    with pytest.raises(ExportError, match="fct_cases"):
        read_cases(locations)
