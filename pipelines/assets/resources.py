"""Resources: the dataset being read and the working warehouse being written. Chosen in one place."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.settings import Locations


class Warehouse(dg.ConfigurableResource):
    """The dataset folder (raw/, seeds/) and the warehouse folder holding the working DuckDB file.

    Only the pipeline writes the working file; nothing serves from it. Assets that write it run one at a
    time (in-process executor), because DuckDB allows one writer per file.
    """

    data_dir: str
    warehouse_dir: str

    @property
    def locations(self) -> Locations:
        return Locations(data=Path(self.data_dir), warehouse=Path(self.warehouse_dir))

    @contextmanager
    def connect(self, wait_seconds: float = 30.0):
        """A read-write connection to the working file. Waits a little when another process holds the
        file's lock for a moment (a sensor reading what changed) instead of failing the run at once."""
        path = self.locations.duckdb_path
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                con = duckdb.connect(str(path))
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        try:
            yield con
        finally:
            con.close()

    @classmethod
    def from_locations(cls, locations: Locations) -> Warehouse:
        return cls(data_dir=str(locations.data), warehouse_dir=str(locations.warehouse))
