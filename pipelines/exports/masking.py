"""Masking of persons (product.md, "Privacy and access"): the default everywhere a person is shown.

- ID numbers keep the first 6 and the last 4 characters and star every character between
  (`370902********123X`; a 15-digit id `370902*****1234`, a 20-character card number 6 + 10 stars + 4).
  A value of 10 characters or fewer has nothing left to hide behind 6 + 4, so it is starred whole.
- Names keep the surname and star one character per remaining character (`张*`, `欧阳**`): the surname
  is the first character, or the first two when they are a compound surname (欧阳, 司马, ...) and the
  name has at least three characters. A one-character name would be shown whole by that rule, so it
  is starred whole (`*`).
- Free text that is neither (a quarantined raw value of another column) keeps its text, but every run
  of 15 or more digits/X — anything that could be an id — is masked as an id.

Each masker exists as a scalar function (`mask_id`, `mask_name`, `scrub_ids`) and as a polars
expression (`mask_id_expr`, `mask_name_expr`, `scrub_ids_expr`); both give the same result, nulls stay
null and the empty string stays empty.
"""

from __future__ import annotations

import re

import polars as pl

ID_KEEP_HEAD = 6
ID_KEEP_TAIL = 4
STAR = "*"

# Common two-character (复姓) surnames; the generator's are among them.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 申屠 "
    "尉迟 澹台 公冶 呼延 赫连 闻人 万俟 司空 太史 钟离 宗政 濮阳 淳于 单于 仲孙 鲜于 闾丘 亓官 "
    "百里 东郭 南门 梁丘 左丘 拓跋 第五".split()
)

# A run of 15+ digits or X could be a (15- or 18-character) id or a card number.
ID_RUN = r"[0-9０-９Xx]{15,}"
_ID_RUN = re.compile(ID_RUN)
_ANY_CHAR = r"(?s)."  # one character, newlines included


def mask_id(value: str | None) -> str | None:
    """`370902198001011234` → `370902********1234`; ≤ 10 characters → all stars."""
    if value is None:
        return None
    n = len(value)
    if n <= ID_KEEP_HEAD + ID_KEEP_TAIL:
        return STAR * n
    return value[:ID_KEEP_HEAD] + STAR * (n - ID_KEEP_HEAD - ID_KEEP_TAIL) + value[-ID_KEEP_TAIL:]


def _surname_length(value: str) -> int:
    if len(value) >= 3 and value[:2] in COMPOUND_SURNAMES:
        return 2
    if len(value) >= 2:
        return 1
    return 0


def mask_name(value: str | None) -> str | None:
    """`张三` → `张*`, `欧阳娜娜` → `欧阳**`, `王小明` → `王**`, `张` → `*`."""
    if value is None:
        return None
    keep = _surname_length(value)
    return value[:keep] + STAR * (len(value) - keep)


def scrub_ids(value: str | None) -> str | None:
    """Free text with every id-like run (15+ digits/X) masked as an id."""
    if value is None:
        return None
    return _ID_RUN.sub(lambda m: mask_id(m.group(0)), value)


def _stars(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(_ANY_CHAR, STAR)


def mask_id_expr(expr: pl.Expr | str) -> pl.Expr:
    """Vectorised `mask_id`."""
    e = pl.col(expr) if isinstance(expr, str) else expr
    n = e.str.len_chars().cast(pl.Int64)
    middle = (n - ID_KEEP_HEAD - ID_KEEP_TAIL).clip(lower_bound=0)
    masked = e.str.head(ID_KEEP_HEAD) + _stars(e.str.slice(ID_KEEP_HEAD, middle)) + e.str.tail(ID_KEEP_TAIL)
    return pl.when(n > ID_KEEP_HEAD + ID_KEEP_TAIL).then(masked).otherwise(_stars(e))


def mask_name_expr(expr: pl.Expr | str) -> pl.Expr:
    """Vectorised `mask_name`."""
    e = pl.col(expr) if isinstance(expr, str) else expr
    n = e.str.len_chars()
    keep = (
        pl.when((n >= 3) & e.str.head(2).is_in(sorted(COMPOUND_SURNAMES)))
        .then(pl.lit(2, dtype=pl.Int64))
        .when(n >= 2)
        .then(pl.lit(1, dtype=pl.Int64))
        .otherwise(pl.lit(0, dtype=pl.Int64))
    )
    return e.str.slice(0, keep) + _stars(e.str.slice(keep))


def scrub_ids_expr(expr: pl.Expr | str) -> pl.Expr:
    """Vectorised `scrub_ids` (element-wise; used on modest columns such as the quarantine)."""
    e = pl.col(expr) if isinstance(expr, str) else expr
    return e.map_elements(scrub_ids, return_dtype=pl.String)
