"""Time for cases: instants are naive UTC; deadlines and 核查日期 are Beijing dates (UTC+8, no DST)."""

from __future__ import annotations

import datetime as dt

import polars as pl

BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


class ClockError(ValueError):
    """An --as-of time that cannot be read."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def parse_as_of(text: str) -> dt.datetime:
    """An ISO 8601 time as a naive UTC instant. A time without an offset is Beijing time (the users'
    clock), a bare date is 00:00 Beijing time of that day."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ClockError(f"--as-of {text!r}: not an ISO 8601 time such as 2026-11-05T09:00+08:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def beijing_date(instant: dt.datetime) -> dt.date:
    """The Beijing calendar date of a naive UTC instant."""
    return (instant + dt.timedelta(hours=8)).date()


def beijing_midnight(day: dt.date) -> dt.datetime:
    """00:00 Beijing time of `day`, as a naive UTC instant."""
    return dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)


def beijing_text(instant: dt.datetime | None) -> str | None:
    """`2026-11-05 09:00` in Beijing time, as users read it."""
    if instant is None:
        return None
    return (instant + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def beijing_date_expr(column: str) -> pl.Expr:
    """beijing_date over a column of naive UTC instants."""
    return (pl.col(column) + pl.duration(hours=8)).dt.date()


def beijing_text_expr(column: str) -> pl.Expr:
    """beijing_text over a column of naive UTC instants."""
    return (pl.col(column) + pl.duration(hours=8)).dt.strftime("%Y-%m-%d %H:%M")
