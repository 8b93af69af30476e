"""The rule catalogue of rules.md, read from its one home: `vars.rule_catalogue` in
dbt_project/dbt_project.yml, where dbt reads it too (int_rule_parameters, fct_findings). The data
contracts, the generator, its reference evaluation and the dashboards read it here. A dataset's seed
`warning_rules` sets which rules are enabled and overrides their severity and parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

from pipelines.contract.tables import TABLES

CATALOGUE_FILE = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
KINDS = ("warning", "verification")
SEVERITIES = ("red", "orange", "yellow")


@dataclass(frozen=True)
class Rule:
    id: str  # W01 … (预警), V01 … (核查)
    name: str  # 中文名
    kind: str  # warning | verification
    severity: str  # default: red | orange | yellow
    params: Mapping  # default parameters (a seed's params are laid over them, key by key)
    tables: tuple[str, ...]  # the raw tables it reads (evaluated for P only when all are expected in P)
    model: str  # its dbt model (models/intermediate/rules/)
    deadline_days: int | None = None  # default time to dispose of a case; None: by severity

    def default_deadline_days(self, severity: str | None = None) -> int:
        """The entry's deadline, else the one of the severity in force (by default the entry's)."""
        return self.deadline_days or DEADLINE_DAYS_BY_SEVERITY[severity or self.severity]


def _vars(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("vars") or {}


def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Rule]:
    """The rules in catalogue order; a malformed entry is a ValueError naming it."""
    entries = _vars(path).get("rule_catalogue") or []
    rules: dict[str, Rule] = {}
    for entry in entries:
        rule = Rule(
            id=str(entry["id"]),
            name=str(entry["name"]),
            kind=entry["kind"],
            severity=entry["severity"],
            params=MappingProxyType(dict(entry.get("params") or {})),
            tables=tuple(entry.get("tables") or ()),
            model=str(entry["model"]),
            deadline_days=int(entry["deadline_days"]) if entry.get("deadline_days") else None,
        )
        problems = [f"table {t!r}" for t in rule.tables if t not in TABLES]
        if rule.kind not in KINDS:
            problems.append(f"kind {rule.kind!r}")
        if rule.severity not in SEVERITIES:
            problems.append(f"severity {rule.severity!r}")
        if rule.id in rules:
            problems.append("a second entry")
        if not rule.tables:
            problems.append("no table read")
        if problems:
            raise ValueError(f"{path}: rule {rule.id}: {', '.join(problems)}")
        rules[rule.id] = rule
    if not rules:
        raise ValueError(f"{path}: no vars.rule_catalogue")
    return rules


# 处置时限 of a case by the severity in force, where neither the seed nor the entry sets deadline_days
DEADLINE_DAYS_BY_SEVERITY: dict[str, int] = {
    str(k): int(v) for k, v in _vars(CATALOGUE_FILE)["deadline_days_by_severity"].items()
}
RULES: dict[str, Rule] = load_catalogue()
RULE_IDS: tuple[str, ...] = tuple(RULES)
