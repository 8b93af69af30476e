"""Publishing under faults: a killed run, a broken extract, a reader holding the snapshot, a rerun.

What a user relies on: the published snapshot (what exports and dashboards read) only ever changes to
a warehouse that was built and passed every blocking check; anything else leaves the last good one in
service, readable, and the next run completes.

PYTEST_DONT_REWRITE: assertions compare counts, hashes and file names; nothing prints a person.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import publish
from pipelines.generate import generate
from pipelines.run import run_pipeline
from pipelines.settings import Locations
from pipelines.status import describe_status

SAFETYNET = Path(sys.executable).with_name("safetynet")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("faults") / "data"
    # A city of the programme departments only, its files as before the four later departments joined:
    # the faults below break chosen files of it (a CSV that holds a whole county's dibao rows).
    generate(data, preset="demo", scale=0.15, months=3, seed=21, dirty=0.03, departments=False, sized_population=False)
    return data


@pytest.fixture(scope="module")
def baseline(dataset, tmp_path_factory) -> Locations:
    """One successful run: a published snapshot that the tests below must not lose."""
    locations = Locations(dataset, tmp_path_factory.mktemp("baseline") / "warehouse")
    summary = run_pipeline(locations)
    assert summary.ok, summary.describe()
    assert summary.published is not None
    return locations


def _copy(locations: Locations, root: Path, data: bool = False) -> Locations:
    """A copy of a warehouse (and of its dataset, to break it) that a test may change freely."""
    target_data = locations.data
    if data:
        target_data = root / "data"
        shutil.copytree(locations.data, target_data)
    shutil.copytree(locations.warehouse, root / "warehouse", ignore=shutil.ignore_patterns("dagster_home"))
    return Locations(target_data, root / "warehouse")


def _read_snapshot(locations: Locations) -> tuple[str, dict[str, str]]:
    """The snapshot in service, opened as a reader would, and its content hashes recomputed."""
    snapshot = publish.current(locations)
    assert snapshot is not None
    with duckdb.connect(str(snapshot.path(locations)), read_only=True) as con:
        _, hashes = publish.content_hashes(con)
    return snapshot.file, hashes


def test_published_snapshot_matches_its_record(baseline):
    snapshot = publish.current(baseline)
    name, hashes = _read_snapshot(baseline)
    assert name == snapshot.file and hashes == snapshot.content_hashes
    assert snapshot.periods == sorted(p.name for p in (baseline.data / "raw" / "civil_affairs").iterdir())
    assert snapshot.rows["main_marts.fct_findings"] > 0
    status = describe_status(baseline)
    assert snapshot.file in status and snapshot.run_id in status


def _kill_during(locations: Locations, marker: str, delay: float) -> None:
    """Start `safetynet run --full-refresh`, wait for a progress line, then SIGKILL the whole process
    group (the run and its dbt subprocess), as a power cut or the OOM killer would."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            str(SAFETYNET),
            "run",
            "--data",
            str(locations.data),
            "--warehouse",
            str(locations.warehouse),
            "--full-refresh",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
        text=True,
    )
    try:
        for line in proc.stdout:
            if marker in line:
                break
        else:
            pytest.fail(f"the run ended before {marker!r} (exit {proc.wait()})")
        time.sleep(delay)
        assert proc.poll() is None, "the run finished before it could be killed"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    "marker, delay",
    [("入库 ingesting", 1.0), ("建模 building", 6.0)],
    ids=["during-ingestion", "during-dbt"],
)
def test_killed_run_leaves_the_snapshot_and_the_next_run_completes(baseline, tmp_path, marker, delay):
    locations = _copy(baseline, tmp_path)
    before = _read_snapshot(locations)
    _kill_during(locations, marker, delay)
    assert _read_snapshot(locations) == before  # same file, same content, readable
    summary = run_pipeline(locations)
    assert summary.ok, summary.describe()
    # The next run finishes the work; what it publishes equals what the same inputs gave before.
    assert publish.current(locations).content_hashes == before[1]
    assert not list(locations.published_dir.glob(".*.partial"))


def test_a_missing_county_in_a_published_period_keeps_the_last_good_snapshot(baseline, tmp_path):
    locations = _copy(baseline, tmp_path, data=True)
    before = _read_snapshot(locations)
    last = sorted((locations.data / "raw" / "civil_affairs").iterdir())[-1]
    county_files = sorted(last.glob("dibao_3*"))
    county = county_files[1].stem.split("_")[1]
    county_files[1].unlink()  # one county's dibao extract did not arrive
    summary = run_pipeline(locations)
    assert not summary.ok and not summary.failed
    assert summary.held_back_from == last.name
    report = summary.describe()
    assert "county_coverage" in report and "dibao" in report and county in report
    assert "HELD BACK" in report and "Nothing was published" in report and "data_docs/index.html" in report
    # The period was in service before its extract broke: the last good snapshot stays, it is not withdrawn.
    assert _read_snapshot(locations) == before
    assert f"raw.dibao {last.name}" in describe_status(locations)
    # Not fixed, not published: the next run reads the period again and refuses again.
    assert not run_pipeline(locations).ok
    assert _read_snapshot(locations) == before


def _break_status_column(path: Path) -> None:
    """Rewrite a CSV extract with every 状态 (status) value replaced by a value outside the contract."""
    import csv
    import io

    from pipelines.ingest.read import decode_text

    text, _ = decode_text(path.read_bytes())
    rows = list(csv.reader(io.StringIO(text)))
    header_row = next(i for i, r in enumerate(rows) if any(c.strip() in ("状态", "保障状态") for c in r))
    col = next(i for i, c in enumerate(rows[header_row]) if c.strip() in ("状态", "保障状态"))
    for r in rows[header_row + 1 :]:
        if len(r) > col and r[col].strip():
            r[col] = "待定"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _only_file_of_its_county(data: Path, folder: Path) -> Path:
    """A dibao CSV of the folder's period that holds every loaded row of its county (the generator's dirt
    may put a county's stray row in another county's file), so breaking it empties the county."""
    import polars as pl

    loaded = pl.read_parquet(data / "truth" / "loaded" / "dibao.parquet").filter(pl.col("period") == folder.name)
    files = dict(
        loaded.group_by(pl.col("region_code").str.slice(0, 6).alias("county"))
        .agg(pl.col("source_file").unique())
        .rows()
    )
    return next(
        p
        for p in sorted(folder.glob("dibao_3*"))
        if p.suffix.lower() == ".csv" and files.get(p.stem.split("_")[1]) == [p.relative_to(data).as_posix()]
    )


def test_a_column_of_wrong_values_in_a_published_period_keeps_the_last_good_snapshot(baseline, tmp_path):
    locations = _copy(baseline, tmp_path, data=True)
    before = _read_snapshot(locations)
    last = sorted((locations.data / "raw" / "civil_affairs").iterdir())[-1]
    target = _only_file_of_its_county(locations.data, last)
    _break_status_column(target)
    summary = run_pipeline(locations)
    assert not summary.ok
    assert "dibao" in summary.describe()
    assert _read_snapshot(locations) == before


def _period_hashes(locations: Locations, before: str) -> dict[str, tuple[int, str]]:
    """Rows and an order-free content hash of the published findings and KPIs of the periods before one."""
    snapshot = publish.current(locations)
    with duckdb.connect(str(snapshot.path(locations)), read_only=True) as con:
        return {
            table: con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f"from (select md5(t::varchar) as h from {table} t where period < ?)",
                [before],
            ).fetchone()
            for table in publish.HASHED
        }


def test_a_breach_in_the_newest_period_holds_back_only_that_period(baseline, tmp_path):
    """A new city's first run, one county's dibao extract of the newest month missing: the earlier
    months are built and published exactly as with every file present; the newest waits, named with its
    check in the run's report, the snapshot, `safetynet status`; once the file arrives, it is published."""
    locations = Locations(tmp_path / "data", tmp_path / "warehouse")
    shutil.copytree(baseline.data, locations.data)
    periods = sorted(p.name for p in (locations.data / "raw" / "civil_affairs").iterdir())
    newest = periods[-1]
    missing = sorted((locations.data / "raw" / "civil_affairs" / newest).glob("dibao_3*"))[1]
    kept = tmp_path / missing.name
    shutil.move(missing, kept)

    summary = run_pipeline(locations)
    assert not summary.ok and not summary.failed, summary.describe()
    assert summary.held_back_from == newest
    assert [(b["table"], b["period"]) for b in summary.held_back] == [("dibao", newest)]
    assert "county_coverage" in summary.held_back[0]["checks"]
    report = summary.describe()
    assert f"periods from {newest}" in report and "published" in report and "HELD BACK" in report
    snapshot = publish.current(locations)
    assert snapshot.periods == periods[:-1]
    assert snapshot.held_back_from == newest and snapshot.held_back == summary.held_back
    assert _period_hashes(locations, newest) == _period_hashes(baseline, newest)
    status = describe_status(locations)
    assert f"HELD BACK: periods from {newest}" in status
    assert f"raw.dibao {newest} (county_coverage)" in status and "send its file" in status
    # No extract changed: the next run restates the cases only (statuses move with the clock), publishes the
    # same periods and findings, and still says what waits.
    again = run_pipeline(locations)
    assert again.held_back_from == newest and again.built_from == "cases" and not again.failed
    restated = publish.current(locations)
    assert restated.periods == snapshot.periods and restated.held_back == snapshot.held_back
    findings = "main_marts.fct_findings"
    assert restated.content_hashes[findings] == snapshot.content_hashes[findings]

    shutil.move(kept, missing)  # the department sends the county's file
    fixed = run_pipeline(locations)
    assert fixed.ok, fixed.describe()
    assert fixed.published.periods == periods and fixed.published.held_back == []
    assert _period_hashes(locations, "9999-12") == _period_hashes(baseline, "9999-12")
    assert "HELD BACK" not in describe_status(locations).split("发布 published")[0]


def test_a_reader_holding_the_snapshot_never_blocks_a_run(baseline, tmp_path):
    """And a second run on the same inputs (a full refresh) publishes identical lists and KPIs."""
    locations = _copy(baseline, tmp_path)
    old = publish.current(locations)
    reader = duckdb.connect(str(old.path(locations)), read_only=True)
    try:
        counted = reader.execute("select count(*) from main_marts.fct_findings").fetchone()[0]
        summary = run_pipeline(locations, full_refresh=True)
        assert summary.ok, summary.describe()
        assert publish.current(locations).file != old.file
        assert publish.current(locations).content_hashes == old.content_hashes
        # The reader still reads its snapshot, unchanged, while the new one is in service.
        assert reader.execute("select count(*) from main_marts.fct_findings").fetchone()[0] == counted
    finally:
        reader.close()
