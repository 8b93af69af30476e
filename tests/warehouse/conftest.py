"""A built warehouse: a generated dataset, ingested and modelled by dbt through `safetynet run`."""

from __future__ import annotations

import pytest

from pipelines.generate import generate
from pipelines.run import run_pipeline
from pipelines.settings import Locations


def build(tmp_path_factory, name: str, **generate_args) -> Locations:
    root = tmp_path_factory.mktemp(name)
    generate(root / "data", **generate_args)
    locations = Locations(root / "data", root / "warehouse")
    summary = run_pipeline(locations)
    assert summary.ok, summary.describe()
    return locations


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Locations:
    """The 12-month demo city at a small scale, with dirt."""
    return build(tmp_path_factory, "demo", preset="demo", scale=0.3, seed=11, dirty=0.05)


@pytest.fixture(scope="session")
def report_warehouse(tmp_path_factory) -> Locations:
    """The report-2021 preset: one period (2021-09) of a whole city, about 0.6 M rows; slow."""
    return build(tmp_path_factory, "report", preset="report-2021")
