"""下载日志: every list downloaded, from the dashboards or `safetynet export` (the city admin only).

The log lives apart from the warehouse (pipelines.exports.audit); this page reads it, never writes it.
"""

import polars as pl
import streamlit as st

from dashboards import data, session
from pipelines.exports.labels import TITLES

viewer = session.require_viewer()
st.title("下载日志")
st.caption("Download log: who downloaded which list, when, with which conditions, how many rows, masked or not")
try:
    log = data.audit_log(viewer)
except data.AccessDenied as exc:
    st.error(str(exc))
    st.stop()

if log.height == 0:
    st.info("尚无下载记录。 No downloads recorded yet.")
    st.stop()

ALL = "全部"
cols = st.columns(3)
user = cols[0].selectbox("用户", [ALL, *sorted(log["user"].drop_nulls().unique())], key="audit_user")
kinds = sorted(log["list"].drop_nulls().unique())
kind = cols[1].selectbox(
    "名单", [ALL, *kinds], key="audit_list", format_func=lambda k: k if k == ALL else TITLES.get(k, k)
)
masked = cols[2].selectbox("脱敏", [ALL, "已脱敏", "未脱敏"], key="audit_masked")

shown = log
if user != ALL:
    shown = shown.filter(pl.col("user") == user)
if kind != ALL:
    shown = shown.filter(pl.col("list") == kind)
if masked != ALL:
    shown = shown.filter(pl.col("masked") == (masked == "已脱敏"))

c1, c2, c3 = st.columns(3)
c1.metric("下载次数", shown.height)
c2.metric("未脱敏下载", int((~shown["masked"].fill_null(True)).sum()))
c3.metric("下载行数合计", int(shown["rows"].sum() or 0))

table = shown.with_columns(
    # 2026-11-20T09:30:00+08:00 → 2026-11-20 09:30:00 (the log's times are Beijing time)
    pl.col("at").str.slice(0, 19).str.replace("T", " "),
    pl.col("list").replace_strict(TITLES, default=pl.col("list"), return_dtype=pl.String),
    pl.col("channel").replace_strict(data.AUDIT_CHANNELS, default=pl.col("channel"), return_dtype=pl.String),
    pl.col("county").fill_null("全部"),
    pl.when(pl.col("masked")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("masked"),
).rename(data.AUDIT_COLUMNS)
st.dataframe(table, hide_index=True, width="stretch")
st.caption("下载日志只追加、不随数据仓库重建而清除；此页面只读。 Append-only, kept apart from the warehouse.")
