"""Reading one extract: xlsx, xls or CSV, decided by content, into a frame of strings.

The result keeps, for every Excel cell, whether it was numeric, a date cell or text: a person-id or
card column with a numeric cell is ``id_mangled``, a 12-digit numeric region code is fine, a numeric
date cell is an Excel serial or an 8-digit number date, and so on.

Frame layout (:class:`Sheet.frame`):
- ``row``: Int64, the row number a person sees (Excel row, or the first line of a CSV record), 1-based;
- ``c0`` … ``c{n-1}``: String, the cell as text ("" when empty). Numeric cells are rendered like ``int``
  when integral (``370902800101123``) and as a plain decimal otherwise (``12.5``); date cells as ISO
  (``2026-03-05`` or ``2026-03-05 10:30:00``); booleans as ``TRUE``/``FALSE``;
- ``t0`` … : String tags, present only for a column that has a non-text cell: ``n`` numeric, ``d`` date,
  ``s`` text (also for empty cells).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import polars as pl

from pipelines.ingest.sniff import Unreadable, decode_text, sniff_format

csv.field_size_limit(10_000_000)


@dataclass
class Sheet:
    frame: pl.DataFrame
    width: int
    fmt: str  # xlsx | xls | csv
    encoding: str | None = None  # for CSV: utf-8, utf-8-sig or gb18030

    def tag(self, i: int) -> str | None:
        name = f"t{i}"
        return name if name in self.frame.columns else None


def read_file(path: Path) -> Sheet:
    """Read the file; the content decides the format. Raises :class:`Unreadable`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:  # pragma: no cover - permissions etc.
        raise Unreadable("cannot open file") from e
    if not data.strip():
        raise Unreadable("empty file")
    fmt = sniff_format(data[:8])
    if fmt in ("xlsx", "xls"):
        sheet = _read_workbook(data, fmt)
    else:
        sheet = _read_csv(data)
    return sheet


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

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not wb.sheet_names:
            raise Unreadable("workbook without sheets")
        sheet = wb.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Unreadable:
        raise
    except Exception:  # calamine raises various errors on corrupt content; never echo them
        raise Unreadable(f"{fmt} content could not be read") from None
    if not rows:
        raise Unreadable("empty workbook")
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
    return Sheet(frame, width, fmt)


# ----------------------------------------------------------------------------------------------------
# CSV
# ----------------------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> Sheet:
    text, enc = decode_text(data)
    if not text.strip():
        raise Unreadable("empty file")
    if text.count("\r") == text.count("\r\n"):
        if '"' not in text:
            return _read_plain_csv(text, enc)
        sheet = _read_quoted_csv(text, enc)
        if sheet is not None:
            return sheet
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    starts: list[int] = []
    prev = 0
    try:
        for rec in reader:
            rows.append(rec)
            starts.append(prev + 1)
            prev = reader.line_num
    except csv.Error:
        raise Unreadable("malformed CSV") from None
    if not rows:
        raise Unreadable("empty file")
    width = max(len(r) for r in rows)
    if width == 0:
        raise Unreadable("empty file")
    cols = list(zip_longest(*rows, fillvalue=""))
    frame = pl.DataFrame(
        {"row": pl.Series("row", starts, dtype=pl.Int64)}
        | {f"c{i}": pl.Series(f"c{i}", col, dtype=pl.String) for i, col in enumerate(cols)}
    )
    return Sheet(frame, width, "csv", enc)


def _read_plain_csv(text: str, enc: str) -> Sheet:
    """Fast path for CSV without any quote character: every line is one record (vectorised split)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    fields = pl.Series("l", lines, dtype=pl.String).str.strip_suffix("\r").str.split(",")
    width = int(fields.list.len().max() or 0)
    if width == 0 or not any(lines):
        raise Unreadable("empty file")
    frame = pl.DataFrame({"l": fields}).select(
        pl.int_range(1, len(lines) + 1, dtype=pl.Int64).alias("row"),
        *[pl.col("l").list.get(i, null_on_oob=True).fill_null("").alias(f"c{i}") for i in range(width)],
    )
    return Sheet(frame, width, "csv", enc)


def _read_quoted_csv(text: str, enc: str) -> Sheet | None:
    """Polars' reader, used when every record is one line (then row numbers are line numbers); None
    when some record spans lines or polars disagrees, so the caller falls back to the csv module."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    n = len(lines)
    width = int(pl.Series(lines, dtype=pl.String).str.count_matches(",", literal=True).max() or 0) + 1
    # a first line with `width` empty fields fixes the width; ragged shorter records are padded
    data = ("," * (width - 1) + "\n" + text).encode("utf-8")
    try:
        df = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
            raise_if_empty=False,
        )
    except Exception:
        return None
    if df.height != n + 1 or df.width != width:
        return None
    df = df.slice(1)
    # the width was an upper bound (commas inside quotes): drop trailing columns that are all empty
    while df.width > 1 and df[df.columns[-1]].null_count() == df.height:
        df = df.drop(df.columns[-1])
    width = df.width
    frame = df.select(
        pl.int_range(1, n + 1, dtype=pl.Int64).alias("row"),
        *[pl.col(c).fill_null("").alias(f"c{i}") for i, c in enumerate(df.columns)],
    )
    return Sheet(frame, width, "csv", enc)
