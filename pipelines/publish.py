"""Publishing: a checked working warehouse becomes the serving snapshot, atomically.

DuckDB allows one writer per file and an open reader blocks the writer, so nothing serves from the
working file. A publish copies it to a new file under <warehouse>/published/, checks that the copy
opens and holds the marts, then swaps the pointer `current.json` with an atomic rename. Readers (exports,
dashboards, status) resolve the pointer and open that file read-only; a snapshot is never written
again once named, so a reader never sees a half-built warehouse and never holds the file a run writes.
The last few snapshots are kept; an older one still open by a reader stays readable until it closes
(POSIX keeps an unlinked file alive).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from pipelines.catalog import has_table
from pipelines.runs import first_held_back
from pipelines.settings import Locations

POINTER = "current.json"
KEEP = 3  # snapshots kept, the current one included
# What a user receives: the lists and the KPIs. Their content hashes show that two runs on the same
# inputs published the same thing.
HASHED = ("main_marts.fct_findings", "main_marts.fct_kpis")


class PublishError(Exception):
    """The working warehouse cannot be published (not built, or the copy is unreadable)."""


@dataclass(frozen=True)
class Snapshot:
    file: str  # the snapshot's file name under <warehouse>/published/
    run_id: str  # the Dagster run that built, checked and published it
    published_at: str
    periods: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    content_hashes: dict[str, str] = field(default_factory=dict)
    # Raw data that breached a blocking contract when this was published: {"table", "period", "checks"}
    # each. Its period and every later one wait for corrected extracts (held_back_from).
    held_back: list[dict] = field(default_factory=list)

    @property
    def held_back_from(self) -> str | None:
        return first_held_back(self.held_back)

    def would_withdraw(self, held_back_from: str | None) -> bool:
        """Whether publishing with periods from `held_back_from` held back would take a period of this
        snapshot out of service (a month that was good when published and whose new extract breaches)."""
        return bool(held_back_from and self.periods and self.periods[-1] >= held_back_from)

    def path(self, locations: Locations) -> Path:
        return locations.published_dir / self.file

    def describe(self) -> str:
        span = f"{self.periods[0]}..{self.periods[-1]}" if self.periods else "no period"
        return (
            f"{self.file} (run {self.run_id[:8]}, {self.published_at}, periods {span}, "
            f"{self.rows.get('main_marts.fct_findings', 0)} findings"
            + (f"; held back from {self.held_back_from}" if self.held_back else "")
            + ")"
        )


def current(locations: Locations) -> Snapshot | None:
    """The snapshot in service, or None when nothing was ever published."""
    pointer = locations.published_dir / POINTER
    try:
        data = json.loads(pointer.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Snapshot(**data)


def serving_path(locations: Locations) -> Path | None:
    snapshot = current(locations)
    return snapshot.path(locations) if snapshot else None


def content_hashes(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, str]]:
    """Row counts and order-free content hashes of the published lists and KPIs."""
    rows, hashes = {}, {}
    for table in HASHED:
        n, digest = con.execute(
            f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
            f"from (select md5(t::varchar) as h from {table} t)"
        ).fetchone()
        rows[table], hashes[table] = n, digest
    return rows, hashes


def publish(
    locations: Locations,
    run_id: str,
    held_back: list[dict] | None = None,
    before_service: Callable[[duckdb.DuckDBPyConnection, str], object] | None = None,
) -> Snapshot:
    """Copy the working warehouse into a new snapshot and put it in service. Call only after every
    blocking check passed, with no connection open on the working file (the caller's run owns it).
    `held_back`: the breaches of raw data whose periods the build left out, recorded in the pointer.
    `before_service(con, name)` runs on the checked copy just before it is put in service (the feedback
    store records the new cases' issue times there): when it fails, nothing is published."""
    source = locations.duckdb_path
    if not source.exists():
        raise PublishError(f"no working warehouse at {source}")
    folder = locations.published_dir
    folder.mkdir(parents=True, exist_ok=True)
    # Merge the write-ahead log into the file, so the copy holds everything.
    with duckdb.connect(str(source)) as con:
        con.execute("checkpoint")
    stamp = dt.datetime.now(dt.UTC)
    name = f"{stamp:%Y%m%dT%H%M%S%fZ}-{run_id[:8]}.duckdb"
    partial = folder / f".{name}.partial"
    shutil.copyfile(source, partial)
    _fsync(partial)
    try:
        with duckdb.connect(str(partial), read_only=True) as con:
            missing = [t for t in HASHED if not has_table(con, t)]
            if missing:
                raise PublishError(f"the working warehouse has no {', '.join(missing)}: not built")
            periods = [
                r[0] for r in con.execute("select distinct period from main_marts.fct_kpis order by period").fetchall()
            ]
            if not periods and held_back:
                raise PublishError("no period to publish: every complete period is held back")
            rows, hashes = content_hashes(con)
            if before_service is not None:
                before_service(con, name)
    except Exception:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, folder / name)
    snapshot = Snapshot(
        file=name,
        run_id=run_id,
        published_at=stamp.astimezone().isoformat(timespec="seconds"),
        periods=periods,
        rows=rows,
        content_hashes=hashes,
        held_back=list(held_back or []),
    )
    _write_atomically(folder / POINTER, json.dumps(asdict(snapshot), ensure_ascii=False, indent=1))
    prune(locations)
    return snapshot


def prune(locations: Locations, keep: int = KEEP) -> list[str]:
    """Remove all but the newest `keep` snapshots (never the current one) and leftovers of killed runs."""
    folder = locations.published_dir
    snapshot = current(locations)
    kept = {snapshot.file} if snapshot else set()
    removed = []
    for path in sorted(folder.glob("*.duckdb"), reverse=True):  # names start with the time: newest first
        if path.name in kept or len(kept) < keep:
            kept.add(path.name)
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    for leftover in folder.glob(".*.partial"):
        leftover.unlink(missing_ok=True)
    for leftover in folder.glob(f".{POINTER}.*"):
        leftover.unlink(missing_ok=True)
    return removed


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
