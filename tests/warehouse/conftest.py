"""A built warehouse: a generated dataset, ingested and modelled by dbt, once per test session."""

from __future__ import annotations

import pytest

from pipelines.dbt_cli import dbt
from pipelines.generate import generate
from pipelines.run import run_pipeline
from pipelines.settings import Locations


def build(tmp_path_factory, name: str, **generate_args) -> Locations:
    root = tmp_path_factory.mktemp(name)
    generate(root / "data", **generate_args)
    locations = Locations(root / "data", root / "warehouse")
    assert run_pipeline(locations).ok
    result = dbt(locations, "build", check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    return locations


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Locations:
    """The 12-month demo city at a small scale, with dirt."""
    return build(tmp_path_factory, "demo", preset="demo", scale=0.3, seed=11, dirty=0.05)
