"""The newest result of every data contract, as the Data Docs index shows it, for the dashboards and
`safetynet status`: suite, status, the periods it checked (the run name), when, expectations evaluated and
failed, and the result's page in the Data Docs site.

Reads what `docs.results` reads (the site's validation pages and the GX validation store beside them);
counts and statuses only, never a row value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.quality.docs import results
from pipelines.quality.settings import load_settings

STATUS_LABELS = {True: "通过", False: "未通过", None: "未知"}
WARNED = "警告(不阻断)"  # a failed check of severity warn: shown, holds nothing back


@dataclass(frozen=True)
class ContractResult:
    suite: str
    success: bool | None  # None: the page has no stored result
    periods: str  # the run name, e.g. 2026-08..2026-10
    run_time: str  # e.g. 2026-11-22 18:42:23 UTC
    evaluated: int | None
    failed: int | None
    page: Path  # the result's page in the Data Docs site
    severity: str = "error"  # of the check, from config/checks.toml: error holds back, warn does not

    @property
    def status(self) -> str:
        return WARNED if self.success is False and self.severity == "warn" else STATUS_LABELS[self.success]


def latest_results(locations) -> list[ContractResult]:
    """The newest result per suite, failing suites first, then by suite name; [] before any validation."""
    warehouse = Path(locations.warehouse)
    docs = warehouse / "data_docs"
    if not docs.is_dir():
        return []
    by_suite = results(warehouse)
    settings = load_settings()
    out = [
        ContractResult(
            suite=suite,
            success=newest.success,
            periods=newest.run_name,
            run_time=newest.shown_time,
            evaluated=newest.evaluated,
            failed=newest.failed,
            page=docs / newest.page,
            severity=settings.severity_of_suite(suite),
        )
        for suite, kept in by_suite.items()
        for newest in kept[:1]
    ]
    return sorted(out, key=lambda r: (r.success is not False, r.severity != "error", r.suite))
