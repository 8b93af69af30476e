"""Ingestion reproduces the generator's truth exactly (files, quarantine, quality counts, loaded rows), the
four departments that joined later included: their county codes, 迁往地区划代码, payments and settlements of
another month, reused settlement references, and medical insurance joining in the middle of the months.
Asserts on counts, tables, reasons and columns only."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.contract.tables import complete_periods, expected_tables

DEPARTMENTS = ("household_changes", "social_insurance_payments", "payroll", "medical_settlements")


@pytest.mark.parametrize("seed,dirty", [(1, 0.03), (7, 0.3)])
def test_matches_generator_truth(tmp_path, seed, dirty, capsys):
    gen = pytest.importorskip("pipelines.generate")
    from tests.ingest.compare_truth import main

    ds = tmp_path / "ds"
    gen.generate(ds, preset="demo", scale=0.03, months=2, seed=seed, dirty=dirty)
    assert main(ds) == 0
    # the departments are there; medical insurance joins in the second month
    files = pl.read_csv(ds / "truth" / "files.csv", infer_schema=False)
    first = dict(files.group_by("table_name").agg(pl.col("period").min()).rows())
    assert {t: first[t] for t in DEPARTMENTS} == {
        "household_changes": "2026-09",
        "social_insurance_payments": "2026-09",
        "payroll": "2026-09",
        "medical_settlements": "2026-10",
    }


@pytest.fixture(scope="module")
def departments(tmp_path_factory) -> Path:
    """Eight months, dirty: medical insurance from the fifth."""
    gen = pytest.importorskip("pipelines.generate")
    ds = tmp_path_factory.mktemp("departments") / "ds"
    gen.generate(ds, preset="demo", scale=0.1, months=8, seed=13, dirty=0.08, reference=False)
    return ds


def test_departments_match_truth(departments, capsys):
    from tests.ingest.compare_truth import main

    assert main(departments) == 0


def test_departments_dirt_in_the_truth(departments):
    ds = departments
    q = pl.read_csv(ds / "truth" / "quarantine.csv", infer_schema=False).filter(pl.col("table_name").is_in(DEPARTMENTS))
    got = set(q.select("table_name", "reason", "column_name").rows())
    want = {
        ("household_changes", "region_unknown", "行政区划代码"),
        ("household_changes", "region_unknown", "迁往地区划代码"),
        ("household_changes", "value_missing", "迁往地区划代码"),
        ("household_changes", "date_format", "变动日期"),
        ("social_insurance_payments", "region_unknown", "参保地区划代码"),
        ("social_insurance_payments", "period_mismatch", "发放月份"),
        ("social_insurance_payments", "enum_value", "待遇类型"),
        ("payroll", "region_unknown", "单位区划代码"),
        ("payroll", "amount_format", "月应发工资(元)"),
        ("medical_settlements", "region_unknown", "参保地区划代码"),
        ("medical_settlements", "period_mismatch", "结算日期"),
    }
    assert want <= got, sorted(want - got)
    for table in DEPARTMENTS:
        reasons = set(q.filter(pl.col("table_name") == table)["reason"])
        assert {"id_missing", "id_mangled", "id_checksum", "value_missing"} <= reasons, table
    # files rejected whole among them
    files = pl.read_csv(ds / "truth" / "files.csv", infer_schema=False)
    rejected = files.filter(pl.col("table_name").is_in(DEPARTMENTS) & (pl.col("status") == "rejected"))
    assert rejected.height >= 1
    quality = pl.read_csv(ds / "truth" / "quality_issues.csv", infer_schema=False)
    codes = set(quality.filter(pl.col("table_name").is_in(DEPARTMENTS)).select("table_name", "code").rows())
    assert {("medical_settlements", "reference_conflict"), ("household_changes", "date_after_period")} <= codes
    # medical insurance is expected from its fifth month on, and every month stays complete
    on_file = files.select("period", "table_name").rows()
    expected = expected_tables(on_file)
    periods = sorted(expected)
    assert [p for p in periods if "medical_settlements" in expected[p]] == periods[4:]
    loaded = files.filter(pl.col("status") == "loaded").select("period", "table_name").rows()
    assert complete_periods(on_file, loaded) == periods
