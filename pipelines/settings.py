"""Where things live: the dataset, the warehouse and its files. One place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = Path(os.environ.get("SAFETYNET_DATA", REPO_ROOT / "data"))
DEFAULT_WAREHOUSE = Path(os.environ.get("SAFETYNET_WAREHOUSE", REPO_ROOT / "warehouse"))


def audit_dir() -> Path:
    """Where the download log lives: apart from the warehouse, so a rebuild never erases it."""
    return Path(os.environ.get("SAFETYNET_AUDIT", REPO_ROOT / "audit"))


def feedback_path() -> Path:
    """The feedback store (dispositions, case issue times, the sign-in audit): apart from the warehouse, so
    rebuilding or deleting the warehouse never touches it."""
    return Path(os.environ.get("SAFETYNET_FEEDBACK", REPO_ROOT / "feedback" / "feedback.sqlite"))


@dataclass(frozen=True)
class Locations:
    """A dataset folder (raw/, seeds/) and a warehouse folder (the DuckDB file and run records)."""

    data: Path
    warehouse: Path

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def seeds(self) -> Path:
        return self.data / "seeds"

    @property
    def duckdb_path(self) -> Path:
        """The working file: only a run writes it; nothing serves from it."""
        return self.warehouse / "working.duckdb"

    @property
    def published_dir(self) -> Path:
        """Published snapshots and the pointer to the one in service (pipelines/publish.py)."""
        return self.warehouse / "published"

    @classmethod
    def from_env(cls) -> Locations:
        return cls(
            data=Path(os.environ.get("SAFETYNET_DATA", DEFAULT_DATA)).resolve(),
            warehouse=Path(os.environ.get("SAFETYNET_WAREHOUSE", DEFAULT_WAREHOUSE)).resolve(),
        )
