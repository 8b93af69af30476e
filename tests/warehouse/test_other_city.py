"""The warehouse on another city: 济宁市 (`safetynet generate --city jining`), with its own regions,
standards (raised every 1 July) and rule settings (W03 disabled, W02 orange, W04 45 days, W05 partial
and full disability, W07 25 %), over 12 months, medical insurance joining in the seventh. Nothing
about the demo city may be hard-coded (extracts.md).

The dataset is ingested and modelled by `run_pipeline`; fct_findings and fct_kpis must equal the
generator's truth, which the oracle computes from the same seeds. Messages carry counts, rule ids,
warning_ids and indicator ids only, never a person id or a name; assertion rewriting is off.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.contract.rules import RULES
from pipelines.generate import generate
from pipelines.run import run_pipeline
from pipelines.settings import Locations
from tests.warehouse.compare import (
    describe_kpi_differences,
    finding_differences,
    kpi_differences,
    query,
    truth_findings,
    truth_kpis,
    warehouse_findings,
    warehouse_kpis,
)

JINING_COUNTIES = {
    "370811",
    "370812",
    "370826",
    "370827",
    "370828",
    "370829",
    "370830",
    "370831",
    "370832",
    "370881",
    "370883",
}


# every enabled rule fires over the twelve months
DATASET = dict(months=12, scale=0.15, seed=7, dirty=0.05)


@pytest.fixture(scope="module")
def jining_warehouse(tmp_path_factory) -> Locations:
    root = tmp_path_factory.mktemp("jining")
    generate(root / "data", preset="demo", city="jining", **DATASET)
    locations = Locations(root / "data", root / "warehouse")
    summary = run_pipeline(locations)
    assert summary.ok, "the pipeline failed on the jining dataset"
    return locations


def test_findings_equal_truth(jining_warehouse):
    truth, got = truth_findings(jining_warehouse), warehouse_findings(jining_warehouse)
    assert truth.height > 0, "the truth has findings"
    problems = finding_differences(truth, got)
    assert not problems, "; ".join(problems)
    assert got.height == truth.height


def test_rule_settings_of_the_city(jining_warehouse):
    got = query(jining_warehouse, "select rule_id, severity from main_marts.fct_findings")
    rules = set(got["rule_id"])
    assert "W03" not in rules, "W03 is disabled in this city"
    w02 = got.filter(pl.col("rule_id") == "W02")
    assert w02.height > 0, "W02 fires"
    assert set(w02["severity"]) == {"orange"}, f"W02 severities {sorted(set(w02['severity']))}"
    truth = truth_findings(jining_warehouse)
    assert not truth["warning_id"].str.starts_with("W03").any()
    # the changed parameters are exercised: W04 within 45 days (a 31-day case fires), W05 on 半失能
    w04 = query(jining_warehouse, "select value, threshold from main_marts.fct_findings where rule_id = 'W04'")
    assert w04.height > 0 and set(w04["threshold"].cast(pl.Float64)) == {45.0}, "W04 threshold 45"
    assert (w04["value"].cast(pl.Float64) > 30).any(), "a W04 finding beyond the default 30 days"
    w05 = query(jining_warehouse, "select value from main_marts.fct_findings where rule_id = 'W05'")
    assert "半失能" in set(w05["value"].cast(pl.String)), "W05 fires on 半失能"


def test_kpis_equal_truth(jining_warehouse):
    got, truth = warehouse_kpis(jining_warehouse), truth_kpis(jining_warehouse)
    assert got.height == truth.height, f"{got.height} kpi rows, truth {truth.height}"
    diff = kpi_differences(got, truth)
    assert diff.height == 0, describe_kpi_differences(diff)
    cities = set(got.filter(pl.col("level") == "city")["region_code"])
    assert cities == {"370800000000"}, f"city-level kpis of {sorted(cities)}"


def test_seeds_tables_hold_the_city(jining_warehouse):
    regions = query(jining_warehouse, "select region_code, level from main_seeds.regions")
    codes = regions["region_code"].cast(pl.String)
    assert codes.str.starts_with("3709").sum() == 0, "泰安 codes in main_seeds.regions"
    not_province = regions.filter(pl.col("level") != "province")["region_code"].cast(pl.String)
    assert not_province.str.starts_with("3708").all(), "region codes outside 济宁"
    counties = set(regions.filter(pl.col("level") == "county")["region_code"].cast(pl.String).str.slice(0, 6))
    assert counties == JINING_COUNTIES, f"{len(counties)} counties"
    rules = query(jining_warehouse, "select rule_id, enabled from main_seeds.warning_rules")
    disabled = set(rules.filter(~pl.col("enabled").cast(pl.Boolean))["rule_id"])
    assert disabled == {"W03"}, f"disabled {sorted(disabled)}"


def test_every_enabled_rule_fires(jining_warehouse):
    """The comparisons are not vacuous: over 12 months every enabled rule fires, W07 on its boundary."""
    truth = pl.read_csv(jining_warehouse.data / "truth" / "findings.csv", infer_schema=False)
    assert truth["period"].n_unique() == 12
    fired = set(truth["rule_id"])
    expected = set(RULES) - {"W03"}  # every rule of the catalogue but the one this city disables
    assert fired == expected, f"never fire: {sorted(expected - fired)}, unexpected: {sorted(fired - expected)}"
    w07 = query(jining_warehouse, "select value, threshold from main_marts.fct_findings where rule_id = 'W07'")
    assert (w07["value"].cast(pl.Float64) == w07["threshold"].cast(pl.Float64)).any(), "W07 at drop_ratio 0.25"
