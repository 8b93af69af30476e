"""The input contract: every table of extracts.md as data (see tables.py)."""

from pipelines.contract.tables import SOURCES, TABLES, Column, Table

__all__ = ["SOURCES", "TABLES", "Column", "Table"]
