"""Test helpers: a tiny dataset with a regions seed, valid ids, and writers for every file format."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

from pipelines.contract.tables import COUNTY_CODE, TABLES

REGIONS_CSV = """region_code,name,level,parent_code,urban_rural
370000000000,山东省,province,,
370900000000,泰安市,city,370000000000,
370902000000,泰山区,county,370900000000,
370902001000,岱庙街道,township,370902000000,
370902001001,东关社区,village,370902001000,urban
370902001002,李庄村,village,370902001000,rural
370902002000,省庄镇,township,370902000000,
370902002001,王家村,village,370902002000,rural
370902002002,王家社区,village,370902002000,urban
370902002003,石腊村,village,370902002000,rural
370911000000,岱岳区,county,370900000000,
370911001000,粥店街道,township,370911000000,
370911001001,前旺村,village,370911001000,rural
"""
VILLAGE = "370902001002"
VILLAGE2 = "370911001001"
COUNTY = "370902"  # a county code as the later departments write it (6 digits)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, WEIGHTS)) % 11]


def make_id(n: int, birth: str = "19800101", area: str = "370902") -> str:
    body = f"{area}{birth}{n % 1000:03d}"
    return body + check_char(body)


def h(s) -> str:
    """A hash to compare ids in asserts without printing them."""
    return hashlib.sha256(str(s).encode()).hexdigest()[:12]


def make_dataset(root: Path) -> Path:
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "seeds" / "regions.csv").write_text(REGIONS_CSV, encoding="utf-8")
    (root / "raw").mkdir(exist_ok=True)
    return root


def table_dir(root: Path, table: str, period: str) -> Path:
    d = root / "raw" / TABLES[table].source / period
    d.mkdir(parents=True, exist_ok=True)
    return d


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    """openpyxl: str -> text cell, int/float -> numeric cell, date/datetime -> date cell."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([None if v == "" else v for v in r])
    wb.save(path)
    return path


class Err(str):
    """An Excel error cell in a test sheet (#VALUE!, #N/A …)."""


def write_xlsx_xlsxwriter(path: Path, rows: list[list]) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, Err):  # a formula whose cached result is the error
                ws.write_formula(i, j, "=1/0", None, str(v))
            elif isinstance(v, str):
                if v != "":
                    ws.write_string(i, j, v)
            elif isinstance(v, (dt.date, dt.datetime)):
                ws.write_datetime(i, j, v, datefmt)
            elif v is not None:
                ws.write_number(i, j, v)
    wb.close()
    return path


def write_xls(path: Path, rows: list[list]) -> Path:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    datefmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if isinstance(v, (dt.date, dt.datetime)):
                ws.write(i, j, v, datefmt)
            elif v != "" and v is not None:
                ws.write(i, j, v)
    wb.save(str(path))
    return path


PERIOD = "2026-03"
HEADERS = {name: t.headers for name, t in TABLES.items()}


def default_value(table: str, name: str, n: int):
    t = TABLES[table]
    col = t.column(name)
    special = {
        "region_code": VILLAGE,
        "household_id": "H1",
        "name": f"张{n}",
        "person_id": make_id(n),
        "relation": "户主",
        "household_size": "1",
        "disability_card_no": make_id(n) + "11",
        "disability_type": "视力",
        "disability_grade": "一级",
        "county_name": "泰山区",
        "township_name": "岱庙街道",
        "village_name": "李庄村",
        "risk_eliminated": "否",
        "eliminated_date": "",
        "payment_reference": f"P{n}",
        "payment_month": PERIOD,
        "destination_region_code": "",  # the first 变动类型 is 死亡: no destination
    }
    if col.kind == COUNTY_CODE:
        return COUNTY
    if name in special:
        return special[name]
    kind = col.kind
    if col.values:
        return next(iter(col.values))
    return {"money": "100", "date": "2026-03-05", "month": PERIOD, "text": f"T{n}"}[kind]


def make_row(table: str, n: int, **over) -> list:
    """A valid row of the table in contract column order; keyword arguments by column name override."""
    t = TABLES[table]
    return [over[c.name] if c.name in over else default_value(table, c.name, n) for c in t.columns]
