"""标准与规则: the standards in force per county and period, and the rule catalogue with its parameters."""

import altair as alt
import polars as pl
import streamlit as st

from dashboards import session
from dashboards.kpi_format import SEVERITY_COLOURS

viewer = session.require_viewer()
session.require_snapshot()

st.title("标准与规则")
st.caption("Standards in force per county; the rule catalogue with its parameters")

# --- 保障标准 -----------------------------------------------------------------------------------------
st.subheader("现行保障标准")
periods = session.standards_periods()
if not periods:
    st.info("尚无保障标准数据。")
else:
    period = st.selectbox("统计期", list(reversed(periods)), index=0, key="standards_period")
    standards = session.standards(viewer, period)
    table = standards.select(
        pl.col("period").alias("统计期"),
        pl.col("county_code").str.slice(0, 6).alias("县区代码"),
        pl.col("county_name").alias("县区"),
        pl.col("effective_from").cast(pl.String).alias("执行起始日"),
        pl.col("dibao_urban").cast(pl.Float64).alias("城市低保标准(元/人·月)"),
        pl.col("dibao_rural").cast(pl.Float64).alias("农村低保标准(元/人·月)"),
        pl.col("tekun_basic").cast(pl.Float64).alias("特困基本生活标准(元/人·月)"),
        pl.col("near_dibao_multiplier").cast(pl.Float64).alias("低保边缘倍数"),
        pl.col("relapse_income_line").cast(pl.Float64).alias("防返贫监测收入线(元/人·年)"),
    )
    if viewer.role == "county_officer":
        st.caption(f"本区县 {viewer.county}")
    long = table.unpivot(
        index=["县区"],
        on=["城市低保标准(元/人·月)", "农村低保标准(元/人·月)", "特困基本生活标准(元/人·月)"],
        variable_name="标准",
        value_name="元",
    )
    if long.height:
        st.altair_chart(
            alt.Chart(long.to_pandas())
            .mark_bar()
            .encode(
                x=alt.X("县区:N", title=None),
                xOffset="标准:N",
                y=alt.Y("元:Q", title="元/人·月"),
                color=alt.Color("标准:N"),
                tooltip=["县区", "标准", "元"],
            )
            .properties(height=280),
            width="stretch",
        )
    st.dataframe(table, hide_index=True, width="stretch")

# --- 规则目录 -----------------------------------------------------------------------------------------
st.subheader("规则目录")
rules = session.rules(viewer)
params = pl.col("params").cast(pl.String)
catalogue = rules.select(
    pl.col("rule_id").alias("编号"),
    pl.col("rule_name").alias("名称"),
    pl.col("kind_label").alias("类型"),
    pl.col("severity_label").alias("等级"),
    pl.when(pl.col("enabled")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("启用"),
    pl.col("parameter").fill_null("–").alias("参数(生效值)"),
    pl.col("tables_label").fill_null("–").alias("数据来源"),
    # a rule whose department's data is not on file for the latest period is not evaluated (rules.md)
    pl.col("waiting_for").fill_null("已接入").alias("数据接入"),
    pl.format("{} 天", pl.col("deadline_days")).alias("处置时限"),
    # what the dataset's rule settings (warning_rules seed) say; none: –
    pl.when(params.is_in(["", "{}", "null"]).not_()).then(params).otherwise(pl.lit("–")).alias("规则设置"),
)


def _colour(value):
    colour = SEVERITY_COLOURS.get(value)
    return f"background-color: {colour}; color: white" if colour else ""


c1, c2 = st.columns(2)
c1.metric("规则数", catalogue.height)
c2.metric("启用", int(rules["enabled"].sum()))
st.dataframe(catalogue.to_pandas().style.map(_colour, subset=["等级"]), hide_index=True, width="stretch")
st.caption(
    "参数为规则生效的取值(未设置时取 rules.md 的默认值);规则设置为数据集的 warning_rules 配置原文。"
    f"数据接入按最近完整统计期({rules['latest_period'][0] if rules.height else '–'})判断:"
    "未接入的部门数据到位前,该规则不产生预警。"
)
