"""The Dagster definitions `dagster dev` loads: one partitioned asset per table, keyed ["raw", table]."""

import dagster as dg

from pipelines.contract import TABLES
from pipelines.definitions import defs


def test_one_raw_asset_per_table_partitioned_by_period():
    raw = {spec.key: spec for spec in defs.resolve_all_asset_specs() if spec.key.path[0] == "raw"}
    # raw.files, raw.quarantine and raw.quality_issues are the ledger every ingestion asset writes;
    # dbt reads them as sources, so they appear as external assets beside the seven tables.
    ledger = {dg.AssetKey(["raw", t]) for t in ("files", "quarantine", "quality_issues")}
    assert set(raw) == {dg.AssetKey(["raw", t]) for t in TABLES} | ledger
    specs = {key: spec for key, spec in raw.items() if key not in ledger}
    for spec in specs.values():
        assert isinstance(spec.partitions_def, dg.DynamicPartitionsDefinition)
        assert spec.partitions_def.name == "period"


def test_ingest_job_selects_every_raw_asset():
    job = defs.resolve_job_def("ingest_period")
    assert {k for k in job.asset_layer.executable_asset_keys} == {dg.AssetKey(["raw", t]) for t in TABLES}


def test_dbt_models_are_assets_downstream_of_the_raw_assets():
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    staging = specs[dg.AssetKey(["staging", "stg_civil_affairs__dibao"])]
    assert dg.AssetKey(["raw", "dibao"]) in {dep.asset_key for dep in staging.deps}
    for mart in ("fct_findings", "fct_kpis", "fct_membership", "dim_region"):
        assert dg.AssetKey(["marts", mart]) in specs
    job = defs.resolve_job_def("build_warehouse")
    assert dg.AssetKey(["marts", "fct_findings"]) in job.asset_layer.executable_asset_keys


def test_dbt_data_tests_are_asset_checks():
    """dbt's data tests show in Dagster as checks on the models they test: each model's column checks
    (not null, accepted values, references, grain) as one check of that model."""
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    models = [key for key in graph.get_all_asset_keys() if key.path[0] in ("staging", "intermediate", "marts")]
    assert len(models) > 40
    missing = [key.to_user_string() for key in models if (key, f"column_checks_{key.path[-1]}") not in checks]
    assert not missing, missing


def test_data_contracts_are_blocking_checks_and_publishing_follows_the_marts():
    """What `dagster dev` shows: each raw table and mart with its contracts, and the publish step
    downstream of the marts, so a failed blocking mart check keeps it from running."""
    from pipelines.quality import MART_CHECKS, RAW_CHECKS

    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key, c.name) for c in graph.asset_check_keys}
    for table in TABLES:
        for name in RAW_CHECKS:
            assert (dg.AssetKey(["raw", table]), name) in checks
    for mart, names in MART_CHECKS.items():
        for name in names:
            assert (dg.AssetKey(["marts", mart]), name) in checks
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    publish = specs[dg.AssetKey("published_snapshot")]
    assert {d.asset_key for d in publish.deps} >= {dg.AssetKey(["marts", m]) for m in MART_CHECKS}
    ours = [
        graph.get_check_spec(c)
        for c in graph.asset_check_keys
        if c.name in RAW_CHECKS or c.name in MART_CHECKS["fct_kpis"]
    ]
    assert len(ours) == len(TABLES) * len(RAW_CHECKS) + sum(map(len, MART_CHECKS.values()))
    # The marts' checks keep the publish step from running; the raw tables' hold back their periods
    # (meta.contract_breaches) instead of failing the ingestion step, so earlier months still publish.
    raw = [spec for spec in ours if spec.asset_key.path[0] == "raw"]
    assert len(raw) == len(TABLES) * len(RAW_CHECKS)
    assert not any(spec.blocking for spec in raw)
    assert all(spec.blocking for spec in ours if spec.asset_key.path[0] == "marts")
    job = defs.resolve_job_def("build_warehouse")
    assert dg.AssetKey("published_snapshot") in job.asset_layer.executable_asset_keys
