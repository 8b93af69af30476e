"""What calamine does not give: Excel error cells, and a bound on the area it allocates.

- **Error cells** (``#VALUE!``, ``#N/A`` …): python-calamine returns them as empty. In xlsx an error cell
  is ``<c r="B3" t="e"><v>#VALUE!</v></c>``; in xls a BOOLERR record with its error flag, or a FORMULA
  record whose cached result is an error. Both are looked for with a byte search first, so a workbook
  without any pays nothing more; then their texts are taken (a regular expression over the sheet's bytes;
  xlrd for xls).
- **Area**: calamine allocates the rectangle from A1 to the farthest cell that holds a value, empty text
  included (a formatted blank written as ``<c r="XFD1048576" t="s"><v>7</v></c>`` with an empty shared
  string: 1M x 16K cells, which aborts the process). Formatting alone (styled columns and rows, a
  value-less ``<c r="XFD1048576" s="1"/>``, ``<dimension ref="A1:XFD1048576"/>``) costs nothing. So when
  the cell references of a sheet could reach past :data:`MAX_SHEET_CELLS`, the sheet is scanned, its
  cells that hold no value are dropped before calamine reads it, and a sheet whose values still span
  more is unreadable.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree as ET
from xml.sax.saxutils import unescape

from pipelines.ingest.sniff import Unreadable

# The most cells (rows x columns from A1) a sheet may span; above it the file is not read. Far above any
# extract (200 000 rows x 20 columns is 4M); ingesting a sheet of 20M cells measured 1.4 GB.
MAX_SHEET_CELLS = 20_000_000
_CHUNK = 16 << 20

# Literal prefixes, so that the byte search runs at memchr speed over the whole sheet (a stray match in
# another attribute only costs the exact pass).
_ERROR_ATTR = re.compile(rb"""t=["']e["']""")
_FAR_REF = re.compile(rb'r="([A-Z]{2,3})[0-9]')  # a reference past column Z
_ROW_R = re.compile(rb"""<(?:\w+:)?row\b[^>]*?\sr=["']([0-9]+)["']""")
# One cell element: its attributes and its body (None when self-closing).
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.DOTALL)
_ATTR_R = re.compile(rb"""\sr=["']([A-Z]+)([0-9]+)["']""")
_ATTR_T = re.compile(rb"""\st=["'](\w+)["']""")
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_T_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]+)</(?:\w+:)?t>")
_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.DOTALL)
# An error cell with a body (<c r="B3" t="e"><v>#N/A</v></c>, attributes in any order): its attributes
# and body. A self-closing one holds no text.
_ERROR_CELL = re.compile(
    rb"""<((?:\w+:)?)c\b(?=[^>]*\st=["']e["'])([^>]*?)(?<!/)>(.*?)</\1c>""",
    re.DOTALL,
)

Cell = tuple[int, int, str]  # 0-based row, 0-based column, error text


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


# ----------------------------------------------------------------------------------------------------
# xlsx
# ----------------------------------------------------------------------------------------------------
def first_sheet_path(zf: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (the one calamine reads as index 0)."""
    try:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        sheet = wb.find("{*}sheets/{*}sheet")
        rid = next((v for k, v in (sheet.attrib if sheet is not None else {}).items() if k.endswith("}id")), None)
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
    except (KeyError, ET.ParseError):
        return None
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return path if path in zf.namelist() else None


def _whole_rows(zf: zipfile.ZipFile, name: str):
    """The sheet's bytes, a chunk of whole rows at a time (up to the last row end in each chunk; the last
    chunk, or one without any row end, whole): memory stays flat and no cell is cut in two."""
    carry = b""
    with zf.open(name) as f:
        while True:
            chunk = f.read(_CHUNK)
            buf = carry + chunk
            end = max(buf.rfind(b"</row>"), buf.rfind(b":row>"))
            cut = end if chunk and end >= 0 else len(buf)
            yield buf[:cut]
            carry = buf[cut:]
            if not chunk:
                return


def _scan(zf: zipfile.ZipFile, name: str) -> tuple[list[Cell], int | None, int]:
    """One streaming pass over the sheet's bytes, by byte search only: (its error cells, the last row
    number, the farthest column any reference names). Error cells are taken only from the rows whose bytes
    hold an error attribute."""
    errors: list[Cell] = []
    last_tail, far = b"", set()
    for rows in _whole_rows(zf, name):
        if _ERROR_ATTR.search(rows):
            errors += _xlsx_errors(rows)
        far.update(_FAR_REF.findall(rows))
        # the last opening row tag: `<row ` or `<x:row ` (a closing `</x:row>` has no space after row)
        pos = max(rows.rfind(b"<row"), rows.rfind(b":row "))
        if pos >= 0:
            last_tail = rows[max(pos - 16, 0) : pos + 4096]  # from before a namespace prefix
    m = _ROW_R.search(last_tail)
    width = max((col_index(c.decode("ascii")) + 1 for c in far), default=26)
    return errors, (int(m.group(1)) if m else None), width


def _empty_shared_strings(zf: zipfile.ZipFile) -> set[int]:
    try:
        sst = zf.read("xl/sharedStrings.xml")
    except KeyError:
        return set()
    return {i for i, m in enumerate(_SI.finditer(sst)) if not _T_TEXT.search(m.group(1) or b"")}


def _holds_value(attrs: bytes, body: bytes | None, empty_sst: set[int]) -> bool:
    if not body:
        return False
    t = _ATTR_T.search(attrs)
    kind = t.group(1) if t else b"n"
    if kind == b"inlineStr":
        return _T_TEXT.search(body) is not None
    v = _V.search(body)
    if v is None or not v.group(1).strip():
        return False
    return not (kind == b"s" and v.group(1).strip().isdigit() and int(v.group(1)) in empty_sst)


def _drop_valueless_cells(zf: zipfile.ZipFile, name: str) -> bytes:
    """The sheet without the cells that hold no value, after checking the area its values span."""
    xml = zf.read(name)
    empty_sst = _empty_shared_strings(zf)
    max_row = max_col = 0

    def keep(m: re.Match) -> bytes:
        nonlocal max_row, max_col
        if not _holds_value(m.group(2), m.group(3), empty_sst):
            return b""
        r = _ATTR_R.search(m.group(2))
        if r is not None:
            max_row = max(max_row, int(r.group(2)))
            max_col = max(max_col, col_index(r.group(1).decode("ascii")) + 1)
        return m.group(0)

    out = _CELL.sub(keep, xml)
    if max_row * max_col > MAX_SHEET_CELLS:
        raise Unreadable(f"工作表超过 {MAX_SHEET_CELLS} 个单元格 (sheet over {MAX_SHEET_CELLS} cells)")
    return out


def _xlsx_errors(rows: bytes) -> list[Cell]:
    """The error cells among whole rows of a sheet, by a regular expression over their bytes: no Python
    object per cell (an XML parse of a 200 000-row sheet made ~3M events, seconds a file, for a single
    error cell)."""
    out: list[Cell] = []
    for m in _ERROR_CELL.finditer(rows):
        ref = _ATTR_R.search(m.group(2))
        v = _V.search(m.group(3))
        text = unescape(v.group(1).decode("utf-8", "replace")).strip() if v else ""
        if ref and text:
            out.append((int(ref.group(2)) - 1, col_index(ref.group(1).decode("ascii")), text))
    return out


def prepare_xlsx(data: bytes) -> tuple[bytes, list[Cell]]:
    """The workbook as calamine should read it (value-less cells dropped when its references reach past
    :data:`MAX_SHEET_CELLS`) and the error cells of its first sheet. Content that is not a workbook is
    returned as it is: calamine decides that it is unreadable."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        name = first_sheet_path(zf)
        if name is None:
            return data, []
        errors, last_row, width = _scan(zf, name)
        if last_row is not None and last_row * width > MAX_SHEET_CELLS:
            data = _rewrite(zf, name, _drop_valueless_cells(zf, name))
        return data, errors
    except Unreadable:
        raise
    except Exception:  # not a workbook zipfile or ElementTree can read: calamine decides
        return data, []


def _rewrite(zf: zipfile.ZipFile, name: str, sheet: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in zf.infolist():
            out.writestr(info.filename, sheet if info.filename == name else zf.read(info.filename))
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------------
# xls (BIFF8)
# ----------------------------------------------------------------------------------------------------
# BOOLERR (0x0205, 8 bytes) with its error flag set; FORMULA (0x0006) whose cached result is an error
# (first byte 2, the error code, 0xFFFF in the last two bytes of the result).
_XLS_BOOLERR = re.compile(rb"\x05\x02\x08\x00[\s\S]{7}\x01")
_XLS_FORMULA_ERROR = re.compile(rb"\x06\x00[\s\S]{8}\x02\x00[\x00\x07\x0f\x17\x1d\x24\x2a]\x00\x00\x00\xff\xff")


def xls_errors(data: bytes, sheet_name: str) -> list[Cell]:
    """Error cells of the first sheet of a legacy workbook, read by xlrd only when the workbook stream
    holds a record that may be one."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
        book_bytes = ole.openstream(stream).read() if stream else b""
    except Exception:  # calamine has read it; a container olefile cannot open only has no error cells here
        return []
    if not (_XLS_BOOLERR.search(book_bytes) or _XLS_FORMULA_ERROR.search(book_bytes)):
        return []
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
        if not book.nsheets or book.sheet_names()[0] != sheet_name:
            return []
        sheet = book.sheet_by_index(0)
        out = []
        for r in range(sheet.nrows):
            types = sheet.row_types(r)
            if xlrd.XL_CELL_ERROR not in types:
                continue
            for c, t in enumerate(types):
                if t == xlrd.XL_CELL_ERROR:
                    code = sheet.cell_value(r, c)
                    out.append((r, c, xlrd.error_text_from_code.get(code, f"#ERROR{code}")))
        return out
    except Exception:  # xlrd cannot parse what calamine read: keep calamine's reading
        return []
