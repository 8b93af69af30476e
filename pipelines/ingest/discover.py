"""Discovery: which files of a dataset belong to which table and period (extracts.md, "Layout of raw/")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.contract.tables import SOURCES, TABLES

EXTENSIONS = {".xlsx", ".xls", ".csv"}
PERIOD_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# Longest table name first, so that `disability_cards_x` is never taken for a shorter table name.
_NAMES_LONGEST_FIRST = sorted(TABLES, key=len, reverse=True)


@dataclass(frozen=True)
class FoundFile:
    path: str  # relative to the dataset folder, `raw/...`, POSIX separators
    source: str
    period: str
    table: str


@dataclass
class Discovery:
    files: list[FoundFile] = field(default_factory=list)  # in path order
    unassigned: list[str] = field(default_factory=list)  # relative paths of files belonging to no table
    periods: dict[str, list[str]] = field(default_factory=dict)  # source -> sorted periods on file

    def for_table(self, table: str, period: str) -> list[FoundFile]:
        return [f for f in self.files if f.table == table and f.period == period]

    @property
    def all_periods(self) -> list[str]:
        return sorted({f.period for f in self.files})


def table_for_filename(filename: str, source: str | None = None) -> str | None:
    """The table a file name belongs to, or None. The extension is matched in any letter case; the stem
    is the table name or the table name followed by `_` and anything (longest table name first)."""
    p = Path(filename)
    if p.suffix.lower() not in EXTENSIONS:
        return None
    stem = p.stem
    for name in _NAMES_LONGEST_FIRST:
        if stem == name or stem.startswith(name + "_"):
            if source is not None and TABLES[name].source != source:
                return None
            return name
    return None


def discover(dataset: Path) -> Discovery:
    """Every file under ``raw/<source>/<YYYY-MM>/`` of the dataset, assigned to its table.

    A file in a period folder of a known source whose name matches a table of that source is assigned;
    every other regular file under ``raw/`` is listed in ``unassigned``.
    """
    dataset = Path(dataset)
    raw = dataset / "raw"
    out = Discovery()
    if not raw.is_dir():
        return out
    periods: dict[str, set[str]] = {}
    for p in sorted(raw.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(dataset).as_posix()
        parts = p.relative_to(raw).parts
        table = None
        if len(parts) == 3 and parts[0] in SOURCES and PERIOD_RE.match(parts[1]):
            table = table_for_filename(parts[2], parts[0])
        if table is None:
            out.unassigned.append(rel)
            continue
        out.files.append(FoundFile(rel, parts[0], parts[1], table))
        periods.setdefault(parts[0], set()).add(parts[1])
    out.files.sort(key=lambda f: f.path)
    out.unassigned.sort()
    out.periods = {s: sorted(v) for s, v in periods.items()}
    return out
