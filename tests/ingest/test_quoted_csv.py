"""Text with quotes is read by polars, also when a quoted cell holds a line break (the record spans lines):
cells and row numbers (the line a record starts on) are exactly what the csv module reads."""

from __future__ import annotations

import csv
import io
import random

import polars as pl
import pytest

from pipelines.ingest import read


def by_csv_module(text: str, delim: str) -> pl.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows, starts, prev = [], [], 0
    for record in reader:
        rows.append(record)
        starts.append(prev + 1)
        prev = reader.line_num
    return read._sheet_from_rows(rows, starts, "utf-8", delim).frame


def without_empty_trailing_columns(frame: pl.DataFrame) -> pl.DataFrame:
    while frame.width > 2 and (frame[frame.columns[-1]] == "").all():
        frame = frame.drop(frame.columns[-1])
    return frame


CELLS = ['"a\nb"', '"x\r\ny"', '"q,""w"""', "", '"multi\nline\nthree"', "abc", "张三", "370902", "1.5", "是"]


@pytest.mark.parametrize("seed", range(40))
def test_records_spanning_lines_read_as_the_csv_module_reads_them(seed):
    rng = random.Random(seed)
    eol = "\r\n" if seed % 2 else "\n"
    records = [",".join(rng.choice(CELLS) for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 60))]
    text = eol.join(records) + (eol if seed % 3 else "")
    sheet = read._read_quoted_csv(text, "utf-8", ",")
    assert sheet is not None  # polars' reading was accepted, not left to the csv module
    got = without_empty_trailing_columns(sheet.frame)
    assert got.equals(without_empty_trailing_columns(by_csv_module(text, ","))), text


def test_a_record_wider_than_any_line_loses_no_cell():
    """The widest record spans lines: counted by lines alone it would be cut to the widest line."""
    text = 'a,b\n1,2,"x\ny",3,4\nc,d\n'  # no line holds more than two commas; the record holds four
    sheet = read._read_quoted_csv(text, "utf-8", ",")
    assert sheet is not None
    assert sheet.frame.row(1) == (2, "1", "2", "x\ny", "3", "4")
    assert sheet.frame["row"].to_list() == [1, 2, 4]
