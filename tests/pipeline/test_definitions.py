"""The Dagster definitions `dagster dev` loads: one partitioned asset per table, keyed ["raw", table]."""

import dagster as dg

from pipelines.contract import TABLES
from pipelines.definitions import defs


def test_one_raw_asset_per_table_partitioned_by_period():
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    assert set(specs) == {dg.AssetKey(["raw", t]) for t in TABLES}
    for spec in specs.values():
        assert isinstance(spec.partitions_def, dg.DynamicPartitionsDefinition)
        assert spec.partitions_def.name == "period"


def test_ingest_job_selects_every_raw_asset():
    job = defs.resolve_job_def("ingest_period")
    assert {k for k in job.asset_layer.executable_asset_keys} == {dg.AssetKey(["raw", t]) for t in TABLES}
