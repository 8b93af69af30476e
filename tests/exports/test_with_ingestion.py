"""Quarantine and files exports over a real ingestion of a generated dirty dataset.

PYTEST_DONT_REWRITE: asserts are on counts and booleans; nothing prints an id or a name.
"""

from __future__ import annotations

import duckdb
import pytest

from pipelines.exports import export_list, read_list
from pipelines.settings import Locations
from tests.exports.helpers import has_full_id, open_sheet, read_csv, xlsx_rows


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Locations:
    from pipelines.contract.tables import TABLES
    from pipelines.generate import generate
    from pipelines.ingest.discover import discover
    from pipelines.ingest.load import ensure_schema, ingest_table_period

    root = tmp_path_factory.mktemp("ingested")
    loc = Locations(data=root / "data", warehouse=root / "warehouse")
    generate(loc.data, preset="demo", scale=0.03, months=2, seed=3, dirty=0.1)
    loc.warehouse.mkdir(parents=True)
    con = duckdb.connect(str(loc.duckdb_path))
    try:
        ensure_schema(con)
        disc = discover(loc.data)
        for period in disc.all_periods:
            for table in TABLES:
                ingest_table_period(con, loc.data, table, period, "test", discovery=disc)
    finally:
        con.close()
    return loc


def _counts(loc: Locations, sql: str):
    con = duckdb.connect(str(loc.duckdb_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_quarantine_masked_by_default(ingested, tmp_path, fmt):
    ((period, n),) = _counts(
        ingested, "select period, count(*) from raw.quarantine group by period order by period desc limit 1"
    )
    out = tmp_path / f"q.{fmt}"
    assert export_list("quarantine", ingested.duckdb_path, None, fmt, out, user="tester") == n
    assert n > 0
    assert not has_full_id(out)
    unmasked = tmp_path / f"qu.{fmt}"
    export_list("quarantine", ingested.duckdb_path, period, fmt, unmasked, unmasked=True, user="tester")
    assert has_full_id(unmasked)  # id_birthdate / id_checksum rows hold whole ids


def test_files_reconcile_with_raw_files(ingested, tmp_path):
    ((period, n, loaded, rejected),) = _counts(
        ingested,
        "select period, count(*), sum(rows_loaded), count(*) filter (where status = 'rejected') "
        "from raw.files group by period order by period desc limit 1",
    )
    out = tmp_path / "f.csv"
    assert export_list("files", ingested.duckdb_path, None, "csv", out) == n
    df = read_csv(out)
    assert df["统计期"].unique().to_list() == [period]
    assert sum(int(v) for v in df["入库行数"].to_list()) == loaded
    assert df["状态"].to_list().count("整体拒收") == rejected
    assert set(df["状态"].unique().to_list()) <= {"已入库", "整体拒收"}
    assert export_list("files", ingested.duckdb_path, None, "xlsx", tmp_path / "f.xlsx") == n
    assert len(xlsx_rows(open_sheet(tmp_path / "f.xlsx"))) == n


def test_quarantine_county_split(ingested):
    con = duckdb.connect(str(ingested.duckdb_path), read_only=True)
    try:
        counties = [
            r[0][:6]
            for r in con.execute("select distinct substr(region_code, 1, 6) || '000000' from raw.dibao").fetchall()
        ]
    finally:
        con.close()
    total = read_list("quarantine", ingested.duckdb_path).rows
    # without the marts (no dim_region) the county's name is unknown: codes still filter
    per_county = [read_list("quarantine", ingested.duckdb_path, county=c).rows for c in counties]
    assert all(n >= 0 for n in per_county)
    assert 0 < sum(per_county) <= total  # rows without a readable region are in no county
