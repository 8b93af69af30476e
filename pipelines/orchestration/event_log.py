"""Dagster's SQLite event log, with its connections kept open for the process.

Dagster's `SqliteEventLogStorage` builds a SQLAlchemy engine, opens a connection and disposes of both for
every event it stores, and an asset event touches two or three database files: about 16 ms an event, ~8 s
of a city's run (some 600 events; closing the last connection of a WAL file checkpoints it each time).
This subclass keeps one engine per file (the run's file and the cross-run index) and commits with
`synchronous=NORMAL`, which WAL mode keeps consistent: a power cut may lose the last events of a run, never
the file. The files are Dagster's own, so the webserver and the daemon read them with the stock class.
Depends on the private `_connect` of the pinned Dagster version (tests/pipeline/test_orchestration.py reads
a run back with the stock class).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine

OPEN_FILES = 4  # the index and the runs of this process (`safetynet run` makes two)


class WarehouseEventLogStorage(SqliteEventLogStorage):
    """The event log of a warehouse's Dagster instance (pipelines/run.py, `dagster_instance`)."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[tuple[int, str], Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> WarehouseEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        # Keyed by process too: a forked child must not share the parent's SQLite connections.
        key = (os.getpid(), shard)
        engine = self._engines.get(key)
        if engine is not None:
            self._engines.move_to_end(key)
            return engine
        engine = db.create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        db.event.listen(engine, "connect", _sqlite_pragmas)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[key] = engine
        while len(self._engines) > OPEN_FILES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The instance's `event_log_storage` when its dagster.yaml names no storage of its own.
EVENT_LOG_STORAGE = {"module": __name__, "class": WarehouseEventLogStorage.__name__}
