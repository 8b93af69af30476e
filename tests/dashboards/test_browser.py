"""The dashboards in a real browser: Debian's chromium driven by Playwright, against `safetynet serve`.

A county officer signs in with the demo password of the README, walks every page, opens 预警名单 and
downloads it as CSV and XLSX: each file holds the officer's county only, masked, as many rows as the page
counts, and each click is one row of the download log, which the city admin then reads on 下载日志. An
analyst is offered no list and cannot open one by its address. Screenshots of every page go to
tests/artifacts/browser/ (kept by CI as artefacts; git-ignored).

`make test` installs chromium and the CJK fonts when they are missing (`make browser`).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.exports.audit import read_downloads
from pipelines.exports.labels import FINDING_HEADERS
from pipelines.publish import serving_path
from pipelines.settings import REPO_ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("SAFETYNET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "browser"
OFFICER = ("officer_370902", "demo-370902", "370902")  # README, 演示账号
ANALYST = ("analyst", "demo-analyst")
ADMIN = ("admin", "demo-admin")
OFFICER_PAGES = ("总览", "覆盖分析", "预警名单", "核查名单", "数据质量", "标准与规则")
FULL_ID = re.compile(r"\d{17}[\dX]")
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
MASKED_NAME = re.compile(r"^\S\*+$")
WAIT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(app_warehouse, tmp_path_factory):
    """`safetynet serve` on a free port, on the published test warehouse, with its own download log."""
    root = tmp_path_factory.mktemp("browser")
    audit = root / "audit"
    log = root / "server.log"
    port = _free_port()
    env = {**os.environ, "SAFETYNET_AUDIT": str(audit)}
    env.pop("SAFETYNET_USERS", None)  # the shipped users file, with the README's demo users
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "serve", "--data", str(app_warehouse.data),
             "--warehouse", str(app_warehouse.warehouse), "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, "the server stopped on start (see its log in the test's tmp dir)"
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)
        yield {"url": url, "audit": audit, "log": log}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    # Whatever the pages did, the server's own log shows no traceback and no person's ID number.
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, "the server logged an exception"
    assert not FULL_ID.search(text), "the server log holds an ID number"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    contexts = []

    def _new():
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True,
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
        ctx.set_default_timeout(WAIT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    yield _new
    for ctx in contexts:
        ctx.close()


# --- driving Streamlit ---------------------------------------------------------------------------------

def settle(page) -> None:
    """Wait until the script run a click started has finished and its elements are drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT_MS)


def heading(page, text: str):
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=text, exact=True).first).to_be_visible(timeout=WAIT_MS)
    settle(page)


def sign_in(page, url: str, user: str, password: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    page.get_by_label("用户名 user").fill(user)
    page.get_by_label("密码 password").fill(password)
    page.get_by_role("button", name="登录 sign in").click()
    page.get_by_role("button", name="退出 sign out").wait_for()
    settle(page)


def nav_links(page) -> list[str]:
    return page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    heading(page, title)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # charts draw after the run ends
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def shown_rows(page) -> int:
    match = re.search(r"共\s*(\d+)\s*条", page.get_by_text(re.compile(r"共\s*\d+\s*条")).first.inner_text())
    assert match
    return int(match.group(1))


def metric(page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def download(page, label: str, into: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    d = info.value
    target = into / d.suggested_filename
    d.save_as(target)
    return target


# --- the snapshot, for what the pages must show ----------------------------------------------------------

def _sql(locations, sql: str, params=None) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(serving_path(locations)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _officer_warnings(locations) -> tuple[str, int]:
    period = _sql(locations, "select max(period) from main_marts.fct_findings where kind = 'warning'")[0][0]
    n = _sql(locations, """select count(*) from main_marts.fct_findings
                           where period = ? and kind = 'warning' and region_code like ?""",
             [period, OFFICER[2] + "%"])[0][0]
    return period, n


def _check_list_file(path: Path, rows: int) -> None:
    """The officer's download: the export's columns, their county only, masked, `rows` rows."""
    if path.suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
        text = path.read_bytes().decode("utf-8-sig")
    else:
        ws = openpyxl.load_workbook(path, read_only=True).active
        cells = [[c for c in row] for row in ws.iter_rows(min_row=2, values_only=True)]
        frame = pl.DataFrame([r for r in cells[1:] if any(v is not None for v in r)],
                             schema=[str(h) for h in cells[0]], orient="row", infer_schema_length=None)
        text = "\n".join(str(v) for row in cells for v in row if v is not None)
    assert tuple(frame.columns) == FINDING_HEADERS
    assert frame.height == rows
    assert frame["行政区划代码"].cast(pl.String).str.starts_with(OFFICER[2]).all()
    ids = frame["身份证号"].drop_nulls().cast(pl.String)
    names = frame["姓名"].drop_nulls().cast(pl.String)
    assert ids.len() > 0 and ids.str.contains(MASKED_ID.pattern).all()
    assert names.str.contains(MASKED_NAME.pattern).all()
    assert not FULL_ID.search(text)  # no full ID number anywhere in the file


# --- the tests -------------------------------------------------------------------------------------------

def test_a_county_officer_downloads_their_masked_warning_list_and_it_is_logged(
        server, new_page, app_warehouse, tmp_path):
    url, audit = server["url"], server["audit"]
    period, expected = _officer_warnings(app_warehouse)
    assert expected > 0, "the test city must have warnings in the officer's county"

    page = new_page()
    page.goto(f"{url}/warnings")  # a bookmarked list: the sign-in form, then the list
    heading(page, "SafetyNet 兜底监测")
    screenshot(page, "00_login")
    sign_in(page, url, *OFFICER[:2], path="warnings")
    heading(page, "预警名单")
    assert nav_links(page) == list(OFFICER_PAGES)  # no download log for a county officer
    for i, title in enumerate(OFFICER_PAGES, start=1):
        open_page(page, title)
        assert not page.get_by_test_id("stException").count(), title
        screenshot(page, f"{i:02d}_officer_{title}")

    open_page(page, "预警名单")
    assert shown_rows(page) == expected
    assert page.get_by_text(f"统计期 {period} · {OFFICER[2]}").count()
    assert page.get_by_text("已脱敏").count()
    assert not page.get_by_text("显示完整身份证号").count()  # no unmask switch for an officer

    before = read_downloads(audit)
    csv = download(page, "下载 CSV", tmp_path)
    xlsx = download(page, "下载 XLSX", tmp_path)
    _check_list_file(csv, expected)
    _check_list_file(xlsx, expected)

    entries = read_downloads(audit)[len(before):]
    assert [e["format"] for e in entries] == ["csv", "xlsx"]
    for entry in entries:
        assert entry["user"] == OFFICER[0] and entry["channel"] == "dashboard"
        assert entry["list"] == "warnings" and entry["period"] == period
        assert entry["county"] == OFFICER[2] and entry["rows"] == expected and entry["masked"] is True

    # The city admin reads both downloads on 下载日志.
    admin = new_page()
    sign_in(admin, url, *ADMIN)
    assert "下载日志" in nav_links(admin)
    open_page(admin, "下载日志")
    assert int(metric(admin, "下载次数")) == len(read_downloads(audit))
    admin.get_by_test_id("stSelectbox").filter(has=admin.get_by_text("用户", exact=True)).click()
    admin.get_by_role("option", name=OFFICER[0]).click()
    settle(admin)
    assert int(metric(admin, "下载次数")) == 2
    screenshot(admin, "20_admin_下载日志")


def test_an_analyst_cannot_reach_the_lists(server, new_page):
    url = server["url"]
    page = new_page()
    page.goto(f"{url}/warnings")  # nobody signed in: the sign-in form only
    heading(page, "SafetyNet 兜底监测")
    assert not page.get_by_test_id("stSidebarNav").count()
    assert not page.get_by_text(re.compile(r"共\s*\d+\s*条")).count()

    sign_in(page, url, *ANALYST)
    heading(page, "总览")
    links = nav_links(page)
    assert "总览" in links and not {"预警名单", "核查名单", "下载日志"} & set(links)
    screenshot(page, "30_analyst_总览")

    for path in ("warnings", "verifications", "audit"):  # by address: a new session, signed in again
        sign_in(page, url, *ANALYST, path=path)
        assert not page.get_by_text(re.compile(r"共\s*\d+\s*条")).count(), path
        assert not page.get_by_role("button", name=re.compile("下载")).count(), path
        assert not page.get_by_role("heading", name="预警名单", exact=True).count(), path
        assert not page.get_by_role("heading", name="下载日志", exact=True).count(), path
        screenshot(page, f"31_analyst_{path}")
