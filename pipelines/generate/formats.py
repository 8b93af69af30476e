"""How a clean value is written as a cell, and how a sheet of cells becomes a file.

A cell is a `str` (text), an `int`/`float` (numeric cell, Excel files only), a `datetime.date` /
`datetime.datetime` (date cell, Excel files only) or `None` (empty). Plain renderings are vectorised with
polars; readable variants (extracts.md, the left column) are drawn for a share of cells and rendered per
cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contract.tables import (
    BOOL,
    CARD_NO,
    CHINA_REGION_CODE,
    COUNTY_CODE,
    DATE,
    ENUM,
    INTEGER,
    MONEY,
    MONTH,
    PERSON_ID,
    REGION_CODE,
    REGION_NAME,
    TEXT,
    Column,
)

FULLWIDTH = str.maketrans("0123456789Xx.", "０１２３４５６７８９ＸＸ．")
EXCEL_EPOCH = dt.date(1899, 12, 30)


# ---------------------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------------------
def render_header(col: Column, rng: np.random.Generator, vary: bool) -> str:
    h = col.headers[int(rng.integers(len(col.headers)))] if vary and rng.random() < 0.3 else col.header
    if not vary:
        return h
    r = rng.random()
    if r < 0.12:
        h = h.replace("(", "（").replace(")", "）")
    elif r < 0.2 and len(h) > 2:
        k = int(rng.integers(1, len(h)))
        h = h[:k] + "\n" + h[k:]
    elif r < 0.28 and len(h) > 1:
        k = int(rng.integers(1, len(h)))
        h = h[:k] + rng.choice([" ", "\u3000", "  "]) + h[k:]
    elif r < 0.34:
        h = " " + h + " "
    return h


# ---------------------------------------------------------------------------------------------------
# Plain renderings (vectorised)
# ---------------------------------------------------------------------------------------------------
def plain(col: Column, s: pl.Series) -> pl.Series:
    k = col.kind
    if k in (REGION_CODE, TEXT, PERSON_ID, CARD_NO, REGION_NAME, MONTH, CHINA_REGION_CODE):
        out = s.cast(pl.String)
    elif k == COUNTY_CODE:  # as the departments' systems export it: 6 digits (variants: 12, numeric cells)
        out = s.cast(pl.String).str.slice(0, 6)
    elif k in (ENUM, BOOL):
        inv = {v: lab for lab, v in col.values.items()}
        out = s.replace_strict(inv, return_dtype=pl.String, default=None)
    elif k == INTEGER:
        out = s.cast(pl.Int64).cast(pl.String)
    elif k == MONEY:
        out = s.cast(pl.Decimal(14, 2)).cast(pl.String)
    elif k == DATE:
        out = s.dt.strftime("%Y-%m-%d")
    else:
        raise ValueError(k)
    return out.fill_null("")


# ---------------------------------------------------------------------------------------------------
# Readable variants (per cell, for a drawn share of cells)
# ---------------------------------------------------------------------------------------------------
def _id_variant(pid: str, tail: str, r: int, excel: bool, rng) -> object:
    if r == 0:
        return pid[:6] + " " + pid[6:14] + " " + pid[14:] + tail
    if r == 1:
        return pid[:6] + "\u3000" + pid[6:] + tail
    if r == 2:
        return pid[:10] + "\u00a0" + pid[10:] + tail
    if r == 3:
        return (pid + tail).translate(FULLWIDTH)
    if r == 4 and pid.endswith("X"):
        return pid[:17] + "x" + tail
    if r in (5, 6) and not tail and pid[6:8] == "19":
        old = pid[:6] + pid[8:17]
        return int(old) if (r == 6 and excel) else old
    return "  " + pid + tail + " "


def _money_variant(v: Decimal, r: int, excel: bool) -> object:
    t = f"{v:.2f}"
    if r == 0:
        return "¥" + t
    if r == 1:
        return f"￥{v:,.2f}"
    if r == 2:
        return t + "元"
    if r == 3:
        return t.translate(FULLWIDTH)
    if r == 4 and excel:
        return float(v)
    if r == 5 and v >= Decimal("0.01"):
        w = v - Decimal("0.005")  # exactly half: rounds up to v
        assert w.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == v
        return f"{w:.3f}"
    if r == 6:
        return f"{v:,.2f}"
    if r == 7:
        return f"{v:.2f}" + str(rng_digit(v)) + "1"
    return f" {t} "


def rng_digit(v: Decimal) -> int:
    return int(v * 100) % 5  # 0–4 then 1: rounds down to v


def _date_variant(d: dt.date, r: int, excel: bool) -> object:
    y, m, dd = d.year, d.month, d.day
    forms = [
        f"{y}-{m}-{dd}",
        f"{y}/{m}/{dd}",
        f"{y}/{m:02d}/{dd:02d}",
        f"{y}.{m}.{dd}",
        f"{y}{m:02d}{dd:02d}",
        f"{y}年{m}月{dd}日",
        f"{d.isoformat()} 00:00:00",
        f"{y}/{m}/{dd} 8:30",
    ]
    if excel:
        cells = [
            y * 10000 + m * 100 + dd,
            d,
            float((d - EXCEL_EPOCH).days),
            dt.datetime(y, m, dd, 9, 30),
            (d - EXCEL_EPOCH).days,
        ]
        if r >= len(forms):
            return cells[(r - len(forms)) % len(cells)]
    return forms[r % len(forms)]


def _month_variant(p: str, r: int, excel: bool) -> object:
    y, m = int(p[:4]), int(p[5:7])
    forms = [
        f"{y}-{m}",
        f"{y}/{m:02d}",
        f"{y}/{m}",
        f"{y}{m:02d}",
        f"{y}年{m}月",
        f"{y}-{m:02d}-15",
        f"{y}年{m}月1日",
        f"{y}/{m}/28 0:00",
    ]
    if excel and r >= len(forms):
        return dt.date(y, m, 1 + r % 20)
    return forms[r % len(forms)]


def _enum_variant(col: Column, label: str, r: int, excel: bool) -> object:
    alts = [v for v, canon in col.variants.items() if canon == label]
    if col.name == "disability_grade":
        n = col.values[label]
        if excel and r % 3 == 0:
            return n
    if alts and r % 2 == 0:
        return alts[(r // 2) % len(alts)]
    return rng_space(r) + label + rng_space(r + 1)


def rng_space(r: int) -> str:
    return ("", " ", "  ", "\u3000")[r % 4]


def variant(col: Column, value, r: int, excel: bool, rng: np.random.Generator) -> object:
    """A readable variant of the clean `value` (extracts.md, left column)."""
    k = col.kind
    if value is None:
        return ""
    if k == PERSON_ID:
        return _id_variant(value, "", r % 8, excel, rng)
    if k == CARD_NO:
        return _id_variant(value[:18], value[18:], r % 5, excel, rng)
    if k in (REGION_CODE, CHINA_REGION_CODE):
        return int(value) if excel and r % 2 else f" {value} "
    if k == COUNTY_CODE:  # 341602 or 341602000000, text or a numeric cell
        code = value[:6] if r % 4 < 2 else value
        if excel and r % 2:
            return int(code)
        return code.translate(FULLWIDTH) if r % 8 == 6 else f" {code} " if r % 8 == 4 else code
    if k == TEXT:
        return rng_space(r + 1) + value + (" " if r % 3 else "\t")
    if k == ENUM:
        inv = {v: lab for lab, v in col.values.items()}
        return _enum_variant(col, inv[value], r, excel)
    if k == BOOL:
        inv = {v: lab for lab, v in col.values.items()}
        return rng_space(r + 1) + inv[value] + rng_space(r)
    if k == INTEGER:
        return int(value) if excel and r % 2 else f" {value}"
    if k == MONEY:
        return _money_variant(value, r % 9, excel)
    if k == DATE:
        return _date_variant(value, r % 14, excel)
    if k == MONTH:
        return _month_variant(value, r % 10, excel)
    return value


# ---------------------------------------------------------------------------------------------------
# File writers. `sheet` is a list of rows (lists of cells); returns the bytes / writes the file.
# ---------------------------------------------------------------------------------------------------
class ExcelError(str):
    """An Excel error cell (``#VALUE!`` …) of an xlsx sheet: written as a formula whose cached result is the
    error, as Excel saves one. Its text is its raw value."""


EXCEL_ERRORS = ("#VALUE!", "#N/A", "#REF!")
_ERROR_FORMULAS = {"#VALUE!": '="元"+1', "#N/A": "=NA()", "#REF!": "=#REF!"}


def csv_text(sheet: list[list], crlf: bool, delimiter: str = ",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    w.writerows(sheet)
    return buf.getvalue()


def write_csv(path: Path, sheet: list[list], encoding: str, crlf: bool, delimiter: str = ",") -> None:
    """A text file: UTF-8 (with or without BOM) or GB18030; ``utf-16-le`` is Excel's "Unicode 文本" (its BOM
    first; Excel writes it with tabs)."""
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b""
    path.write_bytes(bom + csv_text(sheet, crlf, delimiter).encode(encoding))


def html_cell(v: str) -> str:
    """A cell's text in an HTML page: entities for & < >, a line break as <br>."""
    return html.escape(v, quote=False).replace("\n", "<br>")


def html_read_back(v: str) -> str:
    """What a reader gets back from :func:`html_cell`: source white space collapses to one space as a browser
    shows it, in each line (between <br>)."""
    return "\n".join(_HTML_WS.sub(" ", line) for line in v.split("\n"))


_HTML_WS = re.compile(r"[ \t\r\f\n]+")


def write_html(path: Path, sheet: list[list], title: str, encoding: str, header: int, spanning: set[int]) -> None:
    """An HTML page holding the sheet as its table, saved as .xls: the "export to Excel" of web systems. Rows in
    `spanning` (the titles) are one cell spanning the width; the header row is <th>. UTF-8 (with or without
    BOM), or GB18030 declared as GBK as such pages do."""
    width = max(len(r) for r in sheet)
    charset = "gbk" if encoding == "gb18030" else "utf-8"
    lines = [
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">',
        f"<title>{html_cell(title)}</title>",
        '<style>td { mso-number-format: "\\@"; }</style></head>',
        '<body><table border="1">',
    ]
    for i, row in enumerate(sheet):
        if i in spanning:
            lines.append(f'<tr><td colspan="{width}" align="center">{html_cell(row[0] if row else "")}</td></tr>')
        else:
            tag = "th" if i == header else "td"
            lines.append("<tr>" + "".join(f"<{tag}>{html_cell(v)}</{tag}>" for v in row) + "</tr>")
    lines.append("</table></body></html>\n")
    bom = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    path.write_bytes(bom + "\n".join(lines).encode("gb18030" if encoding == "gb18030" else "utf-8"))


def csv_lines(row: list) -> int:
    """Physical lines a CSV record takes."""
    return 1 + sum(c.count("\n") for c in row if isinstance(c, str))


def write_xlsx(path_or_buf, sheet: list[list], title: str, constant_memory: bool) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        path_or_buf,
        {
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "in_memory": not constant_memory,
        },
    )
    wb.set_properties({"created": dt.datetime(2020, 1, 1)})  # same bytes for the same seed
    ws = wb.add_worksheet(title[:31])
    dfmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    tfmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(sheet):
        if not row:
            continue
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, ExcelError):
                ws.write_formula(r, c, _ERROR_FORMULAS[str(v)], None, str(v))
            elif isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, tfmt)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), dfmt)
            else:
                ws.write_number(r, c, v)
    wb.close()


def write_xls(path: Path, sheet: list[list], title: str) -> None:
    import xlwt

    assert len(sheet) <= 65535
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(title[:31])
    dstyle = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    tstyle = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    for r, row in enumerate(sheet):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, dt.datetime):
                ws.write(r, c, v, tstyle)
            elif isinstance(v, dt.date):
                ws.write(r, c, dt.datetime(v.year, v.month, v.day), dstyle)
            else:
                ws.write(r, c, v)
    wb.save(str(path))


def garbage(rng: np.random.Generator, n: int = 3000) -> bytes:
    """Bytes that are none of xlsx, xls or csv: binary, not decodable as UTF-8 or GB18030."""
    body = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
    data = b"\x89\x00\xff\xfe\x00GARBAGE\xff\x80\x00" + body
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
            raise AssertionError("garbage decodes")
        except UnicodeDecodeError:
            pass
    return data


def truncated_xlsx(sheet: list[list]) -> bytes:
    buf = io.BytesIO()
    write_xlsx(buf, sheet, "Sheet1", False)
    data = buf.getvalue()
    return data[: len(data) // 2]


def encrypted_xlsx(sheet: list[list], seed: str) -> bytes:
    """An xlsx protected by a password (msoffcrypto-tool; an OLE2 file holding EncryptionInfo and
    EncryptedPackage). The same bytes for the same seed: the salts and keys msoffcrypto draws from
    `secrets` come from a generator seeded by `seed`, and its container's timestamps are fixed."""
    import hashlib
    from unittest import mock

    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    class FixedNow(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2020, 1, 1)

    buf = io.BytesIO()
    write_xlsx(buf, sheet, "Sheet1", False)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "little"))
    out = io.BytesIO()
    with (
        mock.patch.object(ecma376_agile, "_random_buffer", rng.bytes),
        mock.patch.object(ecma376_encrypted, "datetime", FixedNow),
    ):
        OOXMLFile(io.BytesIO(buf.getvalue())).encrypt("1234", out)
    return out.getvalue()
