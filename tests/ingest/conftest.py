from __future__ import annotations

import duckdb
import pytest

from tests.ingest.helpers import make_dataset


@pytest.fixture
def dataset(tmp_path):
    return make_dataset(tmp_path / "ds")


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()
