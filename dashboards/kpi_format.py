"""Formatting shared by the pages: KPI values (rates as percentages, null as "—"), severity colours,
times in Beijing time."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from pipelines.exports.export import EXPORT_TZ
from pipelines.quality.marts import RATE_IDS as _RATE_IDS

MISSING = "—"
RATE_IDS = frozenset(_RATE_IDS)
# The severity labels of pipelines.exports.labels.SEVERITY_LABELS, in order, with their colours.
SEVERITY_COLOURS = {"红": "#d62728", "橙": "#ff7f0e", "黄": "#e6b800"}


def is_rate(indicator_id: str) -> bool:
    return indicator_id in RATE_IDS


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value) -> str:
    """0.3933 -> "39.33%", 0.000121 -> "0.0121%" (small rates keep three significant digits); null -> "—"."""
    if _missing(value):
        return MISSING
    p = value * 100
    if p == 0:
        return "0%"
    if abs(p) < 1:
        return f"{p:.3g}%"
    return f"{p:.2f}%"


def number(value) -> str:
    """Counts without decimals, amounts with two; thousands separated; null -> "—"."""
    if _missing(value):
        return MISSING
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def fmt(indicator_id: str, value) -> str:
    return pct(value) if is_rate(indicator_id) else number(value)


def change(indicator_id: str, now, before) -> str | None:
    """The change from `before` to `now`: percentage points for a rate, else the difference; None when
    either side is missing."""
    if _missing(now) or _missing(before):
        return None
    diff = now - before
    if is_rate(indicator_id):
        points = diff * 100
        text = f"{points:+.4f}" if abs(points) < 0.01 else f"{points:+.2f}"
        return f"{text} 个百分点"
    return f"{diff:+,.0f}" if float(diff).is_integer() else f"{diff:+,.2f}"


def year_before(period: str) -> str:
    """ "2026-10" -> "2025-10"."""
    year, month = period.split("-")
    return f"{int(year) - 1:04d}-{month}"


def beijing_time(value: datetime | str | None) -> str:
    """`2026-11-23 04:20` in Beijing time, the users' clock: an ISO string with its offset (publishing), or
    a naive datetime in UTC (the warehouse's loaded_at)."""
    if value is None:
        return MISSING
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(EXPORT_TZ).strftime("%Y-%m-%d %H:%M")
