"""总览 and 覆盖分析 pages: render for every role, numbers equal the marts, filters work, scope holds."""

from __future__ import annotations

import duckdb
import pytest

from dashboards.kpi_format import change, fmt, pct
from pipelines import publish
from pipelines.exports.labels import KPI_NAMES, SEVERITY_LABELS
from tests.dashboards.conftest import ADMIN, ANALYST, OFFICER

CITY = "370900000000"
OFFICER_COUNTY = OFFICER.county + "000000"
COVERAGE_IDS = (
    "K02_rate",
    "K02_urban_rate",
    "K02_rural_rate",
    "K03_centralized_rate",
    "K04_rate",
    "K05_rate",
    "K06_nursing_coverage",
)


@pytest.fixture(scope="module")
def marts(app_warehouse):
    con = duckdb.connect(str(publish.serving_path(app_warehouse)), read_only=True)
    kpis = {
        (p, r, i): v
        for p, r, i, v in con.sql("select period, region_code, indicator_id, value from main_marts.fct_kpis").fetchall()
    }
    regions = {
        c: (n, lvl, parent)
        for c, n, lvl, parent in con.sql(
            "select region_code, name, level, parent_code from main_marts.dim_region"
        ).fetchall()
    }
    findings = con.sql("""
        select period, substr(region_code, 1, 6) as county, kind, severity, count(*) as n
        from main_marts.fct_findings group by all""").fetchall()
    con.close()
    periods = sorted({p for p, _, _ in kpis}, reverse=True)
    return {"kpis": kpis, "regions": regions, "findings": findings, "periods": periods}


def _metrics(at) -> list[tuple[str, str, str | None]]:
    return [(m.label, m.value, m.delta) for m in at.metric]


def _severity_totals(findings, counties=None, kind="warning") -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for period, county, k, severity, n in findings:
        if k == kind and (counties is None or county in counties):
            key = (period, SEVERITY_LABELS[severity])
            out[key] = out.get(key, 0) + n
    return out


def _table_totals(frame) -> dict[tuple[str, str], int]:
    return {(row["统计期"], s): int(row[s]) for _, row in frame.iterrows() for s in ("红", "橙", "黄") if int(row[s])}


# --- 总览 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", [ADMIN, ANALYST, OFFICER], ids=lambda v: v.role)
def test_overview_renders_for_every_role(run_app, viewer):
    at = run_app(viewer, "overview")
    assert not at.exception
    assert at.title[0].value == "总览"
    assert len(at.metric) >= 8


def test_overview_cards_are_the_city_kpis_of_the_latest_period(run_app, marts):
    at = run_app(ADMIN, "overview")
    latest, previous = marts["periods"][0], marts["periods"][1]
    assert at.selectbox(key="overview_period").value == latest
    cards = {label: (value, delta) for label, value, delta in _metrics(at)}
    k = marts["kpis"]
    for kid in ("K01_persons", "K02_rate", "K05_rate", "K08_open"):
        value, delta = cards[KPI_NAMES[kid]]
        assert value == fmt(kid, k[(latest, CITY, kid)])
        assert delta == change(kid, k[(latest, CITY, kid)], k[(previous, CITY, kid)])


def test_overview_period_selector(run_app, marts):
    at = run_app(ADMIN, "overview")
    earliest = marts["periods"][-1]
    at.selectbox(key="overview_period").select(earliest).run()
    assert not at.exception
    cards = {label: (value, delta) for label, value, delta in _metrics(at)}
    value, delta = cards[KPI_NAMES["K01_persons"]]
    assert value == fmt("K01_persons", marts["kpis"][(earliest, CITY, "K01_persons")])
    assert not delta  # no previous period before the first one
    # The full table: no year before in a three-month warehouse.
    full = at.dataframe[0].value
    assert set(full["去年同期"]) == {"—"}


def test_overview_trend_and_severity_tables_match_the_marts(run_app, marts):
    at = run_app(ADMIN, "overview")
    frames = [d.value for d in at.dataframe]
    trend = next(f for f in frames if KPI_NAMES["K08_open"] in f.columns and "区域" in f.columns)
    assert sorted(trend["统计期"]) == sorted(marts["periods"])
    for _, row in trend.iterrows():
        for kid in ("K01_persons", "K02_rate", "K05_rate", "K08_open"):
            assert row[KPI_NAMES[kid]] == fmt(kid, marts["kpis"][(row["统计期"], CITY, kid)])
    severity = next(f for f in frames if "红" in f.columns)
    assert _table_totals(severity) == _severity_totals(marts["findings"])
    # The kind filter: verifications.
    at.radio(key="overview_kind").set_value("核查").run()
    assert not at.exception
    expected = _severity_totals(marts["findings"], kind="verification")
    frames = [d.value for d in at.dataframe]
    severity = [f for f in frames if "红" in f.columns]
    assert (_table_totals(severity[0]) if severity else {}) == expected


def test_overview_officer_sees_their_county_beside_the_city_only(run_app, marts):
    at = run_app(OFFICER, "overview")
    latest = marts["periods"][0]
    k = marts["kpis"]
    cards = _metrics(at)
    persons = [value for label, value, _ in cards if label == KPI_NAMES["K01_persons"]]
    assert persons == [
        fmt("K01_persons", k[(latest, OFFICER_COUNTY, "K01_persons")]),
        fmt("K01_persons", k[(latest, CITY, "K01_persons")]),
    ]
    county_name, city_name = marts["regions"][OFFICER_COUNTY][0], marts["regions"][CITY][0]
    frames = [d.value for d in at.dataframe]
    trend = next(f for f in frames if "区域" in f.columns)
    assert set(trend["区域"]) == {county_name, city_name}
    severity = next(f for f in frames if "红" in f.columns)
    assert _table_totals(severity) == _severity_totals(marts["findings"], counties={OFFICER.county})
    # No other county's name anywhere on the page.
    others = {n for c, (n, lvl, _) in marts["regions"].items() if lvl == "county" and c != OFFICER_COUNTY}
    text = " ".join(str(e.value) for e in at.main if hasattr(e, "value"))
    text += " ".join(f.to_string() for f in frames)
    assert not any(name in text for name in others)


# --- 覆盖分析 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", [ADMIN, ANALYST, OFFICER], ids=lambda v: v.role)
def test_coverage_renders_for_every_role(run_app, viewer):
    at = run_app(viewer, "coverage")
    assert not at.exception
    assert at.title[0].value == "覆盖分析"
    assert len(at.dataframe) == 1


def _check_rows(frame, marts, period):
    for _, row in frame.iterrows():
        for kid in COVERAGE_IDS:
            assert row[KPI_NAMES[kid]] == pct(marts["kpis"].get((period, row["行政区划代码"], kid))), (
                row["行政区划代码"],
                kid,
            )


def test_coverage_by_county_matches_the_marts(run_app, marts):
    at = run_app(ADMIN, "coverage")
    latest = marts["periods"][0]
    frame = at.dataframe[0].value
    counties = sorted(c for c, (_, lvl, _) in marts["regions"].items() if lvl == "county")
    assert list(frame["行政区划代码"]) == [CITY, *counties]
    assert list(frame["层级"]) == ["市"] + ["县区"] * len(counties)
    _check_rows(frame, marts, latest)
    assert all(str(v).endswith("%") or v == "—" for kid in COVERAGE_IDS for v in frame[KPI_NAMES[kid]])


def test_coverage_drill_down_to_townships_and_period(run_app, marts):
    at = run_app(ADMIN, "coverage")
    county = "370911000000"
    earliest = marts["periods"][-1]
    at.selectbox(key="coverage_county").select(county).run()
    at.selectbox(key="coverage_period").select(earliest).run()
    at.selectbox(key="coverage_indicator").select("K05_rate").run()
    assert not at.exception
    frame = at.dataframe[0].value
    towns = sorted(c for c, (_, lvl, parent) in marts["regions"].items() if lvl == "township" and parent == county)
    assert list(frame["行政区划代码"]) == [CITY, county, *towns]
    _check_rows(frame, marts, earliest)


def test_coverage_shows_null_rates_as_a_dash(run_app, marts):
    latest = marts["periods"][0]
    nulls = [
        (r, kid)
        for (p, r, kid), v in marts["kpis"].items()
        if p == latest and v is None and kid in COVERAGE_IDS and marts["regions"][r][1] == "township"
    ]
    if not nulls:
        pytest.skip("no null rate in this warehouse")
    region, kid = nulls[0]
    at = run_app(ADMIN, "coverage")
    at.selectbox(key="coverage_county").select(marts["regions"][region][2]).run()
    frame = at.dataframe[0].value
    row = frame[frame["行政区划代码"] == region].iloc[0]
    assert row[KPI_NAMES[kid]] == "—"


def test_coverage_officer_sees_only_their_county(run_app, marts):
    at = run_app(OFFICER, "coverage")
    box = at.selectbox(key="coverage_county")
    assert box.options == [f"{marts['regions'][OFFICER_COUNTY][0]}（{OFFICER.county}）"]
    frame = at.dataframe[0].value
    codes = list(frame["行政区划代码"])
    assert codes[:2] == [CITY, OFFICER_COUNTY]
    assert codes[2:] and all(c.startswith(OFFICER.county) for c in codes[2:])
    _check_rows(frame, marts, marts["periods"][0])
