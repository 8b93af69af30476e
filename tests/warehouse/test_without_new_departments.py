"""A city that never sends the four departments that joined later (公安, 人社, 财政, 医保) gets exactly the
findings and KPIs it got before they were added (issue 13): pinned from the warehouse built by the code
before the change, on the same generated dataset.

The dataset is today's demo recipe with the new departments switched off and the population drawn as
before (`generate(departments=False, sized_population=False)`): its seeds and raw files are those the
generator wrote then (the input digest below), and the warehouse's fct_findings and fct_kpis (the columns
they had then) hash to what that warehouse gave.

Assertion rewriting is off (the marker below): a failure never shows the frames it compared.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from tests.warehouse.compare import query

# Measured on the commit before the change (8cf5111): generate(scale=0.1, months=4, seed=5, dirty=0.03)
INPUTS = "d96bedd010dd71eb7407a99ec7118a4a63d003719f7c522b39e4dd9e2f5841c0"
FINDINGS = "4c2844833562b928d3f449f29629f80c67bb86328acb9fc34ba1e37d267ba5d7"
KPIS = "1de9210cf7272601e00521acd686d1ad249854a682823bc8ac35e12286e7d1a0"
FINDINGS_COLUMNS = [
    "period",
    "warning_id",
    "rule_id",
    "rule_name",
    "kind",
    "severity",
    "subject_person_id",
    "subject_name",
    "household_id",
    "persons_involved",
    "region_code",
    "county_code",
    "township_code",
    "value",
    "threshold",
    "first_period",
    "consecutive_periods",
    "source_rows",
]
KPI_COLUMNS = ["period", "region_code", "level", "indicator_id", "value"]


def inputs_digest(data: Path) -> str:
    """SHA-256 over the seeds and raw files (paths and bytes), the truth and the demo's disposition history
    (feedback/, added with the cases) left out."""
    digest = hashlib.sha256()
    for path in sorted(data.rglob("*")):
        if path.is_file() and path.relative_to(data).parts[0] in ("raw", "seeds"):
            digest.update(str(path.relative_to(data)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def frame_digest(frame: pl.DataFrame, key: list[str]) -> str:
    """SHA-256 of a frame's rows as CSV, columns sorted by name, rows by key; floats to 12 digits."""
    frame = frame.select(sorted(frame.columns))
    frame = frame.with_columns(
        pl.col(c).map_elements(lambda x: f"{x:.12g}", return_dtype=pl.String)
        if frame.schema[c].is_float()
        else pl.col(c).cast(pl.String)
        for c in frame.columns
    ).sort(key)
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


@pytest.fixture(scope="module")
def city_without_new_departments(tmp_path_factory):
    from tests.warehouse.conftest import build

    return build(
        tmp_path_factory,
        "without_new_departments",
        preset="demo",
        scale=0.1,
        months=4,
        seed=5,
        dirty=0.03,
        departments=False,
        sized_population=False,
    )


def test_the_dataset_is_the_one_generated_before(city_without_new_departments):
    assert inputs_digest(city_without_new_departments.data) == INPUTS


def test_findings_and_kpis_are_those_of_before(city_without_new_departments):
    findings = query(city_without_new_departments, f"select {', '.join(FINDINGS_COLUMNS)} from main_marts.fct_findings")
    # K01–K09 as before; K10–K12 (the cases, stated as of the run) are new.
    kpis = query(
        city_without_new_departments,
        f"select {', '.join(KPI_COLUMNS)} from main_marts.fct_kpis where indicator_id < 'K10'",
    )
    assert set(findings["rule_id"]) <= {f"W0{n}" for n in range(1, 9)} | {f"V0{n}" for n in range(1, 5)}
    assert findings.height == 88 and kpis.height == 5600
    assert frame_digest(findings, ["period", "warning_id"]) == FINDINGS
    assert frame_digest(kpis, ["period", "region_code", "indicator_id"]) == KPIS
