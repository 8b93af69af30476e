"""The publish step on its own: snapshots, the atomic pointer, retention, refusal of an unbuilt warehouse."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import publish
from pipelines.settings import Locations


def _working(tmp_path, findings: int = 3) -> Locations:
    locations = Locations(tmp_path / "data", tmp_path / "warehouse")
    locations.warehouse.mkdir(parents=True)
    with duckdb.connect(str(locations.duckdb_path)) as con:
        con.execute("create schema main_marts")
        con.execute(
            "create table main_marts.fct_findings as select range::varchar as warning_id, "
            f"'2026-10' as period from range({findings})"
        )
        con.execute(
            "create table main_marts.fct_kpis as select '2026-09' as period, 1.5 as value "
            "union all select '2026-10', 2.5"
        )
    return locations


def _rewrite_findings(locations: Locations, findings: int) -> None:
    with duckdb.connect(str(locations.duckdb_path)) as con:
        con.execute(
            "create or replace table main_marts.fct_findings as select range::varchar as "
            f"warning_id, '2026-10' as period from range({findings})"
        )


def test_publish_puts_a_copy_in_service(tmp_path):
    locations = _working(tmp_path)
    assert publish.current(locations) is None
    snapshot = publish.publish(locations, "run-1-abcdef")
    assert publish.current(locations) == snapshot
    assert snapshot.periods == ["2026-09", "2026-10"]
    assert snapshot.rows == {"main_marts.fct_findings": 3, "main_marts.fct_kpis": 2}
    path = publish.serving_path(locations)
    assert path.parent == locations.published_dir and path != locations.duckdb_path
    # The working file changes afterwards; the snapshot in service does not.
    _rewrite_findings(locations, 5)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from main_marts.fct_findings").fetchone()[0] == 3


def test_content_hashes_ignore_row_order_and_see_any_change(tmp_path):
    locations = _working(tmp_path)
    first = publish.publish(locations, "run-1")
    with duckdb.connect(str(locations.duckdb_path)) as con:
        con.execute(
            "create or replace table main_marts.fct_findings as "
            "select * from main_marts.fct_findings order by warning_id desc"
        )
    assert publish.publish(locations, "run-2").content_hashes == first.content_hashes
    _rewrite_findings(locations, 4)
    changed = publish.publish(locations, "run-3").content_hashes
    assert changed["main_marts.fct_findings"] != first.content_hashes["main_marts.fct_findings"]
    assert changed["main_marts.fct_kpis"] == first.content_hashes["main_marts.fct_kpis"]


def test_only_the_newest_snapshots_are_kept(tmp_path):
    locations = _working(tmp_path)
    names = [publish.publish(locations, f"run-{i}").file for i in range(5)]
    kept = sorted(p.name for p in locations.published_dir.glob("*.duckdb"))
    assert kept == sorted(names[-publish.KEEP :])
    assert publish.current(locations).file == names[-1]


def test_a_crash_before_the_pointer_moves_leaves_the_old_snapshot_in_service(tmp_path, monkeypatch):
    locations = _working(tmp_path)
    good = publish.publish(locations, "run-good")
    _rewrite_findings(locations, 7)

    def power_cut(*_args, **_kwargs):
        raise OSError("simulated crash before the pointer is replaced")

    monkeypatch.setattr(publish, "_write_atomically", power_cut)
    with pytest.raises(OSError):
        publish.publish(locations, "run-crashed")
    monkeypatch.undo()
    assert publish.current(locations) == good
    with duckdb.connect(str(publish.serving_path(locations)), read_only=True) as con:
        assert con.execute("select count(*) from main_marts.fct_findings").fetchone()[0] == 3
    # A leftover copy of a killed publish is cleaned by the next one.
    (locations.published_dir / ".leftover.duckdb.partial").write_bytes(b"half")
    publish.publish(locations, "run-next")
    assert not list(locations.published_dir.glob(".*.partial"))


def test_an_unbuilt_warehouse_is_not_published(tmp_path):
    locations = Locations(tmp_path / "data", tmp_path / "warehouse")
    with pytest.raises(publish.PublishError):
        publish.publish(locations, "run-x")
    locations.warehouse.mkdir(parents=True)
    duckdb.connect(str(locations.duckdb_path)).close()
    with pytest.raises(publish.PublishError, match="not built"):
        publish.publish(locations, "run-x")
    assert publish.current(locations) is None
    assert not list(locations.published_dir.glob("*.duckdb*"))
