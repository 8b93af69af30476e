"""Reading: format by content, encodings, typed Excel cells, row numbers, unreadable files."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from pipelines.ingest.discover import discover, table_for_filename
from pipelines.ingest.read import Unreadable, read_file
from tests.ingest.helpers import make_dataset, write_csv, write_xls, write_xlsx, write_xlsx_xlsxwriter

ROWS = [["标题"], ["a", "b", "c"], ["甲", "1", "2026-03-05"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    p = write_csv(tmp_path / "x.csv", ROWS, encoding)
    s = read_file(p)
    assert s.fmt == "csv"
    assert s.frame["c0"].to_list() == ["标题", "a", "甲"]
    assert s.frame["row"].to_list() == [1, 2, 3]
    assert s.encoding == encoding


def test_csv_multiline_record_and_blank_lines(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text('h1,h2\n"line one\nline two",x\n\ny,z\n', encoding="utf-8")
    s = read_file(p)
    rows = s.frame.select("row", "c0").rows()
    assert rows[0] == (1, "h1")
    assert rows[1][0] == 2
    assert rows[-1] == (5, "y")  # line 4 is blank, its record is empty


def test_xlsx_typed_cells(tmp_path):
    p = write_xlsx_xlsxwriter(
        tmp_path / "x.xlsx",
        [["text", 370902800101123, 3.5, dt.date(2026, 3, 5), 46086, 370902001002, "007"]],
    )
    s = read_file(p)
    assert s.fmt == "xlsx"
    r = s.frame.row(0, named=True)
    assert [r[f"c{i}"] for i in range(7)] == [
        "text",
        "370902800101123",
        "3.5",
        "2026-03-05",
        "46086",
        "370902001002",
        "007",
    ]
    assert s.tag(0) is None and s.tag(6) is None  # all-text columns carry no tags
    assert [r[f"t{i}"] for i in range(1, 6)] == ["n", "n", "d", "n", "n"]


def test_xls_legacy(tmp_path):
    p = write_xls(tmp_path / "x.xls", [["a", "b"], ["甲", 42], ["", dt.date(2026, 3, 5)]])
    s = read_file(p)
    assert s.fmt == "xls"
    assert s.frame["c1"].to_list() == ["b", "42", "2026-03-05"]
    assert s.frame["t1"].to_list() == ["s", "n", "d"]
    assert s.frame["row"].to_list() == [1, 2, 3]


def test_leading_empty_rows_keep_excel_row_numbers(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C4"] = "h"
    ws["C5"] = "v"
    wb.save(tmp_path / "x.xlsx")
    s = read_file(tmp_path / "x.xlsx")
    nonempty = s.frame.filter(s.frame["c2"] != "")
    assert nonempty["row"].to_list() == [4, 5]


def test_wrong_extension(tmp_path):
    a = write_xlsx(tmp_path / "a.xls", ROWS)  # xlsx content named .xls
    assert read_file(a).fmt == "xlsx"
    b = write_csv(tmp_path / "b.xlsx", ROWS)  # csv named .xlsx
    assert read_file(b).fmt == "csv"
    c = write_xls(tmp_path / "c.csv", ROWS)  # xls content named .csv
    assert read_file(c).fmt == "xls"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   \r\n  ",
        b"PK\x03\x04garbage that is no zip",
        bytes(range(256)) * 10,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
    ],
    ids=["empty", "whitespace", "corrupt_zip", "binary", "corrupt_ole2"],
)
def test_unreadable(tmp_path, content):
    p = tmp_path / "x.xlsx"
    p.write_bytes(content)
    with pytest.raises(Unreadable):
        read_file(p)


def test_zip_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(Unreadable):
        read_file(p)


def test_table_for_filename():
    assert table_for_filename("dibao.csv") == "dibao"
    assert table_for_filename("dibao_370902.XLSX") == "dibao"
    assert table_for_filename("dibao2.csv") is None
    assert table_for_filename("disability_cards_x.xls") == "disability_cards"
    assert table_for_filename("disability_subsidies_1.Csv") == "disability_subsidies"
    assert table_for_filename("dibao.txt") is None
    assert table_for_filename("dibao.csv", "disability_federation") is None


def test_discover(tmp_path):
    root = make_dataset(tmp_path)
    for rel in [
        "raw/civil_affairs/2026-03/dibao_b.csv",
        "raw/civil_affairs/2026-03/dibao_a.xlsx",
        "raw/civil_affairs/2026-03/notes.txt",
        "raw/civil_affairs/2026-03/tekun.CSV",
        "raw/civil_affairs/2026-13/dibao.csv",
        "raw/disability_federation/2026-02/disability_cards_370902.xls",
        "raw/other/2026-03/dibao.csv",
    ]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    d = discover(root)
    assert [f.path for f in d.files] == [
        "raw/civil_affairs/2026-03/dibao_a.xlsx",
        "raw/civil_affairs/2026-03/dibao_b.csv",
        "raw/civil_affairs/2026-03/tekun.CSV",
        "raw/disability_federation/2026-02/disability_cards_370902.xls",
    ]
    assert [f.table for f in d.files] == ["dibao", "dibao", "tekun", "disability_cards"]
    assert d.unassigned == [
        "raw/civil_affairs/2026-03/notes.txt",
        "raw/civil_affairs/2026-13/dibao.csv",
        "raw/other/2026-03/dibao.csv",
    ]
    assert d.periods == {"civil_affairs": ["2026-03"], "disability_federation": ["2026-02"]}
    assert d.all_periods == ["2026-02", "2026-03"]


def test_csv_paths_agree(tmp_path):
    """The vectorised CSV paths (no quotes / quotes on single lines) and the csv-module path agree."""
    import csv
    import io

    rows = [["标题"], [], ["a", "b,c", 'd"e', ""], ["1", " 2 ", "", "x"], ["", ""], ["q"]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    text = buf.getvalue()
    p = tmp_path / "q.csv"
    p.write_text(text, encoding="utf-8")
    fast = read_file(p).frame
    p.write_text(text + '"multi\nline",z\r\n', encoding="utf-8")  # forces the csv-module path
    slow = read_file(p).frame
    assert fast.rows() == slow.head(fast.height).select(fast.columns).rows()
    assert slow["row"].to_list()[-1] == 7
    plain = tmp_path / "p.csv"
    plain.write_text("a,b\n\n1,2,3\n", encoding="utf-8")
    f = read_file(plain).frame
    assert f.rows() == [(1, "a", "b", ""), (2, "", "", ""), (3, "1", "2", "3")]


def test_gb18030_four_byte_characters(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("姓名,备注\n龑䶮𠀀,ｘ\n".encode("gb18030"))
    s = read_file(p)
    assert s.encoding == "gb18030"
    assert s.frame["c0"].to_list() == ["姓名", "龑䶮𠀀"]
