"""A real published warehouse for the app tests, and a helper to run a page as a signed-in viewer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.auth import Viewer
from pipelines.settings import Locations
from tests.warehouse.conftest import build

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
