"""The 数据质量 and 标准与规则 pages: every role sees them, their numbers are the snapshot's, a county
officer's quarantine counts are their county's. Only counts, codes and file names are compared; nothing
prints a person."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data
from pipelines.contract import RULES
from pipelines.publish import current
from tests.dashboards.conftest import ADMIN, ANALYST, APP, OFFICER, snapshot_rows

ROLES = [ADMIN, ANALYST, OFFICER]


def _metric(at, label):
    found = [m.value for m in at.metric if m.label == label]
    assert found, label
    return found[0]


def _number(text) -> int:
    return int(str(text).replace(",", ""))


def _all_text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("viewer", ROLES, ids=lambda v: v.role)
def test_quality_page_renders_with_the_snapshot_totals(run_app, app_warehouse, viewer):
    at = run_app(viewer, "quality")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "数据质量"
    files, rejected, read, loaded, quarantined, duplicate = snapshot_rows(
        app_warehouse,
        """
        select count(*), count(*) filter (where status = 'rejected'), sum(rows_read), sum(rows_loaded),
               sum(rows_quarantined), sum(rows_duplicate) from raw.files""",
    )[0]
    assert _number(_metric(at, "文件数")) == files
    assert _number(_metric(at, "整体拒收文件")) == rejected
    assert _number(_metric(at, "读取行数")) == read
    assert _number(_metric(at, "入库行数")) == loaded
    assert _number(_metric(at, "隔离行数")) == quarantined
    assert _number(_metric(at, "重复行数")) == duplicate
    snap = current(app_warehouse)
    assert snap.file in _all_text(at)
    # times in Beijing time, to the minute
    published = datetime.fromisoformat(snap.published_at).astimezone(ZoneInfo("Asia/Shanghai"))
    assert _metric(at, "发布时间") == published.strftime("%Y-%m-%d %H:%M")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", _metric(at, "数据最近变更(入库时间)"))
    # the contracts' results are listed, and no table holds a raw value
    assert _number(_metric(at, "契约数")) > 0
    for frame in at.dataframe:
        assert "原始值" not in frame.value.columns and "raw_value" not in frame.value.columns


def test_a_date_after_the_period_is_counted_on_the_page_and_holds_nothing_back(run_app, app_warehouse):
    """The generated monitoring roster has households identified after the end of the month: the page
    counts them under their label, lists value_ranges as a warning, and shows no held-back period."""
    at = run_app(ADMIN, "quality")
    assert not at.exception, [e.value for e in at.exception]
    [(expected,)] = snapshot_rows(
        app_warehouse, "select count(*) from raw.quality_issues where code = 'date_after_period'"
    )
    assert expected > 0
    issues = next(f.value for f in at.dataframe if "问题代码" in f.value.columns)
    row = issues[issues["问题代码"] == "date_after_period"]
    assert list(row["问题"]) == ["日期晚于统计期末(已入库)"] and list(row["条数"]) == [expected]
    contracts = next(f.value for f in at.dataframe if "契约" in f.value.columns)
    assert list(contracts[contracts["契约"] == "raw.monitoring.value_ranges"]["状态"]) == ["警告(不阻断)"]
    assert not at.warning or all("暂缓发布" not in w.value for w in at.warning)


def test_a_held_back_period_is_named_with_its_check_and_what_to_do(app_warehouse, tmp_path, monkeypatch):
    """A snapshot published while the newest period's raw data breached a contract says so on the page."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(app_warehouse.warehouse, warehouse, ignore=shutil.ignore_patterns("dagster_home"))
    pointer = warehouse / "published" / "current.json"
    record = json.loads(pointer.read_text(encoding="utf-8"))
    record["held_back"] = [{"table": "monitoring", "period": "2026-12", "checks": "county_coverage"}]
    pointer.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("SAFETYNET_DATA", str(app_warehouse.data))
    monkeypatch.setenv("SAFETYNET_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["viewer"] = ANALYST
    at.switch_page("views/quality.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("统计期 2026-12 起暂缓发布" in w.value for w in at.warning)
    held = next(f.value for f in at.dataframe if "处理办法" in f.value.columns)
    assert held.to_dict("records") == [
        {
            "统计期": "2026-12",
            "表": "防止返贫监测对象",
            "未通过检查": "county_coverage",
            "处理办法": "有区县本期没有数据:补报缺失区县的文件 a county has no rows this period: send its file",
        }
    ]


def test_period_filter_narrows_the_file_totals(run_app, app_warehouse):
    at = run_app(ADMIN, "quality")
    period = sorted(at.multiselect(key="quality_periods").options)[0]
    at.multiselect(key="quality_periods").set_value([period]).run()
    assert not at.exception
    files, read = snapshot_rows(
        app_warehouse, "select count(*), sum(rows_read) from raw.files where period = ?", [period]
    )[0]
    assert _number(_metric(at, "文件数")) == files
    assert _number(_metric(at, "读取行数")) == read


def test_quarantine_counts_scoped_to_the_officer_county(app_warehouse):
    everyone = data.quarantine_counts(app_warehouse, ADMIN)
    total = snapshot_rows(app_warehouse, "select count(*) from raw.quarantine")[0][0]
    assert everyone["rows"].sum() == total
    assert data.quarantine_counts(app_warehouse, ANALYST)["rows"].sum() == total
    mine = data.quarantine_counts(app_warehouse, OFFICER)
    assert set(mine["county"].to_list()) <= {OFFICER.county}
    assert mine["rows"].sum() == everyone.filter(pl.col("county") == OFFICER.county)["rows"].sum()
    assert mine["rows"].sum() < total
    assert set(mine.columns) == {"period", "source", "table_name", "reason", "county", "rows", "reason_label"}


def test_officer_page_shows_only_their_county_quarantine(run_app, app_warehouse):
    at = run_app(OFFICER, "quality")
    assert not at.exception
    by_county = [f.value for f in at.dataframe if "县区" in f.value.columns and "原因" in f.value.columns]
    assert by_county and set(by_county[0]["县区"]) <= {OFFICER.county}
    assert data.UNKNOWN_COUNTY not in set(by_county[0]["县区"])


@pytest.mark.parametrize("viewer", ROLES, ids=lambda v: v.role)
def test_standards_page_renders(run_app, viewer):
    at = run_app(viewer, "standards")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "标准与规则"


def _standards_table(at):
    return next(f.value for f in at.dataframe if "城市低保标准(元/人·月)" in f.value.columns)


def test_standards_table_equals_the_mart_for_the_period(run_app, app_warehouse):
    at = run_app(ADMIN, "standards")
    periods = at.selectbox(key="standards_period").options
    for period in (periods[0], periods[-1]):
        at.selectbox(key="standards_period").set_value(period).run()
        assert not at.exception
        shown = _standards_table(at)
        expected = snapshot_rows(
            app_warehouse,
            """
            select substr(county_code, 1, 6), cast(dibao_urban as double), cast(dibao_rural as double),
                   cast(tekun_basic as double)
            from main_intermediate.int_standards_in_force where period = ? order by county_code""",
            [period],
        )
        got = sorted(
            zip(
                shown["县区代码"],
                shown["城市低保标准(元/人·月)"],
                shown["农村低保标准(元/人·月)"],
                shown["特困基本生活标准(元/人·月)"],
            )
        )
        assert got == [tuple(r) for r in expected]
        assert set(shown["统计期"]) == {period}
        assert shown["县区"].isna().sum() == 0


def test_officer_sees_the_standards_of_their_county(run_app):
    at = run_app(OFFICER, "standards")
    assert set(_standards_table(at)["县区代码"]) == {OFFICER.county}


@pytest.mark.parametrize("viewer", ROLES, ids=lambda v: v.role)
def test_rule_catalogue_lists_every_rule(run_app, app_warehouse, viewer):
    at = run_app(viewer, "standards")
    catalogue = next(f.value for f in at.dataframe if "编号" in f.value.columns)
    expected = {r[0] for r in snapshot_rows(app_warehouse, "select rule_id from main_intermediate.int_rule_parameters")}
    assert len(catalogue) == len(RULES) == 19 and set(catalogue["编号"]) == expected
    # every department is on file in the demo's latest period; the deadline by severity (rules.md)
    assert set(catalogue["数据接入"]) == {"已接入"}
    deadlines = {"红": "3 天", "橙": "7 天", "黄": "15 天"}
    assert all(deadlines[level] == days for level, days in zip(catalogue["等级"], catalogue["处置时限"]))
    assert set(catalogue["类型"]) <= {"预警", "核查"} and set(catalogue["等级"]) <= {"红", "橙", "黄"}
    assert set(catalogue["启用"]) <= {"是", "否"}
    assert dict(zip(catalogue["编号"], catalogue["名称"])) == {r.id: r.name for r in RULES.values()}
    assert dict(zip(catalogue["编号"], catalogue["数据来源"]))["W04"] == "防止返贫监测对象、临时救助发放明细"


def test_rule_catalogue_shows_each_rules_parameter_in_force(run_app, app_warehouse):
    at = run_app(ANALYST, "standards")
    catalogue = next(f.value for f in at.dataframe if "编号" in f.value.columns)
    shown = dict(zip(catalogue["编号"], catalogue["参数(生效值)"]))
    within, ratio, levels = snapshot_rows(
        app_warehouse,
        """
        select (select within_days from main_intermediate.int_rule_parameters where rule_id = 'W04'),
               (select drop_ratio from main_intermediate.int_rule_parameters where rule_id = 'W07'),
               (select self_care_levels from main_intermediate.int_rule_parameters where rule_id = 'W05')""",
    )[0]
    assert shown["W04"] == f"认定后 {within} 天内"
    assert shown["W07"] == f"收入降幅 ≥ {round(float(ratio) * 100, 1)}%"
    labels = {"none": "全失能", "partial": "半失能", "full": "全自理"}
    assert shown["W05"] == "生活自理能力：" + "、".join(labels[level] for level in levels)
    assert shown["W09"] == "近 3 个月个人自付 ≥ 20000.00 元" and shown["V05"] == "死亡 0 天后仍在保"
    assert {r for r, v in shown.items() if v != "–"} == {"W04", "W05", "W07", "W09", "V05"}  # the others read none
