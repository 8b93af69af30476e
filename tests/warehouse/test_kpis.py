"""fct_kpis against the generator's truth (truth/kpis.csv, from pipelines/generate/reference_kpis.py), and
the report-2021 preset against the published figures of domain.md ("A published table to reproduce").

Assertion messages show indicator ids, region codes and counts only: never a person id or name."""

from __future__ import annotations

import polars as pl

from pipelines.generate.reference_kpis import INDICATORS
from pipelines.settings import Locations
from tests.warehouse.compare import (
    KPI_KEY,
    describe_kpi_differences,
    kpi_differences,
    truth_kpis,
    warehouse_kpis,
)


def test_fct_kpis_equals_truth(demo_warehouse):
    got, truth = warehouse_kpis(demo_warehouse), truth_kpis(demo_warehouse)
    assert got.height == truth.height, f"{got.height} rows, truth {truth.height}"
    diff = kpi_differences(got, truth)
    assert diff.height == 0, describe_kpi_differences(diff)


def test_every_indicator_for_every_region_and_period(demo_warehouse):
    got = warehouse_kpis(demo_warehouse)
    assert set(got["indicator_id"].unique()) == set(INDICATORS)
    assert set(got["level"].unique()) == {"city", "county", "township"}
    per_region = got.group_by("period", "region_code", "level").agg(pl.col("indicator_id").n_unique())
    expected = {"city": len(INDICATORS) - 3, "county": len(INDICATORS), "township": len(INDICATORS)}
    wrong = per_region.filter(pl.col("indicator_id") != pl.col("level").replace_strict(expected))
    assert wrong.height == 0, f"{wrong.height} regions without their indicators"
    assert got.select(pl.struct(KPI_KEY).is_duplicated().sum()).item() == 0


def city_values(locations: Locations) -> dict[str, float | None]:
    got = warehouse_kpis(locations).filter(pl.col("level") == "city")
    assert got["period"].n_unique() == 1
    return dict(zip(got["indicator_id"], got["value"]))
