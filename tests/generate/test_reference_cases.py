"""The reference evaluation of cases (pipelines/generate/reference_cases.py) on small hand-made findings."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.generate.reference_cases import add_months, deadline_days_of, evaluate_cases

TOWN = "370902001001"  # a village of township 370902001000, county 370902000000, city 370900000000
DAYS = {"W04": 3, "W01": 7, "V01": 7}


def bj(text: str) -> dt.datetime:
    """A Beijing wall-clock time as the naive UTC instant the store keeps."""
    return dt.datetime.fromisoformat(text) - dt.timedelta(hours=8)


def findings(*runs: tuple) -> pl.DataFrame:
    """One row per period of each run: (warning_id, first_period, last_period[, region_code])."""
    rows = []
    for wid, first, last, *region in runs:
        period = first
        while period <= last:
            rows.append(
                {
                    "period": period,
                    "warning_id": wid,
                    "rule_id": wid[:3],
                    "region_code": region[0] if region else TOWN,
                    "first_period": first,
                }
            )
            period = next_period(period)
    return pl.DataFrame(rows)


def next_period(period: str) -> str:
    day = add_months(dt.date.fromisoformat(period + "-01"), 1)
    return f"{day.year}-{day.month:02d}"


def monthly(first: str, last: str) -> list[tuple[dt.datetime, str]]:
    """A snapshot published after each period, on the 5th of the next month at 09:00 Beijing."""
    out, period = [], first
    while period <= last:
        out.append((bj(f"{next_period(period)}-05T09:00"), period))
        period = next_period(period)
    return out


def record(cid: str, at: str, checked: str, outcome: str, note: str | None = None) -> dict:
    return {
        "case_id": cid,
        "recorded_at": bj(at),
        "checked_on": dt.date.fromisoformat(checked),
        "outcome": outcome,
        "note": note,
        "recorded_by": "officer_370902",
    }


def by_id(cases: pl.DataFrame) -> dict[str, dict]:
    return {c["case_id"]: c for c in cases.to_dicts()}


def kpi(kpis: pl.DataFrame, period: str, region: str, indicator: str):
    row = kpis.filter(
        (pl.col("period") == period) & (pl.col("region_code") == region) & (pl.col("indicator_id") == indicator)
    )
    assert row.height == 1, (period, region, indicator)
    return row["value"][0]


# Published 2026-10-05 (up to 2026-09) and 2026-11-05 (up to 2026-10), 09:00 Beijing.
PUBS = monthly("2026-09", "2026-10")
A, B, C, D = (f"W04-00000000000{i}" for i in "abcd")


def test_every_status():
    f = findings(
        (A, "2026-10", "2026-10"),  # no record
        (B, "2026-10", "2026-10"),  # recorded on time
        (C, "2026-10", "2026-10"),  # recorded late
        (D, "2026-09", "2026-09"),  # gone in 2026-10, recorded while it fired
    )
    records = [
        record(f"{B}-2026-10", "2026-11-07T10:00", "2026-11-06", "已给予临时救助"),
        record(f"{C}-2026-10", "2026-11-20T10:00", "2026-11-19", "已纳入低保"),
        record(f"{D}-2026-09", "2026-10-06T10:00", "2026-10-06", "已纳入特困"),
    ]
    cases, kpis = evaluate_cases(f, PUBS, records, DAYS, bj("2026-11-30T18:00"))
    c = by_id(cases)
    assert (c[f"{A}-2026-10"]["status"], c[f"{A}-2026-10"]["timeliness"]) == ("已超期", None)
    assert (c[f"{B}-2026-10"]["status"], c[f"{B}-2026-10"]["timeliness"]) == ("已处置", "按时")
    assert (c[f"{C}-2026-10"]["status"], c[f"{C}-2026-10"]["timeliness"]) == ("已处置", "超期处置")
    assert c[f"{D}-2026-09"]["status"] == "已消除"
    assert c[f"{D}-2026-09"]["records"] == 1 and c[f"{D}-2026-09"]["outcome"] == "已纳入特困"
    assert c[f"{A}-2026-10"]["issued_at"] == bj("2026-11-05T09:00")
    assert c[f"{A}-2026-10"]["deadline"] == dt.date(2026, 11, 8)
    assert c[f"{A}-2026-10"]["township_code"] == "370902001000"
    assert c[f"{A}-2026-10"]["county_code"] == "370902000000"
    assert not any(x["recheck"] for x in c.values())
    # 2026-10: A overdue, B on time, C late; 2026-09: D disposed although 已消除 now
    assert kpi(kpis, "2026-10", "370902000000", "K10_cases") == 3
    assert kpi(kpis, "2026-10", "370902000000", "K10_disposed") == 2
    assert kpi(kpis, "2026-10", "370900000000", "K11_overdue") == 1
    assert kpi(kpis, "2026-10", "370902001000", "K11_late") == 1
    assert kpi(kpis, "2026-09", "370902001000", "K10_disposed") == 1
    assert kpi(kpis, "2026-09", "370902001000", "K10_rate") == 1.0
    assert kpi(kpis, "2026-09", "370902001000", "K11_overdue") == 0


def test_pending_until_the_deadline_ends():
    f = findings((A, "2026-10", "2026-10"))
    cid = f"{A}-2026-10"
    before = by_id(evaluate_cases(f, PUBS, [], DAYS, bj("2026-11-08T23:59:59"))[0])[cid]
    after = by_id(evaluate_cases(f, PUBS, [], DAYS, bj("2026-11-09T00:00"))[0])[cid]
    assert (before["status"], after["status"]) == ("待处置", "已超期")


@pytest.mark.parametrize(("at", "timeliness"), [("2026-11-08T23:59:59", "按时"), ("2026-11-09T00:00", "超期处置")])
def test_deadline_boundary_in_beijing_time(at, timeliness):
    f = findings((A, "2026-10", "2026-10"))
    cid = f"{A}-2026-10"
    cases, kpis = evaluate_cases(f, PUBS, [record(cid, at, "2026-11-08", "已纳入低保")], DAYS, bj("2026-11-30T18:00"))
    assert by_id(cases)[cid]["timeliness"] == timeliness
    assert kpi(kpis, "2026-10", "370902000000", "K11_late") == (timeliness == "超期处置")


def test_only_what_was_published_and_recorded_by_as_of():
    f = findings((A, "2026-09", "2026-10"), (B, "2026-10", "2026-10"))
    records = [record(f"{A}-2026-09", "2026-10-20T10:00", "2026-10-19", "已纳入低保")]
    cases, kpis = evaluate_cases(f, PUBS, records, DAYS, bj("2026-10-10T12:00"))
    c = by_id(cases)
    assert list(c) == [f"{A}-2026-09"]  # B's period is not published yet
    assert c[f"{A}-2026-09"]["last_period"] == "2026-09"
    assert c[f"{A}-2026-09"]["status"] == "已超期"  # issued 10-05, deadline 10-08, the record comes later
    assert c[f"{A}-2026-09"]["records"] == 0
    assert set(kpis["period"]) == {"2026-09"}
    # later: the run goes on into 2026-10, issued once, at the first snapshot that held it
    later = by_id(evaluate_cases(f, PUBS, records, DAYS, bj("2026-11-30T18:00"))[0])[f"{A}-2026-09"]
    assert later["issued_at"] == bj("2026-10-05T09:00") and later["last_period"] == "2026-10"
    assert (later["status"], later["timeliness"]) == ("已处置", "超期处置")


def test_nothing_published_yet():
    cases, kpis = evaluate_cases(findings((A, "2026-09", "2026-09")), PUBS, [], DAYS, bj("2026-10-01T00:00"))
    assert cases.height == 0 and kpis.height == 0


def test_a_finding_placed_at_a_county_counts_in_no_township():
    f = findings((A, "2026-10", "2026-10", "370911000000"))
    cases, kpis = evaluate_cases(f, PUBS, [], DAYS, bj("2026-11-30T18:00"))
    assert cases["township_code"].to_list() == [None]
    assert set(kpis["level"]) == {"city", "county"}
    assert set(kpis["region_code"]) == {"370900000000", "370911000000"}


def test_recheck_episode():
    """经核查无问题 on 2026-04-09: due again from 2026-10-09 00:00 (Beijing), deadline 10-16, then overdue, and
    disposed again only by a record newer than the re-check day."""
    v = "V01-0000000000aa"
    cid = f"{v}-2026-03"
    f = findings((v, "2026-03", "2026-10"))
    pubs = monthly("2026-03", "2026-10")
    first = record(cid, "2026-04-10T10:00", "2026-04-09", "经核查无问题")
    again = record(cid, "2026-10-20T10:00", "2026-10-20", "已停保或停发")

    def at(when: str, records=(first, again)) -> dict:
        return by_id(evaluate_cases(f, pubs, list(records), DAYS, bj(when))[0])[cid]

    c = at("2026-10-08T23:59")
    assert (c["status"], c["timeliness"], c["recheck"]) == ("已处置", "按时", False)
    c = at("2026-10-09T00:00")
    assert (c["status"], c["recheck"], c["deadline"]) == ("待处置", True, dt.date(2026, 10, 16))
    assert c["outcome"] == "经核查无问题"  # the latest record is still shown
    c = at("2026-10-17T00:00")
    assert (c["status"], c["recheck"]) == ("已超期", True)
    cases, kpis = evaluate_cases(f, pubs, [first, again], DAYS, bj("2026-10-21T00:00"))
    c = by_id(cases)[cid]
    assert (c["status"], c["timeliness"], c["recheck"], c["records"]) == ("已处置", "超期处置", True, 2)
    assert kpi(kpis, "2026-09", "370902000000", "K12_days_median") == 11  # 10-09 -> 10-20 (2026-10 not out yet)
    assert kpi(kpis, "2026-04", "370902000000", "K10_disposed") == 1  # every period's case is the same case
    # a newer record before the re-check day closes the question: no re-check
    quick = record(cid, "2026-05-01T10:00", "2026-05-01", "已调整保障金")
    c = at("2026-10-21T00:00", (first, quick))
    assert (c["status"], c["recheck"], c["timeliness"]) == ("已处置", False, "按时")
    # a case that no longer fires on the re-check day is not due again
    gone = findings((v, "2026-03", "2026-08"))
    c = by_id(evaluate_cases(gone, pubs, [first], DAYS, bj("2026-10-21T00:00"))[0])[cid]
    assert (c["status"], c["recheck"]) == ("已消除", False)


def test_recheck_day_of_a_31st_is_the_months_last_day():
    assert add_months(dt.date(2026, 5, 31), 6) == dt.date(2026, 11, 30)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    w = "W01-0000000000bb"
    cid = f"{w}-2026-05"
    f = findings((w, "2026-05", "2026-10"))
    pubs = monthly("2026-05", "2026-10")
    records = [record(cid, "2026-06-10T10:00", "2026-05-31", "经核查不符合条件")]
    before = by_id(evaluate_cases(f, pubs, records, DAYS, bj("2026-11-29T23:59"))[0])[cid]
    due = by_id(evaluate_cases(f, pubs, records, DAYS, bj("2026-11-30T00:00"))[0])[cid]
    assert (before["status"], before["recheck"]) == ("已处置", False)
    assert (due["status"], due["recheck"], due["deadline"]) == ("待处置", True, dt.date(2026, 12, 7))


def test_median_of_an_even_count():
    ids = [f"W04-00000000001{i}" for i in range(5)]
    f = findings(*[(w, "2026-10", "2026-10") for w in ids])
    days = [0, 1, 4, 6]  # from 11-05 (issue): the median is (1 + 4) / 2; the fifth case has no record
    records = [
        record(f"{w}-2026-10", f"{dt.date(2026, 11, 5) + dt.timedelta(days=n)}T20:00", "2026-11-05", "已纳入低保")
        for w, n in zip(ids, days, strict=False)
    ]
    _, kpis = evaluate_cases(f, PUBS, records, DAYS, bj("2026-11-30T18:00"))
    assert kpi(kpis, "2026-10", "370902001000", "K12_days_median") == 2.5
    assert kpi(kpis, "2026-10", "370902001000", "K10_rate") == 0.8
    assert kpi(kpis, "2026-10", "370902001000", "K11_late") == 2  # days 4 and 6: after the deadline 11-08


def test_median_is_null_without_a_disposed_case():
    _, kpis = evaluate_cases(findings((A, "2026-10", "2026-10")), PUBS, [], DAYS, bj("2026-11-30T18:00"))
    assert kpi(kpis, "2026-10", "370900000000", "K12_days_median") is None
    assert kpi(kpis, "2026-10", "370900000000", "K10_rate") == 0.0


def test_a_correction_changes_the_outcome_not_the_timeliness():
    f = findings((B, "2026-10", "2026-10"))
    cid = f"{B}-2026-10"
    records = [
        record(cid, "2026-11-07T10:00", "2026-11-06", "经核查数据有误"),
        record(cid, "2026-11-20T10:00", "2026-11-06", "已纳入低保", "更正"),
    ]
    cases, kpis = evaluate_cases(f, PUBS, records, DAYS, bj("2026-11-30T18:00"))
    c = by_id(cases)[cid]
    assert (c["status"], c["timeliness"], c["records"]) == ("已处置", "按时", 2)
    assert (c["outcome"], c["note"], c["checked_on"]) == ("已纳入低保", "更正", dt.date(2026, 11, 6))
    assert c["recorded_at"] == bj("2026-11-20T10:00")
    assert kpi(kpis, "2026-10", "370902000000", "K12_days_median") == 2


def test_records_at_the_same_instant_keep_their_order():
    f = findings((B, "2026-10", "2026-10"))
    cid = f"{B}-2026-10"
    records = [
        record(cid, "2026-11-07T10:00", "2026-11-06", "已纳入低保"),
        record(cid, "2026-11-07T10:00", "2026-11-06", "已纳入特困"),
    ]
    c = by_id(evaluate_cases(f, PUBS, records, DAYS, bj("2026-11-30T18:00"))[0])[cid]
    assert c["outcome"] == "已纳入特困"


def test_deadline_days_from_seed_catalogue_and_severity():
    seed = pl.DataFrame(
        {
            "rule_id": ["W01", "W02", "W04"],
            "enabled": ["true"] * 3,
            "severity": ["red", "", "yellow"],
            "params": ["{}"] * 3,
            "deadline_days": ["", "", "10"],
        }
    )
    days = deadline_days_of(seed)
    assert days["W01"] == 3  # the seed's severity red
    assert days["W04"] == 10  # the seed's deadline_days
    assert days["W02"] == 15  # the catalogue's severity (yellow)
    assert deadline_days_of(None)["W04"] == 3  # red by default
