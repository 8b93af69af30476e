"""Reading one extract: xlsx, xls, CSV or an HTML table, decided by content, into a frame of strings.

The result keeps, for every Excel cell, whether it was numeric, a date cell or text: a person-id or
card column with a numeric cell is ``id_mangled``, a 12-digit numeric region code is fine, a numeric
date cell is an Excel serial or an 8-digit number date, and so on.

Frame layout (:class:`Sheet.frame`):
- ``row``: Int64, the row number a person sees (Excel row, or the first line of a CSV record), 1-based;
- ``c0`` … ``c{n-1}``: String, the cell as text ("" when empty). Numeric cells are rendered like ``int``
  when integral (``370902800101123``) and as a plain decimal otherwise (``12.5``); date cells as ISO
  (``2026-03-05`` or ``2026-03-05 10:30:00``); booleans as ``TRUE``/``FALSE``;
- ``t0`` … : String tags, present only for a column that has a non-text cell: ``n`` numeric, ``d`` date,
  ``s`` text (also for empty cells and Excel error cells, whose text is the error: ``#VALUE!`` …).

Work per file is bounded (extracts.md): a text line over 1 MB, more than 500 non-empty columns in the
first 10 rows, or a sheet or text spanning more cells than a frame may hold, is :class:`Unreadable` before
the file is read whole, with a short cause for the file's report.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections import defaultdict
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import polars as pl

from pipelines.contract import tables as C
from pipelines.ingest import excel_cells
from pipelines.ingest.header import match_header
from pipelines.ingest.html_table import iter_html_rows
from pipelines.ingest.normalise import WS_CHARS
from pipelines.ingest.sniff import (
    EMPTY,
    MAX_LINE_BYTES,
    UTF16_BOMS,
    Encrypted,
    Unreadable,
    check_line_length,
    decode_text,
    is_encrypted,
    sniff_format,
)

csv.field_size_limit(10_000_000)
ENCRYPTED = "文件有密码保护 (password-protected workbook)"

# Bounded work (extracts.md), and a bound of our own on the cells of a frame: a text or a table whose
# rows x widest row exceed it is not read (a 200 MB dibao CSV of 1.9M rows is 23M cells).
MAX_HEADER_COLUMNS = 500
MAX_TEXT_CELLS = 30_000_000
DELIMITERS = (",", "\t", ";")  # the comma first: it wins when none of them finds the header


@dataclass
class Sheet:
    frame: pl.DataFrame
    width: int
    fmt: str  # xlsx | xls | csv | html
    encoding: str | None = None  # for CSV: utf-8, utf-8-sig, gb18030, utf-16-le or utf-16-be
    delimiter: str | None = None  # for CSV: , or tab or ;

    def tag(self, i: int) -> str | None:
        name = f"t{i}"
        return name if name in self.frame.columns else None


def read_file(path: Path, table: C.Table | None = None) -> Sheet:
    """Read the file; the content decides the format. With `table`, a text file's delimiter is the one with
    which a row among the first 10 holds every column of the table. Raises :class:`Unreadable` (and
    :class:`Encrypted`, one kind of it, for a workbook protected by a password)."""
    path = Path(path)
    fmt = sniff_format(_read_bytes(path, 1024))
    if fmt == "csv":  # reads the file itself, so that its bytes can go once decoded
        return _read_csv(path, table)
    if fmt == "html":  # read from the file piece by piece
        return _read_html(path)
    data = _read_bytes(path)
    if fmt == "xls" and is_encrypted(data):
        raise Encrypted(ENCRYPTED)
    return _read_workbook(data, fmt)


def _read_bytes(path: Path, size: int = -1) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError as e:  # pragma: no cover - permissions etc.
        raise Unreadable("无法打开文件 (cannot open file)") from e


def check_columns(rows: list) -> None:
    """extracts.md: a file whose first 10 rows hold more than 500 non-empty columns is not read further. A
    column is non-empty when one of these rows has a cell in it that is not only white space."""
    head = rows[: C.HEADER_SEARCH_ROWS]
    width = max((len(r) for r in head), default=0)
    if width <= MAX_HEADER_COLUMNS:
        return
    filled = set()
    for r in head:
        filled.update(i for i, v in enumerate(r) if v is not None and str(v).strip(WS_CHARS))
    if len(filled) > MAX_HEADER_COLUMNS:
        raise Unreadable(
            f"前10行超过{MAX_HEADER_COLUMNS}个非空列 (over {MAX_HEADER_COLUMNS} non-empty columns in the first 10 rows)"
        )


def _read_html(path: Path) -> Sheet:
    """The first table of an HTML page, its rows numbered from 1; each piece's rows become a frame at once."""
    frames: list[pl.DataFrame] = []
    head: list[list[str]] = []
    n = width = 0
    for rows in iter_html_rows(path):  # the file opened already: sniff_format read its head
        if len(head) < C.HEADER_SEARCH_ROWS:
            head += rows[: C.HEADER_SEARCH_ROWS - len(head)]
            check_columns(head)
        width = max(width, max(map(len, rows)))
        if width * (n + len(rows)) > MAX_TEXT_CELLS:
            raise _too_many_cells()
        frames.append(_rows_frame(rows, range(n + 1, n + len(rows) + 1)))
        n += len(rows)
    if width == 0:
        raise Unreadable(EMPTY)
    frame = pl.concat(frames, how="diagonal", rechunk=True).with_columns(pl.exclude("row").fill_null(""))
    return Sheet(frame, width, "html")


def _too_many_cells() -> Unreadable:
    return Unreadable(f"超过 {MAX_TEXT_CELLS} 个单元格 (over {MAX_TEXT_CELLS} cells)")


# ----------------------------------------------------------------------------------------------------
# Excel
# ----------------------------------------------------------------------------------------------------
def _render_float(v: float) -> str:
    if v != v or v in (float("inf"), float("-inf")):
        return ""
    if v.is_integer():
        return str(int(v))
    r = repr(v)
    if "e" in r or "E" in r:
        r = format(v, ".15f").rstrip("0").rstrip(".")
    return r


def _render_column(col: tuple) -> tuple[list[str], list[str] | None]:
    """Texts and (if any cell is not text) tags of one column of python values from calamine."""
    types = set(map(type, col))
    if types <= {str}:
        return list(col), None
    texts: list[str] = []
    tags: list[str] = []
    for v in col:
        t = type(v)
        if t is str:
            texts.append(v)
            tags.append("s")
        elif t is float:
            texts.append(_render_float(v))
            tags.append("n")
        elif t is int:
            texts.append(str(v))
            tags.append("n")
        elif t is bool:
            texts.append("TRUE" if v else "FALSE")
            tags.append("s")
        elif t is _dt.datetime:
            texts.append(v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" "))
            tags.append("d")
        elif t is _dt.date:
            texts.append(v.isoformat())
            tags.append("d")
        elif v is None:
            texts.append("")
            tags.append("s")
        else:  # time, timedelta: kept as text of a date cell; no date form accepts them
            texts.append(str(v))
            tags.append("d")
    return texts, tags


def _read_workbook(data: bytes, fmt: str) -> Sheet:
    import python_calamine as pc

    errors: list[excel_cells.Cell] = []
    if fmt == "xlsx":  # before calamine: it would allocate a sheet's whole area (excel_cells)
        data, errors = excel_cells.prepare_xlsx(data)
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not wb.sheet_names:
            raise Unreadable("工作簿没有工作表 (workbook without sheets)")
        sheet = wb.get_sheet_by_index(0)
        end = sheet.end  # to_python(skip_empty_area=False) spans A1 to here
        if end is not None and (end[0] + 1) * (end[1] + 1) > excel_cells.MAX_SHEET_CELLS:
            n = excel_cells.MAX_SHEET_CELLS
            raise Unreadable(f"工作表超过 {n} 个单元格 (sheet over {n} cells)")
        rows = sheet.to_python(skip_empty_area=False)
    except Unreadable:
        raise
    except pc.PasswordError:  # encrypted in a way msoffcrypto did not recognise
        raise Encrypted(ENCRYPTED) from None
    except Exception:  # calamine raises various errors on corrupt content; never echo them
        raise Unreadable(f"{fmt} 内容无法读取 ({fmt} content could not be read)") from None
    if not rows:
        raise Unreadable("工作表为空 (empty workbook)")
    check_columns(rows)
    if fmt == "xls":
        errors = excel_cells.xls_errors(data, wb.sheet_names[0])
    width = max(len(r) for r in rows)
    cols = list(zip_longest(*rows, fillvalue=""))
    data_cols: dict[str, pl.Series] = {"row": pl.Series("row", range(1, len(rows) + 1), dtype=pl.Int64)}
    tag_cols: dict[str, pl.Series] = {}
    for i, col in enumerate(cols):
        texts, tags = _render_column(col)
        data_cols[f"c{i}"] = pl.Series(f"c{i}", texts, dtype=pl.String)
        if tags is not None:
            tag_cols[f"t{i}"] = pl.Series(f"t{i}", tags, dtype=pl.String)
    frame = pl.DataFrame({**data_cols, **tag_cols})
    return Sheet(_overlay_errors(frame, width, errors), width, fmt)


def _overlay_errors(frame: pl.DataFrame, width: int, errors: list[excel_cells.Cell]) -> pl.DataFrame:
    """Error cells (empty in calamine's reading) get their text, as text cells: they fail their column's
    check like any unreadable value. Calamine's area includes them, so they fall inside the frame."""
    by_col: dict[int, dict[int, str]] = defaultdict(dict)
    for r, c, text in errors:
        if r < frame.height and c < width:
            by_col[c][r + 1] = text
    exprs = []
    for c, cells in by_col.items():
        rows, texts = list(cells), list(cells.values())
        exprs.append(
            pl.col("row").replace_strict(rows, texts, default=pl.col(f"c{c}"), return_dtype=pl.String).alias(f"c{c}")
        )
        if f"t{c}" in frame.columns:
            exprs.append(pl.when(pl.col("row").is_in(rows)).then(pl.lit("s")).otherwise(pl.col(f"t{c}")).alias(f"t{c}"))
    return frame.with_columns(exprs) if exprs else frame


# ----------------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------------


def _read_csv(path: Path, table: C.Table | None) -> Sheet:
    data = _read_bytes(path)
    utf16 = data[:2] in UTF16_BOMS
    if not utf16:  # on the bytes, before decoding: LF and CR never occur inside a UTF-8 or GB18030 character
        check_line_length(data)
    text, enc = decode_text(data)
    if utf16:  # two bytes a character
        check_line_length(text, MAX_LINE_BYTES // 2)
    if not text.strip():
        raise Unreadable(EMPTY)
    delim, head = _choose_delimiter(text, table)
    check_columns(head)
    if text.count("\r") == text.count("\r\n"):
        if '"' not in text:
            # polars splits the UTF-8 bytes into lines: no Python object per line, and the text can go
            utf8 = data[3:] if enc == "utf-8-sig" else data if enc == "utf-8" else text.encode("utf-8")
            del text, data
            lines = _lines(utf8)
            del utf8
            return _read_plain_csv(lines, enc, delim)
        del data
        sheet = _read_quoted_csv(text, enc, delim)
        if sheet is not None:
            return sheet
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    starts: list[int] = []
    prev = width = 0
    try:
        for rec in reader:
            rows.append(rec)
            starts.append(prev + 1)
            prev = reader.line_num
            width = max(width, len(rec))
            if width * len(rows) > MAX_TEXT_CELLS:
                raise _too_many_cells()
    except csv.Error:
        raise Unreadable("CSV 格式错误 (malformed CSV)") from None
    return _sheet_from_rows(rows, starts, enc, delim)


def _first_records(text: str, delim: str) -> list[list[str]]:
    """The first 10 records as split by `delim` (a bounded prefix: lines are at most 1 MB)."""
    reader = csv.reader(io.StringIO(text[: C.HEADER_SEARCH_ROWS * MAX_LINE_BYTES], newline=""), delimiter=delim)
    rows: list[list[str]] = []
    try:
        for rec in reader:
            rows.append(rec)
            if len(rows) == C.HEADER_SEARCH_ROWS:
                break
    except csv.Error:  # a quote left open in the prefix: the records before it
        pass
    return rows


def _choose_delimiter(text: str, table: C.Table | None) -> tuple[str, list[list[str]]]:
    """The delimiter with which a row among the first 10 holds every column of `table`; else the one whose
    best row lacks fewest columns (the comma on ties, so a comma file without every column reports the
    columns it lacks). Without a table: the one that splits a first row widest. Returns it and the first
    records it splits."""
    best: tuple[int, str, list[list[str]]] | None = None
    for d in DELIMITERS:
        if d != "," and text.find(d, 0, C.HEADER_SEARCH_ROWS * MAX_LINE_BYTES) < 0:
            continue
        rows = _first_records(text, d)
        if table is not None:
            hdr, _, missing = match_header(rows, table)
            if hdr is not None:
                return d, rows
            score = len(missing)
        else:
            score = -max((len(r) for r in rows), default=0)
        if best is None or score < best[0]:
            best = (score, d, rows)
    assert best is not None
    return best[1], best[2]


def _sheet_from_rows(rows: list[list[str]], starts: list[int], enc: str, delim: str) -> Sheet:
    """A frame from the csv module's records, padded to the widest."""
    if not rows:
        raise Unreadable(EMPTY)
    width = max(len(r) for r in rows)
    if width == 0:
        raise Unreadable(EMPTY)
    if width * len(rows) > MAX_TEXT_CELLS:
        raise _too_many_cells()
    return Sheet(_rows_frame(rows, starts), width, "csv", enc, delim)


def _rows_frame(rows: list[list[str]], starts) -> pl.DataFrame:
    cols = list(zip_longest(*rows, fillvalue=""))
    return pl.DataFrame(
        {"row": pl.Series("row", starts, dtype=pl.Int64)}
        | {f"c{i}": pl.Series(f"c{i}", col, dtype=pl.String) for i, col in enumerate(cols)}
    )


def _lines(utf8: bytes) -> pl.Series:
    """The lines of UTF-8 text whose line breaks are LF or CRLF (none after the last line), as polars'
    CSV reader splits them with a delimiter that cannot occur (control characters are binary content)."""
    frame = pl.read_csv(
        io.BytesIO(utf8),
        has_header=False,
        separator="\x1f",
        quote_char=None,
        infer_schema=False,
        new_columns=["l"],
        raise_if_empty=False,
    )
    return frame["l"].fill_null("")


def _read_plain_csv(lines: pl.Series, enc: str, delim: str) -> Sheet:
    """Fast path for CSV without any quote character: every line is one record (vectorised split)."""
    width = int(lines.str.count_matches(delim, literal=True).max() or 0) + 1
    if width * lines.len() > MAX_TEXT_CELLS:  # before splitting: the split would hold every cell
        raise _too_many_cells()
    if not lines.str.len_bytes().sum():
        raise Unreadable(EMPTY)
    fields = lines.str.split(delim)
    del lines
    frame = pl.DataFrame({"l": fields}).select(
        pl.int_range(1, fields.len() + 1, dtype=pl.Int64).alias("row"),
        *[pl.col("l").list.get(i, null_on_oob=True).fill_null("").alias(f"c{i}") for i in range(width)],
    )
    return Sheet(frame, width, "csv", enc, delim)


def _read_quoted_csv(text: str, enc: str, delim: str) -> Sheet | None:
    """Polars' reader for text with quotes. A record may span lines (a quoted cell holding a line break):
    its row number is the line it starts on, as the csv module counts. None when polars' records do not
    add up to the lines of the text, or the cells would pass the cap at the width that is safe to read
    with; then the caller falls back to the csv module."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    n = len(lines)
    per_line = int(pl.Series(lines, dtype=pl.String).str.count_matches(delim, literal=True).max() or 0)
    del lines
    if (per_line + 1) * n > MAX_TEXT_CELLS:
        raise _too_many_cells()
    df = _polars_records(text, delim, per_line + 1)
    if df is None:
        return None
    spanned = int(_line_breaks(df).max() or 0)
    if spanned:
        # A record over k + 1 lines holds at most the delimiters of k + 1 lines: read again that wide, so
        # polars truncates no record (the columns left empty are dropped below).
        width = (spanned + 1) * per_line + 1
        if width * n > MAX_TEXT_CELLS:
            return None
        df = _polars_records(text, delim, width)
        if df is None:
            return None
    breaks = _line_breaks(df).slice(1)  # the first record is the line that fixes the width
    df = df.slice(1)
    if df.height + int(breaks.sum()) != n:
        return None
    # the width was an upper bound (delimiters inside quotes): drop trailing columns that are all empty
    while df.width > 1 and df[df.columns[-1]].null_count() == df.height:
        df = df.drop(df.columns[-1])
    width = df.width
    starts = pl.int_range(1, df.height + 1, dtype=pl.Int64, eager=True) + breaks.cum_sum().shift(1, fill_value=0)
    frame = df.select(
        starts.alias("row"),
        *[pl.col(c).fill_null("").alias(f"c{i}") for i, c in enumerate(df.columns)],
    )
    return Sheet(frame, width, "csv", enc, delim)


def _polars_records(text: str, delim: str, width: int) -> pl.DataFrame | None:
    """Every record as text cells, after a first line of `width` empty cells that fixes the width (ragged
    shorter records are padded); None when polars cannot read it."""
    data = (delim * (width - 1) + "\n" + text).encode("utf-8")
    try:
        df = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
            separator=delim,
            raise_if_empty=False,
        )
    except Exception:
        return None
    return df if df.width == width else None


def _line_breaks(df: pl.DataFrame) -> pl.Series:
    """Per record, the line breaks inside its cells."""
    return df.select(
        pl.sum_horizontal(pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in df.columns)
    ).to_series()
