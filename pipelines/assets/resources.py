"""Resources: the dataset being read and the working warehouse being written. Chosen in one place."""

from __future__ import annotations

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
    def connect(self):
        path = self.locations.duckdb_path
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()

    @classmethod
    def from_locations(cls, locations: Locations) -> "Warehouse":
        return cls(data_dir=str(locations.data), warehouse_dir=str(locations.warehouse))
