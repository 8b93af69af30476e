"""End to end: files on disk -> raw.* in DuckDB. Asserts on counts, reasons, columns and row numbers only."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest

from pipelines.contract.tables import TABLES
from pipelines.ingest.load import ReconciliationError, ingest_table_period, period_status
from tests.ingest.helpers import (
    HEADERS,
    PERIOD,
    VILLAGE,
    h,
    make_id,
    make_row,
    table_dir,
    write_csv,
    write_xls,
    write_xlsx,
    write_xlsx_xlsxwriter,
)


def q(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


def quarantine(con, table):
    return q(
        con,
        "SELECT row_number, reason, column_name FROM raw.quarantine WHERE table_name = ? ORDER BY file, row_number",
        table,
    )


def files(con, table):
    return q(
        con,
        "SELECT file, status, reason, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
        "rows_footer_blank FROM raw.files WHERE table_name = ? ORDER BY file",
        table,
    )


def reconcile(res):
    for f in res.files:
        assert f.rows_read == f.loaded + f.quarantined + f.duplicate + f.footer_blank


def bad_check(n: int) -> str:
    s = make_id(n)
    return s[:17] + ("0" if s[17] != "0" else "1")


# ------------------------------------------------------------------------------------------------------
def test_dibao_csv_variants_and_reasons(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    header = list(HEADERS["dibao"])
    # aliases written with spaces, line breaks and full-width characters; columns reordered; an extra column
    header[0] = "区划 代码"
    header[3] = "身份证\n号码"  # a line break: the header record spans lines 4-5
    header[9] = "月保障金额（元）"
    perm = [3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    written_header = [header[i] for i in perm] + ["备注"]

    def w(row):
        return [row[i] for i in perm] + ["x"]

    rows = [
        ["低保对象名册"],  # 1 title
        ["制表单位：某某街道", "", ""],  # 2 note
        [],  # 3 blank
        written_header,  # 4 header
        w(make_row("dibao", 1)),  # 5 ok
        w(make_row("dibao", 2, person_id=" 3709 02198001010027 ", relation="配偶")),  # 6 ok (spaces)
        w(make_row("dibao", 3, person_id="")),  # 7 id_missing
        w(make_row("dibao", 4, person_id="3.70902E+17")),  # 8 id_mangled
        w(make_row("dibao", 5, person_id="37090219800101005")),  # 9 id_format
        w(make_row("dibao", 6, person_id=bad_check(6))),  # 10 id_checksum
        w(make_row("dibao", 7, person_id=make_id(7, "19800230"))),  # 11 id_birthdate
        w(make_row("dibao", 8, name="  ")),  # 12 value_missing 姓名
        w(make_row("dibao", 9, household_size="0")),  # 13 integer_format
        w(make_row("dibao", 10, approval_date="25-1-5")),  # 14 date_format
        w(make_row("dibao", 11, monthly_benefit="-5")),  # 15 amount_negative
        w(make_row("dibao", 12, monthly_income_per_capita="三百")),  # 16 amount_format
        w(make_row("dibao", 13, status="暂停")),  # 17 enum_value
        w(make_row("dibao", 14, region_code="370902001999")),  # 18 region_unknown
        ["", "", ""],  # 19 blank
        w(make_row("dibao", 15, status="x", approval_date="x")),  # 20 first failing: 审批日期 before 状态
        w(make_row("dibao", 16, region_code="", status="x")),  # 21 value_missing 行政区划代码
        ["", "合计：16人", "", "", "", "", "", "", "", "", "", ""],  # 22 footer (id column is first)
        ["", ""],  # trailing blank: not read
    ]
    write_csv(d / "dibao_370902.csv", rows, "gb18030")
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "run1")
    reconcile(res)
    assert quarantine(con, "dibao") == [
        (8, "id_missing", "身份证号"),
        (9, "id_mangled", "身份证号"),
        (10, "id_format", "身份证号"),
        (11, "id_checksum", "身份证号"),
        (12, "id_birthdate", "身份证号"),
        (13, "value_missing", "姓名"),
        (14, "integer_format", "保障人口数"),
        (15, "date_format", "审批日期"),
        (16, "amount_negative", "月保障金(元)"),
        (17, "amount_format", "家庭月人均收入(元)"),
        (18, "enum_value", "状态"),
        (19, "region_unknown", "行政区划代码"),
        (21, "date_format", "审批日期"),
        (22, "value_missing", "行政区划代码"),
    ]
    assert files(con, "dibao") == [("raw/civil_affairs/2026-03/dibao_370902.csv", "loaded", None, 18, 2, 14, 0, 2)]
    assert q(con, "SELECT extra_columns FROM raw.files") == [(["备注"],)]
    assert q(
        con,
        "SELECT source_row, status, household_size, monthly_benefit, approval_date, relation "
        "FROM raw.dibao ORDER BY source_row",
    ) == [
        (6, "active", 1, Decimal("100.00"), dt.date(2026, 3, 5), "head"),
        (7, "active", 1, Decimal("100.00"), dt.date(2026, 3, 5), "spouse"),
    ]
    # the raw row is kept as JSON keyed by the header as written
    raw_row, raw_value = q(con, "SELECT raw_row, raw_value FROM raw.quarantine WHERE row_number = 18")[0]
    assert '"备注":"x"' in raw_row and raw_value == "暂停"
    assert res.reasons["id_missing"] == 1 and sum(res.reasons.values()) == 14
    # the hashes of the loaded ids equal those of the valid ids: no id ever printed
    ids = [h(r[0]) for r in q(con, "SELECT person_id FROM raw.dibao ORDER BY source_row")]
    expected = [h(make_id(1)), h(make_id(2))]
    assert ids == expected


def test_xlsx_numeric_and_date_cells(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    legacy = make_id(1)[:6] + make_id(1)[8:17]  # 15-digit legacy form
    rows = [
        ["表"],
        list(HEADERS["dibao"]),
        make_row(
            "dibao",
            1,
            region_code=int(VILLAGE),
            person_id=int(legacy),
            household_size=2,
            monthly_benefit=500.5,
            approval_date=dt.date(2025, 1, 5),
        ),  # 3 ok
        make_row(
            "dibao", 2, household_id="H2", person_id=float(make_id(2)[:17] + "0"), approval_date=46086
        ),  # 4 id_mangled
        make_row("dibao", 3, household_id="H3", approval_date=46086, monthly_income_per_capita=1234.565),  # 5 ok
        make_row("dibao", 4, household_id="H4", approval_date=20250105),  # 6 ok (8-digit)
        make_row("dibao", 5, household_id="H5", region_code=370902001),  # 7 region_unknown
        make_row("dibao", 6, household_id="H6", household_size=1.5),  # 8 integer_format
        make_row(
            "dibao",
            7,
            household_id="H7",
            person_id=make_id(7).lower()[:17] + "x" if make_id(7).endswith("X") else make_id(7),
        ),  # 9 ok
    ]
    write_xlsx_xlsxwriter(d / "dibao.xlsx", rows)
    res = ingest_table_period(con, dataset, "dibao", PERIOD, "run1")
    reconcile(res)
    assert quarantine(con, "dibao") == [
        (4, "id_mangled", "身份证号"),
        (7, "region_unknown", "行政区划代码"),
        (8, "integer_format", "保障人口数"),
    ]
    got = q(
        con,
        "SELECT source_row, region_code, household_size, monthly_benefit, monthly_income_per_capita, "
        "approval_date FROM raw.dibao ORDER BY source_row",
    )
    assert got[0] == (3, VILLAGE, 2, Decimal("500.50"), Decimal("100.00"), dt.date(2025, 1, 5))
    assert got[1][4:] == (Decimal("1234.57"), dt.date(2026, 3, 5))
    assert got[2][5] == dt.date(2025, 1, 5)
    pid = q(con, "SELECT person_id FROM raw.dibao WHERE source_row = 3")[0][0]
    same = h(pid) == h(make_id(1))  # the legacy id converted to 18 characters
    assert same


def test_legacy_xls_and_duplicates_across_csv_and_xlsx(dataset, con):
    d = table_dir(dataset, "tekun", PERIOD)
    rows = [list(HEADERS["tekun"])] + [make_row("tekun", i) for i in range(1, 5)]
    write_csv(d / "tekun_a.csv", rows, "utf-8-sig")
    typed = [list(HEADERS["tekun"])] + [
        make_row("tekun", i, monthly_basic_living=100, recognition_date=dt.date(2026, 3, 5)) for i in range(1, 4)
    ]
    write_xlsx_xlsxwriter(d / "tekun_b.xlsx", typed)  # rows 1-3 again, as numbers and date cells
    write_xls(d / "tekun_c.xls", [["特困人员名册"], list(HEADERS["tekun"]), make_row("tekun", 9), make_row("tekun", 9)])
    res = ingest_table_period(con, dataset, "tekun", PERIOD, "run1")
    reconcile(res)
    assert files(con, "tekun") == [
        ("raw/civil_affairs/2026-03/tekun_a.csv", "loaded", None, 4, 4, 0, 0, 0),
        ("raw/civil_affairs/2026-03/tekun_b.xlsx", "loaded", None, 3, 0, 0, 3, 0),
        ("raw/civil_affairs/2026-03/tekun_c.xls", "loaded", None, 2, 1, 0, 1, 0),
    ]
    assert q(con, "SELECT source_row FROM raw.tekun WHERE source_file LIKE '%tekun_c.xls'") == [(3,)]


def test_tekun_enum_variants(dataset, con):
    d = table_dir(dataset, "tekun", PERIOD)
    rows = [
        list(HEADERS["tekun"]),
        make_row("tekun", 1, care_mode="集中", self_care="完全失能"),
        make_row("tekun", 2, care_mode="分散", self_care="部分失能"),
        make_row("tekun", 3, self_care="自理"),
        make_row("tekun", 4, self_care="能自理", has_care_agreement="无"),
        make_row("tekun", 5, care_mode="集中供养 "),
        make_row("tekun", 6, care_mode="供养"),
        make_row("tekun", 7, has_care_agreement="是"),
    ]
    write_csv(d / "tekun.csv", rows)
    ingest_table_period(con, dataset, "tekun", PERIOD, "r")
    assert q(con, "SELECT care_mode, self_care, has_care_agreement FROM raw.tekun ORDER BY source_row") == [
        ("centralized", "none", True),
        ("dispersed", "partial", True),
        ("centralized", "full", True),
        ("centralized", "full", False),
        ("centralized", "full", True),
    ]
    assert quarantine(con, "tekun") == [(7, "enum_value", "供养方式"), (8, "enum_value", "照料服务协议")]


def test_whole_file_rejections_and_completeness(dataset, con):
    d = table_dir(dataset, "near_dibao", PERIOD)
    hdr = list(HEADERS["near_dibao"])
    write_csv(d / "near_dibao_1.csv", [hdr[:3] + hdr[4:], make_row("near_dibao", 1)])  # no 身份证号
    (d / "near_dibao_2.xlsx").write_bytes(b"PK\x03\x04 corrupt")
    (d / "near_dibao_3.csv").write_bytes(b"")
    (d / "near_dibao_4.xls").write_bytes(bytes(range(256)) * 4)
    write_xlsx(d / "near_dibao_5.xls", [hdr, make_row("near_dibao", 5)])  # xlsx content named .xls
    write_xlsx(d / "near_dibao_6.xlsx", [[], ["名册"], hdr[:-1]])  # header incomplete
    res = ingest_table_period(con, dataset, "near_dibao", PERIOD, "r")
    reconcile(res)
    assert [(f[1], f[2], f[3]) for f in files(con, "near_dibao")] == [
        ("rejected", "missing_columns", 0),
        ("rejected", "file_unreadable", 0),
        ("rejected", "file_unreadable", 0),
        ("rejected", "file_unreadable", 0),
        ("loaded", None, 1),
        ("rejected", "missing_columns", 0),
    ]
    assert q(con, "SELECT reason, row_number, column_name, raw_value FROM raw.quarantine ORDER BY file") == [
        ("missing_columns", None, None, "身份证号"),
        # a file rejected whole as unreadable names its cause (never data)
        ("file_unreadable", None, None, "xlsx 内容无法读取 (xlsx content could not be read)"),
        ("file_unreadable", None, None, "空文件 (empty file)"),
        ("file_unreadable", None, None, "二进制内容 (binary content)"),
        ("missing_columns", None, None, "认定日期"),
    ]
    # near_dibao is the only table on file, so the only one expected, and one of its files was read
    st = period_status(con, dataset)
    assert [(s.period, s.complete, s.expected) for s in st] == [(PERIOD, True, ("near_dibao",))]
    assert st[0].tables_read["near_dibao"] is True and st[0].tables_read["dibao"] is False


def test_complete_period(dataset, con):
    for t in TABLES:
        write_csv(table_dir(dataset, t, PERIOD) / f"{t}.csv", [list(HEADERS[t]), make_row(t, 1)])
    for t in TABLES:
        res = ingest_table_period(con, dataset, t, PERIOD, "r")
        assert res.rows_loaded == 1, t
    assert [(s.period, s.complete) for s in period_status(con, dataset)] == [(PERIOD, True)]


def test_idempotent_reingestion(dataset, con):
    d = table_dir(dataset, "dibao", PERIOD)
    write_csv(
        d / "dibao.csv",
        [
            list(HEADERS["dibao"]),
            make_row("dibao", 1),
            make_row("dibao", 2, name=""),
            make_row("dibao", 3, relation="配偶", household_size="x"),
        ],
    )
    for _ in range(3):
        ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    assert q(con, "SELECT count(*) FROM raw.dibao") == [(1,)]
    assert q(con, "SELECT count(*) FROM raw.quarantine") == [(2,)]
    assert q(con, "SELECT count(*) FROM raw.files") == [(1,)]
    # a fixed file replaces the period
    write_csv(d / "dibao.csv", [list(HEADERS["dibao"]), make_row("dibao", 1)])
    ingest_table_period(con, dataset, "dibao", PERIOD, "r2")
    assert q(con, "SELECT count(*) FROM raw.quarantine") == [(0,)]
    assert q(con, "SELECT run_id FROM raw.files") == [("r2",)]


def test_temporary_assistance(dataset, con):
    d = table_dir(dataset, "temporary_assistance", PERIOD)
    rows = [
        list(HEADERS["temporary_assistance"]),
        make_row("temporary_assistance", 1, reason=""),  # 2 ok, reason optional
        make_row("temporary_assistance", 2, payment_date="2026-02-28"),  # 3 period_mismatch
        make_row("temporary_assistance", 3, payment_date="2026/3/31 23:59"),  # 4 ok
        make_row("temporary_assistance", 4, payment_reference="P1", amount="¥2,000.00元"),  # 5 conflict w/ 2
        make_row("temporary_assistance", 5, payment_date="2026-4-1", amount="-1"),  # 6 amount first
        make_row("temporary_assistance", 6, payment_reference=""),
    ]  # 7 value_missing
    write_csv(d / "temporary_assistance.csv", rows)
    res = ingest_table_period(con, dataset, "temporary_assistance", PERIOD, "r")
    assert quarantine(con, "temporary_assistance") == [
        (3, "period_mismatch", "救助日期"),
        (6, "amount_negative", "救助金额(元)"),
        (7, "value_missing", "救助流水号"),
    ]
    assert res.quality == {"reference_conflict": 2}
    assert q(con, "SELECT reason IS NULL FROM raw.temporary_assistance WHERE source_row = 2") == [(True,)]


def test_household_quality(dataset, con):
    d = table_dir(dataset, "near_dibao", PERIOD)
    rows = [
        list(HEADERS["near_dibao"]),
        make_row("near_dibao", 1, household_id="A"),
        make_row("near_dibao", 2, household_id="A", relation="子女", monthly_income_per_capita="200"),
        make_row("near_dibao", 3, household_id="B", relation="配偶"),
        make_row("near_dibao", 4, household_id="C"),
        make_row("near_dibao", 5, household_id="C"),
        make_row("near_dibao", 6, household_id="D"),
        make_row("near_dibao", 7, household_id="D", relation="子女", family_type="x"),
    ]  # quarantined: no member
    write_csv(d / "near_dibao.csv", rows)
    res = ingest_table_period(con, dataset, "near_dibao", PERIOD, "r")
    assert res.quality == {"household_inconsistent": 1, "household_no_head": 1, "household_several_heads": 1}
    assert q(con, "SELECT row_number, code, column_name FROM raw.quality_issues ORDER BY row_number, code") == [
        (2, "household_inconsistent", "家庭月人均收入(元)"),
        (4, "household_no_head", "与户主关系"),
        (5, "household_several_heads", "与户主关系"),
    ]


def test_monitoring_names(dataset, con):
    d = table_dir(dataset, "monitoring", PERIOD)
    hdr = list(HEADERS["monitoring"])
    hdr[0], hdr[1], hdr[2] = "县", "乡镇", "村"  # aliases
    rows = [
        hdr,
        make_row("monitoring", 1),  # 2 ok
        make_row("monitoring", 2, township_name="岱庙街道办事处", village_name="李庄村委会"),  # 3 ok
        make_row("monitoring", 3, township_name="省庄镇", village_name="王家"),  # 4 ambiguous
        make_row("monitoring", 4, township_name="省庄镇", village_name="石腊村民委员会"),  # 5 ok
        make_row("monitoring", 5, county_name="泰 山区 "),  # 6 ok (white space)
        make_row("monitoring", 6, county_name="东平县"),  # 7 unmatched (county)
        make_row("monitoring", 7, village_name="张庄"),  # 8 unmatched (village)
        make_row("monitoring", 8, township_name="", village_name="张庄"),  # 9 value_missing 乡
        make_row("monitoring", 9, risk_eliminated="是"),  # 10 value_missing 消除时间
        make_row("monitoring", 10, eliminated_date="2026-03-01"),  # 11 ok, inconsistent
        make_row("monitoring", 11, risk_eliminated="是", eliminated_date="2026-3-2"),  # 12 ok
        make_row("monitoring", 12, county_name="东平县", person_id=""),
    ]  # 13 unmatched: village col
    write_csv(d / "monitoring.csv", rows)
    res = ingest_table_period(con, dataset, "monitoring", PERIOD, "r")
    reconcile(res)
    assert q(con, "SELECT row_number, reason, column_name, raw_value FROM raw.quarantine ORDER BY row_number") == [
        (4, "region_ambiguous", "行政村", "王家"),
        (7, "region_unmatched", "行政村", "东平县"),
        (8, "region_unmatched", "行政村", "张庄"),
        (9, "value_missing", "乡(镇、街道)", ""),
        (10, "value_missing", "风险消除时间", ""),
        (13, "region_unmatched", "行政村", "东平县"),
    ]
    assert q(con, "SELECT source_row, region_code FROM raw.monitoring ORDER BY source_row") == [
        (2, VILLAGE),
        (3, VILLAGE),
        (5, "370902002003"),
        (6, VILLAGE),
        (11, VILLAGE),
        (12, VILLAGE),
    ]
    assert res.quality.get("elimination_inconsistent") == 1


def test_disability_cards(dataset, con):
    d = table_dir(dataset, "disability_cards", PERIOD)
    xid = next(make_id(n) for n in range(1, 200) if make_id(n).endswith("X"))
    rows = [
        list(HEADERS["disability_cards"]),
        make_row("disability_cards", 1, disability_grade="1级"),  # 2 ok
        make_row("disability_cards", 2, disability_card_no=make_id(2) + "12", disability_grade=2),  # 3 ok
        make_row("disability_cards", 3, disability_card_no=make_id(3) + "1"),  # 4 card_format
        make_row("disability_cards", 4, disability_card_no=make_id(4) + "81"),  # 5 card_format
        make_row("disability_cards", 5, disability_card_no=make_id(5) + "15"),  # 6 card_format
        make_row("disability_cards", 6, disability_card_no=bad_check(6) + "11"),  # 7 id_checksum
        make_row("disability_cards", 7, disability_card_no=float(make_id(7) + "11")),  # 8 id_mangled
        make_row("disability_cards", 8, disability_card_no=make_id(8) + "43"),  # 9 ok, card_mismatch
        make_row("disability_cards", 9, disability_card_no=xid.lower() + "11", disability_grade="一级"),  # 10 ok
        make_row("disability_cards", 10, disability_grade="五级"),
    ]  # 11 enum_value
    write_xlsx_xlsxwriter(d / "disability_cards_370902.xlsx", rows)
    res = ingest_table_period(con, dataset, "disability_cards", PERIOD, "r")
    reconcile(res)
    assert quarantine(con, "disability_cards") == [
        (4, "card_format", "残疾人证号"),
        (5, "card_format", "残疾人证号"),
        (6, "card_format", "残疾人证号"),
        (7, "id_checksum", "残疾人证号"),
        (8, "id_mangled", "残疾人证号"),
        (11, "enum_value", "残疾等级"),
    ]
    got = q(
        con,
        "SELECT source_row, disability_grade, person_id = left(disability_card_no, 18), "
        "length(person_id) FROM raw.disability_cards ORDER BY source_row",
    )
    assert got == [(2, 1, True, 18), (3, 2, True, 18), (9, 1, True, 18), (10, 1, True, 18)]
    assert q(
        con, "SELECT upper(disability_card_no) = disability_card_no FROM raw.disability_cards WHERE source_row = 10"
    ) == [(True,)]
    assert res.quality == {"card_mismatch": 1}


def test_disability_subsidies_months(dataset, con):
    d = table_dir(dataset, "disability_subsidies", PERIOD)
    rows = (
        [["两项补贴"], list(HEADERS["disability_subsidies"])]
        + [
            make_row("disability_subsidies", i, payment_month=m)
            for i, m in enumerate(
                [
                    "2026-03",
                    "2026-3",
                    "2026/03",
                    "2026/3",
                    "202603",
                    "2026年3月",
                    "2026-03-15",
                    "2026-02",
                    "26-03",
                    "2026.03",
                ],
                start=1,
            )
        ]
        + [make_row("disability_subsidies", 20, payment_reference="P1")]
    )
    write_csv(d / "disability_subsidies.csv", rows, "gb18030")
    res = ingest_table_period(con, dataset, "disability_subsidies", PERIOD, "r")
    assert quarantine(con, "disability_subsidies") == [
        (10, "period_mismatch", "发放月份"),
        (11, "date_format", "发放月份"),
        (12, "date_format", "发放月份"),
    ]
    assert q(con, "SELECT DISTINCT payment_month FROM raw.disability_subsidies") == [("2026-03",)]
    assert res.quality == {"reference_conflict": 2}


def test_title_rows_limit(dataset, con):
    d = table_dir(dataset, "tekun", PERIOD)
    write_csv(d / "tekun_ok.csv", [["t"]] * 9 + [list(HEADERS["tekun"]), make_row("tekun", 1)])
    write_csv(d / "tekun_late.csv", [["t"]] * 10 + [list(HEADERS["tekun"]), make_row("tekun", 2)])
    ingest_table_period(con, dataset, "tekun", PERIOD, "r")
    assert [(f[1], f[2]) for f in files(con, "tekun")] == [("rejected", "missing_columns"), ("loaded", None)]
    assert q(con, "SELECT source_row FROM raw.tekun") == [(11,)]


def test_header_substring_is_not_a_match(dataset, con):
    d = table_dir(dataset, "tekun", PERIOD)
    hdr = list(HEADERS["tekun"])
    hdr[1] = "姓名（全称）"
    write_csv(d / "tekun.csv", [hdr, make_row("tekun", 1)])
    ingest_table_period(con, dataset, "tekun", PERIOD, "r")
    assert q(con, "SELECT reason, raw_value FROM raw.quarantine") == [("missing_columns", "姓名")]


def test_no_ids_in_logs_or_results(dataset, con, caplog):
    d = table_dir(dataset, "dibao", PERIOD)
    write_csv(d / "dibao.csv", [list(HEADERS["dibao"]), make_row("dibao", 1), make_row("dibao", 2, status="x")])
    with caplog.at_level(logging.DEBUG):
        res = ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    text = caplog.text + repr(res)
    leaked = make_id(1) in text or make_id(2) in text or "张" in text
    assert not leaked


def test_reconciliation_error_has_no_data(dataset, con, monkeypatch):
    import pipelines.ingest.load as load

    d = table_dir(dataset, "dibao", PERIOD)
    write_csv(d / "dibao.csv", [list(HEADERS["dibao"]), make_row("dibao", 1)])
    real = load.process_files

    def broken(*a, **k):
        results = real(*a, **k)
        results[0].rows_read += 1
        return results

    monkeypatch.setattr(load, "process_files", broken)
    with pytest.raises(ReconciliationError) as e:
        ingest_table_period(con, dataset, "dibao", PERIOD, "r")
    leaked = make_id(1) in str(e.value)
    assert not leaked
    assert "dibao.csv" in str(e.value)
    assert q(con, "SELECT count(*) FROM raw.dibao") == [(0,)]


@pytest.mark.parametrize("table", list(TABLES))
def test_header_only_and_footer_only_files(dataset, con, table):
    d = table_dir(dataset, table, PERIOD)
    write_csv(d / f"{table}_a.csv", [list(HEADERS[table])])
    write_xlsx(d / f"{table}_b.xlsx", [["名册"], list(HEADERS[table]), [], ["合计", "3"], ["制表人：某某"]])
    res = ingest_table_period(con, dataset, table, PERIOD, "r")
    reconcile(res)
    assert [(f.status, f.rows_read, f.footer_blank) for f in res.files] == [("loaded", 0, 0), ("loaded", 3, 3)]
