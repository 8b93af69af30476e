"""Writing a list: CSV (UTF-8 with BOM, header first) or XLSX (export line, header, table).

XLSX layout: row 1 the export line (`导出人: …  导出时间: …  条件: …`), row 2 the header, the table from
row 3; panes frozen below the header, the autofilter on the header row, column widths fitted to the
content (CJK and full-width characters count double). Every string is written with `write_string`, so
ids and codes are text cells whatever they look like, and nothing is ever read as a formula or a URL;
only integer and float columns are numbers; date columns are date cells (yyyy-mm-dd).

A list that an officer fills in and sends back (`outcomes` given: warnings, verifications, the case export)
gets, over its data rows: a drop-down of the outcomes on 处置结果 (one list for every row, or each row's
own), a date validation on 核查日期 (a date cell), and these two and 处置说明 unlocked, so they stay
editable even on a protected sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import polars as pl
import xlsxwriter

from pipelines.exports.labels import CHECKED_ON, INPUT_HEADERS, NOTE, OUTCOME

# East Asian wide and full-width characters (Hangul jamo, CJK, Hangul, compatibility, full-width forms).
WIDE = "[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
MIN_WIDTH = 6
MAX_WIDTH = 80
HEADER_ROW = 1  # 0-based: the export line is row 0
DATE_FORMAT = "yyyy-mm-dd"
MAX_LIST_SOURCE = 255  # Excel's limit on an inline drop-down list ("a,b,c")
# 核查日期 is a date from 2000 on and not after the day the file is filled in.
EARLIEST_CHECK = dt.date(2000, 1, 1)
NOTE_WIDTH = 40

# An outcome list for every data row, or one per data row (the case export mixes rule kinds).
Outcomes = Sequence[str] | Sequence[Sequence[str]]
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


def _outcome_runs(outcomes: Outcomes, rows: int) -> list[tuple[int, int, tuple[str, ...]]]:
    """(first, last, outcomes) over consecutive data rows (0-based within the data) with the same list."""
    if not rows:
        return []
    if all(isinstance(o, str) for o in outcomes):
        return [(0, rows - 1, tuple(outcomes))]
    if len(outcomes) != rows:
        raise ValueError(f"{len(outcomes)} outcome lists for {rows} rows")
    runs: list[tuple[int, int, tuple[str, ...]]] = []
    for i, choice in enumerate(outcomes):
        choice = tuple(choice)
        if runs and runs[-1][2] == choice and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i, choice)
        else:
            runs.append((i, i, choice))
    return runs


def _input_validations(ws, df: pl.DataFrame, outcomes: Outcomes, last_row: int) -> None:
    """The drop-down of 处置结果 and the date check of 核查日期 over the data rows."""
    rows = last_row - HEADER_ROW
    if OUTCOME in df.columns:
        col = df.columns.index(OUTCOME)
        for first, last, choice in _outcome_runs(outcomes, rows):
            if not choice:
                continue
            if len(",".join(choice)) >= MAX_LIST_SOURCE:
                raise ValueError(f"the outcomes of {OUTCOME} exceed Excel's {MAX_LIST_SOURCE} characters")
            ws.data_validation(
                HEADER_ROW + 1 + first,
                col,
                HEADER_ROW + 1 + last,
                col,
                {
                    "validate": "list",
                    "source": list(choice),
                    "input_title": OUTCOME,
                    "input_message": "从下拉列表中选择 choose from the list",
                    "error_title": OUTCOME,
                    "error_message": "请从下拉列表中选择 choose one of the listed outcomes",
                },
            )
    if CHECKED_ON in df.columns and rows:
        col = df.columns.index(CHECKED_ON)
        ws.data_validation(
            HEADER_ROW + 1,
            col,
            last_row,
            col,
            {
                "validate": "date",
                "criteria": "between",
                "minimum": EARLIEST_CHECK,
                "maximum": "=TODAY()",
                "input_title": CHECKED_ON,
                "input_message": "日期，如 2026-11-03，不晚于今天 a date, not in the future",
                "error_title": CHECKED_ON,
                "error_message": "请填写日期，如 2026-11-03，不晚于今天 a date such as 2026-11-03, not in the future",
            },
        )


def _input_widths(df: pl.DataFrame, widths: list[int], outcomes: Outcomes) -> list[int]:
    """Room for what is typed into the empty input columns: a date, the longest outcome and its drop-down
    button, a sentence of 说明."""
    choices = [outcomes] if all(isinstance(o, str) for o in outcomes) else outcomes
    longest = max((display_width(o) for choice in choices for o in choice), default=0)
    wanted = {CHECKED_ON: 12, OUTCOME: longest + 4, NOTE: NOTE_WIDTH}
    return [min(MAX_WIDTH, max(width, wanted.get(name, 0))) for name, width in zip(df.columns, widths, strict=True)]


def write_xlsx(
    df: pl.DataFrame,
    out: Path | BinaryIO,
    sheet: str,
    export_line: str,
    outcomes: Outcomes | None = None,
) -> None:
    """The table under its export line. `outcomes`: the list is one to fill in and send back (see the
    module's docstring): the outcomes of every data row's 处置结果 drop-down, or one list per data row."""
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
        date_fmt = workbook.add_format({"num_format": DATE_FORMAT})
        # The officer's columns: unlocked, and formatted for what is typed into their empty cells too.
        input_text_fmt = workbook.add_format({"num_format": "@", "locked": False})
        input_date_fmt = workbook.add_format({"num_format": DATE_FORMAT, "locked": False})
        inputs = set(INPUT_HEADERS) if outcomes is not None else set()
        dates = [dtype == pl.Date for dtype in df.dtypes]
        cell_fmt = []
        for name, is_date in zip(df.columns, dates, strict=True):
            if name in inputs:
                cell_fmt.append(input_date_fmt if name == CHECKED_ON else input_text_fmt)
            else:
                cell_fmt.append(date_fmt if is_date else text_fmt)
        widths = column_widths(df)
        if outcomes is not None:
            widths = _input_widths(df, widths, outcomes)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width, cell_fmt[col] if df.columns[col] in inputs else None)
        ws.write_string(0, 0, export_line)
        for col, name in enumerate(df.columns):
            ws.write_string(HEADER_ROW, col, name, header_fmt)
        numeric = [dtype.is_numeric() for dtype in df.dtypes]
        input_cols = [name in inputs for name in df.columns]
        row = HEADER_ROW
        for row, values in enumerate(df.iter_rows(), start=HEADER_ROW + 1):
            for col, value in enumerate(values):
                if value is None:
                    if input_cols[col]:  # an empty cell to fill in: formatted and unlocked all the same
                        ws.write_blank(row, col, None, cell_fmt[col])
                    continue
                if numeric[col] and isinstance(value, (int, float)) and not isinstance(value, bool):
                    if value == value and abs(value) != float("inf"):  # NaN / inf: left empty
                        ws.write_number(row, col, value)
                elif dates[col] and isinstance(value, dt.date):
                    ws.write_datetime(row, col, value, cell_fmt[col])
                else:
                    ws.write_string(row, col, str(value), cell_fmt[col])
        ws.freeze_panes(HEADER_ROW + 1, 0)
        ws.autofilter(HEADER_ROW, 0, max(row, HEADER_ROW), max(df.width - 1, 0))
        if outcomes is not None:
            _input_validations(ws, df, outcomes, row)
    finally:
        workbook.close()


def to_bytes(df: pl.DataFrame, fmt: str, sheet: str, export_line: str, outcomes: Outcomes | None = None) -> bytes:
    """The file's bytes (for a download button)."""
    buffer = io.BytesIO()
    if fmt == "csv":
        write_csv(df, buffer)
    else:
        write_xlsx(df, buffer, sheet, export_line, outcomes=outcomes)
    return buffer.getvalue()
