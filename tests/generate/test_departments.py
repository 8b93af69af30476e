"""The four departments of the demo (pipelines/generate/departments.py, planted_departments.py) and the
registered population sized to the people (population.sized_population).

Assertions compare counts, periods and rule ids only: a failure must never print an ID number or a name.
Assertion rewriting is off for this module (the marker below), so pytest never shows the frames an
assertion looked at.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import polars as pl
import pytest

from pipelines.contract import RULES
from pipelines.contract.tables import TABLES, expected_tables
from pipelines.generate.model import DEPARTMENT_TABLES, PROGRAMME_TABLES, build_dataset, schema
from pipelines.generate.presets import PRESETS

NEW_RULES = ("W09", "W10", "V05", "V06", "V07", "V08", "V09")
CFG = PRESETS["demo"]


@pytest.fixture(scope="module")
def demo():
    return build_dataset("demo", scale=0.3, months=12, seed=5)


@pytest.fixture(scope="module")
def small():
    return build_dataset("demo", scale=0.05, months=12, seed=2)


def _end(period: str) -> dt.date:
    y, m = int(period[:4]), int(period[5:])
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def _active_covered(ds) -> pl.DataFrame:
    d = ds.records["dibao"].filter((pl.col("status") == "active") & pl.col("is_covered"))
    t = ds.records["tekun"].filter(pl.col("status") == "active")
    return pl.concat([d.select("period", "person_id"), t.select("period", "person_id")]).unique()


def test_tables_periods_and_sizes(demo):
    periods = demo.periods
    for t in DEPARTMENT_TABLES:
        df = demo.records[t]
        assert dict(df.schema) == schema(t), t
        assert df.height > 0, t
    # medical insurance joins at the 7th month: no record and no file before it
    assert demo.on_file["medical_settlements"] == tuple(periods[6:])
    assert sorted(set(demo.records["medical_settlements"]["period"])) == periods[6:]
    for t in ("household_changes", "social_insurance_payments", "payroll", *PROGRAMME_TABLES):
        assert demo.on_file[t] == tuple(periods), t
        assert sorted(set(demo.records[t]["period"])) == periods, t
    # sized by the scale: rows per month against the preset's figures
    per_month = {t: demo.records[t].group_by("period").len()["len"] for t in DEPARTMENT_TABLES}
    s = 0.3
    assert s * CFG.pensioners <= per_month["social_insurance_payments"].min()
    assert per_month["social_insurance_payments"].max() <= s * (CFG.pensioners + 3 * CFG.unemployed) + 150
    assert s * CFG.payroll_staff * 0.9 <= per_month["payroll"].min() <= per_month["payroll"].max() <= s * 1300
    assert s * CFG.medical_settlements_per_month * 0.8 <= per_month["medical_settlements"].mean() <= s * 1400
    monthly = s * (CFG.deaths_per_month + CFG.moves_per_month)
    assert 0.6 * monthly <= per_month["household_changes"].mean() <= 1.6 * monthly + 20
    # required values are filled; 迁往地区划代码 exactly on the moves
    for t in DEPARTMENT_TABLES:
        nulls = demo.records[t].null_count().drop("destination_region_code", strict=False).sum_horizontal().item()
        assert nulls == 0, t
    hc = demo.records["household_changes"]
    dest = hc["destination_region_code"]
    assert (dest.is_null() == (hc["change_type"] == "death")).all()
    assert dest.drop_nulls().str.contains(r"^[0-9]{12}$").all()


def test_county_codes(demo):
    counties = demo.seeds["regions"].filter(pl.col("level") == "county")["region_code"]
    for t in ("social_insurance_payments", "payroll", "medical_settlements"):
        assert TABLES[t].county_coded
        assert demo.records[t]["region_code"].is_in(counties.implode()).all(), t


def test_household_changes(demo):
    hc = demo.records["household_changes"]
    bg = hc.filter(~pl.col("_planted"))
    start = pl.col("period").str.to_date("%Y-%m")
    # late registrations (变动日期 months before the period) and a few dated after its end
    assert bg.filter(pl.col("change_date") < start.dt.offset_by("-1mo")).height >= 5
    assert hc.filter(pl.col("change_date") > start.dt.month_end()).height >= 1
    # moves within the county, to another county of the city, elsewhere in China
    moves = bg.filter(pl.col("change_type") == "move_out")
    city = demo.seeds["regions"].filter(pl.col("level") == "city")["region_code"][0][:4]
    same = moves.filter(pl.col("destination_region_code").str.slice(0, 6) == pl.col("region_code").str.slice(0, 6))
    other = moves.filter(
        pl.col("destination_region_code").str.starts_with(city)
        & (pl.col("destination_region_code").str.slice(0, 6) != pl.col("region_code").str.slice(0, 6))
    )
    away = moves.filter(~pl.col("destination_region_code").str.starts_with(city))
    assert min(same.height, other.height, away.height) >= 3, (same.height, other.height, away.height)
    # a share of the recipients die each month; the rosters stop them within two months of the registration
    covered = _active_covered(demo)
    deaths = bg.filter(pl.col("change_type") == "death").select("person_id", pl.col("period").alias("reg"))
    recipients = deaths.join(covered, left_on=["person_id", "reg"], right_on=["person_id", "period"])
    assert recipients.height >= 0.3 * 6 * len(demo.periods) * 0.5, recipients.height
    later = recipients.join(covered, on="person_id").filter(
        pl.col("period").str.to_date("%Y-%m") >= pl.col("reg").str.to_date("%Y-%m").dt.offset_by("3mo")
    )
    assert later.height == 0, "a recipient still covered three months after the registered death"
    # most deaths are outside the programmes
    assert recipients.height < 0.3 * deaths.height


def test_social_insurance(demo):
    si = demo.records["social_insurance_payments"]
    assert set(si["benefit_type"]) == set(TABLES["social_insurance_payments"].column("benefit_type").values.values())
    assert (si["payment_month"] == si["period"]).all()
    assert (si["amount"] > 0).all()
    bg = si.filter(~pl.col("_planted"))
    # near-dibao members paid unemployment benefit
    near = demo.records["near_dibao"].filter(~pl.col("_planted")).select("period", "person_id")
    unemployed = bg.filter(pl.col("benefit_type") == "unemployment_benefit").join(near, on=["period", "person_id"])
    assert unemployed["person_id"].n_unique() >= 2
    # pensioners in dibao households: the pension per head around the dibao standard
    dibao = demo.records["dibao"].filter(~pl.col("_planted") & (pl.col("status") == "active"))
    pensions = bg.filter(pl.col("benefit_type") != "unemployment_benefit")
    j = pensions.join(dibao.select("period", "person_id", "household_id"), on=["period", "person_id"])
    heads = dibao.filter(pl.col("relation") == "head").select(
        "period", "household_id", "household_size", "dibao_category", "region_code"
    )
    per_hh = j.group_by("period", "household_id").agg(pl.col("amount").sum()).join(heads, on=["period", "household_id"])
    std = demo.seeds["assistance_standards"]
    ratios = []
    for period, _hid, amount, size, category, region in per_hh.rows():
        rows = std.filter(
            (pl.col("county_code") == region[:6] + "000000") & (pl.col("effective_from") <= _end(period))
        ).sort("effective_from")
        limit = rows["dibao_urban" if category == "urban" else "dibao_rural"][-1]
        ratios.append(float(amount / size / limit))
    assert len(ratios) >= 20
    above = sum(r > 1 for r in ratios)
    assert 0 < above < len(ratios) / 2, (above, len(ratios))
    assert 0.4 < min(ratios) and max(ratios) < 1.3


def test_payroll(demo):
    pr = demo.records["payroll"]
    assert set(pr["staff_category"]) == {"established", "contracted", "retired"}
    assert pr["employer"].str.len_chars().min() >= 4
    members = demo.records["dibao"].filter(~pl.col("_planted") & (pl.col("status") == "active"))
    both = pr.filter(~pl.col("_planted")).join(members.select("period", "person_id"), on=["period", "person_id"])
    assert 1 <= both["person_id"].n_unique() <= 3 * round(CFG.payroll_dibao_members * 0.3) + 2


def test_medical(demo):
    ms = demo.records["medical_settlements"]
    assert set(ms["visit_type"]) == {"outpatient", "chronic_outpatient", "inpatient"}
    assert (ms["settlement_date"].dt.strftime("%Y-%m") == ms["period"]).all()
    assert (ms["out_of_pocket"] <= ms["total_cost"]).all()
    bg = ms.filter(~pl.col("_planted"))
    covered = _active_covered(demo).with_columns(covered=pl.lit(True))
    big = bg.filter(pl.col("out_of_pocket") >= 10000).join(covered, on=["period", "person_id"], how="left")
    assert big.filter(pl.col("covered").is_null()).height >= 5, "large bills among the uncovered"
    assert big.filter(pl.col("covered")).height >= 1, "large bills among the covered"
    # some of the uncovered with large bills get 支出型 temporary assistance for them
    ta = demo.records["temporary_assistance"].filter(pl.col("reason") == "因病住院医疗费用负担重")
    assert ta.join(big.select("person_id").unique(), on="person_id").height >= 1


def test_references_unique(demo):
    for t, ref in (
        ("household_changes", "registration_reference"),
        ("medical_settlements", "settlement_reference"),
        ("temporary_assistance", "payment_reference"),
        ("disability_subsidies", "payment_reference"),
    ):
        df = demo.records[t]
        assert df[ref].n_unique() == df.height, t


def _k02(ds) -> tuple[float, float, float]:
    last = ds.periods[-1]
    d = (
        ds.records["dibao"]
        .filter((pl.col("period") == last) & (pl.col("status") == "active") & pl.col("is_covered"))
        .unique("person_id")
    )
    pop = ds.seeds["region_population"].filter(
        pl.col("region_code").str.ends_with("000000") & (pl.col("year") == int(last[:4]))
    )
    total = d.height / pop["population_total"].sum()
    urban = d.filter(pl.col("dibao_category") == "urban").height / pop["population_urban"].sum()
    rural = d.filter(pl.col("dibao_category") == "rural").height / pop["population_rural"].sum()
    return total, urban, rural


@pytest.mark.parametrize("which", ["demo", "small"])
def test_coverage_a_few_per_cent(which, request):
    ds = request.getfixturevalue(which)
    total, urban, rural = _k02(ds)
    assert 0.015 <= total <= 0.05, round(total, 4)
    assert 0.005 <= urban <= 0.03 and 0.025 <= rural <= 0.07, (round(urban, 4), round(rural, 4))
    pop = ds.seeds["region_population"]
    assert (pop["population_total"] == pop["population_urban"] + pop["population_rural"]).all()
    assert (pop["population_total"] > 0).all()
    towns = pop.filter(~pl.col("region_code").str.ends_with("000000"))
    sums = towns.group_by(pl.col("region_code").str.slice(0, 6).alias("c"), "year").agg(
        pl.col("population_total").sum()
    )
    counties = pop.filter(pl.col("region_code").str.ends_with("000000")).select(
        pl.col("region_code").str.slice(0, 6).alias("c"), "year", pl.col("population_total").alias("county")
    )
    j = counties.join(sums, on=["c", "year"])
    assert j.height == counties.height and (j["county"] == j["population_total"]).all()


def test_switches_off():
    ds = build_dataset("demo", scale=0.05, months=3, seed=2, departments=False, sized_population=False)
    for t in DEPARTMENT_TABLES:
        assert ds.records[t].height == 0, t
        assert t not in ds.on_file, t
    rules = set(ds.seeds["warning_rules"]["rule_id"])
    assert rules == {r.id for r in RULES.values() if set(r.tables) <= set(PROGRAMME_TABLES)}
    county = ds.seeds["region_population"].filter(pl.col("region_code").str.ends_with("000000"))
    assert county["population_total"].min() >= 500_000  # a large city's, whatever the scale
    with pytest.raises(ValueError):
        build_dataset("report-2021", departments=True)
    report = build_dataset("report-2021", scale=0.01)
    for t in DEPARTMENT_TABLES:
        assert report.records[t].height == 0, t


# ---------------------------------------------------------------------------------------------- planted
# Periods (indices, 12 months, medical insurance from index 6, the default parameters) in which each new
# rule fires for the planted subjects, and how many (planted_departments.py says which case is which).
PLANTED = {
    "W09": {6: 1, 7: 1, 8: 3, 9: 2},
    "W10": {1: 1, 2: 1, 3: 1, 4: 1, 6: 1, 7: 1, 8: 1, 9: 1},
    "V05": {1: 1, 2: 1, 3: 2, 4: 1, 6: 1, 7: 2, 8: 1},
    "V06": {5: 2, 8: 1, 10: 1},
    "V07": {1: 1, 2: 1, 4: 1, 5: 1, 6: 1, 8: 1, 9: 2, 10: 1, 11: 1},
    "V08": {0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 1, 10: 1, 11: 1},
    "V09": {0: 1, 1: 1, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1},
}


@pytest.fixture(scope="module")
def planted_findings(small):
    from pipelines.generate.reference import evaluate

    loaded = {
        t: df.with_columns(source_file=pl.lit(f"raw/{t}.csv"), source_row=pl.int_range(2, pl.len() + 2).cast(pl.Int32))
        for t, df in small.records.items()
    }
    on_file = [(p, t) for t, periods in small.on_file.items() for p in periods]
    findings, _ = evaluate(loaded, small.seeds, small.periods, expected_tables(on_file))
    planted = pl.concat(
        [
            df.filter(pl.col("_planted")).select("person_id")
            for t, df in small.records.items()
            if t in DEPARTMENT_TABLES or t in ("dibao", "tekun", "near_dibao", "disability_cards")
        ]
    )
    index = {p: i for i, p in enumerate(small.periods)}
    return findings.filter(pl.col("subject_person_id").is_in(planted["person_id"].implode())).with_columns(
        pl.col("period").replace_strict(index, return_dtype=pl.Int64).alias("i")
    )


@pytest.mark.parametrize("rule", NEW_RULES)
def test_planted_cases_fire_where_meant(planted_findings, small, rule):
    got = dict(planted_findings.filter(pl.col("rule_id") == rule).group_by("i").len().rows())
    assert got == PLANTED[rule], (rule, sorted(got.items()))


def test_w09_waits_for_medical_insurance(planted_findings, small):
    assert planted_findings.filter((pl.col("rule_id") == "W09") & (pl.col("i") < 6)).height == 0


def test_planted_evidence(planted_findings):
    v09 = planted_findings.filter(pl.col("rule_id") == "V09")
    # one cent above the standard over 3 persons: the exact quotient fires, its evidence rounds to the standard
    assert v09.filter(pl.col("value") == pl.col("threshold")).height == 12
    v08 = planted_findings.filter(pl.col("rule_id") == "V08")
    assert set(v08["value"]) == {"在编在职|编外聘用", "编外聘用", "离退休"}
    w09 = planted_findings.filter(pl.col("rule_id") == "W09")
    assert (w09["value"] == w09["threshold"]).sum() >= 2  # exactly the amount, in two periods
    v05 = planted_findings.filter(pl.col("rule_id") == "V05")
    # registered twice, the second with an earlier date: the value changes to it
    twice = v05.group_by("warning_id").agg(pl.col("value").n_unique().alias("n"))
    assert twice.filter(pl.col("n") == 2).height == 1


def test_planted_edges_in_the_records(small):
    """The edges themselves, in the records (whatever the reference says)."""
    r = small.records
    hc = r["household_changes"].filter(pl.col("_planted"))
    end = pl.col("period").str.to_date("%Y-%m").dt.month_end()
    deaths = hc.filter(pl.col("change_type") == "death")
    assert deaths.filter(pl.col("change_date") == end).height >= 2  # on the last day of P
    assert deaths.filter(pl.col("change_date") == end.dt.offset_by("1d")).height == 1  # after P, registered in P
    # moves the day before 审批日期 and on it
    d = r["dibao"].filter(pl.col("_planted")).select("person_id", "period", "approval_date")
    moves = hc.filter(pl.col("change_type") == "move_out").join(d, on=["person_id", "period"])
    delta = (moves["approval_date"] - moves["change_date"]).dt.total_days()
    assert (delta == 1).sum() >= 1 and (delta == 0).sum() >= 1
    # pensions of a household of 3 at exactly 3 × the standard and one cent above
    si = r["social_insurance_payments"].filter(pl.col("_planted") & (pl.col("benefit_type") != "unemployment_benefit"))
    hh = r["dibao"].filter(pl.col("_planted")).select("period", "person_id", "household_id", "household_size")
    sums = (
        si.join(hh, on=["period", "person_id"])
        .group_by("period", "household_id", "household_size")
        .agg(pl.col("amount").sum())
    )
    first = small.periods[0]
    three = sums.filter((pl.col("period") == first) & (pl.col("household_size") == 3))["amount"].to_list()
    # (3 × the standard, and 3 × the standard + 0.01: in cents, remainders 0 and 1 of a division by 3)
    assert len(three) == 2 and sorted(int(v * 100) % 3 for v in three) == [0, 1]
    # out-of-pocket over two months exactly at the amount and one cent below
    params = dict(small.seeds["warning_rules"].select("rule_id", "params").rows())
    amount = Decimal(str(json.loads(params["W09"])["amount"]))
    ms = r["medical_settlements"].filter(pl.col("_planted"))
    per_person = ms.group_by("person_id").agg(pl.col("out_of_pocket").sum(), pl.len().alias("n"))
    assert per_person.filter((pl.col("out_of_pocket") == amount) & (pl.col("n") >= 2)).height >= 2
    assert per_person.filter(pl.col("out_of_pocket") == amount - Decimal("0.01")).height == 1
    # temporary assistance on the day of death and the next day
    ta = (
        r["temporary_assistance"]
        .filter(pl.col("_planted"))
        .join(deaths.select("person_id", "change_date"), on="person_id")
    )
    days = (ta["payment_date"] - ta["change_date"]).dt.total_days().to_list()
    assert 0 in days and 1 in days
