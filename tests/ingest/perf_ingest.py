"""Throughput of ingestion (not a unit test): python -m tests.ingest.perf_ingest [rows_csv] [rows_xlsx]."""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.ingest.load import ingest_table_period
from pipelines.ingest.read import read_file
from tests.ingest.helpers import HEADERS, PERIOD, make_dataset, make_id, make_row, table_dir, write_csv


def rows(n: int, numeric: bool = False) -> list[list]:
    rnd = random.Random(1)
    out = [["低保对象名册"], list(HEADERS["dibao"])]
    for i in range(n):
        hh = f"H{i // 3}"
        r = make_row(
            "dibao",
            i,
            household_id=hh,
            person_id=make_id(i, f"19{rnd.randint(40, 99)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}"),
            relation="户主" if i % 3 == 0 else "子女",
            household_size="3",
            monthly_income_per_capita=f"{rnd.randint(100, 900)}.{rnd.randint(0, 99):02d}",
            monthly_benefit="¥1,200.00",
            approval_date="2025-1-5",
        )
        if numeric:
            r[7], r[8], r[9] = 3, float(r[8]), 1200.0
        if i % 1000 == 7:
            r[3] = "3.70902E+17"
        out.append(r)
    return out


def main(n_csv: int = 200_000, n_xlsx: int = 50_000) -> None:
    import xlsxwriter

    root = make_dataset(Path(tempfile.mkdtemp()) / "ds")
    d = table_dir(root, "dibao", PERIOD)
    write_csv(d / "dibao_a.csv", rows(n_csv), "gb18030")
    con = duckdb.connect()
    t = time.perf_counter()
    read_file(d / "dibao_a.csv")
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    res = ingest_table_period(con, root, "dibao", PERIOD, "perf")
    dt_csv = time.perf_counter() - t
    print(
        f"CSV  GB18030 {n_csv} rows: read {t_read:.2f}s; read+validate+load {dt_csv:.2f}s "
        f"= {n_csv / dt_csv:,.0f} rows/s (loaded {res.rows_loaded}, quarantined {res.rows_quarantined})"
    )
    (d / "dibao_a.csv").unlink()

    p = d / "dibao_b.xlsx"
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True})
    ws = wb.add_worksheet()
    for i, r in enumerate(rows(n_xlsx, numeric=True)):
        for j, v in enumerate(r):
            (ws.write_string if isinstance(v, str) else ws.write_number)(i, j, v)
    wb.close()
    t = time.perf_counter()
    read_file(p)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    res = ingest_table_period(con, root, "dibao", PERIOD, "perf")
    dt_x = time.perf_counter() - t
    print(
        f"XLSX {n_xlsx} rows: read {t_read:.2f}s; read+validate+load {dt_x:.2f}s "
        f"= {n_xlsx / dt_x:,.0f} rows/s (loaded {res.rows_loaded}, quarantined {res.rows_quarantined})"
    )


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
