"""处置督办: overdue and late cases of a period by county, township and rule, the cases themselves, and a
case's full record history (product.md, "Disposition"). County officers see their county, the city admin
every county; statuses are live (as of now, over the feedback store)."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import case_panel, cases, session
from dashboards.kpi_format import pct
from pipelines.exports.labels import KIND_LABELS, SEVERITY_LABELS
from pipelines.feedback.clock import beijing_date_expr, beijing_text, utc_now
from pipelines.feedback.outcomes import LATE, OVERDUE

COUNT_HEADERS = {
    "cases": "事项数",
    "disposed": "已处置",
    "rate": "处置率",
    "pending": "待处置",
    "overdue": "已超期",
    "late": "超期处置",
    "recheck_due": "复核到期",
}
CASE_HEADERS = {
    "case_id": "预警事项",
    "rule_id": "规则编号",
    "rule_name": "规则名称",
    "severity": "预警等级",
    "county": "县区",
    "township": "乡镇街道",
    "subject_name": "姓名",
    "status": "处置状态",
    "timeliness": "处置时效",
    "issued_on": "下发日期",
    "deadline": "处置期限",
    "outcome": "最近处置结果",
    "records": "记录数",
}

viewer = session.require_viewer()
st.title("处置督办")
if not viewer.can_see_lists:
    st.error("处置督办仅对区县经办人和市级管理员开放。")
    st.stop()
session.require_snapshot()

periods = session.list_options(viewer, "warnings")["periods"]
if not periods:
    st.info("当前发布的数据中没有预警或核查事项。")
    st.stop()
period = st.selectbox("统计期", periods, index=0, key="supervision_period", help="该统计期的预警与核查事项")
try:
    breakdown = session.case_breakdown(viewer, period)
    rows = session.case_rows(viewer, period)
except cases.NoCases as exc:
    st.info(str(exc))
    st.stop()
scope = "全市各县区" if viewer.role != "county_officer" else f"本区县 {viewer.county}"
st.caption(f"范围：{scope} · 实时状态，截至 {beijing_text(utc_now())}（北京时间）")


def counts_table(by: dict[str, str]) -> pl.DataFrame:
    """The counts summed by `by` (column -> header), the rate as a percentage, worst first."""
    table = cases.summarise(breakdown, list(by)).sort(["overdue", "late"], descending=True, maintain_order=True)
    table = table.with_columns(rate=pl.col("rate").map_elements(pct, return_dtype=pl.String))
    return table.select(*by, *COUNT_HEADERS).rename({**by, **COUNT_HEADERS})


totals = cases.summarise(breakdown.with_columns(all=pl.lit(1)), ["all"])
if totals.height:
    t = totals.row(0, named=True)
    for column, (label, value) in zip(
        st.columns(5),
        (
            ("事项数", t["cases"]),
            ("处置率", pct(t["rate"])),
            ("已超期", t["overdue"]),
            ("超期处置", t["late"]),
            ("复核到期", t["recheck_due"]),
        ),
    ):
        column.metric(label, value)

# --- by county, township and rule ------------------------------------------------------------------------
by_place = {"county_name": "县区"} if viewer.role != "county_officer" else {"township_name": "乡镇街道"}
place = counts_table(by_place)
place_header = next(iter(by_place.values()))
chart_data = place.select(place_header, "已超期", "超期处置").unpivot(index=place_header, variable_name="类别")
if chart_data["value"].sum():  # no chart of zeros
    st.altair_chart(
        alt.Chart(chart_data.rename({"value": "事项数"}).to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y(f"{place_header}:N", sort="-x", title=None),
            x=alt.X("事项数:Q", stack="zero"),
            color=alt.Color("类别:N", scale=alt.Scale(domain=["已超期", "超期处置"], range=["#d62728", "#ff7f0e"])),
            tooltip=[place_header, "类别", "事项数"],
        )
        .properties(height=max(120, 28 * place.height)),
        width="stretch",
    )
groupings = {
    "按县区": {"county_name": "县区"},
    "按乡镇街道": {"county_name": "县区", "township_name": "乡镇街道"},
    "按规则": {"rule_id": "规则编号", "rule_name": "规则名称"},
}
if viewer.role == "county_officer":  # one county: its row is the totals above
    groupings.pop("按县区")
for tab, by in zip(st.tabs(list(groupings)), groupings.values()):
    tab.dataframe(counts_table(by), hide_index=True, width="stretch")

# --- the overdue and late cases ---------------------------------------------------------------------------
st.header("超期事项")
late = rows.filter((pl.col("status") == OVERDUE) | (pl.col("timeliness") == LATE)).with_columns(
    severity=pl.col("severity").replace_strict(SEVERITY_LABELS, default=pl.col("severity")),
    county=pl.col("period_county_name"),
    township=pl.col("period_township_name"),
    issued_on=beijing_date_expr("issued_at").dt.strftime("%Y-%m-%d"),
    deadline=pl.col("deadline").dt.strftime("%Y-%m-%d"),
)
if late.is_empty():
    st.success("没有超期未处置或超期处置的事项。")
else:
    st.markdown(f"**共 {late.height} 条**（已超期 {late.filter(pl.col('status') == OVERDUE).height} 条）")
    st.dataframe(
        late.sort("status", "deadline").select(list(CASE_HEADERS)).rename(CASE_HEADERS).to_pandas(),
        hide_index=True,
        width="stretch",
    )

# --- a case's full record history -------------------------------------------------------------------------
st.header("处置记录")
labels = {
    r["case_id"]: f"{r['case_id']} · {r['rule_name']} · {KIND_LABELS.get(r['kind'], r['kind'])} · {r['status']}"
    for r in rows.select("case_id", "rule_name", "kind", "status").iter_rows(named=True)
}
case_id = st.selectbox(
    "选择预警事项",
    list(labels),
    index=None,
    key="supervision_case",
    format_func=lambda c: labels.get(c, c),
    placeholder="选择一条以查看全部处置记录",
)
if case_id is not None:
    case = rows.filter(pl.col("case_id") == case_id).row(0, named=True)
    st.caption(
        f"下发 {beijing_text(case['issued_at'])} · 处置期限 {case['deadline']} · 处置状态 {case['status']}"
        + (f"（{case['timeliness']}）" if case["timeliness"] else "")
        + ("（复核到期）" if case["recheck_due"] else "")
    )
    try:
        history = session.case_history(viewer, case_id)
    except (cases.AccessDenied, LookupError) as exc:
        st.error(str(exc))
    else:
        if history.is_empty():
            st.caption("尚无处置记录。")
        else:
            st.dataframe(case_panel.history_table(history).to_pandas(), hide_index=True, width="stretch")
