"""The input contract: every table of extracts.md as data (see tables.py)."""

from pipelines.contract.rules import RULE_IDS
from pipelines.contract.tables import SOURCES, TABLES, Column, Table

__all__ = ["RULE_IDS", "SOURCES", "TABLES", "Column", "Table"]
