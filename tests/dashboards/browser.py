"""Driving the dashboards in Debian's chromium with Playwright: the server, sign-in, navigation, waiting
for Streamlit's script runs, downloads. Shared by the browser test and the page-timing measurement."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from pipelines.settings import REPO_ROOT, Locations

CHROMIUM = Path(os.environ.get("SAFETYNET_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WAIT_MS = 60_000
SHOWN = re.compile(r"共\s*(\d+)\s*条")
RUN_STATE = '[data-testid="stApp"][data-test-script-state="{}"]'

# Records every change of Streamlit's script state with its time, so a run shorter than a poll is not
# missed: a click "has answered" when a run that started after it has ended.
_WATCH_RUNS = """() => {
  if (window.__runs) return;
  window.__runs = [];
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => window.__runs.push([app.getAttribute('data-test-script-state'),
                                                 performance.now()]))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
_RUN_ENDED_SINCE = """(t0) => {
  const runs = window.__runs || [];
  const started = runs.findIndex(r => r[0] === 'running' && r[1] >= t0);
  return started >= 0 && runs.slice(started).some(r => r[0] === 'notRunning');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(locations: Locations, audit: Path, log: Path, env: dict[str, str] | None = None):
    """`safetynet serve` on a free port with its own download log (and `env` on top of this process's);
    yields the base URL. The shipped users file (the README's demo users) signs people in."""
    port = _free_port()
    env = {**os.environ, "SAFETYNET_AUDIT": str(audit), **(env or {})}
    env.pop("SAFETYNET_USERS", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "serve",
                "--data",
                str(locations.data),
                "--warehouse",
                str(locations.warehouse),
                "--port",
                str(port),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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
            if proc.poll() is not None:
                raise RuntimeError(f"the server stopped on start (its log: {log})")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def chromium():
    """Debian's chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    ctx = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    ctx.set_default_timeout(WAIT_MS)
    return ctx.new_page()


def settle(page) -> None:
    """Wait until no script run is going on and the page's requests are done."""
    page.wait_for_selector(RUN_STATE.format("notRunning"), timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(RUN_STATE.format("notRunning"), timeout=WAIT_MS)


def answered(page, act) -> float:
    """Do `act()` (a click, a choice) and wait until the script run it caused has ended: seconds taken."""
    # A run still going (a rerun after the last action, a page settling) would take the new one in without
    # a state change to see: start from a quiet page.
    settle(page)
    page.evaluate(_WATCH_RUNS)
    t0 = page.evaluate("performance.now()")
    start = time.perf_counter()
    act()
    page.wait_for_function(_RUN_ENDED_SINCE, arg=t0, timeout=WAIT_MS, polling=20)
    elapsed = time.perf_counter() - start
    settle(page)  # a second run (st.rerun) may follow: the next action starts from a quiet page
    return elapsed


def heading(page, text: str) -> None:
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


def nav_link(page, title: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def open_page(page, title: str) -> None:
    nav_link(page, title).click()
    heading(page, title)


def choose(page, label: str, option: str | None = None, nth: int = 0) -> None:
    """Pick `option` (or the `nth` option) in the select box or multiselect labelled `label`."""
    widget = page.get_by_test_id(re.compile(r"^st(Selectbox|MultiSelect)$")).filter(
        has=page.get_by_text(label, exact=True)
    )
    widget.scroll_into_view_if_needed()  # a list near the bottom edge would open off-screen
    widget.locator("input").click()
    options = page.get_by_role("option")
    (
        options.nth(nth) if option is None else options.filter(has_text=re.compile(f"^{re.escape(option)}$"))
    ).first.click()
    if widget.get_attribute("data-testid") == "stMultiSelect":
        page.keyboard.press("Escape")  # a multiselect stays open after a choice


def shown_rows(page) -> int:
    match = SHOWN.search(page.get_by_text(SHOWN).first.inner_text())
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


def screenshot(page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # charts draw after the run ends
    page.screenshot(path=str(path), full_page=True)
