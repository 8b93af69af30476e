"""Severities and thresholds of the data contracts, read from config/checks.toml."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

from pipelines.contract import TABLES
from pipelines.settings import REPO_ROOT

DEFAULT_PATH = REPO_ROOT / "config" / "checks.toml"
SEVERITIES = ("error", "warn")

RAW_CHECKS: dict[str, str] = {
    "contract": "表结构与取值符合输入契约 The table matches the input contract: columns, rows in every "
    "period, required values, enumerations, region codes, payments within the period",
    "value_ranges": "单行取值在合理范围 Single values are plausible: amounts and household sizes under their "
    "ceilings, dates not before the earliest date, event dates not after the period (date_after_period)",
    "quarantine_share": "隔离行占比不超过阈值 Share of quarantined rows per period at most the threshold",
    "county_coverage": "上期有数据的区县本期仍有数据 Every county with rows in the previous period has rows now",
    "volume_drift": "区县行数环比降幅不超过阈值 Rows per county did not fall sharply against the previous period",
}
# What a department does when its table breaches a raw check of severity error (status, 数据质量).
RAW_CHECK_ACTIONS: dict[str, str] = {
    "contract": "表不符合输入契约(列、必填值、取值集合):核对文件后重新报送 the table breaks the input contract: check "
    "the file and send it again",
    "value_ranges": "取值超出合理范围:核对后重新报送,或在 config/checks.toml 中设为 warn check the values and send "
    "the file again, or set the check to warn",
    "quarantine_share": "多数行被隔离:按隔离原因修正文件后重新报送 most rows were quarantined: fix the file by the "
    "quarantine reasons and send it again",
    "county_coverage": "有区县本期没有数据:补报缺失区县的文件 a county has no rows this period: send its file",
    "volume_drift": "区县行数骤降:核对是否漏报 a county's rows fell sharply: check whether rows are missing",
}


def breach_actions(checks: str) -> str:
    """What to do about the breached checks, given as recorded ("contract, county_coverage")."""
    return "; ".join(RAW_CHECK_ACTIONS.get(c.strip(), c.strip()) for c in checks.split(",") if c.strip())


def breach_advice(breach: dict) -> str:
    """One line for a held-back breach {"table", "period", "checks"}: where, which checks, what to do."""
    return f"raw.{breach['table']} {breach['period']} ({breach['checks']}): {breach_actions(breach['checks'])}"


MART_CHECKS: dict[str, dict[str, str]] = {
    "fct_findings": {
        "contract": "预警核查结果的键、规则、类型、等级与持续期有效 Findings: keys present, rule, kind and "
        "severity in their sets, persistence consistent, warning_id unique per period",
    },
    "fct_cases": {
        "contract": "预警事项的键、规则、状态与期限有效 Cases: keys present and unique, kind and status in their "
        "sets, deadline not before the episode began, records counted",
    },
    "fct_kpis": {
        "contract": "指标编号、层级有效，值非负，比率在0到1之间 KPIs: known indicator and level, values "
        "present and non-negative, rates between 0 and 1",
        "region_totals": "上级区域的可加指标等于下级之和 Additive indicators of a city or county equal the "
        "sum over its children; K01_persons lies between the largest child and the sum",
        "population_rates": "低保覆盖率不超过1 Dibao coverage rates (K02, over the registered population of "
        "the region_population seed) are at most 1: above it, the seed is out of date for that region",
    },
}

_DEFAULT_SEVERITY = {
    "contract": "error",
    "value_ranges": "warn",
    "quarantine_share": "error",
    "county_coverage": "error",
    "volume_drift": "warn",
    **{f"{mart}.{name}": "error" for mart, checks in MART_CHECKS.items() for name in checks},
    "fct_kpis.population_rates": "warn",
}


# Tables whose rows are sparse events per county: a county without one in a month is normal, so they are
# not in the default coverage_tables. Temporary assistance payments, household registration changes
# (deaths and moves out) and medical settlements (the persons of a small county may have none in a month).
# Rosters (dibao, tekun, near-dibao, monitoring, cards, payroll) and the monthly payments of every
# recipient (the disability subsidies, social insurance benefits) have every county again each month. A
# table a dataset never sends has no period to check, and one that joins later is first compared with
# the month after its first period on file, so listing it does nothing until it arrives.
SPARSE_TABLES = ("temporary_assistance", "household_changes", "medical_settlements")


@dataclass(frozen=True)
class CheckSettings:
    """Severities ("error" blocks publishing, "warn" does not) and thresholds of every check."""

    severity: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(dict(_DEFAULT_SEVERITY)))
    max_quarantine_share: float = 0.5
    min_rows_for_share: int = 50
    max_volume_drop: float = 0.3
    min_rows_for_drift: int = 50
    coverage_tables: tuple[str, ...] = tuple(t for t in TABLES if t not in SPARSE_TABLES)
    money_max: float = 1_000_000
    integer_max: int = 30
    earliest_date: dt.date = dt.date(1990, 1, 1)
    totals_tolerance: float = 1e-6
    results_kept: int = 10

    def severity_of_suite(self, suite: str) -> str:
        """The severity of a suite by its name: `raw.<table>.<check>` or `<mart>.<check>`."""
        parts = suite.split(".")
        subject, check = (parts[1], parts[2]) if parts[0] == "raw" and len(parts) == 3 else (parts[0], parts[-1])
        return self.severity_of(check, subject)

    def severity_of(self, check: str, subject: str) -> str:
        """The severity of a raw check on a table (`<table>.<check>` overrides `<check>`) or of a mart
        check (`<mart>.<check>`)."""
        key = f"{subject}.{check}"
        # A bare check name is a raw table's setting; the marts' are always "<mart>.<check>".
        for k in (key,) if subject in MART_CHECKS else (key, check):
            if k in self.severity:
                return self.severity[k]
        return _DEFAULT_SEVERITY.get(key, _DEFAULT_SEVERITY.get(check, "error"))


def _valid_severity_keys() -> set[str]:
    keys = set(RAW_CHECKS)
    keys |= {f"{t}.{c}" for t in TABLES for c in RAW_CHECKS}
    keys |= {f"{m}.{c}" for m, checks in MART_CHECKS.items() for c in checks}
    return keys


def load_settings(path: Path | None = None) -> CheckSettings:
    """The settings in `path`; by default the file named by SAFETYNET_CHECKS, else config/checks.toml.

    A missing default file gives the built-in defaults; an unknown section, key, table or severity is a
    ValueError naming it."""
    if path is None:
        env = os.environ.get("SAFETYNET_CHECKS")
        path = Path(env) if env else DEFAULT_PATH
        if not env and not path.exists():
            return CheckSettings()
    path = Path(path)
    with open(path, "rb") as f:
        data = tomllib.load(f)
    unknown = set(data) - {"severity", "thresholds"}
    if unknown:
        raise ValueError(f"{path}: unknown section(s) {sorted(unknown)}; expected [severity] and [thresholds]")

    severity = dict(_DEFAULT_SEVERITY)
    given = data.get("severity", {})
    bad_keys = set(given) - _valid_severity_keys()
    if bad_keys:
        raise ValueError(
            f"{path}: unknown check(s) in [severity]: {sorted(bad_keys)}; expected one of "
            f"{sorted(RAW_CHECKS)}, '<table>.<check>' or one of {sorted(k for k in _DEFAULT_SEVERITY if '.' in k)}"
        )
    for key, value in given.items():
        if value not in SEVERITIES:
            raise ValueError(f"{path}: severity of {key} must be one of {SEVERITIES}, not {value!r}")
        severity[key] = value

    thresholds = dict(data.get("thresholds", {}))
    known = {f.name for f in fields(CheckSettings)} - {"severity"}
    bad = set(thresholds) - known
    if bad:
        raise ValueError(f"{path}: unknown key(s) in [thresholds]: {sorted(bad)}; expected {sorted(known)}")
    if "coverage_tables" in thresholds:
        tables = tuple(thresholds["coverage_tables"])
        if set(tables) - set(TABLES):
            raise ValueError(f"{path}: unknown table(s) in coverage_tables: {sorted(set(tables) - set(TABLES))}")
        thresholds["coverage_tables"] = tables
    if "earliest_date" in thresholds:
        value = thresholds["earliest_date"]
        thresholds["earliest_date"] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    for name in ("max_quarantine_share", "max_volume_drop", "money_max", "totals_tolerance"):
        if name in thresholds:
            if isinstance(thresholds[name], bool) or not isinstance(thresholds[name], (int, float)):
                raise ValueError(f"{path}: {name} must be a number")
            thresholds[name] = float(thresholds[name])
    for name in ("min_rows_for_share", "min_rows_for_drift", "integer_max", "results_kept"):
        if name in thresholds and (isinstance(thresholds[name], bool) or not isinstance(thresholds[name], int)):
            raise ValueError(f"{path}: {name} must be a whole number")
    if thresholds.get("results_kept", 1) < 1:
        raise ValueError(f"{path}: results_kept must be at least 1")
    return CheckSettings(severity=MappingProxyType(severity), **thresholds)
