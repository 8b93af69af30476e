"""The dashboards in a real browser: Debian's chromium driven by Playwright, against `safetynet serve`.

A county officer signs in with the demo password of the README, walks every page, opens 预警名单 and
downloads it as CSV and XLSX: each file holds the officer's county only, masked, as many rows as the page
counts, and each click is one row of the download log, which the city admin then reads on 下载日志. An
analyst is offered no list and cannot open one by its address. Screenshots of every page go to
tests/artifacts/browser/ (kept by CI as artefacts; git-ignored).

`make test` installs chromium and the CJK fonts when they are missing (`make browser`).

PYTEST_DONT_REWRITE: a failing assertion shows its message only, never the values of a downloaded file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pipelines.exports.audit import read_downloads
from pipelines.exports.labels import FINDING_HEADERS
from pipelines.settings import REPO_ROOT
from tests.dashboards import browser as b
from tests.dashboards.conftest import snapshot_rows
from tests.exports.helpers import FULL_ID, column_cells, has_full_id, open_sheet, read_csv, xlsx_header, xlsx_rows

pytestmark = pytest.mark.slow

ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "browser"
OFFICER = ("officer_370902", "demo-370902", "370902")  # README, 演示账号
ANALYST = ("analyst", "demo-analyst")
ADMIN = ("admin", "demo-admin")
OFFICER_PAGES = ("总览", "覆盖分析", "预警名单", "核查名单", "处置督办", "数据质量", "标准与规则")
MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
MASKED_NAME = re.compile(r"^\S\*+$")


@pytest.fixture(scope="module")
def server(app_warehouse, tmp_path_factory):
    """`safetynet serve` on the published test warehouse, with its own download log."""
    root = tmp_path_factory.mktemp("browser")
    audit, log = root / "audit", root / "server.log"
    with b.serve(app_warehouse, audit, log) as url:
        yield {"url": url, "audit": audit}
    # Whatever the pages did, the server's own log shows no traceback and no person's ID number.
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, "the server logged an exception"
    assert FULL_ID.search(text) is None, "the server log holds an ID number"


@pytest.fixture
def new_page(browser):
    pages = []

    def _new():
        pages.append(b.new_page(browser))
        return pages[-1]

    yield _new
    for page in pages:
        page.context.close()


def screenshot(page, name: str) -> None:
    b.screenshot(page, ARTIFACTS / f"{name}.png")


# --- the snapshot, for what the pages must show ----------------------------------------------------------


def _officer_warnings(locations) -> tuple[str, int]:
    period = snapshot_rows(locations, "select max(period) from main_marts.fct_findings where kind = 'warning'")[0][0]
    n = snapshot_rows(
        locations,
        """select count(*) from main_marts.fct_findings
                           where period = ? and kind = 'warning' and region_code like ?""",
        [period, OFFICER[2] + "%"],
    )[0][0]
    return period, n


def _check_list_file(path: Path, rows: int) -> None:
    """The officer's download: the export's columns, their county only, masked, `rows` rows."""
    if path.suffix == ".csv":
        frame = read_csv(path)
        headers, height = tuple(frame.columns), frame.height
        column = lambda h: frame[h].drop_nulls().to_list()  # noqa: E731
    else:
        ws = open_sheet(path)
        headers, height = tuple(xlsx_header(ws)), len(xlsx_rows(ws))
        column = lambda h: [c.value for c in column_cells(ws, h) if c.value is not None]  # noqa: E731
    assert headers == FINDING_HEADERS, "the export's columns"
    assert height == rows, "as many rows as the page counts"
    assert all(str(v).startswith(OFFICER[2]) for v in column("行政区划代码")), "the officer's county only"
    ids = column("身份证号")
    assert ids and all(MASKED_ID.match(str(v)) for v in ids), "ID numbers masked"
    assert all(MASKED_NAME.match(str(v)) for v in column("姓名")), "names masked"
    assert not has_full_id(path), "no full ID number anywhere in the file"


# --- the tests -------------------------------------------------------------------------------------------


def test_a_county_officer_downloads_their_masked_warning_list_and_it_is_logged(
    server, new_page, app_warehouse, tmp_path
):
    url, audit = server["url"], server["audit"]
    period, expected = _officer_warnings(app_warehouse)
    assert expected > 0, "the test city must have warnings in the officer's county"

    page = new_page()
    page.goto(f"{url}/warnings")  # a bookmarked list: the sign-in form, then the list
    b.heading(page, "SafetyNet 兜底监测")
    screenshot(page, "00_login")
    b.sign_in(page, url, *OFFICER[:2], path="warnings")
    b.heading(page, "预警名单")
    assert b.nav_links(page) == list(OFFICER_PAGES)  # no download log for a county officer
    for i, title in enumerate(OFFICER_PAGES, start=1):
        b.open_page(page, title)
        assert not page.get_by_test_id("stException").count(), title
        screenshot(page, f"{i:02d}_officer_{title}")

    b.open_page(page, "预警名单")
    assert b.shown_rows(page) == expected
    assert page.get_by_text(f"统计期 {period} · {OFFICER[2]}").count()
    assert page.get_by_text("已脱敏").count()
    assert not page.get_by_text("显示完整身份证号").count()  # no unmask switch for an officer

    before = read_downloads(audit)
    csv = b.download(page, "下载 CSV", tmp_path)
    xlsx = b.download(page, "下载 XLSX", tmp_path)
    _check_list_file(csv, expected)
    _check_list_file(xlsx, expected)

    entries = read_downloads(audit)[len(before) :]
    assert [e["format"] for e in entries] == ["csv", "xlsx"]
    for entry in entries:
        assert entry["user"] == OFFICER[0] and entry["channel"] == "dashboard"
        assert entry["list"] == "warnings" and entry["period"] == period
        assert entry["county"] == OFFICER[2] and entry["rows"] == expected and entry["masked"] is True

    # The city admin reads both downloads on 下载日志.
    admin = new_page()
    b.sign_in(admin, url, *ADMIN)
    assert "下载日志" in b.nav_links(admin)
    b.open_page(admin, "下载日志")
    assert int(b.metric(admin, "下载次数")) == len(read_downloads(audit))
    b.choose(admin, "用户", OFFICER[0])
    expect(
        admin.get_by_test_id("stMetric")
        .filter(has=admin.get_by_text("下载次数", exact=True))
        .get_by_test_id("stMetricValue")
    ).to_have_text("2", timeout=b.WAIT_MS)
    b.settle(admin)
    screenshot(admin, "20_admin_下载日志")


def test_an_analyst_cannot_reach_the_lists(server, new_page):
    url = server["url"]
    page = new_page()
    page.goto(f"{url}/warnings")  # nobody signed in: the sign-in form only
    b.heading(page, "SafetyNet 兜底监测")
    assert not page.get_by_test_id("stSidebarNav").count()
    assert not page.get_by_text(b.SHOWN).count()

    b.sign_in(page, url, *ANALYST)
    b.heading(page, "总览")
    links = b.nav_links(page)
    assert "总览" in links and not {"预警名单", "核查名单", "处置督办", "下载日志"} & set(links)
    screenshot(page, "30_analyst_总览")

    for path in ("warnings", "verifications", "audit"):  # by address: a new session, signed in again
        b.sign_in(page, url, *ANALYST, path=path)
        assert not page.get_by_text(b.SHOWN).count(), path
        assert not page.get_by_role("button", name=re.compile("下载")).count(), path
        assert not page.get_by_role("heading", name="预警名单", exact=True).count(), path
        assert not page.get_by_role("heading", name="下载日志", exact=True).count(), path
        screenshot(page, f"31_analyst_{path}")
