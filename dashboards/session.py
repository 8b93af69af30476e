"""The signed-in viewer, the warehouse the app reads, and cached reads keyed by the snapshot in service.

Every page starts with `viewer = require_viewer()`; data comes through `dashboards.data` (scoped), and
the cached helpers here key their cache by the published snapshot's file name and the viewer's scope, so
a new publish shows at once and two users never share a scoped result.
"""

from __future__ import annotations

import streamlit as st

from dashboards import cases, data, signin
from dashboards.auth import ROLE_LABELS, Viewer
from pipelines.feedback.clock import utc_now
from pipelines.settings import Locations

CACHE_SECONDS = 300


def locations() -> Locations:
    """The dataset and warehouse of this app (SAFETYNET_DATA / SAFETYNET_WAREHOUSE, as every command)."""
    return Locations.from_env()


def current_viewer() -> Viewer | None:
    return st.session_state.get("viewer")


def active_viewer() -> Viewer | None:
    """The viewer of this run, after the idle rule: a session idle for 30 minutes is signed out (audited)
    and shows the sign-in form with a message. Every run of a signed-in session counts as activity."""
    viewer, now = current_viewer(), utc_now()
    if viewer is not None and signin.is_idle(st.session_state.get("last_activity"), now):
        signin.sign_out(viewer, idle=True, now=now)
        st.session_state.pop("viewer", None)
        st.session_state["signin_message"] = (
            "闲置超过 30 分钟，已自动退出，请重新登录。 Signed out after 30 minutes idle."
        )
        viewer = None
    st.session_state["last_activity"] = now
    return viewer


def _or_stop(value, show, message: str):
    """`value`, or the page stops after `show(message)` when it is None."""
    if value is None:
        show(message)
        st.stop()
    return value


def require_viewer() -> Viewer:
    return _or_stop(current_viewer(), st.warning, "请先登录 please sign in")


def login_page() -> None:
    st.title("SafetyNet 兜底监测")
    st.caption("低收入人口动态监测 · 请登录 sign in")
    notice = st.session_state.pop("signin_message", None)
    if notice:
        st.info(notice)
    with st.form("login"):
        username = st.text_input("用户名 user")
        password = st.text_input("密码 password", type="password")
        submitted = st.form_submit_button("登录 sign in")
    if submitted:
        # Audited; the same words for an unknown user and a wrong password; a locked name is refused
        # whatever the password.
        outcome = signin.sign_in(username.strip(), password)
        if outcome.viewer is None:
            st.error(outcome.message)
        else:
            st.session_state["viewer"] = outcome.viewer
            st.session_state["last_activity"] = utc_now()
            st.rerun()


def sidebar(viewer: Viewer) -> None:
    st.sidebar.markdown(
        f"**{viewer.user}** · {ROLE_LABELS.get(viewer.role, viewer.role)}"
        + (f" · {viewer.county}" if viewer.county else "")
    )
    if st.sidebar.button("退出 sign out"):
        signin.sign_out(viewer)
        st.session_state.pop("viewer", None)
        st.rerun()


def snapshot_key() -> str | None:
    """The file name of the snapshot in service: part of every cache key."""
    try:
        return data.snapshot(locations()).file
    except data.NotPublished:
        return None


def require_snapshot() -> str:
    return _or_stop(
        snapshot_key(),
        st.info,
        "尚无已发布的数据：请先运行 `safetynet run`。 Nothing is published yet: run `safetynet run`.",
    )


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_read(read: str, snapshot: str, role: str, county: str | None, user: str, *args):
    """`data.<read>(locations, viewer, *args)`, once per snapshot, viewer and arguments (keyed by the
    user too: two users never share a scoped result)."""
    return getattr(data, read)(locations(), Viewer(user, role, county), *args)


def _scoped(read: str, viewer: Viewer, *args):
    return cached_read(read, require_snapshot(), viewer.role, viewer.county, viewer.user, *args)


def kpis(viewer: Viewer):
    return _scoped("kpis", viewer)


def finding_counts(viewer: Viewer):
    return _scoped("finding_counts", viewer)


# --- 数据质量 / 标准与规则 ---------------------------------------------------------------------------


def quality(viewer: Viewer) -> dict:
    """Everything the 数据质量 page shows, read once per snapshot and viewer."""
    return _scoped("quality_summary", viewer)


def standards(viewer: Viewer, period: str | None):
    return _scoped("standards_in_force", viewer, period)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_standards_periods(snapshot: str) -> list[str]:
    return data.standards_periods(locations())


def standards_periods() -> list[str]:
    return cached_standards_periods(require_snapshot())


def rules(viewer: Viewer):
    return _scoped("rule_catalogue", viewer)


# --- 预警名单 / 核查名单: lists, filter options, a household's detail -----------------------------------


def list_options(viewer: Viewer, kind: str) -> dict:
    return _scoped("list_filter_options", viewer, kind)


def scoped_list(viewer: Viewer, kind: str, period: str | None, county: str | None, unmasked: bool):
    # The list ends with each finding's live case state: read again when the store or the day changes.
    return _live("data", "read_scoped_list", viewer, kind, period, county, unmasked)


def household_detail(viewer: Viewer, period: str, warning_id: str, unmasked: bool):
    return _scoped("household_detail", viewer, period, warning_id, unmasked)


# --- cases: live statuses, keyed by the store's version and the Beijing day as well ------------------


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def cached_live_read(module: str, read: str, snapshot: str, version, day: str, role, county, user, *args):
    """`<module>.<read>(locations, viewer, *args)` once per snapshot, store version (a record shows at
    once), Beijing day (statuses move at midnight), viewer and arguments."""
    return getattr(cases if module == "cases" else data, read)(locations(), Viewer(user, role, county), *args)


def _live(module: str, read: str, viewer: Viewer, *args):
    snapshot = require_snapshot()
    version = cases.store_version()
    return cached_live_read(
        module, read, snapshot, version, cases.cache_day(), viewer.role, viewer.county, viewer.user, *args
    )


def case_rows(viewer: Viewer, period: str | None, unmasked: bool = False):
    return _live("cases", "cases", viewer, period, unmasked)


def case_kpis(viewer: Viewer, period: str):
    return _live("cases", "case_kpis", viewer, period)


def case_breakdown(viewer: Viewer, period: str):
    return _live("cases", "case_breakdown", viewer, period)


def case_history(viewer: Viewer, case_id: str):
    return _live("cases", "case_history", viewer, case_id)
