"""The feedback store: one SQLite file in WAL mode, apart from the warehouse (`feedback/feedback.sqlite`,
or the path in SAFETYNET_FEEDBACK).

SQLite with WAL lets many dashboard sessions read while one writes, and a committed transaction survives
a crash (synchronous=FULL). Writers take the write lock when they begin (BEGIN IMMEDIATE) and wait for
one another (busy_timeout), so two writers at once both succeed, one after the other. The schema is made
and upgraded by Alembic's migrations (migrations/), run when the store is opened.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import threading
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from pipelines.feedback import tables as t
from pipelines.feedback.clock import utc_now
from pipelines.settings import feedback_path

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_MS = 60_000
_migrated: set[str] = set()
_migrating = threading.Lock()
_stores: dict[str, FeedbackStore] = {}
_opening = threading.Lock()

CASE_COLUMNS = (
    "case_id",
    "warning_id",
    "first_period",
    "rule_id",
    "kind",
    "county_code",
    "township_code",
    "region_code",
)


def feedback_store(path: Path | None = None) -> FeedbackStore:
    """The store at `path` (default SAFETYNET_FEEDBACK's, read at each call), opened once per process: one
    engine and its pool of connections, shared by every caller (a dashboard session, a run's steps)."""
    key = str(Path(path) if path is not None else feedback_path())
    with _opening:
        if key not in _stores:
            _stores[key] = FeedbackStore(key)
        return _stores[key]


class FeedbackStore:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else feedback_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(f"sqlite:///{self.path}", connect_args={"timeout": BUSY_MS / 1000})
        sa.event.listen(self.engine, "connect", _configure)
        sa.event.listen(self.engine, "begin", _begin)
        self._writer = self.engine.execution_options(write=True)
        self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (once per process and file; a file lock keeps two
        processes opening a new store at once from both creating it)."""
        key = str(self.path.resolve())
        with _migrating:
            if key in _migrated:
                return
            with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                with self.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
            _migrated.add(key)

    @contextmanager
    def write(self):
        """One write transaction: all of it is committed, or none."""
        with self._writer.begin() as connection:
            yield connection

    @contextmanager
    def read(self):
        """One read transaction: every query inside sees the same state of the store."""
        with self.engine.begin() as connection:
            yield connection

    # --- reading ---------------------------------------------------------------------------------

    def frames(self, names: tuple[str, ...] = ("publications", "case_issues", "case_places", "dispositions")):
        """The named tables as polars frames, read in one transaction (a consistent copy)."""
        with self.read() as connection:
            return {name: _frame(connection, t.metadata.tables[name]) for name in names}

    def publications_count(self) -> int:
        with self.read() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(t.publications)).scalar_one()

    # --- publishing --------------------------------------------------------------------------------

    def record_publication(
        self, snapshot: str, published_at: dt.datetime, latest_period: str, cases: pl.DataFrame
    ) -> int:
        """Record a published snapshot, the issue time of every case in it that is new (never changing an
        earlier one), and the new place of every case placed elsewhere than last recorded. One
        transaction. Returns the number of cases issued now. `cases` has CASE_COLUMNS."""
        with self.write() as connection:
            publication = connection.execute(
                t.publications.insert().values(
                    snapshot=snapshot, published_at=published_at, latest_period=latest_period
                )
            ).inserted_primary_key[0]
            known = _frame(connection, t.case_issues, [t.case_issues.c.case_id])
            places = _latest_places(connection)
            new = cases.join(known, on="case_id", how="anti")
            if new.height:
                connection.execute(
                    t.case_issues.insert(),
                    [
                        {**row, "issued_at": published_at, "publication_id": publication}
                        for row in new.select("case_id", "warning_id", "first_period", "rule_id", "kind").to_dicts()
                    ],
                )
            place = ["county_code", "township_code", "region_code"]
            moved = cases.select("case_id", *place).join(places, on=["case_id", *place], how="anti", nulls_equal=True)
            if moved.height:
                connection.execute(
                    t.case_places.insert(), [{**row, "publication_id": publication} for row in moved.to_dicts()]
                )
            return new.height

    # --- audit -------------------------------------------------------------------------------------

    def audit(self, user: str, event: str, detail: dict | None = None, at: dt.datetime | None = None, connection=None):
        """Append one audit event (detail: counts, case ids, file names; never a person's id or name)."""
        values = {
            "at": at or utc_now(),
            "user": user,
            "event": event,
            "detail": json.dumps(detail or {}, ensure_ascii=False),
        }
        if connection is not None:
            connection.execute(t.audit_events.insert().values(**values))
            return
        with self.write() as connection:
            connection.execute(t.audit_events.insert().values(**values))

    def audit_events(self, user: str | None = None, since: dt.datetime | None = None) -> pl.DataFrame:
        query = sa.select(t.audit_events).order_by(t.audit_events.c.id)
        if user is not None:
            query = query.where(t.audit_events.c.user == user)
        if since is not None:
            query = query.where(t.audit_events.c.at >= since)
        with self.read() as connection:
            return _frame(connection, t.audit_events, query=query)


def _configure(dbapi_connection, _record) -> None:
    # Transactions are begun by the "begin" listener (pysqlite's own handling defers them wrongly).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin(connection) -> None:
    write = connection.get_execution_options().get("write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _frame(connection, table: sa.Table, columns=None, query=None) -> pl.DataFrame:
    query = query if query is not None else sa.select(*(columns or table.columns))
    result = connection.execute(query)
    names = list(result.keys())
    schema = {c.name: _polars_type(c.type) for c in table.columns if c.name in names}
    return pl.DataFrame([tuple(r) for r in result], schema=schema, orient="row")


def _polars_type(sql_type) -> pl.DataType:
    if isinstance(sql_type, sa.DateTime):
        return pl.Datetime("us")
    if isinstance(sql_type, sa.Date):
        return pl.Date
    if isinstance(sql_type, sa.Integer):
        return pl.Int64
    return pl.String


def _latest_places(connection) -> pl.DataFrame:
    latest = sa.select(sa.func.max(t.case_places.c.id)).group_by(t.case_places.c.case_id)
    query = sa.select(
        t.case_places.c.case_id, t.case_places.c.county_code, t.case_places.c.township_code, t.case_places.c.region_code
    ).where(t.case_places.c.id.in_(latest))
    return _frame(connection, t.case_places, query=query)
