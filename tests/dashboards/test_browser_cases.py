"""Closing the loop in a real browser (Debian's chromium, Playwright, `safetynet serve`): a county officer
records a disposition on 预警名单 and sees its status change; downloads the list, fills it in (with
openpyxl, as an officer would in Excel) with some bad rows and uploads it: the page counts what was
recorded, unchanged and refused, and the refused rows come back with their reasons; five wrong passwords
lock a user name, and then the right one is refused too. Screenshots go to tests/artifacts/browser/.

The server gets a copy of the session's feedback store (where the test warehouse's cases were issued), so
what is recorded here stays here.

PYTEST_DONT_REWRITE: assertions compare counts, case ids and reasons, never a person.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import openpyxl
import pytest
from playwright.sync_api import expect

from pipelines.feedback.clock import beijing_date, utc_now
from pipelines.feedback.record import BAD_OUTCOME, FUTURE_DATE, OTHER_COUNTY, UNKNOWN_CASE
from pipelines.feedback.store import FeedbackStore
from pipelines.settings import REPO_ROOT, feedback_path
from tests.dashboards import browser as b
from tests.dashboards.conftest import snapshot_rows
from tests.exports.helpers import FULL_ID, has_full_id, read_csv, xlsx_header, xlsx_rows

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "browser"
OFFICER = ("officer_370902", "demo-370902", "370902")  # README, 演示账号
LOCKED_USER = ("officer_370911", "demo-370911")


@pytest.fixture(scope="module")
def server(app_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("browser_cases")
    store = root / "feedback.sqlite"
    source = sqlite3.connect(feedback_path())  # the session's store, where the cases were issued
    target = sqlite3.connect(store)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    with b.serve(app_warehouse, root / "audit", root / "server.log", env={"SAFETYNET_FEEDBACK": str(store)}) as url:
        yield {"url": url, "store": FeedbackStore(store)}
    text = (root / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, "the server logged an exception"
    assert FULL_ID.search(text) is None, "the server log holds an ID number"


@pytest.fixture
def page(browser):
    page = b.new_page(browser)
    yield page
    page.context.close()


def _officer_cases(locations) -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """The officer's warnings of the latest period (warning_id, first_period), and one of another county."""
    period = snapshot_rows(locations, "select max(period) from main_marts.fct_findings where kind = 'warning'")[0][0]
    rows = snapshot_rows(
        locations,
        """select warning_id, first_period, substr(region_code, 1, 6) = ? from main_marts.fct_findings
           where period = ? and kind = 'warning' order by warning_id""",
        [OFFICER[2], period],
    )
    return [(w, f) for w, f, mine in rows if mine], next((w, f) for w, f, mine in rows if not mine)


def _pick_case(page, case_id: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("选择预警事项", exact=True))
    box.scroll_into_view_if_needed()
    box.locator("input").click()
    page.keyboard.type(case_id)
    b.answered(page, lambda: page.get_by_role("option").filter(has_text=case_id).first.click())


def _disposed_rows(page) -> int:
    b.answered(page, lambda: b.choose(page, "处置状态", "已处置"))
    n = b.shown_rows(page)
    b.answered(page, lambda: b.choose(page, "处置状态", "全部"))
    return n


def _fill(path, own: list[tuple[str, str]], other: tuple[str, str]) -> None:
    """The officer's returned list: the first case left as exported (pre-filled by the form's record:
    unchanged), the second disposed of, then rows an officer gets wrong."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = xlsx_header(ws)
    col = {h: header.index(h) + 1 for h in ("预警编号", "首次预警期", "核查日期", "处置结果", "处置说明")}
    row_of = {(r[col["预警编号"] - 1].value, r[col["首次预警期"] - 1].value): r[0].row for r in xlsx_rows(ws)}
    today = beijing_date(utc_now())
    second = row_of[own[1]]
    values = {second: (*own[1], today, "已纳入低保", "已入户核实")}
    last = max(row_of.values())
    bad = [
        (*own[1], today, "已停保或停发", None),  # a verification outcome on a warning
        (*own[1], today + dt.timedelta(days=5), "已纳入低保", None),  # in the future
        (*other, today, "已纳入低保", None),  # another county's case
        ("W99-000000000000", own[1][1], today, "已纳入低保", None),  # no such case
    ]
    values.update({last + i: v for i, v in enumerate(bad, start=1)})
    for row, (warning_id, first_period, checked_on, outcome, note) in values.items():
        for header_name, value in zip(col, (warning_id, first_period, checked_on, outcome, note)):
            ws.cell(row=row, column=col[header_name], value=value)
    wb.save(path)


def test_an_officer_records_a_disposition_and_uploads_a_filled_list(server, page, app_warehouse, tmp_path):
    url = server["url"]
    own, other = _officer_cases(app_warehouse)
    assert len(own) >= 2, "the test city must have two warnings in the officer's county"
    first = "-".join(own[0])

    b.sign_in(page, url, *OFFICER[:2], path="warnings")
    b.heading(page, "预警名单")
    disposed = _disposed_rows(page)

    # one disposition through the form: the status changes at once
    _pick_case(page, first)
    expect(page.get_by_text(re.compile("^处置状态：(待处置|已超期)"))).to_be_visible()
    b.choose(page, "处置结果", "经核查不符合条件")
    page.get_by_role("textbox", name="处置说明").fill("入户核查，收入超过标准")
    b.answered(page, lambda: page.get_by_role("button", name="提交处置").click())
    expect(page.get_by_text(f"已记录 {first} 的处置：经核查不符合条件")).to_be_visible()
    expect(page.get_by_text(re.compile("^处置状态：已处置"))).to_be_visible()
    page.get_by_text(re.compile(r"^处置记录（1 条）")).click()
    b.screenshot(page, ARTIFACTS / "40_officer_处置登记.png")
    assert _disposed_rows(page) == disposed + 1
    records = server["store"].frames(("dispositions",))["dispositions"]
    assert records.filter(records["case_id"] == first)["recorded_by"].to_list() == [OFFICER[0]]

    # the list as exported, filled in with openpyxl, uploaded
    xlsx = b.download(page, "下载 XLSX", tmp_path)
    _fill(xlsx, own, other)
    uploader = page.get_by_test_id("stFileUploader").locator("input[type=file]")
    b.answered(page, lambda: uploader.set_input_files(str(xlsx)))
    b.answered(page, lambda: page.get_by_role("button", name="导入回填名单").click())
    expect(page.get_by_text(f"{xlsx.name}：已记录 1 行，未变 1 行，拒收 4 行")).to_be_visible()
    b.screenshot(page, ARTIFACTS / "41_officer_批量回填.png")
    refused_csv = b.download(page, "下载拒收行 CSV", tmp_path)
    assert not has_full_id(refused_csv), "the refused rows name no person"
    refused = read_csv(refused_csv)
    assert refused.columns == ["行号", "预警编号", "首次预警期", "原因"]
    assert refused["原因"].to_list() == [BAD_OUTCOME, FUTURE_DATE, OTHER_COUNTY, UNKNOWN_CASE]
    assert _disposed_rows(page) == disposed + 2

    b.open_page(page, "处置督办")
    assert not page.get_by_test_id("stException").count()
    b.screenshot(page, ARTIFACTS / "42_officer_处置督办.png")
    events = server["store"].audit_events(user=OFFICER[0])["event"].to_list()
    assert events[0] == "sign_in" and {"disposition", "upload"} <= set(events)


def _try_sign_in(page, url: str, user: str, password: str) -> str:
    page.goto(url)
    page.get_by_label("用户名 user").fill(user)
    page.get_by_label("密码 password").fill(password)
    b.answered(page, lambda: page.get_by_role("button", name="登录 sign in").click())
    return page.get_by_test_id("stAlertContentError").inner_text()


def test_five_wrong_passwords_lock_the_user_name(server, page):
    url = server["url"]
    user, password = LOCKED_USER
    for _ in range(4):
        assert "用户名或密码错误" in _try_sign_in(page, url, user, "wrong-password")
    assert "已锁定至" in _try_sign_in(page, url, user, "wrong-password")
    message = _try_sign_in(page, url, user, password)  # the right password, refused while locked
    assert "已锁定至" in message and "用户名或密码错误" not in message
    assert not page.get_by_role("button", name="退出 sign out").count()
    b.screenshot(page, ARTIFACTS / "43_locked.png")
    events = server["store"].audit_events(user=user)["event"].to_list()
    assert events == ["sign_in_failed"] * 5 + ["locked", "sign_in_failed"]
