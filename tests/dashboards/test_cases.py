"""The cases' data layer (dashboards/cases.py) over a hand-made snapshot and a store of the test's own:
scope by role and county, writes refused outside the scope, a record shown at once, K10–K12.

PYTEST_DONT_REWRITE: assertions compare case ids, counts and codes; nothing prints a person.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dashboards import cases
from dashboards.data import AccessDenied
from pipelines.feedback.record import OTHER_COUNTY, UNKNOWN_CASE
from pipelines.feedback.store import FeedbackStore
from tests.dashboards import case_warehouse as cw
from tests.dashboards.conftest import ADMIN, ANALYST, OFFICER

ISSUED = dt.datetime(2026, 11, 2, 1, 0)  # naive UTC: 2026-11-02 09:00 Beijing
LATER = dt.datetime(2026, 11, 3, 2, 0)  # within every deadline (red: 3 days)
AFTER_RED = dt.datetime(2026, 11, 6, 2, 0)  # past the red deadline (11-05), within orange (11-09)
OTHER_OFFICER = type(OFFICER)("officer_370911", "county_officer", cw.C2)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return cw.build(tmp_path_factory.mktemp("cases"))


@pytest.fixture
def store(warehouse, tmp_path, monkeypatch) -> FeedbackStore:
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(tmp_path / "feedback.sqlite"))
    store = cases.feedback_store()
    cw.issue(warehouse, store, ISSUED)
    return store


def _by_county(facts: pl.DataFrame, county6: str) -> set[str]:
    return set(facts.filter(pl.col("county_code").str.starts_with(county6))["case_id"])


def test_a_county_officer_reads_only_their_countys_cases_masked(warehouse, store):
    facts = cw.case_facts(warehouse)
    mine = cases.cases(warehouse, OFFICER, as_of=LATER)
    assert set(mine["case_id"]) == _by_county(facts, OFFICER.county) and mine.height == 3
    assert all(c.startswith(OFFICER.county) for c in mine["county_code"])
    assert all("*" in n for n in mine["subject_name"]) and all("*" in i for i in mine["subject_person_id"])
    assert set(mine["status"]) == {"待处置"}
    with pytest.raises(AccessDenied):
        cases.cases(warehouse, OFFICER, unmasked=True, as_of=LATER)

    everything = cases.cases(warehouse, ADMIN, as_of=LATER)
    assert set(everything["case_id"]) == set(facts["case_id"])
    unmasked = cases.cases(warehouse, ADMIN, unmasked=True, as_of=LATER)
    assert not any("*" in n for n in unmasked["subject_name"] if len(n) > 1)


def test_the_cases_of_a_period_are_its_findings(warehouse, store):
    of_p = cases.cases(warehouse, ADMIN, cw.P, as_of=LATER)
    assert "W02-0a1b2c3d4e5f-2026-09" not in set(of_p["case_id"])  # fired in 2026-09 only
    assert of_p.height == 6 and of_p["period_county_code"].null_count() == 0
    of_prev = cases.cases(warehouse, ADMIN, cw.P_PREV, as_of=LATER)
    assert list(of_prev["case_id"]) == ["W02-0a1b2c3d4e5f-2026-09"]
    assert list(of_prev["status"]) == ["已消除"]  # 2026-10 is published and the case did not fire in it


def test_an_analyst_gets_no_case_row_and_records_nothing(warehouse, store):
    with pytest.raises(AccessDenied):
        cases.cases(warehouse, ANALYST)
    with pytest.raises(AccessDenied):
        cases.case_history(warehouse, ANALYST, "W05-222222222222-2026-10")
    with pytest.raises(AccessDenied):
        cases.record_disposition(warehouse, ANALYST, "W05-222222222222", cw.P, "2026-11-02", "其他", "x")
    kpis = cases.case_kpis(warehouse, ANALYST, cw.P, as_of=LATER)  # aggregates only
    assert kpis.filter(pl.col("level") == "city")["cases"].to_list() == [6]


def test_a_record_for_another_countys_case_is_refused(warehouse, store):
    result = cases.record_disposition(
        warehouse, OFFICER, "W04-111111111111", cw.P_PREV, dt.date(2026, 11, 2), "已给予临时救助", None, as_of=LATER
    )
    assert not result.recorded and [r.reason for r in result.refused] == [OTHER_COUNTY]
    unknown = cases.record_disposition(
        warehouse, OFFICER, "W99-000000000000", cw.P, dt.date(2026, 11, 2), "其他", "x", as_of=LATER
    )
    assert [r.reason for r in unknown.refused] == [UNKNOWN_CASE]
    assert cases.store_version() == (0, 1)
    with pytest.raises(AccessDenied):  # nor may the officer read its records
        cases.case_history(warehouse, OFFICER, "W04-111111111111-2026-09")
    with pytest.raises(LookupError):
        cases.case_history(warehouse, OFFICER, "W99-000000000000-2026-10")


def test_a_record_shows_at_once(warehouse, store):
    case_id = "W05-222222222222-2026-10"
    before = cases.store_version()
    result = cases.record_disposition(
        warehouse, OFFICER, "W05-222222222222", cw.P, dt.date(2026, 11, 2), "已落实照料服务", "已签协议", as_of=LATER
    )
    assert [e.case_id for e in result.recorded] == [case_id] and not result.refused
    assert cases.store_version() != before  # the pages' cache key moves

    row = cases.cases(warehouse, OFFICER, cw.P, as_of=LATER).filter(pl.col("case_id") == case_id).row(0, named=True)
    assert (row["status"], row["timeliness"], row["outcome"], row["note"]) == (
        "已处置",
        "按时",
        "已落实照料服务",
        "已签协议",
    )
    assert row["last_recorded_by"] == OFFICER.user and row["records"] == 1

    history = cases.case_history(warehouse, OFFICER, case_id)
    assert history.select("recorded_by", "checked_on", "outcome").rows() == [
        (OFFICER.user, dt.date(2026, 11, 2), "已落实照料服务")
    ]
    # the same again records nothing; the admin may record for any county
    again = cases.record_disposition(
        warehouse, ADMIN, "W05-222222222222", cw.P, dt.date(2026, 11, 2), "已落实照料服务", "已签协议", as_of=LATER
    )
    assert len(again.unchanged) == 1 and not again.recorded
    other = cases.record_disposition(
        warehouse, ADMIN, "W04-111111111111", cw.P_PREV, "2026-11-02", "其他", None, as_of=LATER
    )
    assert [r.reason[:4] for r in other.refused] == ["处置结果"]  # 其他 without 说明


def test_k10_to_k12_for_the_viewers_regions(warehouse, store):
    cases.record_disposition(
        warehouse, OFFICER, "W05-222222222222", cw.P, dt.date(2026, 11, 2), "已落实照料服务", None, as_of=LATER
    )
    cases.record_disposition(  # the red W04's deadline is 11-05: recorded on 11-06, late
        warehouse, ADMIN, "W04-111111111111", cw.P_PREV, dt.date(2026, 11, 5), "已给予临时救助", None, as_of=AFTER_RED
    )
    kpis = cases.case_kpis(warehouse, ADMIN, cw.P, as_of=AFTER_RED)
    city = kpis.filter(pl.col("level") == "city").row(0, named=True)
    assert (city["cases"], city["disposed"], city["late"], city["pending"], city["overdue"]) == (6, 2, 1, 4, 0)
    assert city["rate"] == pytest.approx(2 / 6)
    assert city["days_median"] == pytest.approx((1 + 4) / 2)  # 11-02 → 11-03 and 11-02 → 11-06
    c1 = kpis.filter(pl.col("region_code") == cw.C1 + "000000").row(0, named=True)
    assert (c1["cases"], c1["disposed"], c1["late"]) == (3, 1, 0)

    mine = cases.case_kpis(warehouse, OFFICER, cw.P, as_of=AFTER_RED)
    assert set(mine["level"]) == {"city", "county", "township"}
    assert all(r is None or r.startswith(OFFICER.county) for r in mine["region_code"])

    breakdown = cases.case_breakdown(warehouse, OTHER_OFFICER, cw.P, as_of=AFTER_RED)
    assert set(breakdown["county_code"]) == {cw.C2 + "000000"}
    by_rule = cases.summarise(breakdown, ["rule_id"])
    assert by_rule.filter(pl.col("rule_id") == "W04")["late"].to_list() == [1]


def test_an_overdue_case_counts_in_k11(warehouse, store):
    kpis = cases.case_kpis(warehouse, ADMIN, cw.P, as_of=AFTER_RED)
    assert kpis.filter(pl.col("level") == "city")["overdue"].to_list() == [1]  # the red W04, undisposed
    overdue = cases.cases(warehouse, OTHER_OFFICER, cw.P, as_of=AFTER_RED).filter(pl.col("status") == "已超期")
    assert list(overdue["case_id"]) == ["W04-111111111111-2026-09"]


def test_an_upload_records_the_valid_rows_and_names_the_refused(warehouse, store):
    header = "预警编号,首次预警期,核查日期,处置结果,处置说明"
    rows = [
        f"W05-222222222222,{cw.P},2026-11-02,已落实照料服务,",  # row 2: own county
        f"W04-111111111111,{cw.P_PREV},2026-11-02,已给予临时救助,",  # row 3: another county
        f"V01-444444444444,{cw.P},2026-11-02,已纳入低保,",  # row 4: not a verification outcome
        f"V04-555555555555,{cw.P_PREV},,,",  # row 5: empty
    ]
    content = ("\n".join([header, *rows]) + "\n").encode("utf-8-sig")
    result = cases.upload_returned(warehouse, OFFICER, "回填.csv", content, as_of=LATER)
    assert (len(result.recorded), len(result.unchanged), len(result.refused), result.empty) == (1, 0, 2, 1)
    refused = cases.refused_table(result)
    assert refused.columns == list(cases.REFUSED_HEADERS)
    assert refused["行号"].to_list() == [3, 4] and refused["原因"][0] == OTHER_COUNTY
    status = cases.cases(warehouse, OFFICER, cw.P, as_of=LATER).filter(pl.col("case_id") == "W05-222222222222-2026-10")
    assert status["status"].to_list() == ["已处置"]
    assert cases.case_history(warehouse, OFFICER, "W05-222222222222-2026-10")["file_name"].to_list() == ["回填.csv"]
    with pytest.raises(AccessDenied):
        cases.upload_returned(warehouse, ANALYST, "回填.csv", content)
