"""The report-2021 preset (泰安市, September 2021, about 0.6 M rows) against the published figures of domain.md
("A published table to reproduce") and its truth, row for row: one build of the big preset per test run
(its own test group, so it builds beside the demo warehouse, not after it).

Assertion messages show indicator ids, region codes and counts only: never a person id or name.
Assertion rewriting is off (the marker below): a failure never shows the frames it compared.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from tests.warehouse.compare import describe_kpi_differences, kpi_differences, truth_kpis, warehouse_kpis
from tests.warehouse.test_kpis import city_values


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
    diff = kpi_differences(warehouse_kpis(report_warehouse), truth_kpis(report_warehouse))
    assert diff.height == 0, describe_kpi_differences(diff)


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
        [
            "export",
            "kpis",
            "--period",
            "2021-09",
            "--out",
            str(out),
            "--data",
            str(report_warehouse.data),
            "--warehouse",
            str(report_warehouse.warehouse),
        ],
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


@pytest.mark.slow
def test_report_2021_scale_ingests_exactly_its_truth(report_warehouse):
    """The city of the 2021 report (about 0.6 M rows in one period), with dirt, row for row (the same
    warehouse as the published figures: one build of the big preset per test run)."""
    import duckdb

    from pipelines.contract.tables import TABLES
    from pipelines.generate.model import GENERATED_TABLES

    def rows(sql: str) -> pl.DataFrame:
        with duckdb.connect(str(report_warehouse.duckdb_path), read_only=True) as con:
            return con.sql(sql).pl()

    def digest(frame: pl.DataFrame) -> list[int]:
        """Order-free fingerprint: the sorted row hashes (safe to print, fast on 0.6 M rows)."""
        return frame.select(sorted(frame.columns)).cast(pl.String).hash_rows(seed=1).sort().to_list()

    # the tables the generator writes (the departments that joined later send nothing here)
    read = rows("select distinct period, table_name from raw.files where status = 'loaded'")
    assert set(read.iter_rows()) == {("2021-09", t) for t in GENERATED_TABLES}
    for table in TABLES:
        truth = pl.read_parquet(report_warehouse.data / "truth" / "loaded" / f"{table}.parquet")
        columns = [c for c in truth.columns if not c.startswith("_")]
        got = rows(f"select {', '.join(columns)} from raw.{table}")
        assert got.height == truth.height, table
        assert digest(got) == digest(truth.select(columns)), table
    dibao_active = rows("select count(distinct person_id) as n from raw.dibao where status = 'active' and is_covered")
    assert dibao_active["n"][0] == 226_989  # the published figure of domain.md
