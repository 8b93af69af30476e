"""The 预警名单 / 核查名单 pages: scope by role, filters against the marts, recorded downloads, a household's
detail.

PYTEST_DONT_REWRITE: assertions compare counts, codes and booleans; nothing prints an ID number or a name.
"""

from __future__ import annotations

import re

import pytest
from streamlit.delta_generator import DeltaGenerator

from dashboards import data
from pipelines.exports.audit import read_downloads
from tests.dashboards.conftest import ADMIN, ANALYST, OFFICER, snapshot_rows

KINDS = {"warnings": "warning", "verifications": "verification"}
SEVERITY = {"red": "红", "orange": "橙", "yellow": "黄"}
MASKED_ID = re.compile(r"^[0-9]{6}\*+[0-9Xx]{4}$|^\*+$")


def _latest(locations) -> str:
    return snapshot_rows(locations, "select max(period) from main_marts.fct_findings")[0][0]


def _count(locations, kind: str, where: str = "", params: list | None = None) -> int:
    period = _latest(locations)
    return snapshot_rows(
        locations,
        f"select count(*) from main_marts.fct_findings where period = ? and kind = ?{where}",
        [period, KINDS[kind], *(params or [])],
    )[0][0]


def _shown_rows(at) -> int:
    """The row count of the list: the first dataframe, and the 共 N 条 line above it must agree."""
    frame = at.dataframe[0].value
    line = next(m.value for m in at.markdown if m.value.startswith("**共 "))
    assert int(re.search(r"共 (\d+) 条", line).group(1)) == len(frame)
    return len(frame)


def _ok(at) -> None:
    assert not at.exception, "the page raised"


def _all_masked(values) -> bool:
    return all(v is None or MASKED_ID.match(str(v)) for v in values)


def _names_masked(values) -> bool:
    return all(v is None or "*" in str(v) or len(str(v)) <= 1 for v in values)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_county_officer_sees_their_county_masked_without_the_unmask_toggle(run_app, app_warehouse, kind):
    at = run_app(OFFICER, kind)
    _ok(at)
    assert not at.toggle  # no 显示完整身份证号
    assert not [s for s in at.selectbox if s.label == "县区"]  # the county is fixed, not a choice
    fixed = [t for t in at.text_input if t.label == "县区"]
    assert fixed and fixed[0].disabled and fixed[0].value.startswith(OFFICER.county)
    assert _shown_rows(at) == _count(app_warehouse, kind, " and substr(region_code, 1, 6) = ?", [OFFICER.county])
    frame = at.dataframe[0].value
    assert {str(c)[:6] for c in frame["行政区划代码"]} <= {OFFICER.county}
    assert _all_masked(frame["身份证号"]) and _names_masked(frame["姓名"])


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_city_admin_sees_every_county_and_filters(run_app, app_warehouse, kind):
    at = run_app(ADMIN, kind)
    _ok(at)
    assert [t.label for t in at.toggle] == ["显示完整身份证号"] and at.toggle[0].value is False
    assert _shown_rows(at) == _count(app_warehouse, kind)
    assert _all_masked(at.dataframe[0].value["身份证号"])

    period = _latest(app_warehouse)
    by_county = snapshot_rows(
        app_warehouse,
        """
        select substr(region_code, 1, 6), count(*) from main_marts.fct_findings where period = ? and kind = ?
        group by 1 order by 2 desc, 1""",
        [period, KINDS[kind]],
    )
    county = by_county[0][0]
    at.selectbox(key=f"{kind}_county").set_value(county).run()
    _ok(at)
    assert _shown_rows(at) == by_county[0][1]
    assert {str(c)[:6] for c in at.dataframe[0].value["行政区划代码"]} == {county}
    at.selectbox(key=f"{kind}_county").set_value("全部").run()

    severity, n = snapshot_rows(
        app_warehouse,
        """
        select severity, count(*) from main_marts.fct_findings where period = ? and kind = ?
        group by 1 order by 2 desc, 1 limit 1""",
        [period, KINDS[kind]],
    )[0]
    at.multiselect(key=f"{kind}_severity").set_value([SEVERITY[severity]]).run()
    _ok(at)
    assert _shown_rows(at) == n
    at.multiselect(key=f"{kind}_severity").set_value([]).run()

    rule, n = snapshot_rows(
        app_warehouse,
        """
        select rule_id, count(*) from main_marts.fct_findings where period = ? and kind = ?
        group by 1 order by 2 desc, 1 limit 1""",
        [period, KINDS[kind]],
    )[0]
    at.multiselect(key=f"{kind}_rule").set_value([rule]).run()
    _ok(at)
    assert _shown_rows(at) == n
    assert set(at.dataframe[0].value["规则编号"]) == {rule}
    at.multiselect(key=f"{kind}_rule").set_value([]).run()

    for status, where in (("新增", " and consecutive_periods = 1"), ("持续", " and consecutive_periods > 1")):
        at.selectbox(key=f"{kind}_status").set_value(status).run()
        _ok(at)
        assert _shown_rows(at) == _count(app_warehouse, kind, where)


def test_the_city_admin_filters_by_township(run_app, app_warehouse):
    at = run_app(ADMIN, "warnings")
    townships = at.multiselect(key="warnings_township").options
    assert townships
    township = townships[0]
    period = _latest(app_warehouse)
    expected = snapshot_rows(
        app_warehouse,
        """
        select count(*) from main_marts.fct_findings f join main_marts.dim_region r using (region_code)
        where f.period = ? and f.kind = 'warning' and r.township_name = ?""",
        [period, township],
    )[0][0]
    at.multiselect(key="warnings_township").set_value([township]).run()
    _ok(at)
    assert _shown_rows(at) == expected > 0


def test_the_analyst_has_no_list_page_and_no_list(run_app, app_warehouse, offered_pages):
    offered = offered_pages
    _ok(run_app(ANALYST))
    assert offered and not {"warnings", "verifications"} & set(offered)
    offered.clear()
    _ok(run_app(OFFICER))
    assert {"warnings", "verifications"} <= set(offered)

    at = run_app(ANALYST, "warnings")  # asked for by address: not theirs, the default page shows instead
    _ok(at)
    assert at.title[0].value == "总览" and not at.download_button
    for kind in KINDS:
        with pytest.raises(data.AccessDenied):
            data.read_scoped_list(app_warehouse, ANALYST, kind)
        with pytest.raises(data.AccessDenied):
            data.list_filter_options(app_warehouse, ANALYST, kind)
    warning_id = snapshot_rows(
        app_warehouse,
        "select warning_id from main_marts.fct_findings where period = ? limit 1",
        [_latest(app_warehouse)],
    )[0][0]
    with pytest.raises(data.AccessDenied):
        data.household_detail(app_warehouse, ANALYST, _latest(app_warehouse), warning_id)


def test_a_download_is_recorded_once_with_its_filters_and_only_when_made(
    run_app, app_warehouse, audit_log, monkeypatch
):
    made: dict[str, object] = {}
    original = DeltaGenerator.download_button

    def capturing(self, label, data, *args, **kwargs):
        made[kwargs.get("file_name", label).rsplit(".", 1)[-1]] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", capturing)
    at = run_app(ADMIN, "warnings")
    period = _latest(app_warehouse)
    severity, n = snapshot_rows(
        app_warehouse,
        """
        select severity, count(*) from main_marts.fct_findings where period = ? and kind = 'warning'
        group by 1 order by 2 desc, 1 limit 1""",
        [period],
    )[0]
    at.multiselect(key="warnings_severity").set_value([SEVERITY[severity]]).run()
    _ok(at)
    assert set(made) == {"xlsx", "csv"} and all(callable(v) for v in made.values())
    assert len(at.download_button) == 2
    assert read_downloads(audit_log) == []  # shown, filtered, re-run: nobody downloaded anything

    payload = made["xlsx"]()  # what Streamlit runs when the user clicks 下载 XLSX
    assert payload[:2] == b"PK"
    entries = read_downloads(audit_log)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["user"] == ADMIN.user and entry["channel"] == "dashboard" and entry["list"] == "warnings"
    assert entry["format"] == "xlsx" and entry["rows"] == n and entry["masked"] is True
    assert entry["period"] == period and entry["county"] is None
    assert f"预警等级=['{SEVERITY[severity]}']" in entry["conditions"]

    made["csv"]()
    assert len(read_downloads(audit_log)) == 2 and read_downloads(audit_log)[1]["format"] == "csv"


def test_the_household_detail_is_masked_and_of_the_household(run_app, app_warehouse):
    period = _latest(app_warehouse)
    found = snapshot_rows(
        app_warehouse,
        """
        select warning_id, household_id from main_marts.fct_findings
        where period = ? and kind = 'warning' and substr(region_code, 1, 6) = ? and household_id is not null
        order by warning_id limit 1""",
        [period, OFFICER.county],
    )
    if not found:
        found = snapshot_rows(
            app_warehouse,
            """
            select warning_id, household_id from main_marts.fct_findings
            where period = ? and kind = 'warning' and substr(region_code, 1, 6) = ? order by warning_id limit 1
        """,
            [period, OFFICER.county],
        )
    assert found, "the demo city has warnings in the officer's county"
    warning_id, household = found[0]

    detail = data.household_detail(app_warehouse, OFFICER, period, warning_id)
    assert {"家庭成员", "预警与核查记录"} <= set(detail)
    assert warning_id in detail["预警与核查记录"]["预警编号"].to_list()
    assert all(
        s.startswith(("raw/", "quarantine/")) or ":" in s
        for v in detail["预警与核查记录"]["证据(文件:行)"].drop_nulls()
        for s in v.split("; ")
    )
    department_rows = 0
    for name, frame in detail.items():
        if "身份证号" in frame.columns:
            assert _all_masked(frame["身份证号"].to_list()), name
        if "姓名" in frame.columns:
            assert _names_masked(frame["姓名"].to_list()), name
        if "残疾人证号" in frame.columns:
            assert all(v is None or "*" in v for v in frame["残疾人证号"].to_list()), name
        if name not in ("家庭成员", "预警与核查记录"):
            department_rows += frame.height
            if "县区代码" in frame.columns:
                assert {str(c)[:6] for c in frame["县区代码"]} <= {OFFICER.county}, name
            if household is not None and "家庭编号" in frame.columns and frame.height:
                assert household in frame["家庭编号"].to_list(), name
    assert department_rows > 0 and detail["家庭成员"].height >= 1

    # On the page: choosing the finding shows its household's tables, masked.
    at = run_app(OFFICER, "warnings")
    at.selectbox(key="warnings_household").set_value(warning_id).run()
    _ok(at)
    assert len(at.dataframe) > 1
    for table in at.dataframe[1:]:
        frame = table.value
        if "身份证号" in frame.columns:
            assert _all_masked(frame["身份证号"])

    # The city admin may ask for the unmasked detail; the officer may not.
    full = data.household_detail(app_warehouse, ADMIN, period, warning_id, unmasked=True)
    assert not _all_masked(full["家庭成员"]["身份证号"].to_list())
    with pytest.raises(data.AccessDenied):
        data.household_detail(app_warehouse, OFFICER, period, warning_id, unmasked=True)


def test_the_household_detail_of_another_county_is_refused_to_an_officer(app_warehouse):
    period = _latest(app_warehouse)
    other = snapshot_rows(
        app_warehouse,
        """
        select warning_id from main_marts.fct_findings where period = ? and substr(region_code, 1, 6) <> ?
        order by warning_id limit 1""",
        [period, OFFICER.county],
    )[0][0]
    with pytest.raises(data.AccessDenied):
        data.household_detail(app_warehouse, OFFICER, period, other)
    assert data.household_detail(app_warehouse, ADMIN, period, other)["预警与核查记录"].height >= 1
    with pytest.raises(data.AccessDenied):  # nor may an officer read another county's list
        data.read_scoped_list(app_warehouse, OFFICER, "warnings", county="370911")
