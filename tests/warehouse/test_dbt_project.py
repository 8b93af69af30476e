"""The dbt project as a newcomer meets it: docs generate, every model and column documented, the
dataset's seeds never written, and staging docs in step with the input contract."""

from __future__ import annotations

import hashlib
import json

from pipelines.contract.dbt_docs import STAGING_YML, render
from pipelines.dbt_cli import dbt, project_copy


def test_staging_docs_are_written_from_the_contract():
    assert STAGING_YML.read_text(encoding="utf-8") == render(), (
        "run `python -m pipelines.contract.dbt_docs` after changing the contract"
    )


def test_ingestion_models_accept_exactly_the_contract_codes():
    """The accepted values of the ledger's staging models are the contract's sources, tables and codes."""
    import yaml

    from pipelines.contract.tables import QUALITY_CODES, QUARANTINE_REASONS, SOURCES, TABLES

    spec = yaml.safe_load((STAGING_YML.parent / "ingestion" / "_ingestion.yml").read_text(encoding="utf-8"))
    accepted = {
        (model["name"], column): values
        for model in spec["models"]
        for test in model.get("data_tests", [])
        if "column_checks" in test
        for column, values in test["column_checks"]["arguments"].get("accepted_values", {}).items()
    }
    want = {"source": list(SOURCES), "table_name": list(TABLES), "reason": list(QUARANTINE_REASONS)}
    want["code"] = list(QUALITY_CODES)
    for name in ("stg_ingestion__files", "stg_ingestion__quarantine", "stg_ingestion__quality_issues"):
        assert accepted[(name, "source")] == want["source"], name
        assert accepted[(name, "table_name")] == want["table_name"], name
    assert accepted[("stg_ingestion__quarantine", "reason")] == want["reason"]
    assert accepted[("stg_ingestion__quality_issues", "code")] == want["code"]


def test_docs_generate_and_every_model_and_column_is_documented(demo_warehouse):
    result = dbt(demo_warehouse, "docs", "generate", check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    target = project_copy(demo_warehouse) / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    assert (target / "index.html").exists()
    undocumented_models, undocumented_columns = [], []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or node["config"].get("materialized") == "ephemeral":
            continue
        if not node["description"].strip():
            undocumented_models.append(node["name"])
        described = {c for c, meta in node["columns"].items() if meta.get("description", "").strip()}
        for column in catalog["nodes"].get(uid, {}).get("columns", {}):
            if column.lower() not in described:
                undocumented_columns.append(f"{node['name']}.{column.lower()}")
    assert not undocumented_models, undocumented_models
    assert not undocumented_columns, undocumented_columns
    assert {e["name"] for e in manifest["exposures"].values()} >= {"dashboards", "warning_and_verification_lists"}


def test_building_never_writes_the_dataset(demo_warehouse):
    """dbt writes what it ran under target/; the dataset's seeds and extracts stay as they were."""
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in demo_warehouse.seeds.glob("*.csv")}
    assert dbt(demo_warehouse, "seed", check=False).returncode == 0
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in demo_warehouse.seeds.glob("*.csv")}
    assert after == before


def test_dbt_unit_tests_pass(demo_warehouse):
    """The unit tests of every rule and KPI (pipeline runs skip them: they test SQL, not data)."""
    result = dbt(demo_warehouse, "test", "--select", "test_type:unit", check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS=" in result.stdout and "ERROR=0" in result.stdout
