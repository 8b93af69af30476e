"""数据质量: files and rows per source, table and period, quarantine reasons, quality issues, the data
contracts' newest results, when the data last changed and what is published. Counts only, every role."""

import altair as alt
import polars as pl
import streamlit as st

from dashboards import data, session
from dashboards.kpi_format import beijing_time

viewer = session.require_viewer()
session.require_snapshot()
loc = session.locations()
snap = data.snapshot(loc)
q = session.quality(viewer)
files: pl.DataFrame = q["files"]


def shown_as(frame: pl.DataFrame, headers: dict[str, str]) -> None:
    """The frame's columns named in `headers`, in that order, under their Chinese headers."""
    st.dataframe(frame.select([pl.col(c).alias(h) for c, h in headers.items()]), hide_index=True, width="stretch")


st.title("数据质量")
st.caption("Data quality: ingestion, quarantine, data contracts, publishing · 仅显示汇总数 counts only")

# --- 发布与更新 ---------------------------------------------------------------------------------------
st.subheader("已发布数据")
c1, c2, c3 = st.columns(3)
c1.metric("发布时间", beijing_time(snap.published_at), help="北京时间")
c2.metric("统计期", f"{snap.periods[0]} – {snap.periods[-1]}" if snap.periods else "–")
c3.metric("数据最近变更(入库时间)", beijing_time(q["last_changed"]), help="北京时间")
st.markdown(f"快照文件 snapshot: `{snap.file}` · 运行 run: `{snap.run_id}`")
if snap.held_back:
    st.warning(
        f"统计期 {snap.held_back_from} 起暂缓发布:以下原始数据未通过阻断性数据契约检查,该期及以后各期等待更正后的"
        "报送文件;之前的完整统计期已发布。更正后重新运行 `safetynet run`。"
    )
    shown_as(
        data.held_back_table(snap), {"period": "统计期", "table": "表", "checks": "未通过检查", "todo": "处理办法"}
    )

# --- 文件与行数 ---------------------------------------------------------------------------------------
st.subheader("文件与行数")
periods = sorted(files["period"].unique().to_list(), reverse=True)
chosen = st.multiselect("统计期", periods, default=periods, key="quality_periods", placeholder="选择统计期")
shown = files.filter(pl.col("period").is_in(chosen)) if chosen else files
totals = shown.select(
    pl.len().alias("files"),
    (pl.col("status") == "rejected").sum().alias("rejected"),
    *[pl.col(c).sum() for c in data.FILE_COUNT_COLUMNS],
).row(0, named=True)
m = st.columns(6)
m[0].metric("文件数", f"{totals['files']:,}")
m[1].metric("整体拒收文件", f"{totals['rejected']:,}")
m[2].metric("读取行数", f"{totals['rows_read'] or 0:,}")
m[3].metric("入库行数", f"{totals['rows_loaded'] or 0:,}")
m[4].metric("隔离行数", f"{totals['rows_quarantined'] or 0:,}")
m[5].metric("重复行数", f"{totals['rows_duplicate'] or 0:,}")

by_table = (
    shown.group_by(["period", "source_label", "table_label"])
    .agg(
        pl.len().alias("文件数"),
        (pl.col("status") == "rejected").sum().alias("整体拒收"),
        *[pl.col(c).sum() for c in data.FILE_COUNT_COLUMNS],
    )
    .sort(["period", "source_label", "table_label"])
    .rename(
        {
            "period": "统计期",
            "source_label": "来源",
            "table_label": "表",
            "rows_read": "读取行数",
            "rows_loaded": "入库行数",
            "rows_quarantined": "隔离行数",
            "rows_duplicate": "重复行数",
            "rows_footer_blank": "表尾空行数",
        }
    )
)
long = by_table.unpivot(
    index=["统计期", "来源", "表"], on=["入库行数", "隔离行数", "重复行数"], variable_name="类别", value_name="行数"
)
chart = (
    alt.Chart(long.to_pandas())
    .mark_bar()
    .encode(
        x=alt.X("表:N", title="表"),
        y=alt.Y("sum(行数):Q", title="行数"),
        color=alt.Color(
            "类别:N",
            scale=alt.Scale(domain=["入库行数", "隔离行数", "重复行数"], range=["#4c78a8", "#d62728", "#e6b800"]),
        ),
        tooltip=["统计期", "来源", "表", "类别", "sum(行数):Q"],
    )
    .properties(height=280)
)
st.altair_chart(chart, width="stretch")
st.dataframe(by_table, hide_index=True, width="stretch")

with st.expander("逐文件对账 files"):
    shown_as(
        shown,
        {
            "period": "统计期",
            "source_label": "来源",
            "table_label": "表",
            "file": "文件",
            "status_label": "状态",
            "reason_label": "拒收原因",
            "rows_read": "读取行数",
            "rows_loaded": "入库行数",
            "rows_quarantined": "隔离行数",
            "rows_duplicate": "重复行数",
            "rows_footer_blank": "表尾空行数",
            "loaded_at": "入库时间",
        },
    )

# --- 隔离原因 -----------------------------------------------------------------------------------------
st.subheader("隔离原因")
quarantine: pl.DataFrame = q["quarantine"]
if viewer.role == "county_officer":
    st.caption(f"本区县 {viewer.county} 的隔离行数(按原始行中的行政区划代码或县区名称归属)")
else:
    st.caption("全市隔离行数;无法归属县区的行(整体拒收文件、区划代码不可读)计入「区县不明」")
qshown = quarantine.filter(pl.col("period").is_in(chosen)) if chosen else quarantine
reasons = (
    qshown.group_by(["reason", "reason_label"])
    .agg(pl.col("rows").sum().alias("行数"))
    .sort(["行数", "reason"], descending=[True, False])
    .rename({"reason": "原因代码", "reason_label": "原因"})
)
if reasons.height:
    st.altair_chart(
        alt.Chart(reasons.head(10).to_pandas())
        .mark_bar(color="#d62728")
        .encode(
            x=alt.X("行数:Q"),
            y=alt.Y("原因:N", sort="-x", title=None),
            tooltip=["原因", "原因代码", "行数"],
        )
        .properties(height=280),
        width="stretch",
    )
    st.dataframe(reasons, hide_index=True, width="stretch")
    with st.expander("按统计期、表、县区 by period, table and county"):
        shown_as(
            qshown,
            {
                "period": "统计期",
                "source": "来源",
                "table_name": "表",
                "county": "县区",
                "reason_label": "原因",
                "rows": "行数",
            },
        )
else:
    st.info("所选统计期没有隔离行。")

# --- 数据质量问题 --------------------------------------------------------------------------------------
st.subheader("数据质量问题(仍入库)")
issues: pl.DataFrame = q["issues"]
ishown = issues.filter(pl.col("period").is_in(chosen)) if chosen else issues
by_code = (
    ishown.group_by(["code", "code_label"])
    .agg(pl.col("issues").sum().alias("条数"))
    .sort(["条数", "code"], descending=[True, False])
    .rename({"code": "问题代码", "code_label": "问题"})
)
if by_code.height:
    st.altair_chart(
        alt.Chart(by_code.to_pandas())
        .mark_bar(color="#ff7f0e")
        .encode(
            x=alt.X("条数:Q"),
            y=alt.Y("问题:N", sort="-x", title=None),
            tooltip=["问题", "问题代码", "条数"],
        )
        .properties(height=220),
        width="stretch",
    )
    st.dataframe(by_code, hide_index=True, width="stretch")
else:
    st.info("所选统计期没有数据质量问题。")

# --- 数据契约 -----------------------------------------------------------------------------------------
st.subheader("数据契约检查")
contracts: pl.DataFrame = q["contracts"]
if contracts.height:
    passed = int(contracts["success"].fill_null(False).sum())
    failed = int((contracts["success"] == False).sum())  # noqa: E712
    k = st.columns(3)
    k[0].metric("契约数", contracts.height)
    k[1].metric("通过", passed)
    k[2].metric("未通过", failed)
    shown_as(
        contracts,
        {
            "suite": "契约",
            "status": "状态",
            "periods": "统计期",
            "run_time": "检查时间",
            "evaluated": "期望数",
            "failed": "未通过数",
        },
    )
else:
    st.info("尚无数据契约检查结果。")

docs = data.data_docs(loc)
if docs is not None:
    st.markdown(f"数据契约报告(Data Docs)位于服务器: `{docs}`")
    st.caption("浏览器不能从网页打开本地文件(file://):可下载首页,或在服务器上打开该路径。")
    st.download_button("下载报告首页 index.html", docs.read_bytes(), file_name="data_docs_index.html", mime="text/html")
else:
    st.caption("数据契约报告尚未生成。")
