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
