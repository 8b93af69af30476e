"""Reading a returned list: the warning or verification export (or the case export) filled in by an officer
in Excel or WPS, as XLSX, or a CSV with the same columns (product.md, "Disposition: closing the loop").

`read_returned(file_name, content) -> [Entry]`: one entry per non-blank row below the header, matched to
its case by 预警编号 and 首次预警期 and carrying 核查日期, 处置结果 and 处置说明. Columns are found by their
header (the header row is the first of the first rows that holds 预警编号: the export line may be above
it); other columns are ignored. `Entry.row` is the row number as Excel shows it (1-based, the header and
the export line counted). Judging the values is `record.record`'s work: a date cell comes back as a date,
anything typed as text stays as typed.

The content decides the format (a workbook whatever its name; text is CSV: UTF-8 with or without BOM,
else GB18030, comma- or tab-separated). Work is bounded: a file over 20 MB, or with more than 200,000
rows under its header, is refused, like anything unreadable, with :class:`ReturnedFileError`, whose
message never holds a cell's value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from pipelines.exports.labels import CHECKED_ON, NOTE, OUTCOME
from pipelines.exports.labels import INPUT_HEADERS as INPUTS
from pipelines.feedback.record import Entry

WARNING_ID, FIRST_PERIOD = "预警编号", "首次预警期"
REQUIRED = (WARNING_ID, FIRST_PERIOD)
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10  # the header is among the first rows (an export line may be above it)
DELIMITERS = (",", "\t")
_SPACE = re.compile(r"\s+")
# 首次预警期 as a spreadsheet may have rewritten it: 2026-09, 2026/9, 2026年9月, 2026-09-01, 2026/9/1.
_PERIOD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?|\s*\d{1,2}\s*日)?$")

csv.field_size_limit(MAX_BYTES)


class ReturnedFileError(ValueError):
    """A returned list that cannot be read (format, size, missing header). The message names the file
    and the problem, never a cell's value."""


def read_returned(file_name: str, content: bytes) -> list[Entry]:
    """The rows of a returned list as entries to record (see the module's docstring)."""
    if len(content) > MAX_BYTES:
        raise ReturnedFileError(f"{file_name}: 文件超过 20 MB (file over {MAX_BYTES // (1024 * 1024)} MB)")
    if not content.strip():
        raise ReturnedFileError(f"{file_name}: 空文件 (empty file)")
    from pipelines.ingest.sniff import sniff_format

    fmt = sniff_format(content[:1024])
    if fmt in ("xlsx", "xls"):
        rows = _workbook_rows(file_name, content, fmt)
    elif fmt == "csv":
        rows = _csv_rows(file_name, content)
    else:
        raise ReturnedFileError(f"{file_name}: 不是 XLSX 或 CSV 文件 (neither XLSX nor CSV)")
    return _entries(file_name, rows)


# ----------------------------------------------------------------------------------------------------
# Rows: (row number as Excel shows it, cells)
# ----------------------------------------------------------------------------------------------------


def _workbook_rows(file_name: str, content: bytes, fmt: str) -> list[tuple[int, list]]:
    """The first sheet's rows, from A1 (so that a row's index is its Excel row number)."""
    import python_calamine as pc

    from pipelines.ingest import excel_cells
    from pipelines.ingest.sniff import Unreadable, is_encrypted

    unreadable = ReturnedFileError(f"{file_name}: 工作簿无法读取 (the workbook cannot be read)")
    if fmt == "xls" and is_encrypted(content):
        raise ReturnedFileError(f"{file_name}: 文件有密码保护 (password-protected workbook)")
    try:
        data = excel_cells.prepare_xlsx(content)[0] if fmt == "xlsx" else content
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not wb.sheet_names:
            raise unreadable
        sheet = wb.get_sheet_by_index(0)
        end = sheet.end
        if end is not None and end[0] + 1 > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise _too_many_rows(file_name)
        if end is not None and (end[0] + 1) * (end[1] + 1) > excel_cells.MAX_SHEET_CELLS:
            raise ReturnedFileError(f"{file_name}: 工作表过大 (sheet over {excel_cells.MAX_SHEET_CELLS} cells)")
        rows = sheet.to_python(skip_empty_area=False)
    except ReturnedFileError:
        raise
    except pc.PasswordError:
        raise ReturnedFileError(f"{file_name}: 文件有密码保护 (password-protected workbook)") from None
    except Unreadable:
        raise unreadable from None
    except Exception:  # calamine raises various errors on corrupt content; never echo them
        raise unreadable from None
    return [(i, list(r)) for i, r in enumerate(rows, start=1)]


def _csv_rows(file_name: str, content: bytes) -> list[tuple[int, list]]:
    """The records of a CSV (a record over several lines, inside quotes, is one row, as Excel shows it)."""
    from pipelines.ingest.sniff import Unreadable, check_line_length, decode_text

    try:
        check_line_length(content)
        text, _ = decode_text(content)
    except Unreadable:
        raise ReturnedFileError(f"{file_name}: 文本无法读取 (the text cannot be decoded as UTF-8 or GB18030)") from None
    delimiter = _delimiter(text)
    rows = []
    try:
        for i, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if i > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many_rows(file_name)
            rows.append((i, record))
    except csv.Error:
        raise ReturnedFileError(f"{file_name}: CSV 格式错误 (malformed CSV)") from None
    return rows


def _delimiter(text: str) -> str:
    """The delimiter with which one of the first records holds 预警编号 (else the comma)."""
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            for _, record in zip(range(HEADER_SEARCH_ROWS), reader, strict=False):
                if WARNING_ID in (_header(c) for c in record):
                    return delimiter
        except csv.Error:
            continue
    return DELIMITERS[0]


def _too_many_rows(file_name: str) -> ReturnedFileError:
    return ReturnedFileError(f"{file_name}: 超过 {MAX_ROWS} 行 (over {MAX_ROWS:,} rows)")


# ----------------------------------------------------------------------------------------------------
# Entries
# ----------------------------------------------------------------------------------------------------


def _header(cell) -> str:
    return _SPACE.sub("", cell) if isinstance(cell, str) else ""


def _entries(file_name: str, rows: list[tuple[int, list]]) -> list[Entry]:
    header_at = next(
        (k for k, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]) if WARNING_ID in map(_header, cells)), None
    )
    if header_at is None:
        raise ReturnedFileError(
            f"{file_name}: 前{HEADER_SEARCH_ROWS}行没有表头“{WARNING_ID}” "
            f"(no header {WARNING_ID} in the first {HEADER_SEARCH_ROWS} rows)"
        )
    columns: dict[str, int] = {}
    for index, cell in enumerate(rows[header_at][1]):
        columns.setdefault(_header(cell), index)
    for name in REQUIRED:
        if name not in columns:
            raise ReturnedFileError(f"{file_name}: 缺少表头“{name}” (missing header {name})")
    if not any(name in columns for name in INPUTS):
        raise ReturnedFileError(
            f"{file_name}: 缺少表头“{CHECKED_ON}”“{OUTCOME}”“{NOTE}” "
            f"(missing headers {', '.join(INPUTS)}: nothing to record)"
        )
    body = rows[header_at + 1 :]
    if len(body) > MAX_ROWS:
        raise _too_many_rows(file_name)

    def cell(cells: list, name: str):
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    entries = []
    for number, cells in body:
        warning_id = _text(cell(cells, WARNING_ID))
        first_period = _period(cell(cells, FIRST_PERIOD))
        checked_on = _date_or_text(cell(cells, CHECKED_ON))
        outcome, note = _text(cell(cells, OUTCOME)), _text(cell(cells, NOTE))
        if all(v is None for v in (warning_id, first_period, checked_on, outcome, note)):
            continue  # a blank row (or a row of other columns only): not a row of the list
        entries.append(Entry(warning_id, first_period, checked_on, outcome, note, row=number))
    return entries


def _text(value) -> str | None:
    """A cell as the text it shows: numbers without a trailing .0, a date cell as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text or None


def _date_or_text(value):
    """核查日期: a date cell as a date (a time of day dropped), anything else as the text typed."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _text(value)


def _period(value) -> str | None:
    """首次预警期 as YYYY-MM: a spreadsheet turns a typed or CSV 2026-09 into a date (shown as 2026/9/1 or
    2026年9月); the month is what counts. Other text stays as typed (an unknown case)."""
    if isinstance(value, dt.date):  # a datetime too
        return f"{value.year:04d}-{value.month:02d}"
    text = _text(value)
    if text is None:
        return None
    match = _PERIOD.match(text)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    return text
