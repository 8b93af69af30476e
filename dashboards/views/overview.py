"""总览: the KPIs of a period (change against the previous period and a year before), disposition (K10–K12,
live), trends, warnings by severity. Scope: the city for analyst / city_admin; the officer's county, with
the city beside it."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import cases, session
from dashboards.kpi_format import RATE_IDS, SEVERITY_COLOURS, change, fmt, number, pct, year_before
from pipelines.exports.labels import KPI_NAMES, KPI_ORDER, SEVERITY_LABELS
from pipelines.feedback.clock import beijing_text, utc_now

CARD_IDS = (
    "K01_persons",
    "K01_households",
    "K02_rate",
    "K03_persons",
    "K03_centralized_rate",
    "K05_persons",
    "K05_rate",
    "K06_nursing_coverage",
    "K07_amount",
    "K08_open",
    "K08_new",
)
TREND_IDS = ("K01_persons", "K02_rate", "K05_rate", "K08_open")
LOWER_IS_BETTER = frozenset({"K08_open", "K08_new"})
KIND_CHOICES = {"预警": ("warning",), "核查": ("verification",), "全部": ("warning", "verification")}

viewer = session.require_viewer()
session.require_snapshot()

st.title("总览")
kpis = session.kpis(viewer)
if kpis.is_empty():
    st.info("已发布的数据中没有监测指标。 No KPIs in the published snapshot.")
    st.stop()

city = kpis.filter(pl.col("level") == "city")
city_code = city["region_code"][0]
city_name = city["region_name"][0]
if viewer.role == "county_officer":
    county_rows = kpis.filter((pl.col("level") == "county") & (pl.col("region_code") == viewer.county + "000000"))
    if county_rows.is_empty():
        st.warning("本区县在已发布的数据中没有监测指标。")
        st.stop()
    main_code, main_name = county_rows["region_code"][0], county_rows["region_name"][0]
    regions = [(main_code, main_name), (city_code, city_name)]
else:
    main_code, main_name = city_code, city_name
    regions = [(city_code, city_name)]

periods = sorted(kpis.filter(pl.col("region_code") == main_code)["period"].unique().to_list(), reverse=True)
period = st.selectbox(
    "统计期", periods, index=0, key="overview_period", help="默认为最新发布的统计期 the latest published period"
)
position = periods.index(period)
previous = periods[position + 1] if position + 1 < len(periods) else None
last_year = year_before(period)
if last_year not in periods:
    last_year = None


def values(region_code: str, at: str | None) -> dict[str, float | None]:
    if at is None:
        return {}
    rows = kpis.filter((pl.col("region_code") == region_code) & (pl.col("period") == at))
    return dict(zip(rows["indicator_id"].to_list(), rows["value"].to_list()))


def comparison_table(now: dict, prev: dict, year: dict) -> pl.DataFrame:
    ids = sorted(now, key=lambda k: KPI_ORDER.get(k, 99))
    return pl.DataFrame(
        {
            "指标编号": ids,
            "指标名称": [KPI_NAMES.get(k, k) for k in ids],
            "本期": [fmt(k, now.get(k)) for k in ids],
            "上期": [fmt(k, prev.get(k)) if previous else "—" for k in ids],
            "环比变化": [change(k, now.get(k), prev.get(k)) or "—" for k in ids],
            "去年同期": [fmt(k, year.get(k)) if last_year else "—" for k in ids],
            "同比变化": [change(k, now.get(k), year.get(k)) or "—" for k in ids],
        },
        schema={c: pl.String for c in ("指标编号", "指标名称", "本期", "上期", "环比变化", "去年同期", "同比变化")},
    )


def cards(region_name: str, now: dict, prev: dict, year: dict) -> None:
    st.subheader(f"{region_name} · {period}")
    shown = [k for k in CARD_IDS if k in now]
    for start in range(0, len(shown), 4):
        columns = st.columns(4)
        for column, kid in zip(columns, shown[start : start + 4]):
            yoy = change(kid, now.get(kid), year.get(kid))
            help_text = (f"上期 {previous}：{fmt(kid, prev.get(kid))}；" if previous else "无上期数据；") + (
                f"去年同期 {last_year}：{fmt(kid, year.get(kid))}（同比 {yoy}）"
                if last_year and yoy
                else "无去年同期数据"
            )
            column.metric(
                KPI_NAMES.get(kid, kid),
                fmt(kid, now.get(kid)),
                delta=change(kid, now.get(kid), prev.get(kid)),
                delta_color="inverse" if kid in LOWER_IS_BETTER else "normal",
                help=help_text,
            )
    st.caption(
        f"变化：环比对上期 {previous or '（无）'}；同比对去年同期 {last_year or '（无数据）'}。比率的变化以百分点计。"
    )


for code, name in regions:
    compared = values(code, period), values(code, previous), values(code, last_year)
    cards(name, *compared)
    with st.expander(f"{name} 全部指标（本期、上期、去年同期）"):
        st.dataframe(comparison_table(*compared), hide_index=True, width="stretch")
if viewer.role == "county_officer":
    st.caption("县区经办人：本区县与全市对比 your county beside the city")


# --- disposition: K10–K12 live (as of now, over the feedback store), not as of the run -------------------
def case_section() -> None:
    st.header("预警处置")
    try:
        table = session.case_kpis(viewer, period)
    except cases.NoCases:
        st.info("已发布的数据中还没有预警事项，处置指标在下次运行后显示。")
        return
    main = table.filter((pl.col("level") == "city") if main_code == city_code else (pl.col("region_code") == main_code))
    if main.is_empty() or not main["cases"][0]:
        st.info(f"{main_name}在 {period} 没有预警或核查事项。")
        return
    k = main.row(0, named=True)
    days = k["days_median"]
    shown = (
        ("处置率", pct(k["rate"]), f"已处置 {number(k['disposed'])} / 事项 {number(k['cases'])}（K10）"),
        ("预警事项", number(k["cases"]), "本期的预警与核查事项（K10）"),
        ("待处置", number(k["pending"]), f"其中复核到期 {number(k['recheck_due'])}"),
        ("已超期", number(k["overdue"]), "超过处置期限仍未处置（K11）"),
        ("超期处置", number(k["late"]), "首次处置晚于期限（K11）"),
        ("处置时长中位数", "—" if days is None else f"{days:g} 天", "下发（或复核到期）至首次处置的天数（K12）"),
    )
    for column, (label, value, help_text) in zip(st.columns(len(shown)), shown):
        column.metric(label, value, help=help_text)
    st.caption(f"范围：{main_name} · 统计期 {period} 的事项 · 实时状态，截至 {beijing_text(utc_now())}（北京时间）")


case_section()

# --- trends ---------------------------------------------------------------------------------------
st.header("趋势")
trend = (
    kpis.filter(pl.col("region_code").is_in([c for c, _ in regions]) & pl.col("indicator_id").is_in(TREND_IDS))
    .with_columns(
        pl.col("indicator_id").replace_strict(KPI_NAMES, default=pl.col("indicator_id")).alias("指标"),
        pl.when(pl.col("indicator_id").is_in(list(RATE_IDS)))
        .then(pl.col("value") * 100)
        .otherwise(pl.col("value"))
        .alias("图值"),
    )
    .rename({"period": "统计期", "region_name": "区域"})
    .sort("统计期")
)
trend_chart = (
    alt.Chart(trend.select("统计期", "区域", "指标", "图值").to_pandas())
    .mark_line(point=True)
    .encode(
        x=alt.X("统计期:N", title="统计期"),
        y=alt.Y("图值:Q", title=None),
        color=alt.Color("区域:N", title="区域"),
        tooltip=["统计期", "区域", "指标", alt.Tooltip("图值:Q", format=",.4g")],
    )
    .properties(height=160, width=220)
    .facet(facet=alt.Facet("指标:N", title=None, sort=[KPI_NAMES[k] for k in TREND_IDS]), columns=4)
    .resolve_scale(y="independent")
)
st.altair_chart(trend_chart)
st.caption("比率以百分数（%）绘制。")
trend_table = (
    trend.with_columns(
        pl.struct("indicator_id", "value")
        .map_elements(lambda s: fmt(s["indicator_id"], s["value"]), return_dtype=pl.String)
        .alias("值")
    )
    .pivot(on="指标", index=["统计期", "区域"], values="值")
    .sort("统计期", "区域", descending=[True, False])
)
ordered = ["统计期", "区域"] + [KPI_NAMES[k] for k in TREND_IDS if KPI_NAMES[k] in trend_table.columns]
with st.expander("趋势数据表", expanded=False):
    st.dataframe(trend_table.select(ordered), hide_index=True, width="stretch")

# --- warnings by severity -------------------------------------------------------------------------
st.header("预警按等级")
counts = session.finding_counts(viewer)
kind_choice = st.radio("类型", list(KIND_CHOICES), index=0, horizontal=True, key="overview_kind")
selected = counts.filter(pl.col("kind").is_in(KIND_CHOICES[kind_choice]))
severity = (
    selected.group_by("period", "severity")
    .agg(pl.col("findings").sum().alias("条数"), pl.col("new_findings").sum().alias("新增"))
    .with_columns(pl.col("severity").replace_strict(SEVERITY_LABELS, default=pl.col("severity")).alias("等级"))
    .rename({"period": "统计期"})
    .sort("统计期", "severity")
)
if severity.is_empty():
    st.info(f"{main_name}没有{kind_choice}记录。")
else:
    order = list(SEVERITY_COLOURS)
    bars = (
        alt.Chart(severity.select("统计期", "等级", "条数").to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("统计期:N", title="统计期"),
            y=alt.Y("条数:Q", title="条数", stack="zero"),
            color=alt.Color(
                "等级:N",
                title="等级",
                scale=alt.Scale(domain=order, range=[SEVERITY_COLOURS[s] for s in order]),
                sort=order,
            ),
            order=alt.Order("sev_rank:Q"),
            tooltip=["统计期", "等级", "条数"],
        )
        .transform_calculate(sev_rank="indexof(['红','橙','黄'], datum['等级'])")
        .properties(height=280)
    )
    st.altair_chart(bars, width="stretch")
    table = (
        severity.pivot(on="等级", index="统计期", values="条数")
        .with_columns([pl.lit(0, dtype=pl.Int64).alias(s) for s in order if s not in severity["等级"].to_list()])
        .fill_null(0)
        .with_columns(pl.sum_horizontal(order).alias("合计"))
        .join(severity.group_by("统计期").agg(pl.col("新增").sum()), on="统计期")
        .select(["统计期", *order, "合计", "新增"])
        .sort("统计期", descending=True)
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"范围：{main_name}；新增 = 本期首次出现（连续月数为 1）。")
