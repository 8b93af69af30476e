"""The signed-in viewer, the warehouse the app reads, and cached reads keyed by the snapshot in service.

Every page starts with `viewer = require_viewer()`; data comes through `dashboards.data` (scoped), and
the cached helpers here key their cache by the published snapshot's file name and the viewer's scope, so
a new publish shows at once and two users never share a scoped result.
"""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.auth import ROLE_LABELS, Viewer, authenticate
from pipelines.settings import Locations

CACHE_SECONDS = 300


def locations() -> Locations:
    """The dataset and warehouse of this app (SAFETYNET_DATA / SAFETYNET_WAREHOUSE, as every command)."""
    return Locations.from_env()


def current_viewer() -> Viewer | None:
    return st.session_state.get("viewer")


def require_viewer() -> Viewer:
    viewer = current_viewer()
    if viewer is None:
        st.warning("请先登录 please sign in")
        st.stop()
    return viewer


def login_page() -> None:
    st.title("SafetyNet 兜底监测")
    st.caption("低收入人口动态监测 · 请登录 sign in")
    with st.form("login"):
        username = st.text_input("用户名 user")
        password = st.text_input("密码 password", type="password")
        submitted = st.form_submit_button("登录 sign in")
    if submitted:
        viewer = authenticate(username.strip(), password)
        if viewer is None:
            # The same words for an unknown user and a wrong password.
            st.error("用户名或密码错误 wrong user name or password")
        else:
            st.session_state["viewer"] = viewer
            st.rerun()


def sidebar(viewer: Viewer) -> None:
    st.sidebar.markdown(f"**{viewer.user}** · {ROLE_LABELS.get(viewer.role, viewer.role)}"
                        + (f" · {viewer.county}" if viewer.county else ""))
    if st.sidebar.button("退出 sign out"):
        st.session_state.pop("viewer", None)
        st.rerun()


def snapshot_key() -> str | None:
    """The file name of the snapshot in service: part of every cache key."""
    try:
        return data.snapshot(locations()).file
    except data.NotPublished:
        return None


def require_snapshot() -> str:
    key = snapshot_key()
    if key is None:
        st.info("尚无已发布的数据：请先运行 `safetynet run`。 Nothing is published yet: run `safetynet run`.")
        st.stop()
    return key


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_kpis(snapshot: str, role: str, county: str | None, user: str):
    return data.kpis(locations(), Viewer(user, role, county))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_finding_counts(snapshot: str, role: str, county: str | None, user: str):
    return data.finding_counts(locations(), Viewer(user, role, county))


def kpis(viewer: Viewer):
    return cached_kpis(require_snapshot(), viewer.role, viewer.county, viewer.user)


def finding_counts(viewer: Viewer):
    return cached_finding_counts(require_snapshot(), viewer.role, viewer.county, viewer.user)


# --- 数据质量 / 标准与规则: cached scoped reads ------------------------------------------------------

@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_quality(snapshot: str, role: str, county: str | None, user: str) -> dict:
    """Everything the 数据质量 page shows, read once per snapshot and viewer."""
    loc, viewer = locations(), Viewer(user, role, county)
    return {
        "files": data.file_stats(loc, viewer),
        "quarantine": data.quarantine_counts(loc, viewer),
        "issues": data.quality_issue_counts(loc, viewer),
        "last_changed": data.data_last_changed(loc),
        "contracts": data.contract_results(loc),
    }


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_standards(snapshot: str, role: str, county: str | None, user: str, period: str | None):
    return data.standards_in_force(locations(), Viewer(user, role, county), period)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_standards_periods(snapshot: str) -> list[str]:
    return data.standards_periods(locations())


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_rules(snapshot: str, role: str, county: str | None, user: str):
    return data.rule_catalogue(locations(), Viewer(user, role, county))


def quality(viewer: Viewer) -> dict:
    return cached_quality(require_snapshot(), viewer.role, viewer.county, viewer.user)


def standards(viewer: Viewer, period: str | None):
    return cached_standards(require_snapshot(), viewer.role, viewer.county, viewer.user, period)


def standards_periods() -> list[str]:
    return cached_standards_periods(require_snapshot())


def rules(viewer: Viewer):
    return cached_rules(require_snapshot(), viewer.role, viewer.county, viewer.user)


# --- 预警名单 / 核查名单: cached scoped reads (lists, filter options, a household's detail) -----------------

@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_list_options(snapshot: str, role: str, county: str | None, user: str, kind: str) -> dict:
    return data.list_filter_options(locations(), Viewer(user, role, county), kind)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_scoped_list(snapshot: str, role: str, county: str | None, user: str, kind: str,
                       period: str | None, list_county: str | None, unmasked: bool):
    return data.read_scoped_list(locations(), Viewer(user, role, county), kind, period, list_county, unmasked)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_household_detail(snapshot: str, role: str, county: str | None, user: str, period: str,
                            warning_id: str, unmasked: bool):
    return data.household_detail(locations(), Viewer(user, role, county), period, warning_id, unmasked)


def list_options(viewer: Viewer, kind: str) -> dict:
    return cached_list_options(require_snapshot(), viewer.role, viewer.county, viewer.user, kind)


def scoped_list(viewer: Viewer, kind: str, period: str | None, county: str | None, unmasked: bool):
    return cached_scoped_list(require_snapshot(), viewer.role, viewer.county, viewer.user, kind, period,
                              county, unmasked)


def household_detail(viewer: Viewer, period: str, warning_id: str, unmasked: bool):
    return cached_household_detail(require_snapshot(), viewer.role, viewer.county, viewer.user, period,
                                   warning_id, unmasked)
