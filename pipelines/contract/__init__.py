"""The input contract: every table of extracts.md as data (tables.py), and the rule catalogue (rules.py)."""

from pipelines.contract.rules import RULE_IDS, RULES, Rule
from pipelines.contract.tables import SOURCES, TABLES, Column, Table

__all__ = ["RULES", "RULE_IDS", "SOURCES", "TABLES", "Column", "Rule", "Table"]
