"""The population model of `safetynet generate` (pipelines/generate/model.py).

Assertions compare counts only: a failure must never print an ID number or a name. Assertion
rewriting is off for this module (the marker below), so pytest never shows the frames or series an
assertion looked at; messages carry table names and counts only.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import polars as pl
import pytest
from stdnum.cn import ric

from pipelines.contract.tables import TABLES, expected_tables
from pipelines.generate.model import build_dataset, schema
from pipelines.generate.presets import PRESETS
from pipelines.generate.seeds import COLLIDING_BASE, SEVERITY


@pytest.fixture(scope="module")
def demo():
    return build_dataset("demo", scale=0.3, months=12, seed=7)


@pytest.fixture(scope="module")
def report():
    return build_dataset("report-2021", seed=1)


def _all_ids(ds) -> pl.DataFrame:
    return pl.concat([df.select("person_id", "name", "period") for df in ds.records.values()])


def test_shapes_and_types(demo):
    assert demo.periods == sorted(demo.periods) and demo.periods[-1] == "2026-10" and len(demo.periods) == 12
    for t in TABLES:
        df = demo.records[t]
        assert dict(df.schema) == schema(t), t
        assert df["period"].is_in(demo.periods).all()
        assert len(df) > 0
        optional = ("eliminated_date", "reason", "destination_region_code")
        assert df.null_count().drop(optional, strict=False).sum_horizontal().item() == 0, t
    assert set(demo.seeds) == {"regions", "region_population", "assistance_standards", "warning_rules"}


def test_months_and_scale():
    ds = build_dataset("demo", scale=0.1, months=3, seed=2)
    assert ds.periods == ["2026-08", "2026-09", "2026-10"]
    assert ds.records["dibao"].filter(pl.col("period") == "2026-10").height < 1500


def test_deterministic():
    a = build_dataset("demo", scale=0.1, months=4, seed=11)
    b = build_dataset("demo", scale=0.1, months=4, seed=11)
    c = build_dataset("demo", scale=0.1, months=4, seed=12)
    for t in TABLES:
        assert a.records[t].equals(b.records[t]), t
    for s in a.seeds:
        assert a.seeds[s].equals(b.seeds[s]), s
    assert not a.records["dibao"].equals(c.records["dibao"])


def test_ids_valid_and_one_person_per_id(demo):
    ids = _all_ids(demo)
    uniq = ids["person_id"].unique()
    bad_len = int((uniq.str.len_chars() != 18).sum())
    assert bad_len == 0
    bad_check = sum(1 for x in uniq.to_list() if ric.calc_check_digit(x) != x[17])
    assert bad_check == 0
    births = uniq.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    assert births.null_count() == 0
    last_end = pl.Series([demo.periods[0] + "-01"]).str.to_date().dt.month_end().item()
    assert int((births > last_end).sum()) == 0  # nobody is born after the first period
    # one name per person
    assert ids.group_by("person_id").agg(pl.col("name").n_unique()).filter(pl.col("name") > 1).height == 0
    cards = demo.records["disability_cards"]
    assert (cards["disability_card_no"].str.slice(0, 18) == cards["person_id"]).all()
    digits = cards["disability_card_no"].str.slice(19, 1).cast(pl.Int16)
    assert (digits == cards["disability_grade"]).all()


def test_names_realistic(demo):
    names = _all_ids(demo)["name"].unique()
    n = names.str.len_chars()
    assert n.min() >= 2 and n.max() <= 4
    assert (
        int(
            names.str.starts_with("欧阳").sum()
            + names.str.starts_with("司马").sum()
            + names.str.starts_with("诸葛").sum()
            + names.str.starts_with("上官").sum()
        )
        >= 0
    )


def test_seeds(demo):
    s = demo.seeds
    assert list(s["regions"].columns) == ["region_code", "name", "level", "parent_code", "urban_rural"]
    assert list(s["region_population"].columns) == [
        "region_code",
        "year",
        "population_total",
        "population_urban",
        "population_rural",
    ]
    assert list(s["assistance_standards"].columns) == [
        "county_code",
        "effective_from",
        "dibao_urban",
        "dibao_rural",
        "tekun_basic",
        "near_dibao_multiplier",
        "relapse_income_line",
    ]
    assert list(s["warning_rules"].columns) == ["rule_id", "enabled", "severity", "params"]
    assert sorted(s["warning_rules"]["rule_id"]) == sorted(SEVERITY)
    r = s["regions"]
    counties = r.filter(pl.col("level") == "county")["region_code"].to_list()
    assert counties == [f"{c}000000" for c in (370902, 370911, 370921, 370923, 370982, 370983)]
    v = r.filter(pl.col("level") == "village")
    assert v["urban_rural"].is_in(["urban", "rural"]).all()
    # the planted name collision: 李庄村 and 李庄社区 in one township
    both = (
        v.filter(pl.col("name").is_in([COLLIDING_BASE + "村", COLLIDING_BASE + "社区"])).group_by("parent_code").len()
    )
    assert both.filter(pl.col("len") == 2).height >= 1
    # village names unique within a township, apart from the colliding pair once stripped
    assert v.group_by("parent_code", "name").len()["len"].max() == 1
    towns = r.filter(pl.col("level") == "township")
    assert towns["name"].str.ends_with("街道").any()
    st = s["assistance_standards"]
    assert set(st["effective_from"].cast(pl.String)) >= {"2025-01-01", "2026-01-01"}
    # sized to the people (test_departments.py: 低保覆盖率 a few per cent), some ten thousand a county here
    pop = s["region_population"].filter(pl.col("region_code").is_in(counties))
    assert pop["population_total"].is_between(5_000, 150_000).all()


def test_household_consistency(demo):
    d = demo.records["dibao"].filter(~pl.col("_planted"))
    cols = ["dibao_category", "household_size", "monthly_income_per_capita", "monthly_benefit", "approval_date"]
    g = d.group_by("period", "household_id").agg(*(pl.col(c).n_unique() for c in cols))
    assert g.filter(pl.any_horizontal(pl.col(c) > 1 for c in cols)).height == 0
    size = d.group_by("period", "household_id").agg(pl.col("is_covered").sum(), pl.col("household_size").first())
    assert size.filter(pl.col("is_covered") != pl.col("household_size")).height == 0
    # 城市低保 in urban villages, 农村低保 in rural ones
    vil = demo.seeds["regions"].filter(pl.col("level") == "village").select("region_code", "urban_rural")
    j = d.join(vil, on="region_code")
    assert j.height == d.height
    assert (j["dibao_category"] == j["urban_rural"]).all()
    # the monitoring roster is rural and its names are the seed's
    m = demo.records["monitoring"].join(vil, on="region_code")
    assert m.height == demo.records["monitoring"].height
    assert (m["urban_rural"] == "rural").all()
    assert (
        demo.records["monitoring"].filter(pl.col("risk_eliminated") != pl.col("eliminated_date").is_not_null()).height
        == 0
    )


def test_months_evolve(demo):
    d = demo.records["dibao"]
    per = d.group_by("period").agg(
        pl.col("household_id").filter(pl.col("status") == "active").n_unique().alias("active"),
        (pl.col("status") == "stopped").sum().alias("stopped"),
    )
    assert per["stopped"].sum() > 0
    first, last = demo.periods[0], demo.periods[-1]
    a = set(d.filter(pl.col("period") == first)["household_id"])
    b = set(d.filter(pl.col("period") == last)["household_id"])
    assert len(b - a) > 0 and len(a - b) > 0  # entries and exits
    # benefits follow the standard raise of January
    ben = d.filter(pl.col("status") == "active").group_by("period").agg(pl.col("monthly_benefit").sum()).sort("period")
    dec = ben.filter(pl.col("period") == "2025-12")["monthly_benefit"].item()
    jan = ben.filter(pl.col("period") == "2026-01")["monthly_benefit"].item()
    assert jan > dec


def test_every_rule_has_planted_rows_and_findings(demo):
    for t in TABLES:
        assert demo.records[t]["_planted"].sum() > 0, t
    from pipelines.generate.reference import evaluate

    loaded = {
        t: df.with_columns(source_file=pl.lit(f"raw/{t}.csv"), source_row=pl.int_range(2, pl.len() + 2).cast(pl.Int32))
        for t, df in demo.records.items()
    }
    on_file = [(p, t) for t, periods in demo.on_file.items() for p in periods]
    findings, _ = evaluate(loaded, demo.seeds, demo.periods, expected_tables(on_file))
    planted = pl.concat([df.filter(pl.col("_planted")).select("person_id") for df in demo.records.values()])
    fp = findings.filter(pl.col("subject_person_id").is_in(planted["person_id"].implode()))
    rules = set(fp["rule_id"].to_list())
    assert rules == set(SEVERITY)
    # planted findings persist over several months somewhere, and some stop and restart
    assert fp["consecutive_periods"].max() >= 6
    restarts = fp.sort("period").group_by("warning_id").agg((pl.col("consecutive_periods") == 1).sum().alias("starts"))
    assert restarts.filter(pl.col("starts") >= 2).height >= 3


def test_report_2021_counts(report):
    cfg = PRESETS["report-2021"]
    r = report.records
    assert report.periods == ["2021-09"] and report.exact_kpis
    d = r["dibao"]
    active = d.filter((pl.col("status") == "active") & pl.col("is_covered"))
    assert active["person_id"].n_unique() == cfg.dibao_persons
    assert active["household_id"].n_unique() == cfg.dibao_households
    assert (d["dibao_category"] == "rural").all()
    vil = report.seeds["regions"].filter(pl.col("level") == "village")
    assert (vil["urban_rural"] == "rural").all()
    pop = report.seeds["region_population"].filter(
        pl.col("region_code").str.ends_with("000000"), pl.col("year") == 2021
    )
    assert round(100 * cfg.dibao_persons / pop["population_rural"].sum(), 1) == 4.2
    t = r["tekun"].filter(pl.col("status") == "active")
    assert t["person_id"].n_unique() == cfg.tekun_persons
    unable = t.filter(pl.col("self_care").is_in(["partial", "none"]))
    share = unable.filter(pl.col("care_mode") == "centralized")["person_id"].n_unique() / unable["person_id"].n_unique()
    assert round(100 * share, 1) == 57.3
    m = r["monitoring"]["person_id"].unique()
    assert len(m) == cfg.monitoring_persons
    assert int(m.is_in(active["person_id"].implode()).sum()) == cfg.monitoring_in_dibao
    assert int(m.is_in(t["person_id"].implode()).sum()) == cfg.monitoring_in_tekun
    s = r["disability_subsidies"]
    assert s.filter(pl.col("subsidy_type") == "living_subsidy")["person_id"].n_unique() == cfg.living_subsidy_persons
    assert s.filter(pl.col("subsidy_type") == "nursing_subsidy")["person_id"].n_unique() == cfg.nursing_subsidy_persons
    st = report.seeds["assistance_standards"]
    assert (st["dibao_rural"].cast(pl.Float64) == 657).all() and (st["tekun_basic"].cast(pl.Float64) == 854).all()
    assert 500_000 <= sum(len(df) for df in r.values()) <= 800_000
    # planted cases that leave every published count unchanged
    for table in ("dibao", "tekun", "monitoring", "near_dibao", "disability_cards", "disability_subsidies"):
        assert r[table]["_planted"].sum() > 0, table


def test_payment_references_unique(demo, report):
    for ds in (demo, report):
        for t in ("temporary_assistance", "disability_subsidies", "medical_settlements"):
            df = ds.records[t]
            ref = TABLES[t].payment_reference
            assert df[ref].n_unique() == df.height, t
            if t == "medical_settlements":
                assert (df["settlement_date"].dt.strftime("%Y-%m") == df["period"]).all()
            elif t == "temporary_assistance":
                # the payment date lies within the period
                assert (df["payment_date"].dt.strftime("%Y-%m") == df["period"]).all()
            else:
                assert (df["payment_month"] == df["period"]).all()


def test_household_numbers_do_not_collide(demo):
    for t in ("dibao", "near_dibao", "monitoring"):
        df = demo.records[t].filter(~pl.col("_planted"))
        key = "region_code"
        g = df.group_by("period", "household_id").agg(pl.col(key).n_unique())
        assert g.filter(pl.col(key) > 1).height == 0, t
