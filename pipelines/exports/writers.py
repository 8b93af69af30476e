"""Writing a list: CSV (UTF-8 with BOM, header first) or XLSX (export line, header, table).

XLSX layout: row 1 the export line (`导出人: …  导出时间: …  条件: …`), row 2 the header, the table from
row 3; panes frozen below the header, the autofilter on the header row, column widths fitted to the
content (CJK and full-width characters count double). Every string is written with `write_string`, so
ids and codes are text cells whatever they look like, and nothing is ever read as a formula or a URL;
only integer and float columns are numbers.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import BinaryIO

import polars as pl
import xlsxwriter

# East Asian wide and full-width characters (Hangul jamo, CJK, Hangul, compatibility, full-width forms).
WIDE = "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
MIN_WIDTH = 6
MAX_WIDTH = 80
HEADER_ROW = 1  # 0-based: the export line is row 0
_LONG_DIGITS = re.compile(r"[0-9]{18}")


def number_text(value: float | int) -> str:
    """A number as the shortest text that reads back to the same double (`repr`). Where that text would
    hold a run of 18 or more digits (a fraction below 0.1 with 17 significant digits, such as
    `0.045454545454545456`), it is written in exponent form with 17 significant digits instead
    (`4.5454545454545456e-02`, the same double): no exported number ever looks like an 18-digit id."""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    if _LONG_DIGITS.search(text):
        text = format(float(value), ".16e")
    return text


def display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: 2 per wide (CJK) character, 1 otherwise."""
    return pl.select(_width_expr(pl.lit(text))).item()


def _width_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.len_chars() + expr.str.count_matches(WIDE)


def column_widths(df: pl.DataFrame) -> list[int]:
    """Fitted widths: the widest of header and cells, plus padding, between MIN_WIDTH and MAX_WIDTH."""
    widths = []
    for name in df.columns:
        cells = df.select(_width_expr(pl.col(name).cast(pl.String)).max()).item() if df.height else 0
        header = display_width(name) + 2  # room for the filter button
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, header, (cells or 0) + 1)))
    return widths


def write_csv(df: pl.DataFrame, out: Path | BinaryIO) -> None:
    """UTF-8 with BOM, header in the first row, nulls as empty cells, floats at full precision."""
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
    floats = [name for name, dtype in df.schema.items() if dtype.is_float()]
    if floats:
        df = df.with_columns(pl.col(floats).map_elements(number_text, return_dtype=pl.String))
    df.write_csv(out, include_bom=True, include_header=True, null_value="")


def _full_precision_numbers(ws) -> None:
    """xlsxwriter writes numbers with 16 significant digits (`%.16G`), which does not round-trip every
    double; rates are exported at full precision, so this worksheet writes the shortest round-trip form
    (`repr`) instead. Guarded: if xlsxwriter's internals change, its own writer stays in use."""
    if not all(hasattr(ws, a) for a in ("_xml_number_element", "_escape_attributes", "fh")):
        return

    def number_element(number, attributes=()):
        attr = "".join(f' {key}="{ws._escape_attributes(value)}"' for key, value in attributes)
        text = number_text(number)
        ws.fh.write(f"<c{attr}><v>{text}</v></c>")

    ws._xml_number_element = number_element


def write_xlsx(df: pl.DataFrame, out: Path | BinaryIO, sheet: str, export_line: str) -> None:
    options = {
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        options["constant_memory"] = True  # rows are written in order; memory stays flat
        target: str | BinaryIO = str(out)
    else:
        options["in_memory"] = True
        target = out
    workbook = xlsxwriter.Workbook(target, options)
    try:
        ws = workbook.add_worksheet(sheet[:31])
        _full_precision_numbers(ws)
        header_fmt = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        text_fmt = workbook.add_format({"num_format": "@"})
        for col, width in enumerate(column_widths(df)):
            ws.set_column(col, col, width)
        ws.write_string(0, 0, export_line)
        for col, name in enumerate(df.columns):
            ws.write_string(HEADER_ROW, col, name, header_fmt)
        numeric = [dtype.is_numeric() for dtype in df.dtypes]
        row = HEADER_ROW
        for row, values in enumerate(df.iter_rows(), start=HEADER_ROW + 1):
            for col, value in enumerate(values):
                if value is None:
                    continue
                if numeric[col] and isinstance(value, (int, float)) and not isinstance(value, bool):
                    if value == value and abs(value) != float("inf"):  # NaN / inf: left empty
                        ws.write_number(row, col, value)
                else:
                    ws.write_string(row, col, str(value), text_fmt)
        ws.freeze_panes(HEADER_ROW + 1, 0)
        ws.autofilter(HEADER_ROW, 0, max(row, HEADER_ROW), max(df.width - 1, 0))
    finally:
        workbook.close()


def to_bytes(df: pl.DataFrame, fmt: str, sheet: str, export_line: str) -> bytes:
    """The file's bytes (for a download button)."""
    buffer = io.BytesIO()
    if fmt == "csv":
        write_csv(df, buffer)
    else:
        write_xlsx(df, buffer, sheet, export_line)
    return buffer.getvalue()
