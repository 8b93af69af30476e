"""A small warehouse with the tables the exports read, written by hand with invented people.

The marts (`main_marts.fct_findings`, `fct_kpis`, `dim_region`) and the ingestion record (`raw.quarantine`,
`raw.files`) are created here with the schemas of docs/decisions.md and the brief, so the exports are
tested without running dbt. Every id is checksum-valid and invented.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.exports.labels import KPI_NAMES
from pipelines.generate.ids import check_char
from pipelines.publish import publish
from pipelines.settings import Locations

P = "2026-10"
P_PREV = "2026-09"
CITY = "370900000000"
C1, C2 = "370902000000", "370911000000"  # two counties
T1, T2 = "370902001000", "370911101000"  # a township in each
V1, V2 = "370902001001", "370911101201"  # a village in each


def person_id(body17: str) -> str:
    return body17 + check_char(body17)


# Invented persons: ids of the two counties, one with an X check character.
IDS = [
    person_id(b)
    for b in (
        "37090219800101123",
        "37090219751212004",
        "37091119900520331",
        "37091119620303256",
        "37090219900202103",
        "37091119881111019",
    )
]
assert IDS[4].endswith("X")
NAMES = ["张三", "欧阳娜娜", "李小明", "王", "司马光明", "赵四"]

REGIONS = [
    # region_code, name, level, parent_code, urban_rural, county_code, county_name, township_code,
    # township_name, city_code
    (CITY, "泰安市", "city", None, None, None, None, None, None, CITY),
    (C1, "泰山区", "county", CITY, None, C1, "泰山区", None, None, CITY),
    (C2, "岱岳区", "county", CITY, None, C2, "岱岳区", None, None, CITY),
    (T1, "财源街道", "township", C1, None, C1, "泰山区", T1, "财源街道", CITY),
    (T2, "粥店街道", "township", C2, None, C2, "岱岳区", T2, "粥店街道", CITY),
    (V1, "东岳社区", "village", T1, "urban", C1, "泰山区", T1, "财源街道", CITY),
    (V2, "李庄村", "village", T2, "rural", C2, "岱岳区", T2, "粥店街道", CITY),
]

SRC_DIBAO = f"raw/civil_affairs/{P}/dibao_370902.xlsx"
SRC_CARDS = f"raw/disability_federation/{P}/disability_cards_370911.csv"
SRC_MON = f"raw/rural_revitalisation/{P}/monitoring_370911.xlsx"

# (period, warning_id, rule_id, rule_name, kind, severity, person, name, household, persons, region,
#  value, threshold, first_period, consecutive, source_rows)
FINDINGS = [
    (
        P,
        "W02-0a1b2c3d4e5f",
        "W02",
        "重度残疾人未享护理补贴",
        "warning",
        "yellow",
        2,
        2,
        None,
        1,
        V2,
        "1",
        None,
        P,
        1,
        f"{SRC_CARDS}:5",
    ),
    (
        P,
        "W04-111111111111",
        "W04",
        "突发严重困难户未获临时救助",
        "warning",
        "red",
        3,
        3,
        "H0009",
        4,
        V2,
        "12",
        "30",
        P_PREV,
        2,
        f"{SRC_MON}:7;{SRC_MON}:8;{SRC_MON}:9;{SRC_MON}:10",
    ),
    (
        P,
        "W05-222222222222",
        "W05",
        "失能特困人员分散供养无照料协议",
        "warning",
        "orange",
        0,
        0,
        None,
        1,
        V1,
        "全失能",
        None,
        P,
        1,
        f"raw/civil_affairs/{P}/tekun_370902.xlsx:3",
    ),
    (
        P,
        "W01-333333333333",
        "W01",
        "监测户收入低于低保标准未纳入保障",
        "warning",
        "orange",
        5,
        5,
        "H0001",
        3,
        V2,
        "512.50",
        "657.00",
        P,
        1,
        f"{SRC_MON}:12;{SRC_MON}:13",
    ),
    (
        P,
        "V01-444444444444",
        "V01",
        "低保特困重复享受",
        "verification",
        "orange",
        1,
        1,
        None,
        1,
        V1,
        None,
        None,
        P,
        1,
        f"{SRC_DIBAO}:12;raw/civil_affairs/{P}/tekun_370902.xlsx:4",
    ),
    (
        P,
        "V04-555555555555",
        "V04",
        "低保金超过补差上限",
        "verification",
        "yellow",
        4,
        4,
        "D0042",
        2,
        V1,
        "1400.00",
        "1314.00",
        P_PREV,
        2,
        f"{SRC_DIBAO}:20;{SRC_DIBAO}:21",
    ),
    (
        P_PREV,
        "W02-0a1b2c3d4e5f",
        "W02",
        "重度残疾人未享护理补贴",
        "warning",
        "yellow",
        2,
        2,
        None,
        1,
        V2,
        "2",
        None,
        P_PREV,
        1,
        f"raw/disability_federation/{P_PREV}/disability_cards_370911.csv:5",
    ),
]

# KPI values: a rate 1/3 at full precision, a null rate, counts and amounts.
KPI_REGIONS = [(CITY, "city"), (C1, "county"), (C2, "county"), (T1, "township"), (T2, "township")]


def kpi_value(indicator: str, region: str) -> float | None:
    if indicator == "K02_urban_rate" and region == T2:
        return None  # denominator 0
    if indicator == "K04_rate":
        return 1 / 22  # 0.045454545454545456: 17 significant digits after a leading zero
    if indicator.endswith(("rate", "coverage")):
        return 1 / 3
    return float(len(indicator) * 10 + int(region[4:6]))


def _quarantine_rows():
    cards_row = json.dumps({"行政区划代码": V2, "姓名": NAMES[2], "残疾人证号": IDS[2] + "41"}, ensure_ascii=False)
    dibao_row = json.dumps({"区划代码": V1, "姓名": NAMES[0], "身份证号": IDS[0]}, ensure_ascii=False)
    mon_row = json.dumps(
        {"县(市、区)": "岱岳区", "乡(镇、街道)": "粥店街道", "行政村": "李庄", "证件号码": IDS[3]}, ensure_ascii=False
    )
    bad_region = json.dumps({"行政区划代码": "3709", "身份证号": IDS[4]}, ensure_ascii=False)
    return [
        # period, source, table_name, file, row_number, reason, column_name, raw_value, raw_row
        (P, "civil_affairs", "dibao", SRC_DIBAO, 7, "id_checksum", "身份证号", IDS[0][:17] + "0", dibao_row),
        (P, "civil_affairs", "dibao", SRC_DIBAO, 9, "value_missing", "姓名", NAMES[1], dibao_row),
        (P, "civil_affairs", "dibao", SRC_DIBAO, 11, "date_format", "审批日期", "2026-13-45", dibao_row),
        # an id typed into another column: the conservative mask must still hide it
        (P, "civil_affairs", "dibao", SRC_DIBAO, 13, "enum_value", "与户主关系", "见" + IDS[1], dibao_row),
        (P, "civil_affairs", "dibao", SRC_DIBAO, 15, "region_unknown", "行政区划代码", "3709", bad_region),
        (
            P,
            "disability_federation",
            "disability_cards",
            SRC_CARDS,
            4,
            "card_format",
            "残疾人证号",
            IDS[2] + "91",
            cards_row,
        ),
        (P, "rural_revitalisation", "monitoring", SRC_MON, 6, "id_birthdate", "证件号码", IDS[3], mon_row),
        (
            P,
            "civil_affairs",
            "dibao",
            f"raw/civil_affairs/{P}/dibao_补报.xlsx",
            None,
            "missing_columns",
            None,
            "身份证号、姓名",
            None,
        ),
        (
            P_PREV,
            "civil_affairs",
            "dibao",
            f"raw/civil_affairs/{P_PREV}/dibao_370902.xlsx",
            5,
            "id_format",
            "身份证号",
            IDS[5],
            dibao_row,
        ),
    ]


FILES = [
    # period, source, table_name, file, status, reason, read, loaded, quarantined, duplicate, footer_blank
    (P, "civil_affairs", "dibao", SRC_DIBAO, "loaded", None, 120, 110, 5, 3, 2),
    (
        P,
        "civil_affairs",
        "dibao",
        f"raw/civil_affairs/{P}/dibao_补报.xlsx",
        "rejected",
        "missing_columns",
        0,
        0,
        0,
        0,
        0,
    ),
    (P, "disability_federation", "disability_cards", SRC_CARDS, "loaded", None, 40, 39, 1, 0, 0),
    (P, "rural_revitalisation", "monitoring", SRC_MON, "loaded", None, 60, 59, 1, 0, 0),
    (
        P_PREV,
        "civil_affairs",
        "dibao",
        f"raw/civil_affairs/{P_PREV}/dibao_370902.xlsx",
        "loaded",
        None,
        100,
        99,
        1,
        0,
        0,
    ),
]


def build_warehouse(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema main_marts")
        con.execute("create schema raw")
        con.execute("""create table main_marts.dim_region (region_code varchar, name varchar, level varchar,
            parent_code varchar, urban_rural varchar, county_code varchar, county_name varchar,
            township_code varchar, township_name varchar, city_code varchar)""")
        con.executemany("insert into main_marts.dim_region values (?,?,?,?,?,?,?,?,?,?)", REGIONS)
        con.execute("""create table main_marts.fct_findings (period varchar, warning_id varchar,
            rule_id varchar, rule_name varchar, kind varchar, severity varchar, subject_person_id varchar,
            subject_name varchar, household_id varchar, persons_involved integer, region_code varchar,
            value varchar, threshold varchar, first_period varchar, consecutive_periods integer,
            source_rows varchar)""")
        con.executemany(
            "insert into main_marts.fct_findings values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(f[0], f[1], f[2], f[3], f[4], f[5], IDS[f[6]], NAMES[f[7]], *f[8:]) for f in FINDINGS],
        )
        con.execute("""create table main_marts.fct_kpis (period varchar, region_code varchar, level varchar,
            indicator_id varchar, value double)""")
        con.executemany(
            "insert into main_marts.fct_kpis values (?,?,?,?,?)",
            [(P, code, level, k, kpi_value(k, code)) for code, level in KPI_REGIONS for k in KPI_NAMES]
            + [(P_PREV, CITY, "city", "K01_persons", 1.0)],
        )
        con.execute("""create table raw.quarantine (period varchar, source varchar, table_name varchar,
            file varchar, row_number integer, reason varchar, column_name varchar, raw_value varchar,
            raw_row varchar, loaded_at timestamp)""")
        con.executemany("insert into raw.quarantine values (?,?,?,?,?,?,?,?,?, now())", _quarantine_rows())
        con.execute("""create table raw.files (period varchar, source varchar, table_name varchar,
            file varchar, status varchar, reason varchar, rows_read integer, rows_loaded integer,
            rows_quarantined integer, rows_duplicate integer, rows_footer_blank integer,
            extra_columns varchar[], loaded_at timestamp, run_id varchar)""")
        con.executemany("insert into raw.files values (?,?,?,?,?,?,?,?,?,?,?, null, now(), 'r1')", FILES)
    finally:
        con.close()


@pytest.fixture(scope="session")
def locations(tmp_path_factory) -> Locations:
    root = tmp_path_factory.mktemp("exports")
    loc = Locations(data=root / "data", warehouse=root / "warehouse")
    build_warehouse(loc.duckdb_path)
    publish(loc, "fixture-run")  # the exports read the published snapshot
    return loc
