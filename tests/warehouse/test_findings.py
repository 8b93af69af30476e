"""main_marts.fct_findings equals the generator's truth (truth/findings.csv), rule by rule.

Each rule is compared on its own (a rule whose model does not exist yet is skipped): first the sets of
(period, warning_id), then every evidence column of the findings both sides have. Failures report counts,
column names and warning_ids (hashes) only, never a person id, a name or a value; assertion rewriting is
off for this module so that pytest shows nothing else.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.contract import RULE_IDS
from pipelines.dbt_cli import DBT_PROJECT_DIR, dbt
from pipelines.settings import Locations
from tests.warehouse.conftest import build
from tests.warehouse.compare import FINDING_KEY, finding_differences, query, truth_findings, warehouse_findings

RULE_MODELS = DBT_PROJECT_DIR / "models" / "intermediate" / "rules"


def has_rule_model(rule_id: str) -> bool:
    return any(RULE_MODELS.glob(f"int_findings__{rule_id.lower()}_*.sql"))


def check_rule(locations: Locations, rule_id: str) -> None:
    if not has_rule_model(rule_id):
        pytest.skip(f"no rule model for {rule_id} yet")
    problems = finding_differences(truth_findings(locations), warehouse_findings(locations), rule_id)
    if problems:
        pytest.fail(f"{rule_id}: " + "; ".join(problems), pytrace=False)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_findings_equal_truth_demo(demo_warehouse, rule_id):
    """The 12-month demo (seed 11, with dirt)."""
    check_rule(demo_warehouse, rule_id)


@pytest.fixture(scope="session")
def other_warehouse(tmp_path_factory) -> Locations:
    """Another seed, five months, more dirt."""
    return build(tmp_path_factory, "findings_other", preset="demo", scale=0.25, months=5, seed=29, dirty=0.08)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_findings_equal_truth_other_seed(other_warehouse, rule_id):
    check_rule(other_warehouse, rule_id)


def test_every_rule_fires_somewhere(demo_warehouse, other_warehouse):
    """The comparisons above are not vacuous: in the truth of the two datasets every rule fires."""
    fired = set(truth_findings(demo_warehouse)["rule_id"]) | set(truth_findings(other_warehouse)["rule_id"])
    assert fired == set(RULE_IDS), f"rules that never fire in the test data: {sorted(set(RULE_IDS) - fired)}"


def test_recomputing_from_a_period_keeps_the_truth(other_warehouse, tmp_path):
    """`--vars from_period`: the periods from it are deleted and recomputed, the runs carry on from the
    month before (kept in the table), and the result is still the truth; earlier rows are not touched."""
    locations = copy_warehouse(other_warehouse, tmp_path)
    periods = sorted(set(truth_findings(locations)["period"]))
    from_period = periods[len(periods) // 2]
    with duckdb.connect(str(locations.duckdb_path)) as con:
        con.execute("update main_marts.fct_findings set subject_name = 'MARK' where period < ?", [from_period])
        marked = con.execute("select count(*) from main_marts.fct_findings where period < ?", [from_period]).fetchone()[
            0
        ]
    result = dbt(locations, "run", "--select", "fct_findings", vars={"from_period": from_period}, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        still = con.execute("select count(*) from main_marts.fct_findings where subject_name = 'MARK'").fetchone()[0]
        later_marked = con.execute(
            "select count(*) from main_marts.fct_findings where subject_name = 'MARK' and period >= ?",
            [from_period],
        ).fetchone()[0]
    assert marked > 0 and still == marked and later_marked == 0
    truth, got = truth_findings(locations), warehouse_findings(locations)
    problems = [f"{r}: {p}" for r in RULE_IDS if has_rule_model(r) for p in finding_differences(truth, got, r)]
    assert not problems, "; ".join(problems)
    persisting = got.filter((pl.col("period") >= from_period) & (pl.col("first_period") < from_period))
    assert persisting.height > 0, "some runs start before from_period"


def copy_warehouse(locations: Locations, root: Path) -> Locations:
    """A copy of a built dataset and warehouse (the DuckDB file only), to change without side effects."""
    copy = Locations(root / "data", root / "warehouse")
    shutil.copytree(locations.data, copy.data)
    copy.warehouse.mkdir(parents=True)
    shutil.copy2(locations.duckdb_path, copy.duckdb_path)
    return copy


def test_disabled_rule_has_no_findings(other_warehouse, tmp_path):
    """warning_rules.csv with W02 enabled = false (and W01 made red): no W02 finding, W01 red, the other
    rules unchanged."""
    locations = copy_warehouse(other_warehouse, tmp_path)
    seed = locations.seeds / "warning_rules.csv"
    with seed.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["rule_id"] for r in rows} >= {"W01", "W02"}
    for r in rows:
        if r["rule_id"] == "W02":
            r["enabled"] = "false"
        if r["rule_id"] == "W01":
            r["severity"] = "red"
    with seed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = warehouse_findings(other_warehouse)
    assert before.filter(pl.col("rule_id") == "W02").height > 0, "W02 fires before it is disabled"

    result = dbt(locations, "build", "--select", "+fct_findings", "--full-refresh", check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    after = warehouse_findings(locations)
    assert after.filter(pl.col("rule_id") == "W02").height == 0
    w01 = after.filter(pl.col("rule_id") == "W01")
    assert w01.height > 0 and set(w01["severity"]) == {"red"}
    rest = [c for c in after.columns if c != "severity"]
    unchanged = before.filter(pl.col("rule_id") != "W02").select(rest).sort(FINDING_KEY)
    assert unchanged.equals(after.select(rest).sort(FINDING_KEY)), "the other rules are not affected"


def test_a_finding_placed_at_a_county_names_no_township_or_village(demo_warehouse, tmp_path):
    """W09 (medical insurance knows no villages) is placed at a county: the list shows 县区 and leaves 乡镇街道
    and 村社区 empty, and K08 counts it in its county and the city, in no township."""
    from pipelines.exports import export_list
    from tests.exports.helpers import read_csv

    placed = query(
        demo_warehouse,
        "select period, count(*) as n from main_marts.fct_findings where rule_id = 'W09' group by period order by period",
    )
    assert placed.height, "the demo plants W09 findings"
    period = placed["period"][-1]
    out = tmp_path / "warnings.csv"
    export_list("warnings", demo_warehouse.duckdb_path, period, "csv", out, user="tester")
    rows = read_csv(out).filter(pl.col("规则编号") == "W09")
    assert rows.height == placed["n"][-1]
    assert rows["县区"].null_count() == 0
    assert rows["乡镇街道"].null_count() == rows.height and rows["村社区"].null_count() == rows.height
    k08 = query(
        demo_warehouse,
        f"""
        with townships as (
            select substr(region_code, 1, 6) as c6, sum(value) as v from main_marts.fct_kpis
            where period = '{period}' and indicator_id = 'K08_open' and level = 'township' group by 1
        ),
        placed as (
            select substr(region_code, 1, 6) as c6, count(*) as v from main_marts.fct_findings
            where period = '{period}' and kind = 'warning' and township_code is null group by 1
        )
        select k.region_code, k.value, coalesce(t.v, 0) + coalesce(p.v, 0) as parts
        from main_marts.fct_kpis as k
        left join townships as t on t.c6 = substr(k.region_code, 1, 6)
        left join placed as p on p.c6 = substr(k.region_code, 1, 6)
        where k.period = '{period}' and k.indicator_id = 'K08_open' and k.level = 'county'
    """,
    )
    assert k08.height and (k08["value"] == k08["parts"]).all()
