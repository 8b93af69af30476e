"""覆盖分析: coverage rates by county and township, urban and rural, drilling down city → county →
township. A county officer sees only their own county (with the city's rate beside it)."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboards import session
from dashboards.kpi_format import pct
from pipelines.exports.labels import KPI_NAMES, LEVEL_LABELS, LEVEL_ORDER

COVERAGE_IDS = (
    "K02_rate",
    "K02_urban_rate",
    "K02_rural_rate",
    "K03_centralized_rate",
    "K04_rate",
    "K05_rate",
    "K06_nursing_coverage",
)
CITY_CHOICE = "全市（按县区）"

viewer = session.require_viewer()
session.require_snapshot()

st.title("覆盖分析")
kpis = session.kpis(viewer).filter(pl.col("indicator_id").is_in(COVERAGE_IDS))
if kpis.is_empty():
    st.info("已发布的数据中没有覆盖率指标。 No coverage rates in the published snapshot.")
    st.stop()

periods = sorted(kpis["period"].unique().to_list(), reverse=True)
counties = kpis.filter(pl.col("level") == "county").select("region_code", "region_name").unique().sort("region_code")
county_names = dict(zip(counties["region_code"].to_list(), counties["region_name"].to_list()))

left, right = st.columns(2)
period = left.selectbox("统计期", periods, index=0, key="coverage_period")
if viewer.role == "county_officer":
    choices = [viewer.county + "000000"]
else:
    choices = [CITY_CHOICE, *county_names]
county = right.selectbox(
    "区域（下钻：全市 → 县区 → 乡镇街道）",
    choices,
    index=0,
    key="coverage_county",
    format_func=lambda c: c if c == CITY_CHOICE else f"{county_names.get(c, c)}（{c[:6]}）",
)

at_period = kpis.filter(pl.col("period") == period)
if county == CITY_CHOICE:
    parents = at_period.filter(pl.col("level") == "city")
    children = at_period.filter(pl.col("level") == "county")
    child_level = "county"
else:
    parents = at_period.filter((pl.col("level") == "city") | (pl.col("region_code") == county))
    children = at_period.filter((pl.col("level") == "township") & (pl.col("parent_code") == county))
    child_level = "township"


def wide(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per region, one column per coverage indicator (the rate as a fraction; null kept)."""
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "region_code": pl.String,
                "region_name": pl.String,
                "level": pl.String,
                **{k: pl.Float64 for k in COVERAGE_IDS},
            }
        )
    out = frame.pivot(on="indicator_id", index=["region_code", "region_name", "level"], values="value")
    for k in COVERAGE_IDS:
        if k not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(k))
    return out.select("region_code", "region_name", "level", *COVERAGE_IDS)


parent_rates = wide(parents).sort(pl.col("level").replace_strict(LEVEL_ORDER, default=len(LEVEL_ORDER)))
child_rates = wide(children).sort("region_code")
rates = pl.concat([parent_rates, child_rates])

# --- charts ---------------------------------------------------------------------------------------
level_label = LEVEL_LABELS[child_level]
indicator = st.selectbox(
    "指标", COVERAGE_IDS, index=0, key="coverage_indicator", format_func=lambda k: KPI_NAMES.get(k, k)
)
chart_data = child_rates.select(
    pl.col("region_name").alias(level_label), (pl.col(indicator) * 100).alias("覆盖率(%)")
).to_pandas()
reference = parent_rates.filter(pl.col("level") == ("city" if child_level == "county" else "county"))
st.subheader(f"{KPI_NAMES[indicator]} · 按{level_label} · {period}")
if child_rates.is_empty():
    st.info(f"该区域没有{level_label}数据。")
else:
    bars = (
        alt.Chart(chart_data)
        .mark_bar(color="#1f77b4")
        .encode(
            x=alt.X(f"{level_label}:N", sort=None, title=level_label),
            y=alt.Y("覆盖率(%):Q", title="%"),
            tooltip=[level_label, alt.Tooltip("覆盖率(%):Q", format=".4g")],
        )
    )
    if not reference.is_empty() and reference[indicator][0] is not None:
        rule_value = reference[indicator][0] * 100
        ref_label = reference["region_name"][0]
        rule = (
            alt.Chart(pl.DataFrame({"ref": [rule_value], "名称": [ref_label]}).to_pandas())
            .mark_rule(color="#d62728", strokeDash=[4, 4])
            .encode(y="ref:Q", tooltip=["名称", alt.Tooltip("ref:Q", format=".4g")])
        )
        bars = bars + rule
        st.caption(f"虚线：{ref_label}整体水平 {pct(reference[indicator][0])}")
    st.altair_chart(bars.properties(height=320), width="stretch")

    st.subheader(f"城乡低保覆盖率 · 按{level_label}")
    urban_rural = (
        child_rates.select("region_name", "K02_urban_rate", "K02_rural_rate")
        .unpivot(index="region_name", variable_name="indicator_id", value_name="value")
        .with_columns(
            pl.col("indicator_id").replace_strict({"K02_urban_rate": "城市", "K02_rural_rate": "农村"}).alias("城乡"),
            (pl.col("value") * 100).alias("覆盖率(%)"),
        )
        .rename({"region_name": level_label})
    )
    grouped = (
        alt.Chart(urban_rural.select(level_label, "城乡", "覆盖率(%)").to_pandas())
        .mark_bar()
        .encode(
            x=alt.X(f"{level_label}:N", sort=None, title=level_label),
            xOffset=alt.XOffset("城乡:N", sort=["城市", "农村"]),
            y=alt.Y("覆盖率(%):Q", title="%"),
            color=alt.Color(
                "城乡:N", sort=["城市", "农村"], scale=alt.Scale(domain=["城市", "农村"], range=["#1f77b4", "#2ca02c"])
            ),
            tooltip=[level_label, "城乡", alt.Tooltip("覆盖率(%):Q", format=".4g")],
        )
        .properties(height=300)
    )
    st.altair_chart(grouped, width="stretch")

# --- the table behind the charts ------------------------------------------------------------------
st.subheader("覆盖率明细")
table = rates.select(
    pl.col("region_code").alias("行政区划代码"),
    pl.col("region_name").alias("区域名称"),
    pl.col("level").replace_strict(LEVEL_LABELS, default=pl.col("level")).alias("层级"),
    *[pl.col(k).map_elements(pct, return_dtype=pl.String, skip_nulls=False).alias(KPI_NAMES[k]) for k in COVERAGE_IDS],
)
st.dataframe(table, hide_index=True, width="stretch")
st.caption("比率以百分数显示；“—”表示分母为零或无数据。前几行为上级区域（全市/本县区）供对比。")
