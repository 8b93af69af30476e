"""A real published warehouse for the app tests, a helper to run a page as a signed-in viewer, the pages
the navigation offers, and rows of the published snapshot to compare the pages with."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.auth import Viewer
from pipelines.publish import serving_path
from pipelines.settings import Locations
from tests.dashboards import browser as b
from tests.exports import conftest as exports_fixtures
from tests.warehouse.conftest import build

# The exports' small warehouse (two counties), for the data-access tests.
locations = exports_fixtures.locations

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
ADMIN = Viewer("admin", "city_admin", None)
ANALYST = Viewer("analyst", "analyst", None)
OFFICER = Viewer("officer_370902", "county_officer", "370902")


@pytest.fixture(scope="session")
def app_warehouse(tmp_path_factory) -> Locations:
    """A small demo city over three months, ingested, built, checked and published."""
    return build(tmp_path_factory, "app", preset="demo", scale=0.1, months=3, seed=8, dirty=0.03)


@pytest.fixture
def run_app(app_warehouse, monkeypatch):
    """run_app(viewer, page=None) -> AppTest of the app signed in as `viewer`, on `page` (a url path such
    as "warnings"; None: the default page), already run once."""
    monkeypatch.setenv("SAFETYNET_DATA", str(app_warehouse.data))
    monkeypatch.setenv("SAFETYNET_WAREHOUSE", str(app_warehouse.warehouse))

    def _run(viewer: Viewer | None, page: str | None = None, timeout: float = 30) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout)
        if viewer is not None:
            at.session_state["viewer"] = viewer
        if page is not None:
            at.switch_page(f"views/{page}.py")
        return at.run()

    return _run


def snapshot_rows(locations: Locations, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of the snapshot in service, read-only: what the pages must show."""
    con = duckdb.connect(str(serving_path(locations)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture
def offered_pages(monkeypatch) -> list[str]:
    """The url paths of the pages `st.navigation` is given in the app runs that follow (cleared by the
    test between runs)."""
    offered: list[str] = []
    navigation = st.navigation

    def recording(pages, *args, **kwargs):
        offered.extend(p.url_path for p in pages)
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    return offered


@pytest.fixture(scope="module")
def browser():
    """Chromium for the browser tests of a module (Debian's, driven by Playwright)."""
    if not b.CHROMIUM.exists():
        pytest.fail(f"{b.CHROMIUM} is missing: `make browser` installs Debian's chromium (make test does)")
    with b.chromium() as chromium:
        yield chromium
