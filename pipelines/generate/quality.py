"""Data-quality cases (rows that load but are counted) and their counting over loaded rows.

`plant_quality_cases` changes clean records so that the report has something to count: card digits (the
columns win), payment references (not used by KPIs; never of a planted row), a non-head member's household
income (the head's row is used), an elimination date while 风险是否消除 = 否 (on every member, so the
household stays consistent); none of these changes a KPI or finding. And one monitored household per
period identified after the end of the month, which can (W04 needs d ≤ end(P)): the truth is evaluated on
the loaded rows, so it says what that row must mean.
`count_quality` is the plain implementation of decisions.md, "Counting data-quality issues".
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.contract.tables import DISABILITY_TYPES, TABLES, Table
from pipelines.generate.reference import month_end

_INCOME = {
    "dibao": "monthly_income_per_capita",
    "near_dibao": "monthly_income_per_capita",
    "monitoring": "annual_income_per_capita",
}


def _unplanted_households(table: Table, df: pl.DataFrame) -> pl.DataFrame:
    key = table.household_key
    return (
        df.with_row_index("_i")
        .group_by(key)
        .agg(
            pl.col("_planted").any().alias("p"),
            (pl.col("relation") == "head").sum().alias("heads"),
            pl.len().alias("n"),
            pl.col("_i"),
            pl.col("relation"),
            pl.col("risk_eliminated").first().alias("elim") if table.name == "monitoring" else pl.lit(None),
        )
        .filter(~pl.col("p") & (pl.col("heads") == 1))
        .sort(key)
    )


def plant_quality_cases(
    table: Table, df: pl.DataFrame, rng: np.random.Generator, dirty: float, period: str | None = None
) -> pl.DataFrame:
    """Quality cases in one table and period; with `period`, also one monitored household identified a
    few days after the end of the month (date_after_period)."""
    n = df.height
    if n < 4 or "_planted" not in df.columns:
        return df
    touched = np.zeros(n, bool)  # rows of a case: no other dirt may take them away
    k = max(1, int(round(n * dirty / 10)))
    free = np.nonzero(~df["_planted"].to_numpy())[0]
    if table.name == "disability_cards" and len(free):
        cards = df["disability_card_no"].to_list()
        for i in rng.choice(free, size=min(k, len(free)), replace=False).tolist():
            c = cards[i]
            touched[i] = True
            if rng.random() < 0.5:
                t = str(int(c[18]) % 7 + 1)
                cards[i] = c[:18] + t + c[19]
            else:
                cards[i] = c[:19] + str(int(c[19]) % 4 + 1)
        df = df.with_columns(pl.Series("disability_card_no", cards))
    if table.payment_reference and len(free) >= 2:
        refs = df[table.payment_reference].to_list()
        for _ in range(k):
            a, b = rng.choice(free, size=2, replace=False).tolist()
            refs[b] = refs[a]
            touched[[a, b]] = True
        df = df.with_columns(pl.Series(table.payment_reference, refs))
    if table.household_key:
        hh = _unplanted_households(table, df)
        multi = hh.filter(pl.col("n") >= 2)
        if multi.height:
            col = _INCOME[table.name]
            vals = df[col].to_list()
            for j in rng.choice(multi.height, size=min(k, multi.height), replace=False).tolist():
                idx, rel = multi["_i"][j].to_list(), multi["relation"][j].to_list()
                member = next(i for i, r in zip(idx, rel) if r != "head")
                vals[member] = vals[member] + 10 if vals[member] is not None else None
                touched[idx] = True
            df = df.with_columns(pl.Series(col, vals, dtype=df[col].dtype))
        if table.name == "monitoring":
            open_ = hh.filter(pl.col("elim") == False)  # noqa: E712
            if open_.height:
                dates = df["eliminated_date"].to_list()
                ident = df["identified_date"].to_list()
                for j in rng.choice(open_.height, size=min(k, open_.height), replace=False).tolist():
                    idx = open_["_i"][j].to_list()
                    d = ident[idx[0]] + dt.timedelta(days=int(rng.integers(5, 60)))
                    for i in idx:
                        dates[i] = d
                        touched[i] = True
                df = df.with_columns(pl.Series("eliminated_date", dates, dtype=pl.Date))
            if period is not None:
                df = _identified_after_period(df, hh, touched, period)
    return df.with_columns(pl.Series("_case", touched))


def _identified_after_period(df: pl.DataFrame, hh: pl.DataFrame, touched: np.ndarray, period: str) -> pl.DataFrame:
    """One household whose 识别监测时间 lies 1–7 days after the end of the period (entered ahead): a
    plausible row that loads, is counted as date_after_period, and holds nothing back (extracts.md). Its
    own random stream, so the rest of the dataset is the same as without it."""
    free = [j for j, idx in enumerate(hh["_i"].to_list()) if not touched[idx].any()]
    if not free:
        return df
    pick = np.random.default_rng([int(period.replace("-", "")), 15])
    idx = hh["_i"][free[int(pick.integers(len(free)))]].to_list()
    after = month_end(period) + dt.timedelta(days=int(pick.integers(1, 8)))
    touched[idx] = True
    return df.with_columns(
        pl.when(pl.int_range(pl.len()).is_in(idx))
        .then(pl.lit(after))
        .otherwise(pl.col("identified_date"))
        .alias("identified_date")
    )


def count_quality(table_name: str, loaded: pl.DataFrame) -> list[dict]:
    """Counts per period of the quality codes over one table's loaded rows (decisions.md)."""
    table = TABLES[table_name]
    out: list[dict] = []
    if loaded.height == 0:
        return out

    def emit(frame: pl.DataFrame, code: str):
        for period, cnt in frame.group_by("period").len().sort("period").rows():
            if cnt:
                out.append(
                    {"period": period, "source": table.source, "table_name": table_name, "code": code, "count": cnt}
                )

    if table_name == "disability_cards":
        digit = {v: str(d) for _, (v, d) in DISABILITY_TYPES.items()}
        card = pl.col("disability_card_no")
        bad = (card.str.slice(18, 1) != pl.col("disability_type").replace_strict(digit, return_dtype=pl.String)) | (
            card.str.slice(19, 1) != pl.col("disability_grade").cast(pl.String)
        )
        emit(loaded.filter(bad), "card_mismatch")
    if table.payment_reference:
        ref = table.payment_reference
        emit(loaded.filter(pl.len().over("period", ref) > 1), "reference_conflict")
    if table.household_key:
        key = table.household_key
        hcols = [c.name for c in table.columns if c.household]
        g = loaded.group_by("period", key).agg(
            *[pl.col(c).n_unique().alias(c) for c in hcols], (pl.col("relation") == "head").sum().alias("_heads")
        )
        emit(g.filter(pl.any_horizontal(*[pl.col(c) > 1 for c in hcols])), "household_inconsistent")
        emit(g.filter(pl.col("_heads") == 0), "household_no_head")
        emit(g.filter(pl.col("_heads") > 1), "household_several_heads")
    if table_name == "monitoring":
        emit(
            loaded.filter(pl.col("eliminated_date").is_not_null() & ~pl.col("risk_eliminated")),
            "elimination_inconsistent",
        )
    period_end = pl.col("period").str.to_date("%Y-%m").dt.month_end()
    for c in table.event_dates:
        emit(loaded.filter(pl.col(c.name) > period_end), "date_after_period")
    return out
