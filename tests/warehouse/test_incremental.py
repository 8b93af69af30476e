"""A new month is built on top of the months already done: they are not recomputed (the marts nor the
monthly intermediate tables), their tests are not run again, the new month's findings (persistence
included) and KPIs are those of the truth, and every table is what a full rebuild makes."""

from __future__ import annotations

import shutil

import duckdb
import polars as pl

from pipelines.generate import generate
from pipelines.run import run_pipeline
from pipelines.settings import Locations


def _query(locations: Locations, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        return con.sql(sql).pl()


COVERED = "main_intermediate.int_covered"


def test_new_month_leaves_earlier_months_alone(tmp_path):
    data = tmp_path / "data"
    generate(data, preset="demo", scale=0.2, months=3, seed=21, dirty=0.03)
    periods = sorted(p.name for p in (data / "raw" / "civil_affairs").iterdir())
    latest, earlier = periods[-1], periods[0]
    held = tmp_path / "held"
    for source_dir in (data / "raw").iterdir():
        if (source_dir / latest).exists():
            (held / source_dir.name).mkdir(parents=True)
            shutil.move(source_dir / latest, held / source_dir.name / latest)
    locations = Locations(data, tmp_path / "warehouse")
    assert run_pipeline(locations).ok

    # Marks on the earlier months: a recomputation would wipe them.
    with duckdb.connect(str(locations.duckdb_path)) as con:
        con.execute("update main_marts.fct_findings set threshold = 'MARK' where period = ?", [earlier])
        # (a value the data tests accept: they would stop the build otherwise)
        con.execute(
            "update main_marts.fct_kpis set value = 1234.5 where period = ? and indicator_id = 'K09_tekun_basic'",
            [earlier],
        )
        marked = con.execute("select count(*) from main_marts.fct_findings where period = ?", [earlier]).fetchone()[0]
        # A duplicate (period, person) in an earlier month of a monthly intermediate table: the build
        # would fail if it tested that month again, and the row would go if it recomputed it.
        con.execute(f"insert into {COVERED} select * from {COVERED} where period = ? limit 1", [earlier])
    assert marked > 0

    for source_dir in held.iterdir():
        shutil.move(source_dir / latest, data / "raw" / source_dir.name / latest)
    summary = run_pipeline(locations)
    assert summary.ok, summary.describe()
    assert summary.ingested == {latest: summary.ingested[latest]} and summary.built_from == latest

    planted = _query(
        locations, f"select count(*) - count(distinct person_id) as n from {COVERED} where period = '{earlier}'"
    )
    assert planted["n"][0] == 1
    still = _query(
        locations,
        f"select count(*) filter (where threshold = 'MARK') as n from main_marts.fct_findings where period = '{earlier}'",
    )
    assert still["n"][0] == marked
    kept = _query(
        locations,
        f"select count(*) filter (where value = 1234.5) as n, count(*) as total from main_marts.fct_kpis "
        f"where period = '{earlier}' and indicator_id = 'K09_tekun_basic'",
    )
    assert kept["n"][0] == kept["total"][0] > 0

    truth = pl.read_csv(data / "truth" / "findings.csv", infer_schema=False).filter(pl.col("period") == latest)
    got = _query(
        locations,
        f"select warning_id, first_period, consecutive_periods::varchar as consecutive_periods "
        f"from main_marts.fct_findings where period = '{latest}'",
    )
    cols = ["warning_id", "first_period", "consecutive_periods"]
    assert got.sort("warning_id").to_dicts() == truth.select(cols).sort("warning_id").to_dicts()
    assert (got["consecutive_periods"] != "1").any(), "some findings persist from the months before"

    kpis = pl.read_csv(data / "truth" / "kpis.csv", infer_schema=False).filter(pl.col("period") == latest)
    got_kpis = _query(
        locations,
        f"select region_code, indicator_id, value from main_marts.fct_kpis where period = '{latest}' "
        "and indicator_id < 'K10'",  # K10–K12 (the cases) are not in truth/kpis.csv
    )
    assert got_kpis.height == kpis.height

    # The same tables as a full rebuild of the three months, but for the marked month of the marked tables.
    rebuilt = Locations(data, tmp_path / "rebuilt")
    assert run_pipeline(rebuilt).ok
    _assert_same_tables(locations, rebuilt, earlier, latest)


def _assert_same_tables(locations: Locations, rebuilt: Locations, earlier: str, latest: str):
    """Every table of the intermediate models and marts holds the same rows in both warehouses, compared
    as multisets (counts only are shown): but for the marked month of the marked tables, and the rule
    tables, which hold the periods of their build only (the new month here)."""
    marked = ("main_marts.fct_findings", "main_marts.fct_kpis", COVERED)
    with duckdb.connect() as con:
        con.execute(f"attach '{locations.duckdb_path}' as built (read_only)")
        con.execute(f"attach '{rebuilt.duckdb_path}' as rebuilt (read_only)")
        tables = [
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'rebuilt' "
                "and schema_name in ('main_intermediate', 'main_marts') order by 1, 2"
            ).fetchall()
        ]
        assert "main_intermediate.int_households__dibao" in tables
        differing = {}
        for table in tables:
            skip = (
                f"where period <> '{earlier}'"
                if table in marked
                else f"where period = '{latest}'"
                if ".int_findings__" in table
                else ""
            )
            # The cases are stated as of each run's clock (as_of), and the publications they are judged by
            # end with each run's own: the rest must agree.
            if table == "main_intermediate.int_case_publications":
                continue
            columns = "* exclude (as_of)" if table == "main_marts.fct_cases" else "*"
            a, b = f"select {columns} from built.{table} {skip}", f"select {columns} from rebuilt.{table} {skip}"
            extra, missing = (
                con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0] for x, y in ((a, b), (b, a))
            )
            if extra or missing:
                differing[table] = {"only_incremental": extra, "only_rebuilt": missing}
    assert not differing, differing
