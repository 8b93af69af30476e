"""The contracts pass on clean generated data and catch what they are for, on copies of the warehouse."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines.quality import MART_CHECKS, RAW_CHECKS, CheckSettings, check_mart, check_raw, data_docs_index
from tests.quality.conftest import all_outcomes, periods_of


@pytest.mark.parametrize("city", ["taian", "jining"])
def test_every_check_passes_on_clean_data(city, request):
    if city == "taian":
        periods, raw, marts = request.getfixturevalue("taian_outcomes")
    else:
        periods, raw, marts = all_outcomes(request.getfixturevalue("jining"), marts=False)
    assert len(periods) == 3
    for table, outcomes in raw.items():
        assert [o.name for o in outcomes] == list(RAW_CHECKS)
        for o in outcomes:
            assert o.severity in ("error", "warn")
            json.dumps(o.metadata)
            if (table, o.name) == ("monitoring", "value_ranges"):
                # The generator plants, in every period, a household identified a few days after the
                # end of the month: a plausible row, a warning, never a breach.
                assert not o.passed and o.severity == "warn", o.summary
                assert o.failed_periods == tuple(periods)
                assert [f["label"] for f in o.metadata["failed"]] == ["period_last_day/identified_date order"]
                continue
            if (table, o.name) == ("household_changes", "value_ranges") and not o.passed:
                # A death registered before its date (a planted edge of V05): a warning, never a breach.
                assert o.severity == "warn", o.summary
                assert [f["label"] for f in o.metadata["failed"]] == ["period_last_day/change_date order"]
                continue
            assert o.passed, (table, o.name, o.summary)
            assert o.failed_periods == ()
    for mart, outcomes in marts.items():
        assert [o.name for o in outcomes] == list(MART_CHECKS[mart])
        assert all(o.passed for o in outcomes), [(o.name, o.summary) for o in outcomes]
    contract = raw["dibao"][0]
    assert contract.metadata["rows"] > 0 and contract.metadata["expectations"] > 10


def test_no_period_is_a_pass_without_validation(taian):
    with duckdb.connect(str(taian.duckdb_path), read_only=True) as con:
        outcomes = check_raw(con, taian, "dibao", [])
    assert [o.name for o in outcomes] == list(RAW_CHECKS) and all(o.passed for o in outcomes)


def test_wrong_status_values_breach_the_contract_of_that_period(taian, copy_of):
    locations, con = copy_of(taian)
    periods = periods_of(con)
    last = periods[-1]
    con.execute("update raw.dibao set status = 'unknown' where period = ?", [last])
    outcomes = {o.name: o for o in check_raw(con, locations, "dibao", periods)}
    contract = outcomes["contract"]
    assert not contract.passed and contract.severity == "error"
    assert contract.failed_periods == (last,)
    assert "status" in contract.summary and last in contract.summary
    failed = contract.metadata["failed"]
    assert [f["column"] for f in failed] == ["status"]
    assert failed[0]["expectation"] == "expect_column_values_to_be_in_set"
    assert (
        failed[0]["unexpected_count"]
        == con.execute("select count(*) from raw.dibao where period = ?", [last]).fetchone()[0]
    )
    assert all(outcomes[n].passed for n in ("quarantine_share", "county_coverage", "volume_drift"))


def test_contract_catches_a_missing_column_and_a_null(taian, copy_of):
    locations, con = copy_of(taian)
    periods = periods_of(con)
    con.execute("alter table raw.tekun drop column self_care")
    con.execute("update raw.tekun set person_id = null where period = ? and rowid % 5 = 0", [periods[1]])
    contract = check_raw(con, locations, "tekun", periods)[0]
    assert not contract.passed and contract.severity == "error"
    labels = {f["label"] for f in contract.metadata["failed"]}
    assert "columns match the contract" in labels
    assert "person_id not null" in labels
    # the missing column breaks every period; the others are attributed to theirs
    assert contract.failed_periods == tuple(periods)


def test_a_date_after_the_period_or_a_large_amount_warns_and_breaches_nothing(taian, copy_of):
    """Plausible single values (a recognition entered ahead, a large allowance) are data: value_ranges
    reports them as a warning for their period; the contract, which blocks, still passes."""
    locations, con = copy_of(taian)
    periods = periods_of(con)
    first, last = periods[0], periods[-1]
    con.execute("update raw.tekun set recognition_date = date '2099-01-01' where period = ? and rowid % 7 = 0", [first])
    con.execute("update raw.tekun set monthly_basic_living = 2000000 where period = ? and rowid % 9 = 0", [last])
    outcomes = {o.name: o for o in check_raw(con, locations, "tekun", periods)}
    assert outcomes["contract"].passed, outcomes["contract"].summary
    ranges = outcomes["value_ranges"]
    assert not ranges.passed and ranges.severity == "warn"
    assert ranges.failed_periods == (first, last)
    labels = {f["label"] for f in ranges.metadata["failed"]}
    assert "period_last_day/recognition_date order" in labels
    assert any("monthly_basic_living" in label for label in labels), labels
    # The data contracts' report shows it as a warning, not as a failure.
    row = next(
        r for r in data_docs_index(locations).read_text(encoding="utf-8").split("<tr") if "tekun.value_ranges" in r
    )
    assert 'class="warned"' in row and "警告 warning" in row


def test_a_county_missing_from_the_latest_period_breaches_coverage(taian, copy_of):
    locations, con = copy_of(taian)
    periods = periods_of(con)
    last = periods[-1]
    county = con.execute(
        "select substr(region_code, 1, 6) from raw.dibao where period = ? group by 1 order by 1 limit 1", [last]
    ).fetchone()[0]
    con.execute("delete from raw.dibao where period = ? and region_code like ?", [last, county + "%"])
    outcomes = {o.name: o for o in check_raw(con, locations, "dibao", [last])}
    coverage = outcomes["county_coverage"]
    assert not coverage.passed and coverage.severity == "error"
    assert coverage.failed_periods == (last,)
    assert coverage.metadata["missing_counties"] == {last: [county]}
    assert county in coverage.summary
    drift = outcomes["volume_drift"]
    assert not drift.passed and drift.severity == "warn"
    assert outcomes["contract"].passed


def test_an_empty_period_breaches_coverage_and_the_contract(taian, copy_of):
    locations, con = copy_of(taian)
    last = periods_of(con)[-1]
    con.execute("delete from raw.near_dibao where period = ?", [last])
    outcomes = {o.name: o for o in check_raw(con, locations, "near_dibao", [last])}
    assert outcomes["contract"].failed_periods == (last,)
    assert outcomes["county_coverage"].failed_periods == (last,)
    assert len(outcomes["county_coverage"].metadata["missing_counties"][last]) >= 3


def test_half_the_rows_of_a_county_gone_warns_in_volume_drift(taian, copy_of):
    locations, con = copy_of(taian)
    periods = periods_of(con)
    last = periods[-1]
    county = con.execute(
        "select substr(region_code, 1, 6) c from raw.dibao where period = ? group by 1 order by count(*) desc limit 1",
        [last],
    ).fetchone()[0]
    con.execute(
        "delete from raw.dibao where period = ? and region_code like ? and source_row % 2 = 0", [last, county + "%"]
    )
    outcomes = {o.name: o for o in check_raw(con, locations, "dibao", periods)}
    drift = outcomes["volume_drift"]
    assert not drift.passed and drift.severity == "warn"
    assert drift.failed_periods == (last,)
    [drop] = drift.metadata["drops"]
    assert drop["county_code"] == county and drop["period"] == last
    assert drop["current_rows"] < 0.6 * drop["previous_rows"]
    assert outcomes["county_coverage"].passed and outcomes["contract"].passed


def test_a_quarantine_share_above_the_threshold_breaches(taian, copy_of):
    locations, con = copy_of(taian)
    periods = periods_of(con)
    con.execute(
        "update raw.files set rows_quarantined = 2 * rows_loaded where table_name = 'dibao' and period = ?",
        [periods[1]],
    )
    outcomes = {o.name: o for o in check_raw(con, locations, "dibao", periods)}
    share = outcomes["quarantine_share"]
    assert not share.passed and share.failed_periods == (periods[1],)
    assert "66.7%" in share.summary


def test_a_broken_kpi_total_breaches_region_totals(taian, copy_of):
    locations, con = copy_of(taian)
    last = periods_of(con)[-1]
    con.execute(
        "update main_marts.fct_kpis set value = value + 3 "
        "where period = ? and level = 'city' and indicator_id = 'K03_persons'",
        [last],
    )
    contract, totals, _ = check_mart(con, locations, "fct_kpis")
    assert contract.passed
    assert not totals.passed and totals.severity == "error"
    assert totals.metadata["failing_rows"] == [
        {
            "period": last,
            "region_code": con.execute("select region_code from main_marts.dim_region where level = 'city'").fetchone()[
                0
            ],
            "indicator_id": "K03_persons",
        }
    ]


def test_k01_persons_above_the_sum_of_its_children_breaches_region_totals(taian, copy_of):
    locations, con = copy_of(taian)
    con.execute(
        "update main_marts.fct_kpis set value = value * 2 + 1 where level = 'county' and indicator_id = 'K01_persons'"
    )
    totals = check_mart(con, locations, "fct_kpis")[1]
    assert not totals.passed
    assert {r["indicator_id"] for r in totals.metadata["failing_rows"]} == {"K01_persons"}


def test_a_share_above_one_breaches_the_kpi_contract(taian, copy_of):
    locations, con = copy_of(taian)
    con.execute("update main_marts.fct_kpis set value = 1.5 where indicator_id = 'K04_rate' and level = 'county'")
    contract, totals, population = check_mart(con, locations, "fct_kpis")
    assert not contract.passed and contract.severity == "error" and totals.passed and population.passed
    assert [f["column"] for f in contract.metadata["failed"]] == ["rate_value"]


def test_a_coverage_rate_above_one_warns_naming_the_region(taian, copy_of):
    """K02 is over the region_population seed: a township whose population is out of date shows a
    coverage above 1; a warning naming it, not a reason to hold the city back."""
    locations, con = copy_of(taian)
    township = con.execute(
        "select region_code, period from main_marts.fct_kpis where indicator_id = 'K02_rate' and level = 'township' "
        "order by region_code, period limit 1"
    ).fetchone()
    con.execute(
        "update main_marts.fct_kpis set value = 1.25 where indicator_id = 'K02_rate' and region_code = ? "
        "and period = ?",
        list(township),
    )
    contract, _, population = check_mart(con, locations, "fct_kpis")
    assert contract.passed, contract.summary
    assert not population.passed and population.severity == "warn"
    assert population.metadata["failing_rows"] == [
        {"period": township[1], "region_code": township[0], "indicator_id": "K02_rate"}
    ]


def test_findings_contract_catches_duplicates_and_unknown_rules(taian, copy_of):
    locations, con = copy_of(taian)
    con.execute("insert into main_marts.fct_findings select * from main_marts.fct_findings limit 1")
    con.execute("update main_marts.fct_findings set rule_id = 'W99' where rowid = 0")
    [contract] = check_mart(con, locations, "fct_findings")
    assert not contract.passed
    labels = {f["label"] for f in contract.metadata["failed"]}
    assert labels == {"rule_id in set", "period+warning_id unique"}


def test_severity_comes_from_the_settings(taian, copy_of):
    locations, con = copy_of(taian)
    last = periods_of(con)[-1]
    con.execute("update raw.dibao set status = 'unknown' where period = ?", [last])
    settings = CheckSettings(severity={"contract": "error", "dibao.contract": "warn", "volume_drift": "error"})
    outcomes = {o.name: o for o in check_raw(con, locations, "dibao", [last], settings)}
    assert not outcomes["contract"].passed and outcomes["contract"].severity == "warn"
    assert outcomes["volume_drift"].severity == "error"
