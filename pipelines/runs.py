"""What each run did: an append-only log beside the warehouse, and the fingerprints of ingested files.

The log is a JSON-lines file (warehouse/runs.jsonl), not a DuckDB table, so `safetynet status` can read
it while a run holds the warehouse file. Entries hold counts, periods and codes, never a person's data.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from pathlib import Path

import duckdb

from pipelines.catalog import has_schema, has_table

RUN_LOG = "runs.jsonl"

INGESTED_DDL = """
create schema if not exists meta;
create table if not exists meta.ingested (
    table_name varchar not null,
    period varchar not null,
    fingerprint varchar not null,
    run_id varchar not null,
    ingested_at timestamp not null,
    primary key (table_name, period)
);
"""


def now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def append_run(warehouse: Path, entry: dict) -> None:
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / RUN_LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def read_runs(warehouse: Path) -> list[dict]:
    path = warehouse / RUN_LOG
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fingerprint(dataset: Path, files: list[str]) -> str:
    """Content hash of a table's files for one period (names and bytes): changes when any file does."""
    h = hashlib.sha256()
    for rel in sorted(files):
        stat = (dataset / rel).stat()
        h.update(rel.encode())
        h.update(_file_digest(str(dataset / rel), stat.st_size, stat.st_mtime_ns))
    return h.hexdigest()


@functools.lru_cache(maxsize=4096)
def _file_digest(path: str, size: int, mtime_ns: int) -> bytes:
    """SHA-256 of one file, read once per process: `safetynet run` decides what changed and the assets
    record what they read in the same process, so the extracts are not hashed twice. A file rewritten
    in between has another size or modification time and is hashed again."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.digest()


def ingested_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    if not has_table(con, "meta.ingested"):
        return {}
    rows = con.execute("select table_name, period, fingerprint from meta.ingested").fetchall()
    return {(t, p): f for t, p, f in rows}


def record_ingested(con: duckdb.DuckDBPyConnection, table: str, period: str, fp: str, run_id: str):
    con.execute(INGESTED_DDL)
    con.execute(
        "insert or replace into meta.ingested values (?, ?, ?, ?, current_timestamp)",
        [table, period, fp, run_id],
    )


PENDING_DDL = """
create schema if not exists meta;
create table if not exists meta.build_pending (from_period varchar not null);
"""


def mark_build_pending(con: duckdb.DuckDBPyConnection, period: str) -> None:
    """The marts must be rebuilt from this period on (kept until a build succeeds)."""
    con.execute(PENDING_DDL)
    current = build_pending(con)
    if current is None or period < current:
        con.execute("delete from meta.build_pending")
        con.execute("insert into meta.build_pending values (?)", [period])


def build_pending(con: duckdb.DuckDBPyConnection) -> str | None:
    """The first period ingested and not yet published (None: nothing waits). Read-only safe."""
    if not has_table(con, "meta.build_pending"):
        return None
    row = con.execute("select min(from_period) from meta.build_pending").fetchone()
    return row[0] if row else None


def build_from(con: duckdb.DuckDBPyConnection) -> str | None:
    """The first period the next build must cover: the first not yet published; None: every period
    (the marts do not exist yet, or nothing is pending and a build was asked for anyway)."""
    return build_pending(con) if has_schema(con, "main_marts") else None


def clear_build_pending(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(PENDING_DDL)
    con.execute("delete from meta.build_pending")


BREACHES_DDL = """
create schema if not exists meta;
create table if not exists meta.contract_breaches (
    table_name varchar not null,
    period varchar not null,
    checks varchar not null,
    run_id varchar not null,
    found_at timestamp not null,
    primary key (table_name, period)
);
"""


def record_breaches(
    con: duckdb.DuckDBPyConnection, table: str, checked: list[str], breached: dict[str, list[str]], run_id: str
) -> None:
    """The periods of `table` checked in this run: breaches replace what was known, clean ones clear it.
    A breached period is not recorded as ingested, so the next run reads and checks it again."""
    con.execute(BREACHES_DDL)
    if checked:
        con.execute(
            f"delete from meta.contract_breaches where table_name = ? and period in ({', '.join('?' * len(checked))})",
            [table, *checked],
        )
    con.execute(INGESTED_DDL)
    for period, checks in sorted(breached.items()):
        con.execute(
            "insert into meta.contract_breaches values (?, ?, ?, ?, current_timestamp)",
            [table, period, ", ".join(checks), run_id],
        )
        # Forget an earlier clean read of the same period: its data was just replaced by this one.
        con.execute("delete from meta.ingested where table_name = ? and period = ?", [table, period])


def open_breaches(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(table, period, checks) of raw data that breached a blocking contract and is not fixed yet.
    Read-only safe."""
    if not has_table(con, "meta.contract_breaches"):
        return []
    return con.execute(
        "select table_name, period, checks from meta.contract_breaches order by period, table_name"
    ).fetchall()


def held_back(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The open breaches as {"table", "period", "checks"}: what holds periods back from publishing."""
    return [{"table": t, "period": p, "checks": c} for t, p, c in open_breaches(con)]


def first_held_back(breaches: list[dict]) -> str | None:
    """The first period held back by these breaches: the earliest breached period. It and every later
    period wait; the complete periods before it are built and published. None: nothing is held back."""
    return min((b["period"] for b in breaches), default=None)


def held_back_from(con: duckdb.DuckDBPyConnection) -> str | None:
    """The first period held back by the open breaches. Read-only safe."""
    return first_held_back(held_back(con))


def verdict(failed: list, breaches: list) -> str:
    """How a run ended, as the run's report and `safetynet status` say it."""
    return "FAILED" if failed else "HELD BACK" if breaches else "OK"
