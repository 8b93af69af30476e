"""The four departments that joined later (extracts.md): 户籍变动登记, 社会保险待遇发放明细, 财政供养人员名册,
医疗费用结算明细, read from real files; county codes; the expected-table rule of completeness.
Asserts on counts, reasons, columns and row numbers only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pipelines.contract.tables import TABLES, complete_periods, expected_tables
from pipelines.ingest.load import ingest_table_period, period_status
from pipelines.orchestration.sensors import complete_periods as sensor_complete_periods
from tests.ingest.helpers import HEADERS, PERIOD, VILLAGE, make_id, make_row, table_dir, write_csv, write_xlsx
from tests.ingest.test_ingest import files, q, quarantine, reconcile

NEW_TABLES = ("household_changes", "social_insurance_payments", "payroll", "medical_settlements")
COUNTY_TABLES = ("social_insurance_payments", "payroll", "medical_settlements")
OTHER_PERIOD = "2026-02"


def quality(con, table):
    return q(
        con,
        "SELECT row_number, code, column_name FROM raw.quality_issues WHERE table_name = ? ORDER BY file, row_number",
        table,
    )


@pytest.mark.parametrize("table", NEW_TABLES)
def test_each_new_table_loads_with_its_source_and_region(dataset, con, table):
    t = TABLES[table]
    d = table_dir(dataset, table, PERIOD)
    assert d.parent.name == t.source
    write_csv(d / f"{table}.csv", [["表名"], list(HEADERS[table]), make_row(table, 1), make_row(table, 2)])
    res = ingest_table_period(con, dataset, table, PERIOD, "r")
    reconcile(res)
    assert (res.rows_loaded, res.rows_quarantined, res.quality) == (2, 0, {})
    assert files(con, table) == [(f"raw/{t.source}/{PERIOD}/{table}.csv", "loaded", None, 2, 2, 0, 0, 0)]
    assert q(con, f"SELECT DISTINCT region_code, period FROM raw.{table}") == [
        ("370902000000" if t.county_coded else VILLAGE, PERIOD)
    ]
    assert q(con, f"SELECT DISTINCT source FROM raw.files WHERE table_name = '{table}'") == [(t.source,)]


def test_typed_values_of_the_new_tables(dataset, con):
    rows = {
        "household_changes": make_row(
            "household_changes", 1, change_type="迁出", destination_region_code="110101001001", change_date="2025/11/2"
        ),
        "social_insurance_payments": make_row(
            "social_insurance_payments", 1, benefit_type="失业保险金", payment_month="2026年3月", amount="¥1,234.565"
        ),
        "payroll": make_row("payroll", 1, employer="某某局", staff_category="离退休", monthly_salary="5000元"),
        "medical_settlements": make_row(
            "medical_settlements",
            1,
            visit_type="住院",
            settlement_date="20260331",
            total_cost="12000",
            out_of_pocket="3500.5",
        ),
    }
    for table, row in rows.items():
        write_csv(table_dir(dataset, table, PERIOD) / f"{table}.csv", [list(HEADERS[table]), row])
        assert ingest_table_period(con, dataset, table, PERIOD, "r").rows_loaded == 1, table
    assert q(con, "SELECT change_type, change_date, destination_region_code FROM raw.household_changes") == [
        ("move_out", dt.date(2025, 11, 2), "110101001001")
    ]
    assert q(con, "SELECT benefit_type, payment_month, amount FROM raw.social_insurance_payments") == [
        ("unemployment_benefit", PERIOD, Decimal("1234.57"))
    ]
    assert q(con, "SELECT region_code, staff_category, monthly_salary FROM raw.payroll") == [
        ("370902000000", "retired", Decimal("5000.00"))
    ]
    assert q(con, "SELECT visit_type, settlement_date, total_cost, out_of_pocket FROM raw.medical_settlements") == [
        ("inpatient", dt.date(2026, 3, 31), Decimal("12000.00"), Decimal("3500.50"))
    ]
    # the departments' own headers and aliases
    payroll = list(HEADERS["payroll"])
    payroll[0], payroll[5] = "区划代码", "月工资（元）"
    write_csv(table_dir(dataset, "payroll", PERIOD) / "payroll.csv", [payroll, make_row("payroll", 2)])
    assert ingest_table_period(con, dataset, "payroll", PERIOD, "r").rows_loaded == 1
    changes = list(HEADERS["household_changes"])
    changes[0], changes[2], changes[5] = "户籍地区划代码", "公民身份号码", "迁往地代码"
    write_csv(
        table_dir(dataset, "household_changes", PERIOD) / "household_changes.csv",
        [changes, make_row("household_changes", 2)],
    )
    assert ingest_table_period(con, dataset, "household_changes", PERIOD, "r").rows_loaded == 1
    insurance = list(HEADERS["social_insurance_payments"])
    insurance[2] = "社会保障号码"
    write_csv(
        table_dir(dataset, "social_insurance_payments", PERIOD) / "social_insurance_payments.csv",
        [insurance, make_row("social_insurance_payments", 2)],
    )
    assert ingest_table_period(con, dataset, "social_insurance_payments", PERIOD, "r").rows_loaded == 1
    medical = list(HEADERS["medical_settlements"])
    medical[5], medical[6] = "总费用(元)", "个人负担(元)"
    write_csv(
        table_dir(dataset, "medical_settlements", PERIOD) / "medical_settlements.csv",
        [medical, make_row("medical_settlements", 2)],
    )
    assert ingest_table_period(con, dataset, "medical_settlements", PERIOD, "r").rows_loaded == 1


@pytest.mark.parametrize(
    "table, header",
    [
        ("social_insurance_payments", "参保地区划代码"),
        ("payroll", "单位区划代码"),
        ("medical_settlements", "参保地区划代码"),
    ],
)
def test_county_codes(dataset, con, table, header):
    d = table_dir(dataset, table, PERIOD)
    rows = [
        list(HEADERS[table]),
        make_row(table, 1, region_code="370902"),  # 2: six digits
        make_row(table, 2, region_code="370911000000"),  # 3: twelve digits ending in 000000
        make_row(table, 3, region_code=" ３７０９０２ "),  # 4: full-width digits, spaces
        make_row(table, 4, region_code="370999"),  # 5: no such county: region_unknown
        make_row(table, 5, region_code=VILLAGE),  # 6: a village, not a county: region_unknown
        make_row(table, 6, region_code="370900"),  # 7: the city, not a county: region_unknown
        make_row(table, 7, region_code="3709"),  # 8: region_unknown
        make_row(table, 8, region_code=""),  # 9: value_missing
        make_row(table, 1, region_code="370902000000"),  # 10: row 2 written with 12 digits: a duplicate
    ]
    write_csv(d / f"{table}_a.csv", rows)
    # numeric cells: 6 and 12 digits; the first is row 2 of the CSV again (an exact duplicate)
    write_xlsx(
        d / f"{table}_b.xlsx",
        [
            list(HEADERS[table]),
            make_row(table, 1, region_code=370902),
            make_row(table, 11, region_code=370911000000),
            make_row(table, 12, region_code=370902001002),  # a numeric village code: region_unknown
        ],
    )
    res = ingest_table_period(con, dataset, table, PERIOD, "r")
    reconcile(res)
    assert [(f.rows_read, f.loaded, f.quarantined, f.duplicate) for f in res.files] == [(9, 3, 5, 1), (3, 1, 1, 1)]
    assert quarantine(con, table) == [
        (5, "region_unknown", header),
        (6, "region_unknown", header),
        (7, "region_unknown", header),
        (8, "region_unknown", header),
        (9, "value_missing", header),
        (4, "region_unknown", header),
    ]
    assert q(con, f"SELECT source_row, region_code FROM raw.{table} ORDER BY source_file, source_row") == [
        (2, "370902000000"),
        (3, "370911000000"),
        (4, "370902000000"),
        (3, "370911000000"),
    ]
    assert q(con, "SELECT DISTINCT raw_value FROM raw.quarantine WHERE row_number = 8 AND file LIKE '%_a.csv'") == [
        ("3709",)
    ]


def test_household_changes_destination_and_dates(dataset, con):
    d = table_dir(dataset, "household_changes", PERIOD)
    t = "household_changes"
    write_csv(
        d / "household_changes.csv",
        [
            list(HEADERS[t]),
            make_row(t, 1, change_type="死亡", destination_region_code=""),  # 2: a death: no destination, loads
            make_row(t, 2, change_type="迁出", destination_region_code=""),  # 3: value_missing
            make_row(t, 3, change_type="迁出", destination_region_code="370902"),  # 4: not 12 digits: region_unknown
            make_row(t, 4, change_type="迁出", destination_region_code="110101001001"),  # 5: another province: loads
            make_row(t, 5, change_type="死亡", change_date="2025-09-30"),  # 6: registered late: loads
            make_row(t, 6, change_type="死亡", change_date="2026-04-02"),  # 7: after the period: loads, counted
            make_row(t, 7, change_type="迁出", destination_region_code="11010100100X"),  # 8: region_unknown
            make_row(t, 8, change_type="注销"),  # 9: enum_value
            make_row(t, 9, region_code="370902001099"),  # 10: not a village of the seed: region_unknown
            make_row(t, 1, change_type="死亡", registration_reference="R2"),  # 11: a second change of person 1
        ],
    )
    write_xlsx(
        d / "household_changes_b.xlsx",
        [list(HEADERS[t]), make_row(t, 21, change_type="迁出", destination_region_code=370911001001)],
    )
    res = ingest_table_period(con, dataset, t, PERIOD, "r")
    reconcile(res)
    assert [(f.rows_read, f.loaded, f.quarantined) for f in res.files] == [(10, 5, 5), (1, 1, 0)]
    assert quarantine(con, t) == [
        (3, "value_missing", "迁往地区划代码"),
        (4, "region_unknown", "迁往地区划代码"),
        (8, "region_unknown", "迁往地区划代码"),
        (9, "enum_value", "变动类型"),
        (10, "region_unknown", "行政区划代码"),
    ]
    assert quality(con, t) == [(7, "date_after_period", "变动日期")]
    assert q(
        con, "SELECT source_row, destination_region_code FROM raw.household_changes ORDER BY source_file, source_row"
    ) == [
        (2, None),
        (5, "110101001001"),
        (6, None),
        (7, None),
        (11, None),
        (2, "370911001001"),
    ]


def test_period_mismatch_and_reference_conflicts(dataset, con):
    t = "social_insurance_payments"
    write_csv(
        table_dir(dataset, t, PERIOD) / f"{t}.csv",
        [
            list(HEADERS[t]),
            make_row(t, 1, payment_month="2026-03"),
            make_row(t, 2, payment_month="2026-02"),  # period_mismatch
            make_row(t, 3, payment_month="2026-13"),  # date_format
            make_row(t, 4, payment_month="2026/03/15"),  # a date form: its month
        ],
    )
    reconcile(ingest_table_period(con, dataset, t, PERIOD, "r"))
    assert quarantine(con, t) == [(3, "period_mismatch", "发放月份"), (4, "date_format", "发放月份")]
    assert q(con, f"SELECT count(*) FROM raw.{t}") == [(2,)]

    t = "medical_settlements"
    write_csv(
        table_dir(dataset, t, PERIOD) / f"{t}.csv",
        [
            list(HEADERS[t]),
            make_row(t, 1, settlement_date="2026-03-01", settlement_reference="S1"),
            make_row(t, 2, settlement_date="2026-04-01", settlement_reference="S2"),  # period_mismatch
            make_row(t, 3, settlement_date="2026-02-28", settlement_reference="S3"),  # period_mismatch
            make_row(t, 4, settlement_reference="S1"),  # the reference of row 2, other contents: both load
            make_row(t, 1, settlement_date="2026-03-01", settlement_reference="S1"),  # exact duplicate of row 2
            make_row(t, 5, out_of_pocket="-1", settlement_reference="S5"),  # amount_negative
        ],
    )
    res = ingest_table_period(con, dataset, t, PERIOD, "r")
    reconcile(res)
    assert [(f.rows_read, f.loaded, f.quarantined, f.duplicate) for f in res.files] == [(6, 2, 3, 1)]
    assert quarantine(con, t) == [
        (3, "period_mismatch", "结算日期"),
        (4, "period_mismatch", "结算日期"),
        (7, "amount_negative", "个人自付(元)"),
    ]
    assert quality(con, t) == [(2, "reference_conflict", "结算流水号"), (5, "reference_conflict", "结算流水号")]
    assert res.quality == {"reference_conflict": 2}


def test_a_payroll_row_read_twice_in_both_forms_is_one_row(dataset, con):
    """341602 and 341602000000 are the same value once read: the same row from a CSV and from a workbook
    with a numeric cell is an exact duplicate."""
    d = table_dir(dataset, "payroll", PERIOD)
    write_csv(d / "payroll_1.csv", [list(HEADERS["payroll"]), make_row("payroll", 1, region_code="370911000000")])
    write_xlsx(d / "payroll_2.xlsx", [list(HEADERS["payroll"]), make_row("payroll", 1, region_code=370911)])
    res = ingest_table_period(con, dataset, "payroll", PERIOD, "r")
    reconcile(res)
    assert [(f.loaded, f.duplicate) for f in res.files] == [(1, 0), (0, 1)]


# ------------------------------------------------------------------------------------------------------
# Expected tables and completeness
def test_expected_tables_start_at_their_first_period_on_file():
    on_file = {
        ("2026-01", "dibao"),
        ("2026-01", "tekun"),
        ("2026-02", "dibao"),
        ("2026-02", "tekun"),
        ("2026-02", "payroll"),
        ("2026-03", "dibao"),
        ("2026-03", "tekun"),
    }
    assert expected_tables(on_file) == {
        "2026-01": ("dibao", "tekun"),
        "2026-02": ("dibao", "tekun", "payroll"),
        "2026-03": ("dibao", "tekun", "payroll"),
    }
    assert complete_periods(on_file, on_file) == ["2026-01", "2026-02"]
    # a table whose only file of its first period was rejected whole makes that period incomplete
    read = on_file - {("2026-02", "payroll")}
    assert complete_periods(on_file, read) == ["2026-01"]
    assert expected_tables([]) == {}


def _send(dataset, table, period, rows=1, broken=False):
    d = table_dir(dataset, table, period)
    if broken:
        (d / f"{table}.csv").write_bytes(b"")
    else:
        write_csv(d / f"{table}.csv", [list(HEADERS[table])] + [make_row(table, n) for n in range(1, rows + 1)])


def test_a_department_that_joins_later_never_makes_an_earlier_period_incomplete(dataset, con):
    old = [t for t in TABLES if t not in NEW_TABLES]
    for period in (OTHER_PERIOD, PERIOD):
        for t in old:
            _send(dataset, t, period)
    _send(dataset, "payroll", PERIOD)
    _send(dataset, "household_changes", PERIOD, broken=True)  # on file, rejected whole
    assert sensor_complete_periods(dataset) == [OTHER_PERIOD, PERIOD]  # files on disk
    for period in (OTHER_PERIOD, PERIOD):
        for t in TABLES:
            ingest_table_period(con, dataset, t, period, "r")
    status = {s.period: s for s in period_status(con, dataset)}
    assert status[OTHER_PERIOD].complete and status[OTHER_PERIOD].expected == tuple(old)
    assert not status[PERIOD].complete
    assert status[PERIOD].expected == (*old, "household_changes", "payroll")
    assert status[PERIOD].missing == ("household_changes",)
    assert set(status[PERIOD].sources) == {"civil_affairs", "rural_revitalisation", "disability_federation"} | {
        "public_security",
        "finance",
    }
    # the department sends again, readable: the period is complete
    _send(dataset, "household_changes", PERIOD)
    ingest_table_period(con, dataset, "household_changes", PERIOD, "r")
    assert [(s.period, s.complete) for s in period_status(con, dataset)] == [(OTHER_PERIOD, True), (PERIOD, True)]


def test_a_table_missing_after_it_joined_holds_its_period(dataset, con):
    for period in (OTHER_PERIOD, PERIOD):
        for t in TABLES:
            if (t, period) != ("medical_settlements", PERIOD):
                _send(dataset, t, period)
    assert sensor_complete_periods(dataset) == [OTHER_PERIOD]
    for period in (OTHER_PERIOD, PERIOD):
        for t in TABLES:
            ingest_table_period(con, dataset, t, period, "r")
    status = period_status(con, dataset)
    assert [(s.period, s.complete, s.missing) for s in status] == [
        (OTHER_PERIOD, True, ()),
        (PERIOD, False, ("medical_settlements",)),
    ]


def test_status_names_what_an_incomplete_period_misses(dataset, tmp_path):
    import duckdb

    from pipelines.settings import Locations
    from pipelines.status import describe_status

    for t in TABLES:
        if t not in NEW_TABLES:
            _send(dataset, t, PERIOD)
    _send(dataset, "payroll", PERIOD, broken=True)
    locations = Locations(dataset, tmp_path / "warehouse")
    locations.warehouse.mkdir()
    with duckdb.connect(str(locations.duckdb_path)) as c:
        for t in TABLES:
            ingest_table_period(c, dataset, t, PERIOD, "r")
    text = describe_status(locations)
    assert f"{PERIOD}  INCOMPLETE 不完整 (no file read for: payroll)" in text


def test_raw_checks_skip_periods_before_a_table_joined(dataset, con, tmp_path):
    """A table's data contracts start at its first period on file: before it (or for a table never sent)
    there is nothing to check, so a default that lists the table never fails a city without it."""
    from pipelines.quality import RAW_CHECKS, CheckSettings, check_raw
    from pipelines.settings import Locations

    _send(dataset, "payroll", PERIOD)
    ingest_table_period(con, dataset, "payroll", PERIOD, "r")
    locations = Locations(dataset, tmp_path / "warehouse")
    settings = CheckSettings()
    assert "payroll" in settings.coverage_tables and "medical_settlements" not in settings.coverage_tables
    for table, periods in (
        ("payroll", ["2026-01", OTHER_PERIOD]),
        ("social_insurance_payments", [OTHER_PERIOD, PERIOD]),
    ):
        outcomes = check_raw(con, locations, table, periods, settings)
        assert [(o.name, o.passed, o.summary) for o in outcomes] == [
            (n, True, "no period to check") for n in RAW_CHECKS
        ]


def test_no_id_in_what_ingestion_returns(dataset, con):
    t = "household_changes"
    write_csv(
        table_dir(dataset, t, PERIOD) / f"{t}.csv",
        [list(HEADERS[t]), make_row(t, 1, change_type="迁出"), make_row(t, 2)],
    )
    res = ingest_table_period(con, dataset, t, PERIOD, "r")
    assert make_id(1) not in repr(res) and "张1" not in repr(res)
    assert res.reasons == {"value_missing": 1}
