"""Vectorised parsers, one per column kind: polars only, no Python function called per row.

The `*_stage` functions take a LazyFrame and add the typed column `out` and, where the kind has its own
reasons, `out__r` (a quarantine reason code or null). Intermediates are separate columns, so each is
computed once. Values are the text rendering of :mod:`pipelines.ingest.read` plus, for Excel, a tag column
(``n`` numeric, ``d`` date cell, ``s`` text).
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
# Any character trim() keeps: a cell that matches is not empty once trimmed.
NOT_WS_RE = "[^" + "".join(f"\\x{{{ord(c):x}}}" for c in WS_CHARS) + "]"
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
# person ids and card numbers. Staged on a LazyFrame (each intermediate is computed once): the
# functions add the value column `out` and the reason column `out__r`, and temporaries `out__*`
# that :func:`drop_temps` removes.
# ----------------------------------------------------------------------------------------------------
def drop_temps(lf: pl.LazyFrame, out: str) -> pl.LazyFrame:
    return lf.select(pl.exclude(f"^{out}__[a-z0-9]+$").exclude(f"{out}__r"), pl.col(f"{out}__r"))


def _id_stage(lf: pl.LazyFrame, s: str, out: str, period_end: _dt.date | None) -> pl.LazyFrame:
    """Checks of the squeezed, upper-cased id in column `s`: adds `out__id` (18 characters or null) and
    `out__idr` (id_format / id_checksum / id_birthdate or null)."""
    c = pl.col(s)
    lf = lf.with_columns(
        c.str.contains(r"^[0-9]{15}$").alias(f"{out}__is15"),
        c.str.contains(r"^[0-9]{17}[0-9X]$").alias(f"{out}__is18"),
    )
    is15, is18 = pl.col(f"{out}__is15"), pl.col(f"{out}__is18")
    lf = lf.with_columns(
        pl.when(is15)
        .then(c.str.slice(0, 6) + pl.lit("19") + c.str.slice(6, 9))
        .when(is18)
        .then(c.str.slice(0, 17))
        .otherwise(NULL_STR)
        .alias(f"{out}__body")
    )
    body = pl.col(f"{out}__body")
    lf = lf.with_columns(body.cast(pl.UInt64, strict=False).alias(f"{out}__n"))
    n = pl.col(f"{out}__n")
    total = pl.sum_horizontal([((n // 10 ** (16 - i)) % 10) * w for i, w in enumerate(ID_WEIGHTS)]) % 11
    lf = lf.with_columns(
        total.replace_strict(list(range(11)), list(CHECK_CHARS), return_dtype=pl.String, default=None).alias(
            f"{out}__chk"
        ),
        body.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias(f"{out}__birth"),
    )
    chk, birth = pl.col(f"{out}__chk"), pl.col(f"{out}__birth")
    bad_birth = birth.is_null()
    if period_end is not None:
        bad_birth = bad_birth | (birth > pl.lit(period_end))
    lf = lf.with_columns(
        pl.when(~(is15 | is18))
        .then(pl.lit("id_format"))
        .when(is18 & (c.str.slice(17, 1) != chk))
        .then(pl.lit("id_checksum"))
        .when(bad_birth)
        .then(pl.lit("id_birthdate"))
        .otherwise(NULL_STR)
        .alias(f"{out}__idr")
    )
    return lf.with_columns(
        pl.when(pl.col(f"{out}__idr").is_null())
        .then(pl.when(is15).then(body + chk).otherwise(c))
        .otherwise(NULL_STR)
        .alias(f"{out}__id")
    )


def person_id_stage(lf: pl.LazyFrame, raw: str, tag: str | None, period_end: _dt.date | None, out: str) -> pl.LazyFrame:
    """Person-id column `raw` (tags in `tag`): adds `out` (18-character id) and `out__r` (reason)."""
    lf = lf.with_columns(squeeze(pl.col(raw)).str.to_uppercase().alias(f"{out}__s"))
    s = pl.col(f"{out}__s")
    lf = _id_stage(lf, f"{out}__s", out, period_end)
    numeric = _is_numeric_cell(pl.col(tag) if tag else None)
    reason = (
        pl.when(s == "")
        .then(pl.lit("id_missing"))
        .when(numeric & ~pl.col(f"{out}__is15"))
        .then(pl.lit("id_mangled"))
        .when(s.str.contains(SCI_RE))
        .then(pl.lit("id_mangled"))
        .otherwise(pl.col(f"{out}__idr"))
    )
    lf = lf.with_columns(reason.alias(f"{out}__r"))
    lf = lf.with_columns(
        pl.when(pl.col(f"{out}__r").is_null()).then(pl.col(f"{out}__id")).otherwise(NULL_STR).alias(out)
    )
    return drop_temps(lf, out)


def card_stage(lf: pl.LazyFrame, raw: str, tag: str | None, period_end: _dt.date | None, out: str) -> pl.LazyFrame:
    """Disability card column: adds `out` (20 characters, upper case) and `out__r` (reason)."""
    lf = lf.with_columns(squeeze(pl.col(raw)).str.to_uppercase().alias(f"{out}__s"))
    s = pl.col(f"{out}__s")
    lf = lf.with_columns(s.str.slice(0, 18).alias(f"{out}__p"))
    lf = _id_stage(lf, f"{out}__p", out, period_end)
    numeric = _is_numeric_cell(pl.col(tag) if tag else None)
    reason = (
        pl.when(s == "")
        .then(pl.lit("id_missing"))
        .when(numeric)
        .then(pl.lit("id_mangled"))
        .when(s.str.contains(SCI_RE))
        .then(pl.lit("id_mangled"))
        .when(~s.str.contains(r"^.{18}[1-7][1-4]$"))
        .then(pl.lit("card_format"))
        .otherwise(pl.col(f"{out}__idr"))
    )
    lf = lf.with_columns(reason.alias(f"{out}__r"))
    lf = lf.with_columns(pl.when(pl.col(f"{out}__r").is_null()).then(s).otherwise(NULL_STR).alias(out))
    return drop_temps(lf, out)


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
        tag = "t"
    out = person_id_stage(df.lazy(), "v", tag, period_end, "pid").collect()
    return out["pid"].rename("person_id"), out["pid__r"].rename("reason")


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


def _groups(s: pl.Expr, rx: str, n: int) -> list[pl.Expr]:
    g = s.str.extract_groups(rx)
    return [g.struct.field(str(i)) for i in range(1, n + 1)]


def date_stage(lf: pl.LazyFrame, raw: str, tag: str | None, out: str) -> pl.LazyFrame:
    """Adds `out`: the date of a cell (null when unreadable): text forms of extracts.md, date cells, and
    in numeric cells an 8-digit number date or a 1900-system Excel serial number."""
    lf = lf.with_columns(trim(nfkc(pl.col(raw))).alias(f"{out}__s"))
    s = pl.col(f"{out}__s")
    text_date = pl.coalesce([_ymd(*_groups(s, rx, 3)) for rx in _DATE_RES])
    if tag is None:
        return lf.with_columns(text_date.alias(out)).drop(f"{out}__s")
    t = pl.col(tag)
    serial = s.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    # 1900 system: serial 1 = 1900-01-01; Excel's phantom 1900-02-29 is serial 60.
    from_serial = (
        pl.when((serial >= 1) & (serial < 60))
        .then(pl.lit(_dt.date(1899, 12, 31)) + pl.duration(days=serial))
        .when((serial > 60) & (serial <= 2958465))
        .then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
        .otherwise(pl.lit(None, dtype=pl.Date))
    ).cast(pl.Date)
    numeric_date = pl.when(s.str.contains(r"^[0-9]{8}$")).then(text_date).otherwise(from_serial)
    return lf.with_columns(pl.when(t == "n").then(numeric_date).otherwise(text_date).alias(out)).drop(f"{out}__s")


def month_stage(lf: pl.LazyFrame, raw: str, tag: str | None, out: str) -> pl.LazyFrame:
    """Adds `out`: `YYYY-MM` of a month cell (null when unreadable): month forms, or any date form."""
    lf = date_stage(lf, raw, tag, f"{out}__d")
    lf = lf.with_columns(trim(nfkc(pl.col(raw))).alias(f"{out}__s"))
    s = pl.col(f"{out}__s")
    parts = []
    for rx in _MONTH_RES:
        y, m = _groups(s, rx, 2)
        ok = m.cast(pl.Int32, strict=False).is_between(1, 12)
        parts.append(pl.when(ok).then(y + "-" + m.str.zfill(2)).otherwise(NULL_STR))
    month = pl.coalesce(parts)
    if tag is not None:  # a numeric cell: 202603 as a number, else a date
        month = pl.when((pl.col(tag) == "n") & ~s.str.contains(r"^[0-9]{6}$")).then(NULL_STR).otherwise(month)
    return lf.with_columns(pl.coalesce([month, pl.col(f"{out}__d").dt.strftime("%Y-%m")]).alias(out)).drop(
        f"{out}__s", f"{out}__d"
    )


# ----------------------------------------------------------------------------------------------------
# county codes
# ----------------------------------------------------------------------------------------------------
def county_code_stage(lf: pl.LazyFrame, raw: str, out: str) -> pl.LazyFrame:
    """Adds `out`: the 12-digit code of a county code cell, 6 digits or 12 digits ending in 000000 (text or
    a numeric cell, NFKC and trimmed), else null. Whether it names a county is the caller's check."""
    lf = lf.with_columns(trim(nfkc(pl.col(raw))).alias(f"{out}__s"))
    s = pl.col(f"{out}__s")
    code = (
        pl.when(s.str.contains(r"^[0-9]{6}$"))
        .then(s + "000000")
        .when(s.str.contains(r"^[0-9]{6}0{6}$"))
        .then(s)
        .otherwise(NULL_STR)
    )
    return lf.with_columns(code.alias(out)).drop(f"{out}__s")


# ----------------------------------------------------------------------------------------------------
# money, integers
# ----------------------------------------------------------------------------------------------------
_MONEY_RE = r"^([-]?)¥?([-]?)([0-9]+)(?:\.([0-9]*))?$"


def money_stage(lf: pl.LazyFrame, raw: str, out: str) -> pl.LazyFrame:
    """Adds `out` (DECIMAL(14,2), rounded half up) and `out__r` (amount_format / amount_negative)."""
    s = squeeze(pl.col(raw)).str.replace_all(",", "").str.replace(r"元$", "").str.replace_all("−", "-")
    lf = lf.with_columns(s.str.extract_groups(_MONEY_RE).alias(f"{out}__g"))
    g = pl.col(f"{out}__g")
    neg = (g.struct.field("1") == "-") | (g.struct.field("2") == "-")
    ip = g.struct.field("3")
    fp = g.struct.field("4").fill_null("") + "000"
    lf = lf.with_columns(
        (ip.is_not_null() & (ip.str.strip_chars_start("0").str.len_chars() <= 12)).alias(f"{out}__ok"),
        neg.fill_null(False).alias(f"{out}__neg"),
        (
            ip.str.slice(-13).cast(pl.Int64, strict=False) * 100
            + fp.str.slice(0, 2).cast(pl.Int64, strict=False)
            + (fp.str.slice(2, 1) >= "5").cast(pl.Int64)
        ).alias(f"{out}__c"),
    )
    ok, neg, cents = pl.col(f"{out}__ok"), pl.col(f"{out}__neg"), pl.col(f"{out}__c")
    negative = neg & (cents > 0)
    text = (cents // 100).cast(pl.String) + "." + (cents % 100).cast(pl.String).str.zfill(2)
    lf = lf.with_columns(
        pl.when(ok & ~negative).then(text).otherwise(NULL_STR).cast(pl.Decimal(14, 2)).alias(out),
        pl.when(~ok)
        .then(pl.lit("amount_format"))
        .when(negative)
        .then(pl.lit("amount_negative"))
        .otherwise(NULL_STR)
        .alias(f"{out}__r"),
    )
    return drop_temps(lf, out)


def integer_expr(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    s = squeeze(raw)
    digits = s.str.extract(r"^([0-9]{1,9})(?:\.0*)?$", 1)
    n = digits.cast(pl.Int32, strict=False)
    ok = n.is_not_null() & (n >= 1)
    return (
        pl.when(ok).then(n).otherwise(pl.lit(None, dtype=pl.Int32)),
        pl.when(ok).then(NULL_STR).otherwise(pl.lit("integer_format")),
    )
