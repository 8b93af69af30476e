"""Masking of ids and names, scalar and vectorised. PYTEST_DONT_REWRITE (failures never show a value).

The ids below are invented; asserts compare booleans so a failure prints no id or name.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.exports.masking import (
    mask_id,
    mask_id_expr,
    mask_name,
    mask_name_expr,
    scrub_ids,
    scrub_ids_expr,
)
from tests.exports.conftest import IDS

FULL_ID = re.compile(r"\d{17}[\dX]")


def test_id_18_characters_keeps_6_and_4():
    for pid in IDS:
        masked = mask_id(pid)
        ok = masked == pid[:6] + "*" * 8 + pid[-4:]
        assert ok
        assert len(masked) == 18
    x_id = IDS[4]
    assert x_id.endswith("X")
    assert mask_id(x_id).endswith(x_id[-4:])
    assert mask_id(x_id)[:6] == x_id[:6]


def test_id_15_characters_and_card_numbers():
    legacy = "370902800101123"
    assert mask_id(legacy) == "370902*****1123"
    card = IDS[0] + "41"
    assert mask_id(card) == card[:6] + "*" * 10 + card[-4:]


def test_short_values_are_starred_whole():
    assert mask_id("3709021") == "*******"
    assert mask_id("1234567890") == "*" * 10
    assert mask_id("12345678901") == "123456*8901"


def test_names_of_one_to_four_characters():
    assert mask_name("张") == "*"
    assert mask_name("张三") == "张*"
    assert mask_name("王小明") == "王**"
    assert mask_name("欧阳修") == "欧阳*"
    assert mask_name("欧阳娜娜") == "欧阳**"
    assert mask_name("司马光明") == "司马**"
    assert mask_name("欧阳") == "欧*"  # two characters: only the first is kept
    assert mask_name("阿依古丽") == "阿***"


def test_nulls_and_empty():
    assert mask_id(None) is None
    assert mask_name(None) is None
    assert scrub_ids(None) is None
    assert mask_id("") == ""
    assert mask_name("") == ""


def test_scrub_ids_masks_id_like_runs_only():
    assert scrub_ids("2026-13-45") == "2026-13-45"
    text = "见" + IDS[0] + "和" + IDS[1]
    scrubbed = scrub_ids(text)
    assert FULL_ID.search(scrubbed) is None
    assert scrubbed.startswith("见" + IDS[0][:6] + "********")
    assert scrub_ids("12345678901234") == "12345678901234"  # 14 digits: not an id


def test_expressions_agree_with_scalars():
    values = [
        *IDS,
        "370902800101123",
        IDS[0] + "41",
        "张",
        "张三",
        "欧阳修",
        "欧阳娜娜",
        "欧阳",
        "",
        None,
        "a\nb",
        "3709",
        "见" + IDS[2],
    ]
    df = pl.DataFrame({"v": values}, schema={"v": pl.String}).with_columns(
        i=mask_id_expr("v"),
        n=mask_name_expr(pl.col("v")),
        s=scrub_ids_expr("v"),
    )
    assert df["i"].to_list() == [mask_id(v) for v in values]
    assert df["n"].to_list() == [mask_name(v) for v in values]
    assert df["s"].to_list() == [scrub_ids(v) for v in values]


def test_expressions_on_all_null_and_empty_columns():
    df = pl.DataFrame({"v": [None, None]}, schema={"v": pl.String})
    out = df.select(mask_id_expr("v"), mask_name_expr("v").alias("n"))
    assert out.null_count().row(0) == (2, 2)
    empty = pl.DataFrame({"v": []}, schema={"v": pl.String})
    assert empty.select(mask_id_expr("v")).height == 0
