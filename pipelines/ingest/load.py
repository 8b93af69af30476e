"""Writing one table and period to DuckDB (schema ``raw``), idempotently, in one transaction."""

from __future__ import annotations

import datetime as _dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.catalog import has_table
from pipelines.contract import tables as C
from pipelines.ingest.discover import Discovery, discover
from pipelines.ingest.regions import Regions
from pipelines.ingest.validate import QUARANTINE_SCHEMA, Context, FileResult, period_end
from pipelines.ingest.workers import process_files

log = logging.getLogger(__name__)

_KIND_TYPES = {
    C.REGION_CODE: "VARCHAR",
    C.COUNTY_CODE: "VARCHAR",
    C.CHINA_REGION_CODE: "VARCHAR",
    C.TEXT: "VARCHAR",
    C.PERSON_ID: "VARCHAR",
    C.CARD_NO: "VARCHAR",
    C.ENUM: "VARCHAR",
    C.BOOL: "BOOLEAN",
    C.INTEGER: "INTEGER",
    C.MONEY: "DECIMAL(14,2)",
    C.DATE: "DATE",
    C.MONTH: "VARCHAR",
    C.REGION_NAME: "VARCHAR",
}
_LINEAGE_TYPES = {"period": "VARCHAR", "source_file": "VARCHAR", "source_row": "INTEGER", "loaded_at": "TIMESTAMP"}

QUALITY_SCHEMA = {
    "period": pl.String,
    "source": pl.String,
    "table_name": pl.String,
    "file": pl.String,
    "row_number": pl.Int32,
    "code": pl.String,
    "column_name": pl.String,
}

META_DDL = {
    "quarantine": """period VARCHAR, source VARCHAR, table_name VARCHAR, file VARCHAR, row_number INTEGER,
        reason VARCHAR, column_name VARCHAR, raw_value VARCHAR, raw_row VARCHAR, loaded_at TIMESTAMP""",
    "files": """period VARCHAR, source VARCHAR, table_name VARCHAR, file VARCHAR, status VARCHAR,
        reason VARCHAR, rows_read INTEGER, rows_loaded INTEGER, rows_quarantined INTEGER,
        rows_duplicate INTEGER, rows_footer_blank INTEGER, extra_columns VARCHAR[], loaded_at TIMESTAMP,
        run_id VARCHAR""",
    "quality_issues": """period VARCHAR, source VARCHAR, table_name VARCHAR, file VARCHAR,
        row_number INTEGER, code VARCHAR, column_name VARCHAR""",
}


class ReconciliationError(RuntimeError):
    """Rows read != loaded + quarantined + duplicate + footer/blank for a file (counts only, no data)."""


def column_types(table: C.Table) -> dict[str, str]:
    """DuckDB column -> type of raw.<table>, in order: contract columns, derived, lineage."""
    out = {}
    for c in table.columns:
        t = _KIND_TYPES[c.kind]
        if c.name == "disability_grade":
            t = "SMALLINT"
        out[c.name] = t
    for d in C.DERIVED_COLUMNS.get(table.name, ()):
        out[d] = "VARCHAR"
    out.update(_LINEAGE_TYPES)
    return out


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw and its tables if missing."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for t in C.TABLES.values():
        cols = ", ".join(f'"{n}" {ty}' for n, ty in column_types(t).items())
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{t.name} ({cols})")
    for name, ddl in META_DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({ddl})")


@dataclass(frozen=True)
class FileCounts:
    file: str
    status: str
    reason: str | None
    rows_read: int
    loaded: int
    quarantined: int
    duplicate: int
    footer_blank: int
    extra_columns: tuple[str, ...] = ()


@dataclass
class IngestResult:
    """Counts and codes only — never a value from a file."""

    table: str
    period: str
    files: list[FileCounts] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    quality: dict[str, int] = field(default_factory=dict)

    @property
    def rows_loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)


def _quality_issues(table: C.Table, loaded: pl.DataFrame, period: str) -> pl.DataFrame:
    frames: list[pl.DataFrame] = []

    def issue(df: pl.DataFrame, code: str, column: str) -> None:
        if df.height:
            frames.append(
                df.select(
                    pl.lit(period).alias("period"),
                    pl.lit(table.source).alias("source"),
                    pl.lit(table.name).alias("table_name"),
                    pl.col("source_file").alias("file"),
                    pl.col("source_row").cast(pl.Int32).alias("row_number"),
                    pl.lit(code).alias("code"),
                    pl.lit(column).alias("column_name"),
                )
            )

    if loaded.height == 0:
        return pl.DataFrame(schema=QUALITY_SCHEMA)
    if "__card_mismatch" in loaded.columns:
        issue(loaded.filter(pl.col("__card_mismatch")), "card_mismatch", table.column("disability_card_no").header)
    if table.payment_reference:
        ref = table.payment_reference
        issue(loaded.filter(pl.len().over(ref) > 1), "reference_conflict", table.column(ref).header)
    if table.name == "monitoring":
        issue(
            loaded.filter(pl.col("eliminated_date").is_not_null() & (pl.col("risk_eliminated") == False)),  # noqa: E712
            "elimination_inconsistent",
            table.column("eliminated_date").header,
        )
    end = period_end(period)
    for c in table.event_dates:
        issue(loaded.filter(pl.col(c.name) > end), "date_after_period", c.header)
    if table.household_key:
        key = table.household_key
        hh_cols = [c for c in table.columns if c.household]
        g = (
            loaded.with_row_index("__ord")
            .group_by(key, maintain_order=True)
            .agg(
                pl.col("source_file").first(),
                pl.col("source_row").first(),
                (pl.col("relation") == "head").sum().alias("__heads"),
                *[(pl.col(c.name).n_unique() > 1).alias(f"__d_{c.name}") for c in hh_cols],
            )
        )
        if hh_cols:
            first_diff = pl.coalesce(
                [pl.when(pl.col(f"__d_{c.name}")).then(pl.lit(c.header)).otherwise(None) for c in hh_cols]
            )
            inc = g.with_columns(first_diff.alias("__col")).filter(pl.col("__col").is_not_null())
            for header, part in inc.group_by("__col", maintain_order=True):
                issue(part, "household_inconsistent", header[0])
        rel = table.column("relation").header
        issue(g.filter(pl.col("__heads") == 0), "household_no_head", rel)
        issue(g.filter(pl.col("__heads") > 1), "household_several_heads", rel)
    if not frames:
        return pl.DataFrame(schema=QUALITY_SCHEMA)
    return pl.concat(frames).sort("file", "row_number", "code")


def run_table_period(
    dataset: Path, table: str, period: str, discovery: Discovery | None = None, regions: Regions | None = None
) -> tuple[list[FileResult], pl.DataFrame, pl.DataFrame, pl.DataFrame, list[FileCounts]]:
    """Read and validate every file of a table and period (no database). Returns the per-file results,
    the rows to load, the quarantine rows, the quality issues and the per-file counts."""
    dataset = Path(dataset)
    t = C.TABLES[table]
    discovery = discovery or discover(dataset)
    regions = regions or Regions.load(dataset / "seeds")
    ctx = Context(t, period, regions)
    results = process_files(discovery.for_table(table, period), dataset, ctx)

    passed = [r.passed for r in results if r.passed is not None and r.passed.height]
    key_cols = [c.name for c in t.columns]
    if passed:
        allrows = pl.concat(passed, how="vertical_relaxed")
        allrows = allrows.with_columns(pl.struct(key_cols).is_first_distinct().alias("__first"))
        dup_counts = dict(allrows.filter(~pl.col("__first")).group_by("source_file").len().rows())
        loaded = allrows.filter(pl.col("__first")).drop("__first")
    else:
        dup_counts = {}
        loaded = pl.DataFrame()
    loaded_counts = dict(loaded.group_by("source_file").len().rows()) if loaded.height else {}

    counts: list[FileCounts] = []
    for r in results:
        c = FileCounts(
            file=r.file,
            status=r.status,
            reason=r.reason,
            rows_read=r.rows_read,
            loaded=loaded_counts.get(r.file, 0),
            quarantined=r.rows_quarantined if r.status == "loaded" else 0,
            duplicate=dup_counts.get(r.file, 0),
            footer_blank=r.rows_footer_blank,
            extra_columns=tuple(r.extra_columns),
        )
        if c.rows_read != c.loaded + c.quarantined + c.duplicate + c.footer_blank:
            raise ReconciliationError(
                f"{table} {period} {r.file}: rows read {c.rows_read} != loaded {c.loaded} + quarantined "
                f"{c.quarantined} + duplicate {c.duplicate} + footer/blank {c.footer_blank}"
            )
        counts.append(c)

    quality = _quality_issues(t, loaded, period)
    qframes = [r.quarantine for r in results if r.quarantine is not None and r.quarantine.height]
    quarantine = pl.concat(qframes, how="vertical_relaxed") if qframes else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return results, loaded, quarantine, quality, counts


def ingest_table_period(
    con: duckdb.DuckDBPyConnection,
    dataset: Path,
    table: str,
    period: str,
    run_id: str,
    *,
    discovery: Discovery | None = None,
    regions: Regions | None = None,
) -> IngestResult:
    """Read every file of ``table`` and ``period``, validate, and replace that table and period in
    raw.<table>, raw.quarantine, raw.files and raw.quality_issues in one transaction."""
    t = C.TABLES[table]
    ensure_schema(con)
    results, loaded, quarantine, quality, counts = run_table_period(dataset, table, period, discovery, regions)
    now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)

    types = column_types(t)
    if loaded.height:
        new_rows = loaded.select(*[pl.col(n) for n in types if n != "loaded_at"], pl.lit(now).alias("loaded_at"))
    else:
        new_rows = None
    files = pl.DataFrame(
        {
            "period": [period] * len(counts),
            "source": [t.source] * len(counts),
            "table_name": [table] * len(counts),
            "file": [c.file for c in counts],
            "status": [c.status for c in counts],
            "reason": [c.reason for c in counts],
            "rows_read": [c.rows_read for c in counts],
            "rows_loaded": [c.loaded for c in counts],
            "rows_quarantined": [c.quarantined for c in counts],
            "rows_duplicate": [c.duplicate for c in counts],
            "rows_footer_blank": [c.footer_blank for c in counts],
            "extra_columns": [list(c.extra_columns) for c in counts],
            "loaded_at": [now] * len(counts),
            "run_id": [run_id] * len(counts),
        },
        schema_overrides={
            "reason": pl.String,
            "extra_columns": pl.List(pl.String),
            "rows_read": pl.Int32,
            "rows_loaded": pl.Int32,
            "rows_quarantined": pl.Int32,
            "rows_duplicate": pl.Int32,
            "rows_footer_blank": pl.Int32,
            "loaded_at": pl.Datetime("us"),
        },
    )
    q = quarantine.with_columns(pl.lit(now).alias("loaded_at"))

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM raw.{table} WHERE period = ?", [period])
        for meta in ("quarantine", "files", "quality_issues"):
            con.execute(f"DELETE FROM raw.{meta} WHERE table_name = ? AND period = ?", [table, period])
        _insert(con, f"raw.{table}", new_rows)
        _insert(con, "raw.quarantine", q)
        _insert(con, "raw.files", files)
        _insert(con, "raw.quality_issues", quality)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise

    reasons = Counter(quarantine["reason"].to_list()) if quarantine.height else Counter()
    qual = Counter(quality["code"].to_list()) if quality.height else Counter()
    res = IngestResult(table, period, counts, dict(reasons), dict(qual))
    log.info(
        "ingested %s %s: %d files, %d loaded, %d quarantined",
        table,
        period,
        len(counts),
        res.rows_loaded,
        res.rows_quarantined,
    )
    return res


def _insert(con: duckdb.DuckDBPyConnection, target: str, frame: pl.DataFrame | None) -> None:
    if frame is None or frame.height == 0:
        return
    arrow = frame.to_arrow()
    con.register("__ingest_new", arrow)
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols} FROM __ingest_new")
    finally:
        con.unregister("__ingest_new")


@dataclass(frozen=True)
class PeriodStatus:
    period: str
    complete: bool
    tables_read: dict[str, bool]  # table -> at least one file read (not rejected whole)
    sources: tuple[str, ...]  # sources with a folder for the period
    expected: tuple[str, ...] = ()  # tables expected in the period (extracts.md), in contract order

    @property
    def missing(self) -> tuple[str, ...]:
        """Expected tables without a file read in the period."""
        return tuple(t for t in self.expected if not self.tables_read.get(t))


def period_status(con: duckdb.DuckDBPyConnection | None, dataset: Path) -> list[PeriodStatus]:
    """Periods on file (any source) and whether each is complete: every table expected in it (from the
    first period in which any file of the table is on disk, rejected whole or not) has at least one file
    of the period that was read (raw.files status loaded) and is still on disk."""
    disc = discover(Path(dataset))
    read: set[tuple[str, str, str]] = set()
    if con is not None:
        if has_table(con, "raw.files"):
            read = set(con.execute("SELECT period, table_name, file FROM raw.files WHERE status = 'loaded'").fetchall())
    on_disk = {(f.period, f.table, f.path) for f in disc.files}
    tables_on_file = {(p, t) for p, t, _ in on_disk}
    tables_read = {(p, t) for p, t, f in on_disk & read}
    expected = C.expected_tables(tables_on_file)
    complete = set(C.complete_periods(tables_on_file, tables_read))
    out = []
    for p in disc.all_periods:
        by_table = {t: (p, t) in tables_read for t in C.TABLES}
        sources = tuple(s for s in C.SOURCES if p in disc.periods.get(s, []))
        out.append(PeriodStatus(p, p in complete, by_table, sources, expected.get(p, ())))
    return out
