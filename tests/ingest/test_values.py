"""Value parsers: dates, months, money, integers (vectorised expressions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from pipelines.ingest.normalise import date_stage, integer_expr, money_stage, month_stage

D = dt.date(2026, 3, 5)


def _dates(values, tags=None):
    df = pl.DataFrame({"v": values, "t": tags or ["s"] * len(values)})
    return date_stage(df.lazy(), "v", "t", "d").collect()["d"].to_list()


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-05",
        "2026-3-5",
        "2026/3/5",
        "2026/03/05",
        "2026.3.5",
        "20260305",
        "2026年3月5日",
        "2026-03-05 10:30:00",
        "2026/3/5 8:05",
        "2026年3月5日 10:30",
        " 2026-03-05\u3000",
        "２０２６-０３-０５",
        "2026-03-05T10:30:00",
    ],
)
def test_date_text_forms(text):
    assert _dates([text]) == [D]


@pytest.mark.parametrize(
    "text", ["26-3-5", "3/5/2026", "2026-02-30", "2026-13-01", "20261305", "abc", "2026-3", "2026-03/05", "46086"]
)
def test_date_bad_text(text):
    assert _dates([text]) == [None]


def test_date_numeric_cells():
    # Excel date cell rendered ISO (tag d), a serial number, an 8-digit number, a serial with a time fraction
    got = _dates(
        ["2026-03-05", "46086", "20260305", "46086.75", "1", "60", "61", "0", "-5"],
        ["d", "n", "n", "n", "n", "n", "n", "n", "n"],
    )
    assert got == [D, D, D, D, dt.date(1900, 1, 1), None, dt.date(1900, 3, 1), None, None]


def test_months():
    vals = [
        "2026-03",
        "2026-3",
        "2026/03",
        "2026/3",
        "202603",
        "2026年3月",
        "2026-03-05",
        "2026年3月5日",
        "20260305",
        "2026-13",
        "26-03",
        "2026.03",
        "202603",
        "46086",
    ]
    tags = ["s"] * 12 + ["n", "n"]
    df = pl.DataFrame({"v": vals, "t": tags})
    got = month_stage(df.lazy(), "v", "t", "m").collect()["m"].to_list()
    assert got == ["2026-03"] * 9 + [None, None, None, "2026-03", "2026-03"]


def test_money():
    vals = [
        "1234.5",
        "¥1,234.565",
        "￥１２元",
        "12.344",
        "12.345",
        "0.005",
        "1,000,000元",
        " 7 ",
        "-3",
        "¥-3",
        "-0",
        "abc",
        "1e5",
        "",
        "12.3.4",
        "1234567890123.00",
    ]
    df = pl.DataFrame({"v": vals})
    out = money_stage(df.lazy(), "v", "m").collect().select(v="m", r="m__r")
    assert out["v"].to_list() == [
        Decimal("1234.50"),
        Decimal("1234.57"),
        Decimal("12.00"),
        Decimal("12.34"),
        Decimal("12.35"),
        Decimal("0.01"),
        Decimal("1000000.00"),
        Decimal("7.00"),
        None,
        None,
        Decimal("0.00"),
        None,
        None,
        None,
        None,
        None,
    ]
    assert out["r"].to_list() == [None] * 8 + ["amount_negative"] * 2 + [None] + ["amount_format"] * 5


def test_integer():
    df = pl.DataFrame({"v": ["1", "3", "３", "2.0", "0", "-1", "1.5", "x", " 4 "]})
    v, r = integer_expr(pl.col("v"))
    out = df.select(v.alias("v"), r.alias("r"))
    assert out["v"].to_list() == [1, 3, 3, 2, None, None, None, None, 4]
    assert out["r"].to_list() == [None] * 4 + ["integer_format"] * 4 + [None]


# ------------------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------------------
from decimal import ROUND_HALF_UP  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**11),
            st.integers(0, 99999),
            st.integers(0, 5),
            st.booleans(),
            st.booleans(),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_money_rounds_half_up(parts):
    texts, expected = [], []
    for ip, frac, nfrac, yen, yuan, grouped in parts:
        f = str(frac).zfill(5)[:nfrac]
        body = f"{ip:,}" if grouped else str(ip)
        t = ("¥" if yen else "") + body + (f".{f}" if nfrac else "") + ("元" if yuan else "")
        texts.append(t)
        expected.append(Decimal(f"{ip}.{f or '0'}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    out = money_stage(pl.DataFrame({"v": texts}).lazy(), "v", "m").collect()
    assert out["m__r"].null_count() == len(texts)
    assert out["m"].to_list() == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2099, 12, 31)),
            st.sampled_from(["iso", "slash", "dot", "cn", "8", "serial", "cell", "short"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_dates_roundtrip(items):
    vals, tags = [], []
    for d, form in items:
        v = {
            "iso": f"{d.year}-{d.month}-{d.day}",
            "slash": f"{d.year}/{d.month:02d}/{d.day:02d}",
            "dot": f"{d.year}.{d.month}.{d.day}",
            "cn": f"{d.year}年{d.month}月{d.day}日",
            "8": d.strftime("%Y%m%d"),
            "serial": str((d - dt.date(1899, 12, 30)).days),
            "cell": d.isoformat(),
            "short": d.isoformat(),
        }[form]
        vals.append(v)
        tags.append({"serial": "n", "cell": "d"}.get(form, "s"))
    assert _dates(vals, tags) == [d for d, _ in items]
