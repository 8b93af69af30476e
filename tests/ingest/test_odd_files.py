"""Files offices really send, Excel error cells, and bounded work per file (extracts.md, "Odd files,
bounded work"). Every file is written by the test and ingested through the real path; asserts are on
counts, codes, columns, row numbers and the raw values a user checks (never an id or a name)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from pipelines.ingest import excel_cells, html_table
from pipelines.ingest import read as R
from pipelines.ingest.load import ingest_table_period
from pipelines.ingest.read import read_file
from pipelines.ingest.sniff import MAX_LINE_BYTES, Unreadable, check_line_length
from pipelines.ingest.workers import WORKERS_ENV
from tests.ingest.helpers import (
    HEADERS,
    PERIOD,
    Err,
    h,
    make_id,
    make_row,
    table_dir,
    write_csv,
    write_xls,
    write_xlsx_xlsxwriter,
)

LINE_OVER = "一行超过 1 MB (line over 1 MB)"
COLUMNS_OVER = "前10行超过500个非空列 (over 500 non-empty columns in the first 10 rows)"
ENCRYPTED = "文件有密码保护 (password-protected workbook)"


def q(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


def files(con):
    """(file name, status, reason, read, loaded, quarantined, duplicate, footer/blank) per file."""
    return [
        (Path(r[0]).name, *r[1:])
        for r in q(
            con,
            "SELECT file, status, reason, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
            "rows_footer_blank FROM raw.files ORDER BY file",
        )
    ]


def quarantine(con):
    """(file name, row, reason, column, raw value) per quarantine row."""
    return [
        (Path(r[0]).name, *r[1:])
        for r in q(
            con,
            "SELECT file, row_number, reason, column_name, raw_value FROM raw.quarantine ORDER BY file, row_number",
        )
    ]


def reconcile(res):
    for f in res.files:
        assert f.rows_read == f.loaded + f.quarantined + f.duplicate + f.footer_blank, f.file


def text_file(path: Path, rows: list[list], delimiter: str, encoding: str, bom: bytes = b"") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(bom + buf.getvalue().encode(encoding))
    return path


def dibao_rows() -> list[list]:
    """A title row, the header, two good rows and one with an unknown 状态 (row 5)."""
    return [
        ["低保对象名册"],
        list(HEADERS["dibao"]),
        make_row("dibao", 1),
        make_row("dibao", 2, household_id="H2", monthly_benefit="1,200.00"),
        make_row("dibao", 3, status="暂停"),
    ]


# ------------------------------------------------------------------------------------------------------
# 4. Files offices really send
# ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16_unicode_text(dataset, con, encoding, bom):
    """Excel's "Unicode 文本": UTF-16 with a BOM, tab-delimited, CRLF; read like any CSV."""
    text_file(table_dir(dataset, "dibao", PERIOD) / "dibao.csv", dibao_rows(), "\t", encoding, bom)
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert files(con) == [("dibao.csv", "loaded", None, 3, 2, 1, 0, 0)]
    assert quarantine(con) == [("dibao.csv", 5, "enum_value", "状态", "暂停")]
    assert q(con, "SELECT source_row, monthly_benefit FROM raw.dibao ORDER BY 1") == [
        (3, Decimal("100.00")),
        (4, Decimal("1200.00")),  # the thousands separator is no delimiter in a tab file
    ]
    assert read_file(table_dir(dataset, "dibao", PERIOD) / "dibao.csv").encoding == encoding


def test_semicolon_and_tab_delimited(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    text_file(d / "dibao_a.csv", dibao_rows(), ";", "gb18030")
    text_file(d / "dibao_b.csv", [[v.replace("H", "B") for v in r] for r in dibao_rows()], "\t", "utf-8")
    # a tab file without 审批日期: the tab finds the most columns, so the report names the one missing
    rows = [[v for j, v in enumerate(r) if j != 10] for r in dibao_rows()]
    text_file(d / "dibao_c.csv", rows, "\t", "utf-8")
    # a comma file without every column still names the columns it lacks
    write_csv(d / "dibao_d.csv", [r[:-1] for r in dibao_rows()])
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert files(con) == [
        ("dibao_a.csv", "loaded", None, 3, 2, 1, 0, 0),
        ("dibao_b.csv", "loaded", None, 3, 2, 1, 0, 0),
        ("dibao_c.csv", "rejected", "missing_columns", 0, 0, 0, 0, 0),
        ("dibao_d.csv", "rejected", "missing_columns", 0, 0, 0, 0, 0),
    ]
    assert quarantine(con) == [
        ("dibao_a.csv", 5, "enum_value", "状态", "暂停"),
        ("dibao_b.csv", 5, "enum_value", "状态", "暂停"),
        ("dibao_c.csv", None, "missing_columns", None, "审批日期"),
        ("dibao_d.csv", None, "missing_columns", None, "状态"),
    ]
    assert q(con, "SELECT sum(monthly_benefit) FROM raw.dibao") == [(Decimal("2600.00"),)]


def test_read_file_without_a_table_takes_the_widest_split(tmp_path):
    p = text_file(tmp_path / "x.csv", [["a", "b,c", "d"], ["1", "2", "3"]], "\t", "utf-8")
    s = read_file(p)
    assert (s.delimiter, s.width, s.frame["c1"].to_list()) == ("\t", 3, ["b,c", "2"])


HTML = """<html><head>{meta}<title>导出</title><style>td {{ mso-number-format: "\\@"; }}</style></head>
<body><table border="1">
<tr><td colspan="13">低保对象名册</td></tr>
<tr><td>制表单位：某某街道</td></tr>
<tr>{header}</tr>
<tr>{row4}</tr>
<tr>
  {row5}
</tr>
<tr></tr>
<tr>{row7}</tr>
<tr><td></td><td>合计：2人</td></tr>
</table>
<table><tr><td>另一张表</td></tr></table></body></html>"""


def _cells(values, tag="td") -> str:
    return "".join(f"<{tag}>{v}</{tag}>" for v in values)


@pytest.mark.parametrize(
    "encoding,meta,piece",
    [("gbk", '<meta charset="gbk">', None), ("utf-8", "", None), ("utf-8", "", 37)],
    ids=["gbk-meta", "utf-8", "fed-in-37-character-pieces"],
)
def test_html_table_saved_as_xls(dataset, con, monkeypatch, encoding, meta, piece):
    if piece:  # the parser is fed piece by piece: tags, entities and rows cut between pieces
        monkeypatch.setattr(html_table, "PIECE_CHARS", piece)
    header = list(HEADERS["dibao"]) + ["备注"]
    header[3] = "身份证<br>号码"  # an alias broken over two lines
    header[8] = "家庭月人均收入&#xFF08;元&#xFF09;"  # full-width brackets as entities
    row4 = make_row("dibao", 1, monthly_benefit="&yen;1,200.00") + ["A &amp; B"]
    row4[3] = f"&nbsp;{row4[3]}&nbsp;"
    row5 = make_row("dibao", 2, household_id="H2", approval_date="2026年3月5日") + [""]
    row7 = make_row("dibao", 3, household_id="H3", approval_date="25-1-5") + [""]
    page = HTML.format(meta=meta, header=_cells(header, "th"), row4=_cells(row4), row5=_cells(row5), row7=_cells(row7))
    (table_dir(dataset, "dibao", PERIOD) / "dibao.xls").write_bytes(page.encode(encoding))
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    # rows 4-9 read: 2 loaded, row 7 quarantined, the empty <tr> and the 合计 row counted
    assert files(con) == [("dibao.xls", "loaded", None, 5, 2, 1, 0, 2)]
    assert quarantine(con) == [("dibao.xls", 7, "date_format", "审批日期", "25-1-5")]
    assert q(con, "SELECT extra_columns FROM raw.files") == [(["备注"],)]
    got = q(con, "SELECT source_row, person_id, monthly_benefit, approval_date FROM raw.dibao ORDER BY 1")
    assert [(r, h(p), m, d) for r, p, m, d in got] == [
        (4, h(make_id(1)), Decimal("1200.00"), dt.date(2026, 3, 5)),
        (5, h(make_id(2)), Decimal("100.00"), dt.date(2026, 3, 5)),
    ]
    sheet = read_file(table_dir(dataset, "dibao", PERIOD) / "dibao.xls")
    assert sheet.fmt == "html" and sheet.frame.height == 8  # the second table is not read
    assert sheet.frame.row(2, named=True)["c3"] == "身份证\n号码"
    assert sheet.frame.row(3, named=True)["c12"] == "A & B"
    assert sheet.frame.row(0, named=True)["c12"] == ""  # colspan="13": the title's columns stay empty


ODD_PAGE = """<html><body><p>导出</p><table><caption>名册</caption>
<td>loose a</td><th>loose&nbsp;b</th>
<tbody><tr><td colspan="3">title</td><td>x  y</td></tr>
<tr><td>a<table><tr><td>n1</td><td>n2</td></tr></table>tail<script>no</script><b> bold </b>end</td><td>1<br/>2</td></tr>
<td>after</td></tbody></table><table><tr><td>second</td></tr></table></body></html>"""


def _rows(data: bytes) -> list[list[str]]:
    return [r for rows in html_table.iter_html_rows(data) for r in rows]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_html_rows_do_not_depend_on_the_pieces(monkeypatch, encoding):
    """Cells outside a <tr> make a row of their own; colspan, nested tables, <br>, script: whatever the pieces
    the page is fed in (a tag, an entity or "colspan" cut between them)."""
    data = ODD_PAGE.encode(encoding)  # "utf-16" writes its BOM
    whole = _rows(data)
    assert whole == [
        ["loose a", "loose\xa0b"],
        ["title", "", "", "x y"],
        ["an1n2tail bold end", "1\n2"],
        ["after"],
    ]
    for piece in (1, 3, 7, 64):
        monkeypatch.setattr(html_table, "PIECE_CHARS", piece)
        assert _rows(data) == whole, piece


def test_html_bounds(dataset, con):
    """A tag with over 200 attributes (libxml2 compares them pairwise) and elements nested deeper than
    libxml2 follows are file_unreadable: the page is not read, rather than read for hours or in part."""
    d = table_dir(dataset, "dibao", PERIOD)
    head = "".join(f"<th>{v}</th>" for v in HEADERS["dibao"])
    rows = "".join(f"<tr>{_cells(make_row('dibao', i, household_id=f'H{i}'))}</tr>" for i in (1, 2))

    def attrs(n: int) -> str:
        return " ".join(f"a{i}" for i in range(n))

    (d / "dibao_a.xls").write_text(f"<table><tr {attrs(200)}>{head}</tr>{rows}</table>", encoding="utf-8")
    (d / "dibao_b.xls").write_text(f"<table><tr {attrs(201)}>{head}</tr>{rows}</table>", encoding="utf-8")
    deep = "<div>" * 3000 + "x" + "</div>" * 3000
    (d / "dibao_c.xls").write_text(f"<table><tr>{head}</tr>{rows}<tr><td>{deep}</td></tr>{rows}</table>", "utf-8")
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert [f[:5] for f in files(con)] == [
        ("dibao_a.xls", "loaded", None, 2, 2),
        ("dibao_b.xls", "rejected", "file_unreadable", 0, 0),
        ("dibao_c.xls", "rejected", "file_unreadable", 0, 0),
    ]
    assert [r[4] for r in quarantine(con)] == [html_table.TOO_MANY_ATTRIBUTES, html_table.UNPARSABLE]


def _encrypt(data: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("1234", out)
    return out.getvalue()


def _xls_with_filepass(path: Path) -> Path:
    """A legacy xls whose globals hold a FILEPASS record (RC4), as Excel writes a workbook with a password:
    xlwt's WRITEACCESS record (same length) becomes one."""
    import olefile

    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        book = ole.openstream("Workbook").read()
        i = book.find(b"\x5c\x00\x70\x00")
        ole.write_stream("Workbook", book[:i] + b"\x2f\x00\x70\x00\x01\x00" + book[i + 6 :])
    return path


def test_encrypted_workbooks_are_rejected_whole(dataset, con, tmp_path):
    d = table_dir(dataset, "dibao", PERIOD)
    plain = tmp_path / "plain.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    for r in dibao_rows():
        wb.active.append(r)
    wb.save(plain)
    locked = _encrypt(plain.read_bytes())
    assert locked[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2, whatever the name says
    (d / "dibao_1.xlsx").write_bytes(locked)
    (d / "dibao_2.xls").write_bytes(locked)
    _xls_with_filepass(write_xls(d / "dibao_3.xls", dibao_rows()))
    write_csv(d / "dibao_4.csv", dibao_rows())
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert files(con) == [
        ("dibao_1.xlsx", "rejected", "file_encrypted", 0, 0, 0, 0, 0),
        ("dibao_2.xls", "rejected", "file_encrypted", 0, 0, 0, 0, 0),
        ("dibao_3.xls", "rejected", "file_encrypted", 0, 0, 0, 0, 0),
        ("dibao_4.csv", "loaded", None, 3, 2, 1, 0, 0),
    ]
    assert quarantine(con)[:3] == [(f, None, "file_encrypted", None, ENCRYPTED) for f, *_ in files(con)[:3]]
    assert res.reasons == {"file_encrypted": 3, "enum_value": 1}


# ------------------------------------------------------------------------------------------------------
# 3. Excel error cells
# ------------------------------------------------------------------------------------------------------
XLS_ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D, "#NUM!": 0x24}
XLS_ERROR_CODES["#N/A"] = 0x2A


def error_rows() -> list[list]:
    legacy = make_id(8)[:6] + make_id(8)[8:17]  # a 15-digit numeric id: the id column has numeric cells
    return [
        ["低保对象名册"],  # 1
        list(HEADERS["dibao"]),  # 2
        make_row("dibao", 1),  # 3 ok
        make_row("dibao", 2, monthly_benefit=Err("#VALUE!")),  # 4 amount_format
        make_row("dibao", 3, approval_date=Err("#N/A")),  # 5 date_format
        make_row("dibao", 4, person_id=Err("#REF!")),  # 6 id_format, not id_mangled
        make_row("dibao", 5, status=Err("#NAME?")),  # 7 enum_value
        make_row("dibao", 6, region_code=Err("#DIV/0!")),  # 8 region_unknown
        make_row("dibao", 7, household_size=Err("#NUM!")),  # 9 integer_format
        make_row("dibao", 8, person_id=int(legacy), household_size=2, approval_date=dt.date(2026, 3, 5)),  # 10 ok
        make_row("dibao", 9, monthly_income_per_capita=Err("#NULL!"), monthly_benefit=300),  # 11 amount_format
        make_row("dibao", 10, name=Err("#VALUE!"), person_id=Err("#N/A")),  # 12 id_format (姓名 is any text)
    ]


EXPECTED_ERRORS = [
    (4, "amount_format", "月保障金(元)", "#VALUE!"),
    (5, "date_format", "审批日期", "#N/A"),
    (6, "id_format", "身份证号", "#REF!"),
    (7, "enum_value", "状态", "#NAME?"),
    (8, "region_unknown", "行政区划代码", "#DIV/0!"),
    (9, "integer_format", "保障人口数", "#NUM!"),
    (11, "amount_format", "家庭月人均收入(元)", "#NULL!"),
    (12, "id_format", "身份证号", "#N/A"),
]


def _write_errors_openpyxl(path: Path, rows: list[list]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for i, r in enumerate(rows, start=1):
        for j, v in enumerate(r, start=1):
            if v == "":
                continue
            cell = ws.cell(i, j, str(v) if isinstance(v, Err) else v)
            if isinstance(v, Err):
                cell.data_type = "e"  # <c t="e"><v>#REF!</v></c>
    wb.save(path)


def _write_errors_xls(path: Path, rows: list[list]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    datefmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, Err):  # a BOOLERR record with its error flag
                ws.row(i).set_cell_error(j, XLS_ERROR_CODES[v])
            elif isinstance(v, dt.date):
                ws.write(i, j, v, datefmt)
            elif v != "":
                ws.write(i, j, v)
    wb.save(str(path))


@pytest.mark.parametrize(
    "name,writer",
    [
        ("dibao.xlsx", write_xlsx_xlsxwriter),
        ("dibao.xlsx", _write_errors_openpyxl),
        ("dibao.xls", _write_errors_xls),
    ],
    ids=["xlsxwriter-formula", "openpyxl-error-cell", "xls-boolerr"],
)
def test_error_cells_fail_their_column_check(dataset, con, name, writer):
    writer(table_dir(dataset, "dibao", PERIOD) / name, error_rows())
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert files(con) == [(name, "loaded", None, 10, 2, 8, 0, 0)]
    assert [r[1:] for r in quarantine(con)] == EXPECTED_ERRORS
    assert "value_missing" not in res.reasons and "id_mangled" not in res.reasons
    assert q(con, "SELECT source_row FROM raw.dibao ORDER BY 1") == [(3,), (10,)]


def test_workbook_without_error_cells_is_not_parsed_again(tmp_path, monkeypatch):
    """The byte search decides: a sheet without `t="e"` never reaches the XML parser."""
    p = tmp_path / "x.xlsx"
    write_xlsx_xlsxwriter(p, [list(HEADERS["dibao"]), make_row("dibao", 1)])
    monkeypatch.setattr(excel_cells, "_xlsx_errors", lambda *a: pytest.fail("parsed without error cells"))
    assert read_file(p).frame.height == 2


# ------------------------------------------------------------------------------------------------------
# 5. Bounded work per file
# ------------------------------------------------------------------------------------------------------
def test_text_line_over_1_mb(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    head = list(HEADERS["dibao"]) + ["备注"]

    def with_line_of(n: int, encoding: str = "utf-8") -> list[list]:
        row = make_row("dibao", 1)
        width = len((",".join(row) + ",").encode(encoding)) // (2 if encoding.startswith("utf-16") else 1)
        return [head, row + ["x" * (n - width)], make_row("dibao", 2, household_id="H2") + [""]]

    write_csv(d / "dibao_a.csv", with_line_of(MAX_LINE_BYTES))  # exactly 1 MB: read
    write_csv(d / "dibao_b.csv", with_line_of(MAX_LINE_BYTES + 1))  # one byte more: not read
    text_file(d / "dibao_c.csv", with_line_of(MAX_LINE_BYTES // 2 + 1, "utf-16-le"), ",", "utf-16-le", b"\xff\xfe")
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert files(con) == [
        ("dibao_a.csv", "loaded", None, 2, 2, 0, 0, 0),
        ("dibao_b.csv", "rejected", "file_unreadable", 0, 0, 0, 0, 0),
        ("dibao_c.csv", "rejected", "file_unreadable", 0, 0, 0, 0, 0),
    ]
    assert quarantine(con) == [
        ("dibao_b.csv", None, "file_unreadable", None, LINE_OVER),
        ("dibao_c.csv", None, "file_unreadable", None, LINE_OVER),
    ]


@pytest.mark.parametrize(
    "text,too_long",
    [
        ("a" * 10, False),
        ("a" * 11, False),  # a file shorter than a block has no line to measure beyond it
        ("a" * 21, True),
        ("x\n" + "a" * 21 + "\r\n", True),
        ("a" * 20 + "\r" + "a" * 20, False),  # CR alone ends a line too
        ("b" * 5 + "\n" + "a" * 20 + "\n" + "c" * 20, False),
        ("b" * 5 + "\n" + "c" * 20 + "\n" + "a" * 21, True),  # the last line, without a line break
    ],
)
def test_line_length_bound(text, too_long):
    for data in (text, text.encode()):
        if too_long:
            with pytest.raises(Unreadable):
                check_line_length(data, 20)
        else:
            check_line_length(data, 20)


def test_over_500_non_empty_columns_in_the_first_10_rows(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    header = list(HEADERS["dibao"])

    def extra(n: int) -> list[str]:
        return [f"备注{i}" for i in range(n)]

    write_csv(d / "dibao_a.csv", [header + extra(488), make_row("dibao", 1)])  # 500: read
    write_csv(d / "dibao_b.csv", [header + extra(489), make_row("dibao", 1)])  # 501: not read
    # 600 empty columns are no non-empty columns
    write_csv(d / "dibao_c.csv", [["名册"] + [""] * 600, header, make_row("dibao", 1)])
    write_xlsx_xlsxwriter(d / "dibao_d.xlsx", [["标题"] + extra(500), header, make_row("dibao", 1)])
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert [f[:5] for f in files(con)] == [
        ("dibao_a.csv", "loaded", None, 1, 1),
        ("dibao_b.csv", "rejected", "file_unreadable", 0, 0),
        ("dibao_c.csv", "loaded", None, 1, 0),  # the same row as dibao_a.csv: a duplicate
        ("dibao_d.xlsx", "rejected", "file_unreadable", 0, 0),
    ]
    assert [r[4] for r in quarantine(con)] == [COLUMNS_OVER, COLUMNS_OVER]


def test_text_over_the_cell_bound(dataset, con, monkeypatch):
    monkeypatch.setattr(R, "MAX_TEXT_CELLS", 12 * 5)
    monkeypatch.setenv(WORKERS_ENV, "1")  # the bound is patched in this process only
    d = table_dir(dataset, "dibao", PERIOD)
    write_csv(d / "dibao_a.csv", [list(HEADERS["dibao"])] + [make_row("dibao", i) for i in range(1, 5)])  # 60
    write_csv(d / "dibao_b.csv", [list(HEADERS["dibao"])] + [make_row("dibao", i) for i in range(1, 6)])  # 72
    # the csv-module path (CR line breaks) counts as it reads
    rows = [list(HEADERS["dibao"])] + [make_row("dibao", i) for i in range(1, 6)]
    (d / "dibao_c.csv").write_text("\r".join(",".join(r) for r in rows), encoding="utf-8")
    ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    assert [f[1:3] for f in files(con)] == [
        ("loaded", None),
        ("rejected", "file_unreadable"),
        ("rejected", "file_unreadable"),
    ]
    assert [r[4] for r in quarantine(con)] == ["超过 60 个单元格 (over 60 cells)"] * 2


def _formatted_to_xfd1048576(path: Path, rows: list[list], empty_text_cell: bool = False) -> Path:
    """Every column and the last row styled, a styled blank at XFD1048576 (`<dimension ref=
    "A1:XFD1048576"/>`); optionally that cell holding empty text, as some exporters write a formatted blank."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    fmt = wb.add_format({"bold": True})
    ws.set_column("A:XFD", 10, fmt)
    ws.set_row(1048575, 20, fmt)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v != "":
                ws.write_string(i, j, str(v))
    ws.write_blank(1048575, 16383, None, fmt)
    wb.close()
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    assert b'<dimension ref="A1:XFD1048576"/>' in sheet
    if empty_text_cell:
        members["xl/worksheets/sheet1.xml"] = re.sub(
            rb'<c r="XFD1048576"[^>]*/>', b'<c r="XFD1048576" t="inlineStr"><is><t></t></is></c>', sheet
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in members.items():
                z.writestr(n, data)
    return path


def test_sheet_formatted_to_the_last_cell_is_read_by_its_values(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    rows = [["低保对象名册"], list(HEADERS["dibao"])] + [make_row("dibao", i, household_id=f"H{i}") for i in (1, 2)]
    _formatted_to_xfd1048576(d / "dibao_a.xlsx", rows)
    # calamine alone would allocate 1M x 16K cells for this one (and abort the process)
    _formatted_to_xfd1048576(d / "dibao_b.xlsx", rows, empty_text_cell=True)
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    reconcile(res)
    assert files(con) == [
        ("dibao_a.xlsx", "loaded", None, 2, 2, 0, 0, 0),
        ("dibao_b.xlsx", "loaded", None, 2, 0, 0, 2, 0),
    ]
    sheet = read_file(d / "dibao_b.xlsx")
    assert (sheet.frame.height, sheet.width) == (4, 12)


def test_sheet_values_over_the_cell_bound(dataset, con, monkeypatch):
    """Values spread over more cells than a frame may hold: the sheet is not read (scaled down)."""
    monkeypatch.setattr(excel_cells, "MAX_SHEET_CELLS", 10_000)
    monkeypatch.setenv(WORKERS_ENV, "1")  # the bound is patched in this process only
    d = table_dir(dataset, "dibao", PERIOD)
    rows = [list(HEADERS["dibao"]), make_row("dibao", 1)]
    _formatted_to_xfd1048576(d / "dibao_a.xlsx", rows, empty_text_cell=True)  # 2 x 12 values: read
    far = rows + [[""] * 16383 + ["x"]]  # a value in column XFD: 3 x 16384 cells
    write_xlsx_xlsxwriter(d / "dibao_b.xlsx", far)
    ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    assert [f[1:5] for f in files(con)] == [("loaded", None, 1, 1), ("rejected", "file_unreadable", 0, 0)]
    assert quarantine(con)[0][4] == "工作表超过 10000 个单元格 (sheet over 10000 cells)"


MEASURE = """
import json, resource, sys
from pipelines.ingest.load import run_table_period
_, _, quarantine, _, counts = run_table_period(sys.argv[1], "dibao", sys.argv[2])
print(json.dumps({"max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "status": counts[0].status, "reason": counts[0].reason, "cause": quarantine["raw_value"][0]}))
"""


def test_memory_of_an_8_mb_csv_without_line_breaks(dataset):
    """Ingesting an 8 MB one-line CSV (1.1M fields) in a process of its own stays under 2 GB peak RSS."""
    (table_dir(dataset, "dibao", PERIOD) / "dibao.csv").write_bytes(b"abcdef," * 1_150_000)
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run(
        [sys.executable, "-c", MEASURE, str(dataset), PERIOD], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert p.returncode == 0, p.stderr[-2000:]
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert (got["status"], got["reason"], got["cause"]) == ("rejected", "file_unreadable", LINE_OVER)
    assert got["max_rss_kb"] < 2 * 1024 * 1024, f"peak RSS {got['max_rss_kb'] // 1024} MB"
