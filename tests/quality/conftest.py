"""Built warehouses for the data contracts, and writable copies of them.

Built from the lower-level pieces (ingestion, then `dbt build` without its tests) rather than through
`safetynet run`: a third of the time, and independent of how the pipeline wires the checks in (the
pipeline's own tests build through it, and a run fails when a contract does).
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.contract import TABLES
from pipelines.dbt_cli import dbt
from pipelines.generate import generate
from pipelines.ingest.discover import discover
from pipelines.ingest.load import ensure_schema, ingest_table_period
from pipelines.quality import MART_CHECKS, check_mart, check_raw
from pipelines.settings import Locations


def ingest(tmp_path_factory, name: str, **generate_args) -> Locations:
    root = tmp_path_factory.mktemp(name)
    generate(root / "data", **generate_args)
    locations = Locations(root / "data", root / "warehouse")
    locations.warehouse.mkdir()
    discovery = discover(locations.data)
    with duckdb.connect(str(locations.duckdb_path)) as con:
        ensure_schema(con)
        for period in discovery.all_periods:
            for table in TABLES:
                ingest_table_period(con, locations.data, table, period, "test", discovery=discovery)
    return locations


@pytest.fixture(scope="session")
def taian(tmp_path_factory) -> Locations:
    """The demo city, three months, a little dirt: raw tables and marts."""
    locations = ingest(tmp_path_factory, "quality-taian", preset="demo", scale=0.2, months=3, seed=5, dirty=0.05)
    result = dbt(locations, "build", "--exclude", "resource_type:test", "resource_type:unit_test", check=False)
    assert result.returncode == 0, "dbt build failed"
    return locations


@pytest.fixture(scope="session")
def jining(tmp_path_factory) -> Locations:
    """The other city, three months, more dirt: raw tables only (its marts are checked wherever the
    pipeline builds it, tests/warehouse, since a run checks them)."""
    return ingest(
        tmp_path_factory, "quality-jining", preset="demo", city="jining", scale=0.2, months=3, seed=6, dirty=0.08
    )


def periods_of(con) -> list[str]:
    return [r[0] for r in con.execute("select distinct period from raw.files order by 1").fetchall()]


def all_outcomes(locations: Locations, marts: bool = True):
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        periods = periods_of(con)
        raw = {t: check_raw(con, locations, t, periods) for t in TABLES}
        by_mart = {m: check_mart(con, locations, m) for m in MART_CHECKS} if marts else {}
    return periods, raw, by_mart


@pytest.fixture(scope="session")
def taian_outcomes(taian):
    """Every check on the clean demo warehouse, once."""
    return all_outcomes(taian)


@pytest.fixture
def copy_of(tmp_path):
    """A writable copy of a built warehouse file, in a warehouse folder of its own (its own gx/ and
    data_docs/); returns (locations, connection)."""
    opened = []

    def make(locations: Locations, name: str = "copy"):
        warehouse = tmp_path / name
        warehouse.mkdir()
        shutil.copy(locations.duckdb_path, warehouse / "working.duckdb")
        copy = Locations(locations.data, warehouse)
        con = duckdb.connect(str(copy.duckdb_path))
        opened.append(con)
        return copy, con

    yield make
    for con in opened:
        con.close()
