"""Data contracts with Great Expectations: suites for the raw tables (built from the input contract) and
the marts, validated in a file data context at <warehouse>/gx (results stored there), published as Data Docs at
<warehouse>/data_docs. No result, store, page or log holds an ID number or a name.

Great Expectations is imported on first use, not when this package is.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.quality.marts import check_mart
from pipelines.quality.outcome import CheckOutcome
from pipelines.quality.raw import check_raw
from pipelines.quality.results import ContractResult, latest_results
from pipelines.quality.settings import MART_CHECKS, RAW_CHECKS, CheckSettings, load_settings


def data_docs_index(locations) -> Path:
    """<warehouse>/data_docs/index.html (written by the first validation of the warehouse)."""
    from pipelines.quality.gx import index_page

    return index_page(locations.warehouse)


__all__ = [
    "MART_CHECKS",
    "RAW_CHECKS",
    "CheckOutcome",
    "CheckSettings",
    "ContractResult",
    "check_mart",
    "check_raw",
    "data_docs_index",
    "latest_results",
    "load_settings",
]
