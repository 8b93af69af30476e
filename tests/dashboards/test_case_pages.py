"""The pages of closing the loop, run by Streamlit's AppTest over the hand-made case snapshot: the list
page's 处置状态, filter and form (a record shows at once), 处置督办, 总览's 预警处置, and the sign-in rules
(lockout, idle sign-out) through the app itself.

PYTEST_DONT_REWRITE: assertions compare statuses, counts and labels; nothing prints a person.
"""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards import cases, signin
from dashboards.auth import USERS_ENV
from pipelines.feedback.clock import utc_now
from pipelines.settings import REPO_ROOT
from tests.dashboards import case_warehouse as cw
from tests.dashboards.conftest import ADMIN, ANALYST, APP, OFFICER

OWN_CASE = "W05-222222222222-2026-10"  # the officer's (370902) one warning of 2026-10


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return cw.build(tmp_path_factory.mktemp("case_pages"))


@pytest.fixture
def app(warehouse, tmp_path, monkeypatch):
    """app(viewer, page) -> AppTest run once, over the case snapshot and a store of the test's own whose
    cases were issued ten days ago (the red and orange ones are overdue now)."""
    monkeypatch.setenv("SAFETYNET_DATA", str(warehouse.data))
    monkeypatch.setenv("SAFETYNET_WAREHOUSE", str(warehouse.warehouse))
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(tmp_path / "feedback.sqlite"))
    monkeypatch.setenv(USERS_ENV, str(REPO_ROOT / "config" / "users.toml"))
    cw.issue(warehouse, cases.feedback_store(), utc_now() - dt.timedelta(days=10))
    st.cache_data.clear()  # another test's store may have had the same version

    def _run(viewer, page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        if viewer is not None:
            at.session_state["viewer"] = viewer
        if page is not None:
            at.switch_page(f"views/{page}.py")
        return at.run()

    yield _run
    st.cache_data.clear()


def _ok(at) -> None:
    assert not at.exception, "the page raised"


def _status_of(at, case_id: str) -> str:
    frame = at.dataframe[0].value
    warning_id, first_period = case_id.rsplit("-", 2)[0], case_id[-7:]
    rows = frame[(frame["预警编号"] == warning_id) & (frame["首次预警期"] == first_period)]
    return str(rows["处置状态"].iloc[0])


def _widget(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_an_officer_records_a_disposition_and_the_list_shows_it(app):
    at = app(OFFICER, "warnings")
    _ok(at)
    assert _status_of(at, OWN_CASE) == "已超期"  # orange: 7 days, issued 10 days ago
    _widget(at.selectbox, "选择预警事项").select(OWN_CASE).run()
    _ok(at)
    _widget(at.selectbox, "处置结果").select("其他")
    at.button(key="FormSubmitter:warnings_disposition-提交处置").click().run()  # 其他 without 说明
    _ok(at)
    assert any("处置说明" in e.value for e in at.error)
    assert _status_of(at, OWN_CASE) == "已超期"

    _widget(at.selectbox, "选择预警事项").select(OWN_CASE).run()
    _widget(at.selectbox, "处置结果").select("已落实照料服务")
    _widget(at.text_area, "处置说明").input("已签订照料协议")
    at.button(key="FormSubmitter:warnings_disposition-提交处置").click().run()
    _ok(at)
    assert any(OWN_CASE in s.value for s in at.success)
    assert _status_of(at, OWN_CASE) == "已处置"
    frame = at.dataframe[0].value
    row = frame[frame["预警编号"] == "W05-222222222222"].iloc[0]
    assert (row["处置结果"], row["处置说明"]) == ("已落实照料服务", "已签订照料协议")

    _widget(at.selectbox, "处置状态").select("已处置").run()
    _ok(at)
    assert list(at.dataframe[0].value["预警编号"]) == ["W05-222222222222"]
    _widget(at.selectbox, "处置状态").select("已超期").run()
    assert at.dataframe[0].value.empty


def test_the_record_history_of_a_case(app, warehouse):
    cases.record_disposition(warehouse, OFFICER, "W05-222222222222", cw.P, "2026-11-20", "其他", "第一次")
    cases.record_disposition(warehouse, OFFICER, "W05-222222222222", cw.P, "2026-11-21", "其他", "更正")
    at = app(OFFICER, "warnings")
    _widget(at.selectbox, "选择预警事项").select(OWN_CASE).run()
    _ok(at)
    assert any(e.label == "处置记录（2 条）" for e in at.expander)
    history = next(d.value for d in at.dataframe if "记录时间" in d.value.columns)
    assert list(history["处置说明"]) == ["第一次", "更正"] and set(history["记录人"]) == {OFFICER.user}


def test_supervision_shows_overdue_cases_in_scope(app):
    at = app(ADMIN, "supervision")
    _ok(at)
    assert at.title[0].value == "处置督办"
    overdue = {m.label: m.value for m in at.metric}
    assert overdue["事项数"] == "6"
    late = next(d.value for d in at.dataframe if "预警事项" in d.value.columns)
    assert len(late) == int(overdue["已超期"]) > 0

    at = app(OFFICER, "supervision")
    _ok(at)
    late = next(d.value for d in at.dataframe if "预警事项" in d.value.columns)
    assert set(late["县区"]) == {"泰山区"}  # the officer's county only
    _widget(at.selectbox, "选择预警事项").select(OWN_CASE).run()
    _ok(at)
    assert any("尚无处置记录" in c.value for c in at.caption)


def test_the_analyst_is_not_offered_supervision(app, offered_pages):
    _ok(app(ANALYST))
    assert "supervision" not in offered_pages
    at = app(ANALYST, "supervision")
    _ok(at)
    assert at.title[0].value == "总览"
    offered_pages.clear()
    _ok(app(OFFICER))
    assert "supervision" in offered_pages


@pytest.mark.parametrize("viewer, cases_shown", [(OFFICER, "3"), (ADMIN, "6"), (ANALYST, "6")])
def test_overview_shows_the_disposition_rate(app, viewer, cases_shown):
    at = app(viewer)
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["预警事项"] == cases_shown and metrics["处置率"] == "0%"


def _sign_in(at, user: str, password: str) -> AppTest:
    _widget(at.text_input, "用户名 user").input(user)
    _widget(at.text_input, "密码 password").input(password)
    return at.button[0].click().run()


def test_five_wrong_passwords_lock_the_name_in_the_app(app):
    at = app(None)
    for _ in range(4):
        _sign_in(at, OFFICER.user, "wrong-password")
        assert at.error[0].value == signin.WRONG_MESSAGE
    _sign_in(at, OFFICER.user, "wrong-password")
    assert "已锁定" in at.error[0].value
    fresh = app(None)  # another session: still locked, the right password too
    _sign_in(fresh, OFFICER.user, "demo-370902")
    _ok(fresh)
    assert "已锁定" in fresh.error[0].value and "viewer" not in fresh.session_state
    events = cases.feedback_store().audit_events(user=OFFICER.user)["event"].to_list()
    assert events == ["sign_in_failed"] * 5 + ["locked", "sign_in_failed"]


def test_a_session_idle_for_30_minutes_signs_out(app):
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["viewer"] = OFFICER
    at.session_state["last_activity"] = utc_now() - dt.timedelta(minutes=31)
    at.run()
    _ok(at)
    assert "viewer" not in at.session_state
    assert any("闲置超过 30 分钟" in i.value for i in at.info)
    assert cases.feedback_store().audit_events(user=OFFICER.user)["event"].to_list() == ["idle_sign_out"]

    active = AppTest.from_file(APP, default_timeout=30)
    active.session_state["viewer"] = OFFICER
    active.session_state["last_activity"] = utc_now() - dt.timedelta(minutes=29)
    active.run()
    assert active.session_state["viewer"] == OFFICER and active.title[0].value == "总览"
