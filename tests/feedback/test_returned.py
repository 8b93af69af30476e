"""Reading a returned list (pipelines/feedback/returned.py): XLSX and CSV as officers send them back.
PYTEST_DONT_REWRITE (failures never show a cell's value)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import xlsxwriter

from pipelines.feedback.record import read_date
from pipelines.feedback.returned import MAX_ROWS, ReturnedFileError, read_returned

HEADER = ["统计期", "预警编号", "规则编号", "首次预警期", "处置状态", "核查日期", "处置结果", "处置说明"]
ROWS = [
    ["2026-10", "W04-111111111111", "W04", "2026-09", "已超期", "2026-11-05", "已给予临时救助", ""],
    ["2026-10", "W05-222222222222", "W05", "2026-10", "待处置", "", "", ""],
    ["2026-10", "W01-333333333333", "W01", "2026-10", "待处置", "2026年11月6日", "其他", "说明, 含逗号"],
]


def csv_bytes(rows, encoding="utf-8-sig", delimiter=",", above: list[str] | None = None) -> bytes:
    lines = [] if above is None else [delimiter.join(above)]
    for row in rows:
        lines.append(delimiter.join(f'"{c}"' if (delimiter in c or '"' in c) else c for c in row))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(write) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = workbook.add_worksheet("预警名单")
    write(workbook, ws)
    workbook.close()
    return buffer.getvalue()


def _summary(entries):
    return [(e.row, e.warning_id, e.first_period, e.checked_on, e.outcome, e.note) for e in entries]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_csv_encodings_and_delimiters(encoding, delimiter):
    entries = read_returned("returned.csv", csv_bytes([HEADER, *ROWS], encoding, delimiter))
    assert _summary(entries) == [
        (2, "W04-111111111111", "2026-09", "2026-11-05", "已给予临时救助", None),
        (3, "W05-222222222222", "2026-10", None, None, None),
        (4, "W01-333333333333", "2026-10", "2026年11月6日", "其他", "说明, 含逗号"),
    ]
    assert entries[1].is_empty
    assert read_date(entries[2].checked_on) == dt.date(2026, 11, 6)  # text kept as typed, record reads it


def test_csv_export_line_blank_rows_and_column_order():
    """An export line above the header, columns in another order, blank rows: row numbers as Excel shows."""
    header = ["处置说明", "处置结果", "核查日期", "首次预警期", "预警编号"]
    rows = [header, ["", "已纳入低保", "2026/11/3", "2026/9", "W04-111111111111"], ["", "", "", "", ""], ["x"] * 0]
    rows.append(["补记", "其他", "2026.11.4", "2026年10月", "W05-222222222222"])
    entries = read_returned("r.csv", csv_bytes(rows, above=["导出人: tester  导出时间: 2026-11-08 10:00"]))
    assert _summary(entries) == [
        (3, "W04-111111111111", "2026-09", "2026/11/3", "已纳入低保", None),
        (6, "W05-222222222222", "2026-10", "2026.11.4", "其他", "补记"),
    ]


def test_csv_record_over_two_lines_is_one_row():
    rows = [HEADER, ["2026-10", "W04-111111111111", "W04", "2026-09", "", "2026-11-05", "其他", "第一行\n第二行"]]
    rows.append(ROWS[1])
    text = "\r\n".join(",".join(f'"{c}"' for c in r) for r in rows).encode("utf-8")
    entries = read_returned("r.csv", text)
    assert [e.row for e in entries] == [2, 3] and entries[0].note == "第一行\n第二行"


def test_xlsx_with_date_cells_and_export_line():
    def write(workbook, ws):
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_string(0, 0, "导出人: tester  导出时间: 2026-11-08 10:00  条件: 统计期=2026-10")
        for col, name in enumerate(HEADER):
            ws.write_string(1, col, name)
        ws.write_row(2, 0, ["2026-10", "W04-111111111111", "W04", "2026-09", "已超期"])
        ws.write_datetime(2, 5, dt.date(2026, 11, 5), date)
        ws.write_string(2, 6, "已给予临时救助")
        ws.write_row(3, 0, ["2026-10", "W05-222222222222", "W05"])
        ws.write_datetime(3, 3, dt.datetime(2026, 10, 1), workbook.add_format({"num_format": "yyyy/m"}))
        ws.write_string(3, 5, "2026/11/7")  # typed as text: kept as typed
        ws.write_string(3, 6, "其他")
        ws.write_number(3, 7, 12)  # a number typed into 说明
        ws.write_row(5, 0, ["2026-10", "W01-333333333333", "W01", "2026-10"])

    entries = read_returned("returned.xlsx", xlsx_bytes(write))
    assert _summary(entries) == [
        (3, "W04-111111111111", "2026-09", dt.date(2026, 11, 5), "已给予临时救助", None),
        (4, "W05-222222222222", "2026-10", "2026/11/7", "其他", "12"),
        (6, "W01-333333333333", "2026-10", None, None, None),
    ]


@pytest.mark.parametrize("missing", ["预警编号", "首次预警期"])
def test_missing_required_header_is_named(missing):
    header = [h for h in HEADER if h != missing]
    rows = [header, [c for h, c in zip(HEADER, ROWS[0], strict=True) if h != missing]]
    with pytest.raises(ReturnedFileError, match=missing) as caught:
        read_returned("r.csv", csv_bytes(rows))
    assert isinstance(caught.value, ValueError)
    assert "W04-111111111111" not in str(caught.value)  # the message never echoes a cell


def test_no_officer_column_is_refused():
    with pytest.raises(ReturnedFileError, match="核查日期"):
        read_returned("r.csv", csv_bytes([["预警编号", "首次预警期"], ["W04-111111111111", "2026-09"]]))


def test_too_large_or_too_many_rows_or_unreadable():
    with pytest.raises(ReturnedFileError, match="20 MB"):
        read_returned("big.csv", b"a" * (20 * 1024 * 1024 + 1))
    rows = [["预警编号", "首次预警期", "处置结果"]] + [["W04-111111111111", "2026-09", ""]] * (MAX_ROWS + 1)
    with pytest.raises(ReturnedFileError, match="200"):
        read_returned("long.csv", csv_bytes(rows))

    def far(workbook, ws):
        ws.write_row(0, 0, ["预警编号", "首次预警期", "处置结果"])
        ws.write_string(MAX_ROWS + 20, 0, "W04-111111111111")

    with pytest.raises(ReturnedFileError, match="200"):
        read_returned("long.xlsx", xlsx_bytes(far))
    with pytest.raises(ReturnedFileError):
        read_returned("broken.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(ReturnedFileError):
        read_returned("empty.csv", b"")
    with pytest.raises(ReturnedFileError, match="预警编号"):
        read_returned("other.csv", csv_bytes([["a", "b"], ["1", "2"]]))
