"""What a check reports, and how a Great Expectations result becomes one line and some counts.

Nothing here reads a value of a person column: summaries and metadata hold counts, periods, county codes,
expectation types and column names.
"""

from __future__ import annotations

from dataclasses import dataclass

# Short labels of expectation types for one-line summaries.
_LABELS = {
    "expect_table_columns_to_match_set": "columns match the contract",
    "expect_column_values_to_not_be_null": "not null",
    "expect_column_values_to_be_in_set": "in set",
    "expect_column_values_to_be_between": "in range",
    "expect_column_values_to_match_regex": "format",
    "expect_column_pair_values_a_to_be_greater_than_b": "order",
    "expect_column_pair_values_to_be_equal": "equal",
    "expect_column_distinct_values_to_contain_set": "rows in every period",
    "expect_compound_columns_to_be_unique": "unique",
    "expect_table_row_count_to_be_between": "row count",
}


@dataclass(frozen=True)
class CheckOutcome:
    name: str  # check name, one of RAW_CHECKS / MART_CHECKS[mart]
    passed: bool
    severity: str  # "error" (blocks publishing) or "warn"
    description: str  # what is checked, one line
    summary: str  # what failed (or passed), one line
    metadata: dict  # JSON-able counts, periods, county codes, expectation types, column names
    failed_periods: tuple[str, ...] = ()  # periods that breached (raw checks)


def expectation_label(config) -> str:
    kwargs = config.kwargs
    label = _LABELS.get(config.type, config.type.removeprefix("expect_"))
    if "column" in kwargs:
        return f"{kwargs['column']} {label}"
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}/{kwargs['column_B']} {label}"
    if "column_list" in kwargs:
        return f"{'+'.join(kwargs['column_list'])} {label}"
    return label


def failures(result) -> list[dict]:
    """The failed expectations of a suite result: type, column(s), label and counts (never values)."""
    out = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        entry = {"expectation": config.type, "label": expectation_label(config)}
        for key in ("column", "column_A", "column_B", "column_list"):
            if key in config.kwargs:
                entry[key] = config.kwargs[key]
        res = r.result or {}
        for key in ("element_count", "unexpected_count", "missing_count"):
            if res.get(key) is not None:
                entry[key] = int(res[key])
        if r.exception_info and r.exception_info.get("raised_exception"):
            entry["error"] = "the expectation could not be evaluated (missing column?)"
        out.append(entry)
    return out


def unexpected_rows(result) -> list[dict]:
    """The unexpected rows of the failed expectations, each as {index column: value}; a result without
    index columns lists row numbers, which are left out."""
    rows = []
    for r in result.results:
        if not r.success:
            res = r.result or {}
            found = res.get("unexpected_index_list") or res.get("partial_unexpected_index_list") or []
            rows += [row for row in found if isinstance(row, dict)]
    return rows


def describe_failures(failed: list[dict], limit: int = 4) -> str:
    parts = []
    for f in failed[:limit]:
        text = f["label"]
        if "unexpected_count" in f:
            text += f": {f['unexpected_count']} rows"
        elif "error" in f:
            text += ": not evaluated"
        parts.append(text)
    if len(failed) > limit:
        parts.append(f"{len(failed) - limit} more")
    return "; ".join(parts)


def period_span(periods) -> str:
    periods = sorted(periods)
    if not periods:
        return "no period"
    if len(periods) == 1:
        return periods[0]
    return f"{periods[0]}..{periods[-1]}"
