"""One rule catalogue (vars.rule_catalogue in dbt_project.yml): dbt, the contracts, the generator, its
reference evaluation and the dashboards read the same list, and a rule missing from any of them is a
failure, not a silent gap."""

from __future__ import annotations

import json

import duckdb
import pytest

from pipelines.contract import RULE_IDS, RULES, TABLES
from pipelines.contract.rules import load_catalogue
from pipelines.dbt_cli import DBT_PROJECT_DIR
from pipelines.generate.cities import rule_settings
from pipelines.generate.reference import RULE_FUNCTIONS


def test_every_rule_model_is_in_the_catalogue_and_every_entry_has_a_model():
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    models = {
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["name"].startswith("int_findings__")
    }
    assert models == {r.model for r in RULES.values()}
    fct_findings = next(n for n in manifest["nodes"].values() if n["name"] == "fct_findings")
    assert {p.split(".")[-1] for p in fct_findings["depends_on"]["nodes"]} >= models


def test_every_rule_has_its_oracle_and_the_generator_writes_its_defaults():
    assert set(RULE_FUNCTIONS) == set(RULE_IDS)
    settings = rule_settings()
    assert list(settings) == list(RULE_IDS)
    for rule in RULES.values():
        assert settings[rule.id].severity == rule.severity
        assert settings[rule.id].params == dict(rule.params)
        assert set(rule.tables) <= set(TABLES)


def test_the_warehouse_holds_the_catalogue(demo_warehouse):
    with duckdb.connect(str(demo_warehouse.duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select rule_id, rule_name, kind, tables_read from main_intermediate.int_rule_parameters order by rule_id"
        ).fetchall()
    assert rows == sorted((r.id, r.name, r.kind, list(r.tables)) for r in RULES.values())


@pytest.mark.parametrize(
    "entry, named",
    [
        ("{id: W99, name: x, kind: alarm, severity: red, tables: [dibao], model: m}", "kind 'alarm'"),
        ("{id: W99, name: x, kind: warning, severity: pink, tables: [dibao], model: m}", "severity 'pink'"),
        ("{id: W99, name: x, kind: warning, severity: red, tables: [pensions], model: m}", "table 'pensions'"),
        ("{id: W99, name: x, kind: warning, severity: red, tables: [], model: m}", "no table read"),
    ],
)
def test_a_malformed_entry_is_an_error_naming_the_rule(tmp_path, entry, named):
    path = tmp_path / "dbt_project.yml"
    path.write_text(f"vars:\n  rule_catalogue:\n    - {entry}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"rule W99: {named}"):
        load_catalogue(path)
