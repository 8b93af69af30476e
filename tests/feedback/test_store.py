"""The feedback store and its write path, without a warehouse: concurrent writers, county scoping where
the data is written, append-only tables, and the refusals of rules.md / product.md in their order."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
import threading

import polars as pl
import pytest
import sqlalchemy as sa

from pipelines.feedback import record as rec
from pipelines.feedback.record import Actor, Entry, NotAllowed, record
from pipelines.feedback.store import FeedbackStore

ISSUED = dt.datetime(2026, 11, 5, 1)  # 09:00 Beijing
OFFICER = Actor("officer_370902", "county_officer", "370902")
OTHER_OFFICER = Actor("officer_370911", "county_officer", "370911")
ADMIN = Actor("admin", "city_admin", None)


def _cases(n: int = 40) -> pl.DataFrame:
    rows = []
    for i in range(n):
        county = "370902" if i % 2 == 0 else "370911"
        rule = "W01" if i % 3 else "V01"
        rows.append(
            {
                "case_id": f"{rule}-{i:012x}-2026-09",
                "warning_id": f"{rule}-{i:012x}",
                "first_period": "2026-09",
                "rule_id": rule,
                "kind": "warning" if rule.startswith("W") else "verification",
                "county_code": f"{county}000000",
                "township_code": f"{county}001000",
                "region_code": f"{county}001001",
            }
        )
    return pl.DataFrame(rows)


@pytest.fixture
def store(tmp_path) -> FeedbackStore:
    s = FeedbackStore(tmp_path / "feedback.sqlite")
    s.record_publication("snap-1", ISSUED, "2026-10", _cases())
    return s


def _entry(case: dict, outcome: str | None = None, checked_on="2026-11-06", note=None, row=None) -> Entry:
    outcome = outcome or ("已纳入低保" if case["kind"] == "warning" else "已停保或停发")
    return Entry(case["warning_id"], case["first_period"], checked_on, outcome, note, row)


def _dispositions(store: FeedbackStore) -> pl.DataFrame:
    return store.frames(("dispositions",))["dispositions"]


def test_issue_times_are_recorded_once_and_never_change(store):
    later = ISSUED + dt.timedelta(days=30)
    moved = _cases().with_columns(
        pl.when(pl.col("case_id") == pl.first("case_id"))
        .then(pl.lit("370911002001"))
        .otherwise(pl.col("region_code"))
        .alias("region_code")
    )
    assert store.record_publication("snap-2", later, "2026-11", moved) == 0
    frames = store.frames()
    assert frames["case_issues"]["issued_at"].unique().to_list() == [ISSUED]
    assert frames["publications"].height == 2
    assert frames["case_places"].height == 41  # one place per case, and the one case placed elsewhere


def test_a_county_officer_cannot_record_for_another_county_whatever_is_sent(store):
    cases = _cases().to_dicts()
    other = next(c for c in cases if c["county_code"].startswith("370911"))
    own = next(c for c in cases if c["county_code"].startswith("370902"))
    result = record(store, OFFICER, [_entry(other, row=2), _entry(own, row=3)], as_of=ISSUED + dt.timedelta(days=1))
    assert [r.reason for r in result.refused] == [rec.OTHER_COUNTY]
    assert [e.case_id for e in result.recorded] == [own["case_id"]]
    assert _dispositions(store)["case_id"].to_list() == [own["case_id"]]
    with pytest.raises(NotAllowed):
        record(store, Actor("analyst", "analyst", None), [_entry(own)])


def test_refusals_in_the_order_of_the_spec(store):
    cases = _cases().to_dicts()
    w = next(c for c in cases if c["kind"] == "warning" and c["county_code"].startswith("370902"))
    v = next(c for c in cases if c["kind"] == "verification" and c["county_code"].startswith("370902"))
    now = ISSUED + dt.timedelta(days=2)
    entries = [
        Entry("W01-ffffffffffff", "2026-09", "2026-11-06", "已纳入低保", None, 2),
        _entry(v, outcome="已纳入低保", row=3),  # a warning's outcome for a verification
        _entry(w, checked_on="11月6日", row=4),
        _entry(w, checked_on="2026-11-30", row=5),
        _entry(w, checked_on="2026-08-31", row=6),
        _entry(w, outcome="其他", row=7),
        _entry(w, note="说" * 501, row=8),
        Entry(w["warning_id"], "2026-09", None, None, "  ", 9),  # empty: records nothing, not refused
    ]
    result = record(store, OFFICER, entries, as_of=now, file_name="back.xlsx", file_bytes=b"x")
    assert [(r.row, r.reason) for r in result.refused] == [
        (2, rec.UNKNOWN_CASE),
        (3, rec.BAD_OUTCOME),
        (4, rec.BAD_DATE),
        (5, rec.FUTURE_DATE),
        (6, rec.EARLY_DATE),
        (7, rec.OTHER_WITHOUT_NOTE),
        (8, rec.LONG_NOTE),
    ]
    assert result.empty == 1 and not result.recorded
    imports = store.frames(("imports",))["imports"]
    assert imports.select("rows_recorded", "rows_refused").row(0) == (0, 7)


def test_the_same_file_twice_records_nothing_new(store):
    cases = [c for c in _cases().to_dicts() if c["county_code"].startswith("370902")][:5]
    entries = [_entry(c, row=i + 2) for i, c in enumerate(cases)] + [_entry(cases[0], row=9)]
    first = record(store, OFFICER, entries, as_of=ISSUED + dt.timedelta(days=1), file_name="a.csv")
    again = record(store, OFFICER, entries, as_of=ISSUED + dt.timedelta(days=2), file_name="a.csv")
    assert (len(first.recorded), len(first.unchanged)) == (5, 1)
    assert (len(again.recorded), len(again.unchanged)) == (0, 6)
    assert _dispositions(store).height == 5


def test_a_case_not_yet_issued_at_the_time_is_unknown(store):
    case = _cases().to_dicts()[0]
    result = record(store, ADMIN, [_entry(case)], as_of=ISSUED - dt.timedelta(hours=1))
    assert [r.reason for r in result.refused] == [rec.UNKNOWN_CASE]


def test_records_are_append_only(store):
    case = _cases().to_dicts()[0]
    record(store, ADMIN, [_entry(case)], as_of=ISSUED + dt.timedelta(days=1))
    for statement in (
        "update dispositions set outcome = '其他'",
        "delete from dispositions",
        "delete from case_issues",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with store.write() as connection:
                connection.exec_driver_sql(statement)
    assert _dispositions(store).height == 1


def _write_many(path: str, county: str, user: str, start: int) -> None:
    store = FeedbackStore(path)
    cases = [c for c in _cases().to_dicts() if c["county_code"].startswith(county)]
    actor = Actor(user, "county_officer", county)
    for i, case in enumerate(cases):
        note = f"第{start + i}次"
        record(store, actor, [_entry(case, note=note)], as_of=ISSUED + dt.timedelta(days=2, minutes=start + i))


def test_two_writers_at_once_lose_nothing_threads_and_processes(store):
    path = str(store.path)
    threads = [
        threading.Thread(target=_write_many, args=(path, "370902", "officer_370902", 0)),
        threading.Thread(target=_write_many, args=(path, "370911", "officer_370911", 0)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_write_many, args=(path, "370902", "officer_370902", 100)),
        context.Process(target=_write_many, args=(path, "370911", "officer_370911", 100)),
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
        assert p.exitcode == 0
    assert _dispositions(store).height == 2 * 40
    audit = store.audit_events()
    assert (audit["event"] == "disposition").sum() == 80
    # The file is SQLite in WAL mode, readable by any SQLite tool.
    with sqlite3.connect(path) as raw:
        assert raw.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_read_date_reads_what_officials_type():
    assert rec.read_date("2026/11/3") == dt.date(2026, 11, 3)
    assert rec.read_date("2026年11月3日") == dt.date(2026, 11, 3)
    assert rec.read_date("2026-11-03 00:00:00") == dt.date(2026, 11, 3)
    assert rec.read_date(dt.datetime(2026, 11, 3, 8)) == dt.date(2026, 11, 3)
    assert rec.read_date("2026-02-30") is None and rec.read_date("soon") is None
