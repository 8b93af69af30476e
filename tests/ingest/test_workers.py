"""Files read in worker processes load exactly what one process loads: rows, quarantine, reconciliation."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.generate import generate
from pipelines.ingest.discover import discover
from pipelines.ingest.load import ingest_table_period
from pipelines.ingest.validate import IngestError
from pipelines.ingest.workers import WORKERS_ENV, process_files

TABLES_READ = ("raw.dibao", "raw.disability_subsidies", "raw.quarantine", "raw.files", "raw.quality_issues")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    out = tmp_path_factory.mktemp("workers") / "data"
    generate(out, preset="demo", scale=0.1, months=1, seed=13, dirty=0.08, reference=False)
    return out


def _load(dataset, workers: str, monkeypatch) -> dict[str, list]:
    monkeypatch.setenv(WORKERS_ENV, workers)
    con = duckdb.connect()
    disc = discover(dataset)
    period = disc.all_periods[-1]
    for table in ("dibao", "disability_subsidies"):
        assert len(disc.for_table(table, period)) > 2  # several files, so several workers read them
        ingest_table_period(con, dataset, table, period, "r", discovery=disc)
    out = {}
    for name in TABLES_READ:
        cols = [c for (c,) in con.execute(f"select column_name from (describe {name})").fetchall() if c != "loaded_at"]
        out[name] = con.execute(f"select {', '.join(cols)} from {name} order by all").fetchall()
    con.close()
    return out


def test_workers_load_what_one_process_loads(dirty, monkeypatch):
    one = _load(dirty, "1", monkeypatch)
    two = _load(dirty, "2", monkeypatch)
    assert {k: len(v) for k, v in two.items()} == {k: len(v) for k, v in one.items()}
    assert all(len(one[t]) for t in ("raw.dibao", "raw.quarantine", "raw.files"))
    for name in TABLES_READ:
        same = two[name] == one[name]  # compared outside the assert: a failure names the table, never a row
        assert same, name


def test_results_keep_the_files_order(dirty, monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "2")
    from pipelines.contract import TABLES
    from pipelines.ingest.regions import Regions
    from pipelines.ingest.validate import Context

    disc = discover(dirty)
    period = disc.all_periods[-1]
    files = disc.for_table("dibao", period)
    ctx = Context(TABLES["dibao"], period, Regions.load(dirty / "seeds"))
    assert [r.file for r in process_files(files, dirty, ctx)] == [f.path for f in files]


def test_a_failing_file_is_named_without_its_content(dirty, monkeypatch, tmp_path):
    """An unexpected error in a worker reaches the step as in one process: the file and the error type."""
    monkeypatch.setenv(WORKERS_ENV, "2")
    from pipelines.contract import TABLES
    from pipelines.ingest.regions import Regions
    from pipelines.ingest.validate import Context

    disc = discover(dirty)
    period = disc.all_periods[-1]
    files = disc.for_table("dibao", period)
    ctx = Context(TABLES["dibao"], period, Regions.load(dirty / "seeds"))
    ctx.regions = None  # validation cannot look regions up: an unexpected error for every file
    with pytest.raises(IngestError) as e:
        process_files(files, dirty, ctx)
    assert "unexpected" in str(e.value) and any(f.path in str(e.value) for f in files)
