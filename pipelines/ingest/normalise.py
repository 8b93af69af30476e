"""Vectorised parsers: one polars expression per column kind, each giving (typed value, reason).

A reason is a quarantine reason code (String) or null when the value is fine. Values are read from the
text rendering of :mod:`pipelines.ingest.read` plus, for Excel, a tag expression (``n`` numeric, ``d`` date
cell, ``s`` text). No Python function is called per row.
"""

from __future__ import annotations

import datetime as _dt

import polars as pl

# White space that is trimmed and, where all white space is removed, removed: Unicode White_Space plus the
# zero-width space and BOM that Excel copies carry along.
WS_CHARS = (
    " \t\n\r\x0b\x0c\x85\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff"
)
WS_RE = r"[\s\u00a0\u3000\u200b\ufeff]"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SCI_RE = r"^[+-]?[0-9]+(\.[0-9]+)?E[+-]?[0-9]+$"

NULL_STR = pl.lit(None, dtype=pl.String)


def trim(e: pl.Expr) -> pl.Expr:
    return e.str.strip_chars(WS_CHARS)


def nfkc(e: pl.Expr) -> pl.Expr:
    return e.str.normalize("NFKC")


def squeeze(e: pl.Expr) -> pl.Expr:
    """NFKC, then remove all white space (ids, card numbers, money)."""
    return nfkc(e).str.replace_all(WS_RE, "")


def _is_numeric_cell(tag: pl.Expr | None) -> pl.Expr:
    return pl.lit(False) if tag is None else tag.is_in(["n", "d"]).fill_null(False)


# ----------------------------------------------------------------------------------------------------
# person ids and card numbers
# ----------------------------------------------------------------------------------------------------
def _check_char(body17: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check character of 17 digits."""
    total = pl.sum_horizontal(
        [body17.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(ID_WEIGHTS)]
    )
    return (total % 11).cast(pl.UInt32).replace_strict(
        list(range(11)), list(CHECK_CHARS), return_dtype=pl.String, default=None
    )


def id_checks(s: pl.Expr, period_end: _dt.date | None) -> tuple[pl.Expr, pl.Expr]:
    """Checks of a squeezed, upper-cased 15- or 18-character id (text cell). Returns (id18, reason)."""
    is15 = s.str.contains(r"^[0-9]{15}$")
    is18 = s.str.contains(r"^[0-9]{17}[0-9X]$")
    body = (
        pl.when(is15)
        .then(s.str.slice(0, 6) + pl.lit("19") + s.str.slice(6, 9))
        .when(is18)
        .then(s.str.slice(0, 17))
        .otherwise(NULL_STR)
    )
    check = _check_char(body)
    id18 = pl.when(is15).then(body + check).when(is18).then(s).otherwise(NULL_STR)
    birth = body.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    bad_birth = birth.is_null()
    if period_end is not None:
        bad_birth = bad_birth | (birth > pl.lit(period_end))
    reason = (
        pl.when(~(is15 | is18))
        .then(pl.lit("id_format"))
        .when(is18 & (s.str.slice(17, 1) != check))
        .then(pl.lit("id_checksum"))
        .when(bad_birth)
        .then(pl.lit("id_birthdate"))
        .otherwise(NULL_STR)
    )
    return pl.when(reason.is_null()).then(id18).otherwise(NULL_STR), reason


def person_id_expr(
    raw: pl.Expr, tag: pl.Expr | None, period_end: _dt.date | None
) -> tuple[pl.Expr, pl.Expr]:
    """(normalised 18-character id, reason) of a person-id column."""
    s = squeeze(raw).str.to_uppercase()
    numeric = _is_numeric_cell(tag)
    id18, id_reason = id_checks(s, period_end)
    reason = (
        pl.when(s == "")
        .then(pl.lit("id_missing"))
        .when(numeric & ~s.str.contains(r"^[0-9]{15}$"))
        .then(pl.lit("id_mangled"))
        .when(s.str.contains(SCI_RE))
        .then(pl.lit("id_mangled"))
        .otherwise(id_reason)
    )
    return pl.when(reason.is_null()).then(id18).otherwise(NULL_STR), reason


def card_expr(
    raw: pl.Expr, tag: pl.Expr | None, period_end: _dt.date | None
) -> tuple[pl.Expr, pl.Expr]:
    """(normalised 20-character card number, reason) of a disability card column."""
    s = squeeze(raw).str.to_uppercase()
    numeric = _is_numeric_cell(tag)
    id18, id_reason = id_checks(s.str.slice(0, 18), period_end)
    shape_ok = s.str.contains(r"^.{18}[1-7][1-4]$")
    reason = (
        pl.when(s == "")
        .then(pl.lit("id_missing"))
        .when(numeric)
        .then(pl.lit("id_mangled"))
        .when(s.str.contains(SCI_RE))
        .then(pl.lit("id_mangled"))
        .when(~shape_ok)
        .then(pl.lit("card_format"))
        .otherwise(id_reason)
    )
    return pl.when(reason.is_null()).then(s).otherwise(NULL_STR), reason


def validate_person_ids(
    ids: pl.Series, tags: pl.Series | None = None, period_end: _dt.date | None = None
) -> tuple[pl.Series, pl.Series]:
    """Vectorised person-id check.

    Returns (normalised, reason): the 18-character id (null where the row fails) and the reason code
    (``id_missing``, ``id_mangled``, ``id_format``, ``id_checksum``, ``id_birthdate``) or null. ``tags``
    marks numeric Excel cells (``n``); ``period_end`` rejects birth dates after it.
    """
    df = pl.DataFrame({"v": ids.cast(pl.String).fill_null("")})
    tag = None
    if tags is not None:
        df = df.with_columns(t=tags.cast(pl.String))
        tag = pl.col("t")
    norm, reason = person_id_expr(pl.col("v"), tag, period_end)
    out = df.select(norm.alias("person_id"), reason.alias("reason"))
    return out["person_id"], out["reason"]


# ----------------------------------------------------------------------------------------------------
# dates, months
# ----------------------------------------------------------------------------------------------------
_TIME = r"(?:[ T]*[0-9]{1,2}(?::|时)[0-9]{1,2}(?:(?::|分)[0-9]{1,2}(?:\.[0-9]+)?秒?)?分?)?"
_DATE_RES = (
    rf"^([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_TIME}$",
    rf"^([0-9]{{4}})/([0-9]{{1,2}})/([0-9]{{1,2}}){_TIME}$",
    rf"^([0-9]{{4}})\.([0-9]{{1,2}})\.([0-9]{{1,2}}){_TIME}$",
    rf"^([0-9]{{4}})年([0-9]{{1,2}})月([0-9]{{1,2}})日{_TIME}$",
    rf"^([0-9]{{4}})([0-9]{{2}})([0-9]{{2}}){_TIME}$",
)
_MONTH_RES = (
    r"^([0-9]{4})-([0-9]{1,2})$",
    r"^([0-9]{4})/([0-9]{1,2})$",
    r"^([0-9]{4})([0-9]{2})$",
    r"^([0-9]{4})年([0-9]{1,2})月$",
)
_EXCEL_EPOCH = _dt.date(1899, 12, 30)


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    return (y + "-" + m.str.zfill(2) + "-" + d.str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)


def _text_date(s: pl.Expr) -> pl.Expr:
    parts = []
    for rx in _DATE_RES:
        parts.append(_ymd(s.str.extract(rx, 1), s.str.extract(rx, 2), s.str.extract(rx, 3)))
    return pl.coalesce(parts)


def date_value(raw: pl.Expr, tag: pl.Expr | None) -> pl.Expr:
    """The date of a cell (null when unreadable): text forms of extracts.md, date cells, and in numeric
    cells an 8-digit number date or a 1900-system Excel serial number."""
    s = trim(nfkc(raw))
    text_date = _text_date(s)
    if tag is None:
        return text_date
    num = s.cast(pl.Float64, strict=False)
    serial = num.floor().cast(pl.Int64, strict=False)
    # 1900 system: serial 1 = 1900-01-01; Excel's phantom 1900-02-29 is serial 60.
    from_serial = (
        pl.when((serial >= 1) & (serial < 60))
        .then(pl.lit(_dt.date(1899, 12, 31)) + pl.duration(days=serial))
        .when((serial > 60) & (serial <= 2958465))
        .then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
        .otherwise(pl.lit(None, dtype=pl.Date))
    ).cast(pl.Date)
    eight = s.str.contains(r"^[0-9]{8}$")
    numeric_date = pl.when(eight).then(text_date).otherwise(from_serial)
    return pl.when(tag == "n").then(numeric_date).otherwise(text_date)


def month_value(raw: pl.Expr, tag: pl.Expr | None) -> pl.Expr:
    """`YYYY-MM` of a month cell (null when unreadable): month forms, or any date form (its month)."""
    s = trim(nfkc(raw))
    parts = []
    for rx in _MONTH_RES:
        y, m = s.str.extract(rx, 1), s.str.extract(rx, 2)
        ok = m.cast(pl.Int32, strict=False).is_between(1, 12)
        parts.append(pl.when(ok).then(y + "-" + m.str.zfill(2)).otherwise(NULL_STR))
    month = pl.coalesce(parts)
    if tag is not None:  # a numeric cell: 202603 as a number, else a date
        month = pl.when((tag == "n") & ~s.str.contains(r"^[0-9]{6}$")).then(NULL_STR).otherwise(month)
    d = date_value(raw, tag)
    return pl.coalesce([month, d.dt.strftime("%Y-%m")])


# ----------------------------------------------------------------------------------------------------
# money, integers
# ----------------------------------------------------------------------------------------------------
_MONEY_RE = r"^([-]?)¥?([-]?)([0-9]+)(?:\.([0-9]*))?$"


def money_expr(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(DECIMAL(14,2) value, reason) of a money cell; empty handled by the caller."""
    s = squeeze(raw).str.replace_all(",", "").str.replace(r"元$", "").str.replace_all("−", "-")
    neg = (s.str.extract(_MONEY_RE, 1) == "-") | (s.str.extract(_MONEY_RE, 2) == "-")
    ip = s.str.extract(_MONEY_RE, 3)
    fp = s.str.extract(_MONEY_RE, 4).fill_null("") + "000"
    ok = ip.is_not_null() & (ip.str.strip_chars_start("0").str.len_chars() <= 12)
    cents = (
        ip.str.slice(-13).cast(pl.Int64, strict=False) * 100
        + fp.str.slice(0, 2).cast(pl.Int64, strict=False)
        + (fp.str.slice(2, 1) >= "5").cast(pl.Int64)
    )
    text = (cents // 100).cast(pl.String) + "." + (cents % 100).cast(pl.String).str.zfill(2)
    value = pl.when(ok & ~(neg & (cents > 0))).then(text).otherwise(NULL_STR).cast(pl.Decimal(14, 2))
    reason = (
        pl.when(~ok)
        .then(pl.lit("amount_format"))
        .when(neg & (cents > 0))
        .then(pl.lit("amount_negative"))
        .otherwise(NULL_STR)
    )
    return value, reason


def integer_expr(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    s = squeeze(raw)
    digits = s.str.extract(r"^([0-9]{1,9})(?:\.0*)?$", 1)
    n = digits.cast(pl.Int32, strict=False)
    ok = n.is_not_null() & (n >= 1)
    return (
        pl.when(ok).then(n).otherwise(pl.lit(None, dtype=pl.Int32)),
        pl.when(ok).then(NULL_STR).otherwise(pl.lit("integer_format")),
    )
