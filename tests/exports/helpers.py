"""Reading exports back: openpyxl for XLSX, polars for CSV, and the whole text of either file."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import polars as pl

FULL_ID = re.compile(r"\d{17}[\dX]")
BOM = b"\xef\xbb\xbf"


def file_text(path: Path) -> str:
    """Every character the file holds: the CSV's text, or every XML part of the workbook."""
    if path.suffix == ".csv":
        return path.read_bytes().decode("utf-8-sig")
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))


def has_full_id(path: Path) -> bool:
    return FULL_ID.search(file_text(path)) is not None


def read_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False, encoding="utf8")  # every column as text


def open_sheet(path: Path):
    wb = openpyxl.load_workbook(path)  # not read-only: freeze panes and column widths are needed
    return wb.active


def xlsx_header(ws) -> list[str]:
    return [c.value for c in ws[2]]


def xlsx_rows(ws) -> list[tuple]:
    """The table's data rows (row 3 on), as cells."""
    return [row for row in ws.iter_rows(min_row=3) if any(c.value is not None for c in row)]


def column_cells(ws, header: str) -> list:
    index = xlsx_header(ws).index(header)
    return [row[index] for row in xlsx_rows(ws)]
