"""The rule models W05–W08, V03 and V04 (main_intermediate.int_findings__*) equal the generator's truth.

Each model is read as it is materialised (a view in main_intermediate) and compared with
truth/findings.csv of the same rule, row for row: the set of (period, warning_id) — warning_id computed
from the subject as rules.md says — and then region_code, value, threshold, persons_involved,
household_id and source_rows. Failures report counts, column names and warning_ids (hashes) only,
never a person id, a name or a value; assertion rewriting is off for this module so that pytest shows
nothing else.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib

import duckdb
import polars as pl
import pytest

from pipelines.settings import Locations

MODELS = {
    "W05": "int_findings__w05_dispersed_tekun_without_care_agreement",
    "W06": "int_findings__w06_relapse_after_risk_eliminated",
    "W07": "int_findings__w07_monitored_income_drop",
    "W08": "int_findings__w08_low_income_family_below_standard",
    "V03": "int_findings__v03_disability_subsidy_paid_twice",
    "V04": "int_findings__v04_dibao_benefit_above_cap",
}
COLUMNS = [
    "period",
    "rule_id",
    "subject_person_id",
    "subject_name",
    "household_id",
    "region_code",
    "value",
    "threshold",
    "persons_involved",
    "source_rows",
]
KEY = ["period", "warning_id"]
COMPARED = ["region_code", "value", "threshold", "persons_involved", "household_id", "source_rows"]
SHOWN = 5  # warning_ids listed per kind of difference


def warning_id(rule_id: str, person_id: str) -> str:
    """rules.md, "Identity and persistence of a finding"."""
    return f"{rule_id}-" + hashlib.sha256(f"{rule_id}|{person_id}".encode()).hexdigest()[:12]


def model_rows(locations: Locations, rule_id: str) -> pl.DataFrame:
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        frame = con.sql(f"select * from main_intermediate.{MODELS[rule_id]}").pl()
    assert frame.columns == COLUMNS, f"{rule_id}: columns {frame.columns}"
    assert frame["persons_involved"].dtype == pl.Int32, f"{rule_id}: persons_involved not an integer"
    assert (frame["rule_id"] == rule_id).all(), f"{rule_id}: another rule_id in the model"
    ids = [warning_id(rule_id, p) for p in frame["subject_person_id"]]
    return frame.with_columns(warning_id=pl.Series(ids, dtype=pl.String)).select(
        [pl.col(c).cast(pl.String) for c in [*KEY, *COMPARED]]
    )


def truth_rows(locations: Locations, rule_id: str) -> pl.DataFrame:
    frame = pl.read_csv(locations.data / "truth" / "findings.csv", infer_schema=False)
    return frame.filter(pl.col("rule_id") == rule_id).select([*KEY, *COMPARED])


def differences(truth: pl.DataFrame, got: pl.DataFrame) -> list[str]:
    """What differs, as messages carrying counts, columns and warning_ids only."""
    problems = []
    duplicated = got.group_by(KEY).len().filter(pl.col("len") > 1)
    if duplicated.height:
        problems.append(f"{duplicated.height} (period, warning_id) twice in the model")
    for name, left, right in (("missing", truth, got), ("unexpected", got, truth)):
        only = left.join(right, on=KEY, how="anti").sort(KEY)
        if only.height:
            ids = ", ".join(f"{p} {w}" for p, w in only.select(KEY).head(SHOWN).iter_rows())
            problems.append(f"{only.height} {name} finding(s) of {left.height} vs {right.height}: {ids}")
    both = truth.join(got, on=KEY, suffix="_got")
    for column in COMPARED:
        wrong = both.filter(pl.col(column).ne_missing(pl.col(f"{column}_got"))).sort(KEY)
        if wrong.height:
            ids = ", ".join(f"{p} {w}" for p, w in wrong.select(KEY).head(SHOWN).iter_rows())
            problems.append(f"{column}: {wrong.height} of {both.height} differ: {ids}")
    return problems


@pytest.mark.parametrize("rule_id", list(MODELS))
def test_rule_model_equals_truth(demo_warehouse: Locations, rule_id: str):
    truth = truth_rows(demo_warehouse, rule_id)
    got = model_rows(demo_warehouse, rule_id)
    assert truth.height > 0, f"{rule_id}: the demo's truth has no finding, so the test proves nothing"
    problems = differences(truth, got)
    assert not problems, f"{rule_id}: " + "; ".join(problems)
