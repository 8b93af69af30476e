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
    generate(data, preset="demo", scale=0.15, months=3, seed=21, dirty=0.03)
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


def test_a_missing_county_blocks_publishing_and_is_reported(baseline, tmp_path):
    locations = _copy(baseline, tmp_path, data=True)
    before = _read_snapshot(locations)
    last = sorted((locations.data / "raw" / "civil_affairs").iterdir())[-1]
    county_files = sorted(last.glob("dibao_3*"))
    county = county_files[1].stem.split("_")[1]
    county_files[1].unlink()  # one county's dibao extract did not arrive
    summary = run_pipeline(locations)
    assert not summary.ok
    report = summary.describe()
    assert "county_coverage" in report and "dibao" in report and county in report
    assert "Nothing was published" in report and "data_docs/index.html" in report
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


def test_a_column_of_wrong_values_blocks_publishing(baseline, tmp_path):
    locations = _copy(baseline, tmp_path, data=True)
    before = _read_snapshot(locations)
    last = sorted((locations.data / "raw" / "civil_affairs").iterdir())[-1]
    target = next(p for p in sorted(last.glob("dibao_3*")) if p.suffix.lower() == ".csv")
    _break_status_column(target)
    summary = run_pipeline(locations)
    assert not summary.ok
    assert "dibao" in summary.describe()
    assert _read_snapshot(locations) == before


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
