"""fct_kpis against the generator's truth (truth/kpis.csv, from pipelines/generate/reference_kpis.py), and
the report-2021 preset against the published figures of domain.md ("A published table to reproduce").

Assertion messages show indicator ids, region codes and counts only: never a person id or name."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.generate.reference_kpis import INDICATORS
from pipelines.settings import Locations

KEY = ["period", "region_code", "indicator_id"]
RELATIVE = 1e-9


def warehouse_kpis(locations: Locations) -> pl.DataFrame:
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        return con.sql(
            "select period, region_code, level, indicator_id, value from main_marts.fct_kpis"
        ).pl()


def truth_kpis(locations: Locations) -> pl.DataFrame:
    return pl.read_csv(
        locations.data / "truth" / "kpis.csv",
        schema_overrides={"period": pl.String, "region_code": pl.String, "level": pl.String,
                          "indicator_id": pl.String, "value": pl.Float64},
    )


def differences(got: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Rows whose key is on one side only, whose level differs, or whose value differs (nulls equal,
    floats within RELATIVE)."""
    joined = truth.join(got, on=KEY, how="full", suffix="_got", coalesce=True)
    value, got_value = pl.col("value"), pl.col("value_got")
    same_value = (value.is_null() & got_value.is_null()) | (
        (value - got_value).abs() <= RELATIVE * pl.max_horizontal(value.abs(), got_value.abs(), pl.lit(1.0))
    )
    same_level = pl.col("level").eq_missing(pl.col("level_got"))
    return joined.filter(~(same_value.fill_null(False) & same_level))


def describe(diff: pl.DataFrame) -> str:
    """Counts of differing rows per indicator and level, and the first few (codes and values only)."""
    by = diff.group_by("indicator_id", "level").len().sort("indicator_id", "level")
    return f"{diff.height} differing rows\n{by}\n{diff.head(10)}"


def test_fct_kpis_equals_truth(demo_warehouse):
    got, truth = warehouse_kpis(demo_warehouse), truth_kpis(demo_warehouse)
    assert got.height == truth.height, f"{got.height} rows, truth {truth.height}"
    diff = differences(got, truth)
    assert diff.height == 0, describe(diff)


def test_every_indicator_for_every_region_and_period(demo_warehouse):
    got = warehouse_kpis(demo_warehouse)
    assert set(got["indicator_id"].unique()) == set(INDICATORS)
    assert set(got["level"].unique()) == {"city", "county", "township"}
    per_region = got.group_by("period", "region_code", "level").agg(pl.col("indicator_id").n_unique())
    expected = {"city": len(INDICATORS) - 3, "county": len(INDICATORS), "township": len(INDICATORS)}
    wrong = per_region.filter(pl.col("indicator_id") != pl.col("level").replace_strict(expected))
    assert wrong.height == 0, f"{wrong.height} regions without their indicators"
    assert got.select(pl.struct(KEY).is_duplicated().sum()).item() == 0


def city_values(locations: Locations) -> dict[str, float | None]:
    got = warehouse_kpis(locations).filter(pl.col("level") == "city")
    assert got["period"].n_unique() == 1
    return dict(zip(got["indicator_id"], got["value"]))


@pytest.mark.slow
def test_report_2021_published_figures(report_warehouse):
    city = city_values(report_warehouse)
    assert city["K01_households"] == 121_828
    assert city["K01_persons"] == 226_989
    assert round(city["K02_rural_rate"] * 100, 1) == 4.2
    assert city["K03_persons"] == 27_517
    assert round(city["K04_rate"] * 100, 1) == 57.3
    assert city["K05_persons"] == 30_144
    assert city["K05_in_dibao"] == 14_714
    assert city["K05_in_tekun"] == 192
    assert city["K06_living_persons"] == 103_499
    assert city["K06_nursing_persons"] == 68_096
    # K09 is given per county (and township): every county of the city has the published standards.
    standards = warehouse_kpis(report_warehouse).filter(
        pl.col("level") != "city", pl.col("indicator_id").str.starts_with("K09")
    )
    assert standards.height > 0
    by_indicator = standards.group_by("indicator_id").agg(pl.col("value").unique()).sort("indicator_id")
    assert dict(zip(by_indicator["indicator_id"], by_indicator["value"].to_list())) == {
        "K09_dibao_rural": [657.0],
        "K09_dibao_urban": [657.0],
        "K09_tekun_basic": [854.0],
    }


@pytest.mark.slow
def test_report_2021_equals_truth(report_warehouse):
    diff = differences(warehouse_kpis(report_warehouse), truth_kpis(report_warehouse))
    assert diff.height == 0, describe(diff)


# The published table as an official receives it: `safetynet export kpis` (CSV with BOM, Chinese headers).
PUBLISHED_EXPORT = {
    "K01_households": 121_828,
    "K01_persons": 226_989,
    "K03_persons": 27_517,
    "K05_persons": 30_144,
    "K05_in_dibao": 14_714,
    "K05_in_tekun": 192,
    "K06_living_persons": 103_499,
    "K06_nursing_persons": 68_096,
}


@pytest.mark.slow
def test_export_kpis_gives_the_published_city_figures(report_warehouse, tmp_path):
    out = tmp_path / "指标.csv"
    result = CliRunner().invoke(
        main,
        ["export", "kpis", "--period", "2021-09", "--out", str(out), "--data", str(report_warehouse.data),
         "--warehouse", str(report_warehouse.warehouse)],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    kpis = pl.read_csv(out, infer_schema=False)
    assert kpis.columns == ["统计期", "行政区划代码", "区域名称", "层级", "指标编号", "指标名称", "值"]
    city = {r["指标编号"]: r["值"] for r in kpis.filter(pl.col("层级") == "市").to_dicts()}
    for indicator, figure in PUBLISHED_EXPORT.items():
        assert float(city[indicator]) == figure, indicator
    assert round(float(city["K02_rural_rate"]) * 100, 1) == 4.2
    assert round(float(city["K04_rate"]) * 100, 1) == 57.3
    counties = kpis.filter(pl.col("层级") == "县区")
    for indicator, figure in (("K09_dibao_rural", 657), ("K09_dibao_urban", 657), ("K09_tekun_basic", 854)):
        values = counties.filter(pl.col("指标编号") == indicator)["值"].cast(pl.Float64).unique().to_list()
        assert values == [figure], indicator
