"""The 预警名单 / 核查名单 pages: one page for both lists (`render("warnings")`, `render("verifications")`).

Filters (period, county, township, rule, severity, new or persisting), the list as the export code reads it
(masked; a city_admin may ask for full ID numbers), downloads as XLSX / CSV and a household's detail.

Downloads: the bytes are made by a callable handed to `st.download_button(data=...)`, which Streamlit runs
only when the user clicks the button (deferred generation). `data.download` writes the audit entry at that
moment, so a page shown without a click records nothing and each click records one entry.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboards import case_panel, data, session
from dashboards.auth import Viewer
from dashboards.kpi_format import SEVERITY_COLOURS
from pipelines.exports import ExportedList
from pipelines.exports.labels import SEVERITY_LABELS
from pipelines.settings import Locations

TITLES = {"warnings": "预警名单", "verifications": "核查名单"}
ALL = "全部"
STATUS_OPTIONS = (ALL, data.LIST_STATUS_NEW, data.LIST_STATUS_PERSISTING)  # 持续月数 = 1 → 新增, > 1 → 持续
STYLE_MAX_ROWS = 2000
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def download_data(
    locations: Locations, viewer: Viewer, exported: ExportedList, fmt: str, filters: dict[str, object]
) -> Callable[[], bytes]:
    """The callable that makes (and records) one download; Streamlit calls it once per click."""

    def make() -> bytes:
        return data.download(locations, viewer, exported, fmt, filters)

    return make


def _severity_style(value: object) -> str:
    colour = SEVERITY_COLOURS.get(str(value))
    return f"color: {colour}; font-weight: bold" if colour else ""


def _options(frame: pl.DataFrame, column: str) -> list[str]:
    return sorted(v for v in frame[column].drop_nulls().cast(pl.String).unique().to_list())


def _filters(viewer: Viewer, kind: str) -> tuple[str, str | None, bool]:
    """Period, county (6 digits or None) and unmasked, chosen above the list."""
    options = session.list_options(viewer, kind)
    periods: list[str] = options["periods"]
    if not periods:
        st.info("当前发布的数据中没有名单。 No findings in the published data.")
        st.stop()
    cols = st.columns(3)
    period = cols[0].selectbox("统计期", periods, index=0, key=f"{kind}_period")
    if viewer.role == "county_officer":
        name = options["counties"].get(viewer.county, "")
        cols[1].text_input("县区", f"{viewer.county} {name}".strip(), disabled=True, key=f"{kind}_county_fixed")
        county = viewer.county
    else:
        codes = [ALL, *options["counties"]]
        choice = cols[1].selectbox(
            "县区",
            codes,
            key=f"{kind}_county",
            format_func=lambda c: c if c == ALL else f"{c} {options['counties'].get(c, '')}".strip(),
        )
        county = None if choice == ALL else choice
    unmasked = False
    if viewer.can_unmask:
        unmasked = cols[2].toggle(
            "显示完整身份证号", value=False, key=f"{kind}_unmasked", help="仅市级管理员可用；下载的名单同样不脱敏"
        )
    return period, county, unmasked


def render(kind: str) -> None:
    viewer = session.require_viewer()
    title = TITLES[kind]
    st.title(title)
    if not viewer.can_see_lists:
        st.error("名单仅对区县经办人和市级管理员开放。 Lists are not open to the analyst role.")
        st.stop()
    session.require_snapshot()
    locations = session.locations()

    period, county, unmasked = _filters(viewer, kind)
    try:
        exported = session.scoped_list(viewer, kind, period, county, unmasked)
    except data.AccessDenied as exc:
        st.error(str(exc))
        st.stop()
    frame = exported.frame

    cols = st.columns(5)
    township = cols[0].multiselect("乡镇街道", _options(frame, "乡镇街道"), key=f"{kind}_township", placeholder=ALL)
    rule_names = dict(zip(frame["规则编号"].cast(pl.String).to_list(), frame["规则名称"].to_list()))
    rules = cols[1].multiselect(
        "规则",
        sorted(rule_names),
        key=f"{kind}_rule",
        placeholder=ALL,
        format_func=lambda r: f"{r} {rule_names.get(r) or ''}".strip(),
    )
    severities = cols[2].multiselect(
        "预警等级", list(SEVERITY_LABELS.values()), key=f"{kind}_severity", placeholder=ALL
    )
    status = cols[3].selectbox(
        "新增/持续", STATUS_OPTIONS, key=f"{kind}_status", help="持续月数为 1 的为新增，大于 1 的为持续"
    )
    case_status = cols[4].selectbox(
        "处置状态", case_panel.STATUS_OPTIONS, key=f"{kind}_case_status", help="复核到期：复核期已到、尚未再次处置"
    )

    column_filters: dict[str, object] = {"乡镇街道": township, "规则编号": rules, "预警等级": severities}
    shown = data.filter_list(exported, column_filters)
    shown = data.filter_new_or_persisting(shown, None if status == ALL else status)
    shown = case_panel.filter_status(shown, case_status)
    audit_filters = {
        **column_filters,
        "新增/持续": None if status == ALL else status,
        "处置状态": None if case_status == ALL else case_status,
    }

    st.markdown(
        f"**共 {shown.rows} 条**  · 统计期 {exported.period} · "
        f"{'全部县区' if exported.county is None else exported.county + ' ' + (exported.county_name or '')}"
        f" · {'已脱敏' if exported.masked else '未脱敏'}"
    )
    # dates as YYYY-MM-DD (pandas would show a date as a midnight timestamp)
    table = shown.frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d")).to_pandas()
    if len(table) <= STYLE_MAX_ROWS:  # colouring every cell of a long list would slow the page down
        table = table.style.map(_severity_style, subset=["预警等级"])
        if case_panel.STATUS in shown.frame.columns:
            table = table.map(case_panel.status_style, subset=[case_panel.STATUS])
    st.dataframe(table, hide_index=True, width="stretch")

    dl = st.columns(4)
    stem = f"{title}_{exported.period}" + (f"_{exported.county}" if exported.county else "")
    for col, fmt in zip(dl, ("xlsx", "csv")):
        col.download_button(
            f"下载 {fmt.upper()}",
            data=download_data(locations, viewer, shown, fmt, audit_filters),
            file_name=f"{stem}.{fmt}",
            mime=MIME[fmt],
            key=f"{kind}_download_{fmt}",
            on_click="ignore",
            disabled=shown.rows == 0,
            icon=":material/download:",
        )
    st.caption("每次下载都记入下载日志（下载人、时间、名单、条件、行数、是否脱敏）。 Every download is recorded.")

    case_panel.render(locations, viewer, kind, shown)
    _household_section(locations, viewer, kind, shown, unmasked)


def _household_section(locations: Locations, viewer: Viewer, kind: str, shown: ExportedList, unmasked: bool) -> None:
    st.subheader("家庭详情")
    frame = shown.frame
    if frame.height == 0:
        st.caption("名单为空。")
        return
    labels = {
        row["预警编号"]: " · ".join(
            str(x) for x in (row["预警编号"], row["家庭编号"], row["规则名称"], row["姓名"]) if x
        )
        for row in frame.select("预警编号", "家庭编号", "规则名称", "姓名").iter_rows(named=True)
    }
    warning_id = st.selectbox(
        "选择预警编号（家庭编号）",
        list(labels),
        index=None,
        key=f"{kind}_household",
        format_func=lambda w: labels.get(w, w),
        placeholder="选择一条以查看家庭详情",
    )
    if warning_id is None:
        return
    try:
        detail = session.household_detail(viewer, shown.period, warning_id, unmasked)
    except data.AccessDenied as exc:
        st.error(str(exc))
        return
    empty = [name for name, table in detail.items() if table.height == 0]
    for name, table in detail.items():
        if table.height:
            st.markdown(f"**{name}**（{table.height} 行）")
            st.dataframe(table.to_pandas(), hide_index=True, width="stretch")
    if empty:
        st.caption("无记录：" + "、".join(empty))
    st.caption(
        "各部门数据按统计期排列；来源为原始文件与行号。"
        + ("" if viewer.role != "county_officer" else " 仅显示本区县的记录。")
    )
