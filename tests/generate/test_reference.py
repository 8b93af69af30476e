"""The reference evaluation (pipelines/generate/reference.py) on small hand-built fixtures.

Persons are named by labels ("ann", "bob", ...); their ids are invented, checksum-valid ids. Every
assertion compares labels, never ids, and assertion rewriting is off for this module, so a failure
prints no id (only the messages below, which carry labels).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from decimal import Decimal

import polars as pl
import pytest

from pipelines.generate.reference import evaluate

CITY, C1, C2 = "370900000000", "370902000000", "370911000000"
T1, T2 = "370902001000", "370911001000"
V1_RURAL, V1_URBAN, V2_RURAL = "370902001001", "370902001002", "370911001001"
P1, P2, P3, P4 = "2026-01", "2026-02", "2026-03", "2026-04"


# ---------------------------------------------------------------------------------------------------
# Invented persons
# ---------------------------------------------------------------------------------------------------
def _check_char(body17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights)) % 11]


_LABELS = ["ann", "bob", "cai", "dan", "eve", "fan", "gus", "hao", "ivy", "jin", "kai", "lei"]
ID = {}
for _n, _label in enumerate(_LABELS):
    _body = f"370902198{_n % 10}0101{100 + _n * 2:03d}"
    ID[_label] = _body + _check_char(_body)
LABEL = {v: k for k, v in ID.items()}
assert sorted(ID.values()) == [ID[k] for k in sorted(ID, key=lambda k: ID[k])]


# ---------------------------------------------------------------------------------------------------
# Row builders (typed like the loaded tables)
# ---------------------------------------------------------------------------------------------------
_row_numbers = itertools.count(2)

SCHEMAS = {
    "dibao": {
        "region_code": pl.String,
        "household_id": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "relation": pl.String,
        "is_covered": pl.Boolean,
        "dibao_category": pl.String,
        "household_size": pl.Int32,
        "monthly_income_per_capita": pl.Decimal(14, 2),
        "monthly_benefit": pl.Decimal(14, 2),
        "approval_date": pl.Date,
        "status": pl.String,
    },
    "tekun": {
        "region_code": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "care_mode": pl.String,
        "self_care": pl.String,
        "monthly_basic_living": pl.Decimal(14, 2),
        "monthly_care_fee": pl.Decimal(14, 2),
        "has_care_agreement": pl.Boolean,
        "recognition_date": pl.Date,
        "status": pl.String,
    },
    "temporary_assistance": {
        "region_code": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "assistance_type": pl.String,
        "amount": pl.Decimal(14, 2),
        "payment_date": pl.Date,
        "reason": pl.String,
        "payment_reference": pl.String,
    },
    "near_dibao": {
        "region_code": pl.String,
        "household_id": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "relation": pl.String,
        "family_type": pl.String,
        "monthly_income_per_capita": pl.Decimal(14, 2),
        "recognition_date": pl.Date,
    },
    "monitoring": {
        "county_name": pl.String,
        "township_name": pl.String,
        "village_name": pl.String,
        "household_id": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "relation": pl.String,
        "monitoring_type": pl.String,
        "risk_cause": pl.String,
        "identified_date": pl.Date,
        "risk_eliminated": pl.Boolean,
        "eliminated_date": pl.Date,
        "annual_income_per_capita": pl.Decimal(14, 2),
        "region_code": pl.String,
    },
    "disability_cards": {
        "region_code": pl.String,
        "name": pl.String,
        "disability_card_no": pl.String,
        "disability_type": pl.String,
        "disability_grade": pl.Int16,
        "issue_date": pl.Date,
        "card_status": pl.String,
        "person_id": pl.String,
    },
    "disability_subsidies": {
        "region_code": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "subsidy_type": pl.String,
        "payment_month": pl.String,
        "amount": pl.Decimal(14, 2),
        "payment_reference": pl.String,
    },
    "household_changes": {
        "region_code": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "change_type": pl.String,
        "change_date": pl.Date,
        "destination_region_code": pl.String,
        "registration_reference": pl.String,
    },
    "social_insurance_payments": {
        "region_code": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "benefit_type": pl.String,
        "payment_month": pl.String,
        "amount": pl.Decimal(14, 2),
    },
    "payroll": {
        "region_code": pl.String,
        "employer": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "staff_category": pl.String,
        "monthly_salary": pl.Decimal(14, 2),
    },
    "medical_settlements": {
        "region_code": pl.String,
        "name": pl.String,
        "person_id": pl.String,
        "visit_type": pl.String,
        "settlement_date": pl.Date,
        "total_cost": pl.Decimal(14, 2),
        "out_of_pocket": pl.Decimal(14, 2),
        "settlement_reference": pl.String,
    },
}
LINEAGE = {"period": pl.String, "source_file": pl.String, "source_row": pl.Int32}
SOURCE = {
    "monitoring": "rural_revitalisation",
    "disability_cards": "disability_federation",
    "disability_subsidies": "disability_federation",
    "household_changes": "public_security",
    "social_insurance_payments": "human_resources",
    "payroll": "finance",
    "medical_settlements": "medical_insurance",
}


def _row(table, period, **values):
    values.update(
        period=period,
        source_file=f"raw/{SOURCE.get(table, 'civil_affairs')}/{period}/{table}.csv",
        source_row=next(_row_numbers),
        name="某某",
    )
    return table, values


def D(x) -> Decimal:
    return Decimal(x)


def dibao(
    period,
    household,
    who,
    relation="head",
    covered=True,
    category="rural",
    size=1,
    benefit="500.00",
    status="active",
    region=V1_RURAL,
):
    return _row(
        "dibao",
        period,
        region_code=region,
        household_id=household,
        person_id=ID[who],
        relation=relation,
        is_covered=covered,
        dibao_category=category,
        household_size=size,
        monthly_income_per_capita=D("100.00"),
        monthly_benefit=D(benefit),
        approval_date=dt.date(2020, 1, 1),
        status=status,
    )


def tekun(
    period,
    who,
    care_mode="centralized",
    self_care="full",
    agreement=True,
    status="active",
    region=V1_RURAL,
    basic="854.00",
    care="100.00",
):
    return _row(
        "tekun",
        period,
        region_code=region,
        person_id=ID[who],
        care_mode=care_mode,
        self_care=self_care,
        monthly_basic_living=D(basic),
        monthly_care_fee=D(care),
        has_care_agreement=agreement,
        recognition_date=dt.date(2020, 1, 1),
        status=status,
    )


def assistance(period, who, paid_on, amount="1000.00", region=V1_RURAL):
    return _row(
        "temporary_assistance",
        period,
        region_code=region,
        person_id=ID[who],
        assistance_type="emergency",
        amount=D(amount),
        payment_date=paid_on,
        reason=None,
        payment_reference=f"TA{next(_row_numbers)}",
    )


def near(period, household, who, relation="head", income="500.00", region=V1_RURAL):
    return _row(
        "near_dibao",
        period,
        region_code=region,
        household_id=household,
        person_id=ID[who],
        relation=relation,
        family_type="near_dibao",
        monthly_income_per_capita=D(income),
        recognition_date=dt.date(2020, 1, 1),
    )


def monitored(
    period,
    household,
    who,
    relation="head",
    kind="unstable_lifted",
    eliminated=False,
    income="20000.00",
    identified=dt.date(2020, 1, 1),
    region=V1_RURAL,
):
    return _row(
        "monitoring",
        period,
        county_name="县",
        township_name="乡",
        village_name="村",
        household_id=household,
        person_id=ID[who],
        relation=relation,
        monitoring_type=kind,
        risk_cause="illness",
        identified_date=identified,
        risk_eliminated=eliminated,
        eliminated_date=dt.date(2020, 6, 1) if eliminated else None,
        annual_income_per_capita=D(income),
        region_code=region,
    )


def card(period, who, grade=1, status="valid", region=V1_RURAL):
    return _row(
        "disability_cards",
        period,
        region_code=region,
        disability_card_no=ID[who] + f"4{grade}",
        disability_type="physical",
        disability_grade=grade,
        issue_date=dt.date(2020, 1, 1),
        card_status=status,
        person_id=ID[who],
    )


def subsidy(period, who, kind="nursing_subsidy", amount="100.00", reference=None, region=V1_RURAL):
    return _row(
        "disability_subsidies",
        period,
        region_code=region,
        person_id=ID[who],
        subsidy_type=kind,
        payment_month=period,
        amount=D(amount),
        payment_reference=reference or f"DS{next(_row_numbers)}",
    )


def change(period, who, kind="death", on=dt.date(2026, 1, 15), to=None, region=V1_RURAL):
    return _row(
        "household_changes",
        period,
        region_code=region,
        person_id=ID[who],
        change_type=kind,
        change_date=on,
        destination_region_code=to,
        registration_reference=f"HC{next(_row_numbers)}",
    )


def insurance(period, who, kind="employee_pension", amount="1000.00", county=C1):
    return _row(
        "social_insurance_payments",
        period,
        region_code=county,
        person_id=ID[who],
        benefit_type=kind,
        payment_month=period,
        amount=D(amount),
    )


def payroll(period, who, category="established", county=C1):
    return _row(
        "payroll",
        period,
        region_code=county,
        employer="某单位",
        person_id=ID[who],
        staff_category=category,
        monthly_salary=D("5000.00"),
    )


def settlement(period, who, out_of_pocket, county=C1):
    return _row(
        "medical_settlements",
        period,
        region_code=county,
        person_id=ID[who],
        visit_type="inpatient",
        settlement_date=dt.date(int(period[:4]), int(period[5:]), 10),
        total_cost=D(out_of_pocket) * 2,
        out_of_pocket=D(out_of_pocket),
        settlement_reference=f"MS{next(_row_numbers)}",
    )


def loaded(*rows) -> dict[str, pl.DataFrame]:
    out = {}
    for table, schema in SCHEMAS.items():
        data = [values for t, values in rows if t == table]
        out[table] = pl.DataFrame(data, schema={**schema, **LINEAGE})
    return out


DEFAULT_PARAMS = {"W04": {"within_days": 30}, "W05": {"self_care_levels": ["全失能"]}, "W07": {"drop_ratio": 0.30}}


def seeds(disabled=(), populations=None) -> dict[str, pl.DataFrame]:
    """String-typed seeds, as read from CSV."""
    regions = pl.DataFrame(
        {
            "region_code": [CITY, C1, C2, T1, T2, V1_RURAL, V1_URBAN, V2_RURAL],
            "name": ["市", "县一", "县二", "乡一", "乡二", "村一", "社区一", "村二"],
            "level": ["city", "county", "county", "township", "township", "village", "village", "village"],
            "parent_code": ["370000000000", CITY, CITY, C1, C2, T1, T1, T2],
            "urban_rural": ["", "", "", "", "", "rural", "urban", "rural"],
        }
    )
    if populations is None:
        populations = [
            (C1, "2025", "1000", "400", "600"),
            (C2, "2026", "500", "0", "500"),
            (T1, "2026", "1000", "400", "600"),
            (T2, "2026", "500", "0", "500"),
        ]
    population = pl.DataFrame(
        populations,
        schema=["region_code", "year", "population_total", "population_urban", "population_rural"],
        orient="row",
    )
    standards = pl.DataFrame(
        {
            "county_code": [C1, C1, C2],
            "effective_from": ["2020-01-01", "2026-03-01", "2020-01-01"],
            "dibao_urban": ["800.00", "900.00", "800.00"],
            "dibao_rural": ["657.00", "700.00", "657.00"],
            "tekun_basic": ["854.00", "900.00", "854.00"],
            "near_dibao_multiplier": ["1.5", "1.5", "1.5"],
            "relapse_income_line": ["7000", "7000", "7000"],
        }
    )
    rules = [f"W0{n}" for n in range(1, 9)] + [f"V0{n}" for n in range(1, 5)]  # an older seed: no W09 … V09
    warning_rules = pl.DataFrame(
        {
            "rule_id": rules,
            "enabled": ["false" if r in disabled else "true" for r in rules],
            "severity": ["red" if r == "W04" else "orange" for r in rules],
            "params": [json.dumps(DEFAULT_PARAMS.get(r, {}), ensure_ascii=False) for r in rules],
        }
    )
    return {
        "regions": regions,
        "region_population": population,
        "assistance_standards": standards,
        "warning_rules": warning_rules,
    }


def run(*rows, periods=(P1,), expected=None, **seed_options):
    return evaluate(loaded(*rows), seeds(**seed_options), list(periods), expected)


def fired(findings: pl.DataFrame, rule: str | None = None, period: str | None = None) -> set:
    """(rule, subject label) of the findings, optionally of one rule and period."""
    out = set()
    for f in findings.iter_rows(named=True):
        if (rule is None or f["rule_id"] == rule) and (period is None or f["period"] == period):
            out.add((f["rule_id"], LABEL.get(f["subject_person_id"], "unknown")))
    return out


def assert_labels(actual: set, expected: set) -> None:
    """Compare (rule, label) sets; the message names labels only."""
    if actual != expected:
        raise AssertionError(f"missing {sorted(expected - actual)}, extra {sorted(actual - expected)}")


def only(findings: pl.DataFrame, rule: str, period: str = P1) -> dict:
    rows = [f for f in findings.iter_rows(named=True) if f["rule_id"] == rule and f["period"] == period]
    assert len(rows) == 1, f"expected one {rule} finding, got {len(rows)}"
    return rows[0]


# ---------------------------------------------------------------------------------------------------
# Identity and formats
# ---------------------------------------------------------------------------------------------------
def test_warning_id_and_columns():
    findings, _ = run(card(P1, "ann", grade=1))
    f = only(findings, "W02")
    digest = hashlib.sha256(f"W02|{ID['ann']}".encode()).hexdigest()[:12]
    assert f["warning_id"] == "W02-" + digest
    assert (f["kind"], f["severity"], f["value"], f["threshold"]) == ("warning", "orange", "1", None)
    assert f["household_id"] is None and f["persons_involved"] == 1
    assert f["region_code"] == V1_RURAL
    assert (f["first_period"], f["consecutive_periods"]) == (P1, 1)
    assert f["source_rows"].startswith("raw/disability_federation/2026-01/disability_cards.csv:")
    assert list(findings.columns) == [
        "period",
        "rule_id",
        "warning_id",
        "kind",
        "severity",
        "subject_person_id",
        "household_id",
        "region_code",
        "value",
        "threshold",
        "persons_involved",
        "first_period",
        "consecutive_periods",
        "source_rows",
    ]


def test_source_rows_sorted_numerically_and_region_is_smallest():
    rows = [card(P1, "ann", grade=2, region=V2_RURAL) for _ in range(9)]
    rows.append(card(P1, "ann", grade=1, region=V1_URBAN))
    findings, _ = run(*rows)
    f = only(findings, "W02")
    numbers = [int(ref.rsplit(":", 1)[1]) for ref in f["source_rows"].split(";")]
    assert numbers == sorted(numbers) and len(numbers) == 10
    assert f["region_code"] == V1_URBAN and f["value"] == "1"


# ---------------------------------------------------------------------------------------------------
# Early warnings
# ---------------------------------------------------------------------------------------------------
def test_w01_strictly_below_the_rural_standard_and_not_covered():
    findings, _ = run(
        monitored(P1, "H1", "ann", income="7884.00"),  # = 12 × 657: not below
        monitored(P1, "H2", "bob", income="7883.99"),
        monitored(P1, "H2", "cai", relation="spouse", income="7883.99"),
        monitored(P1, "H3", "dan", income="6000.00"),
        monitored(P1, "H3", "eve", relation="child", income="6000.00"),
        dibao(P1, "D3", "eve"),  # a covered member
        monitored(P1, "H4", "fan", income="6000.00", eliminated=True),
    )
    assert_labels(fired(findings, "W01"), {("W01", "bob")})
    f = only(findings, "W01")
    assert (f["value"], f["threshold"], f["persons_involved"], f["household_id"]) == ("657.00", "657.00", 2, "H2")
    assert len(f["source_rows"].split(";")) == 2


def test_w01_uses_the_standard_in_force():
    # 2026-03-01 raises county 1's rural standard to 700: 8000 / 12 = 666.67 fires from March only.
    rows = [monitored(p, "H1", "ann", income="8000.00") for p in (P2, P3)]
    findings, _ = run(*rows, periods=(P2, P3))
    assert_labels(fired(findings, "W01", P2), set())
    assert_labels(fired(findings, "W01", P3), {("W01", "ann")})
    assert only(findings, "W01", P3)["threshold"] == "700.00"


def test_w02_grade_one_or_two_without_nursing_subsidy():
    findings, _ = run(
        card(P1, "ann", grade=1),
        card(P1, "bob", grade=2),
        card(P1, "cai", grade=3),
        card(P1, "dan", grade=1, status="cancelled"),
        card(P1, "eve", grade=2),
        subsidy(P1, "eve", "nursing_subsidy"),
        card(P1, "fan", grade=1),
        subsidy(P1, "fan", "living_subsidy"),
    )
    assert_labels(fired(findings, "W02"), {("W02", "ann"), ("W02", "bob"), ("W02", "fan")})


def test_w03_disabled_dibao_member_without_living_subsidy():
    findings, _ = run(
        card(P1, "ann", grade=4),
        dibao(P1, "D1", "ann", covered=False),  # member, not covered
        card(P1, "bob", grade=4),
        dibao(P1, "D2", "bob"),
        subsidy(P1, "bob", "living_subsidy"),
        card(P1, "cai", grade=4),
        dibao(P1, "D3", "cai"),
        tekun(P1, "cai"),
        card(P1, "dan", grade=4),
        dibao(P1, "D4", "dan", status="stopped"),
        card(P1, "eve", grade=4, status="cancelled"),
        dibao(P1, "D5", "eve"),
    )
    assert_labels(fired(findings, "W03"), {("W03", "ann")})
    assert only(findings, "W03")["value"] == "4"


def _sudden(household, who, identified, period=P1):
    return monitored(period, household, who, kind="sudden_hardship", identified=identified)


def test_w04_within_days_includes_the_30th_day():
    end = dt.date(2026, 1, 31)
    findings, _ = run(
        _sudden("H1", "ann", end - dt.timedelta(days=30)),
        _sudden("H2", "bob", end - dt.timedelta(days=31)),
        _sudden("H3", "cai", end),
        _sudden("H4", "dan", end + dt.timedelta(days=1)),  # after end(P)
    )
    assert_labels(fired(findings, "W04"), {("W04", "ann"), ("W04", "cai")})
    f = [f for f in findings.iter_rows(named=True) if LABEL.get(f["subject_person_id"]) == "ann"][0]
    assert (f["value"], f["threshold"], f["severity"]) == ("30", "30", "red")


def test_w04_assistance_on_or_after_identification_to_any_member():
    d = dt.date(2026, 2, 10)
    findings, _ = run(
        _sudden("H1", "ann", d, P2),
        assistance(P2, "ann", d - dt.timedelta(days=1)),
        _sudden("H2", "bob", d, P2),
        assistance(P2, "bob", d),
        _sudden("H3", "cai", d, P2),
        monitored(P2, "H3", "dan", relation="spouse", kind="sudden_hardship", identified=d),
        assistance(P2, "dan", dt.date(2026, 2, 28)),
        # identified in January, paid in January (P−1) after d: counts
        _sudden("H4", "eve", dt.date(2026, 1, 30), P2),
        assistance(P1, "eve", dt.date(2026, 1, 31)),
        # paid in January before d: does not count
        _sudden("H5", "fan", dt.date(2026, 1, 30), P2),
        assistance(P1, "fan", dt.date(2026, 1, 29)),
        periods=(P2,),
    )
    assert_labels(fired(findings, "W04"), {("W04", "ann"), ("W04", "fan")})


def test_w04_params_from_the_seed():
    end = dt.date(2026, 1, 31)
    rows = [_sudden("H1", "ann", end - dt.timedelta(days=10))]
    data, seed = loaded(*rows), seeds()
    seed["warning_rules"] = seed["warning_rules"].with_columns(
        pl.when(pl.col("rule_id") == "W04")
        .then(pl.lit('{"within_days": 7}'))
        .otherwise(pl.col("params"))
        .alias("params")
    )
    findings, _ = evaluate(data, seed, [P1])
    assert_labels(fired(findings, "W04"), set())


def test_w05_disabled_dispersed_tekun_without_agreement():
    findings, _ = run(
        tekun(P1, "ann", care_mode="dispersed", self_care="none", agreement=False),
        tekun(P1, "bob", care_mode="dispersed", self_care="partial", agreement=False),
        tekun(P1, "cai", care_mode="centralized", self_care="none", agreement=False),
        tekun(P1, "dan", care_mode="dispersed", self_care="none", agreement=True),
        tekun(P1, "eve", care_mode="dispersed", self_care="none", agreement=False, status="terminated"),
    )
    assert_labels(fired(findings, "W05"), {("W05", "ann")})
    assert only(findings, "W05")["value"] == "全失能"


def test_w06_relapse_after_the_latest_earlier_record():
    findings, _ = run(
        monitored(P1, "H1", "ann", eliminated=True),
        monitored(P3, "H1", "ann"),  # February not loaded: January is the latest earlier record
        monitored(P1, "H2", "bob", eliminated=True),
        monitored(P2, "H2", "bob"),
        monitored(P3, "H2", "bob"),  # February was not eliminated: no relapse in March
        periods=(P1, P2, P3),
    )
    assert_labels(fired(findings, "W06", P3), {("W06", "ann")})
    assert_labels(fired(findings, "W06", P2), {("W06", "bob")})
    assert only(findings, "W06", P3)["value"] == P1


def test_w07_income_drop_at_the_boundary_fires():
    findings, _ = run(
        monitored(P1, "H1", "ann", income="10000.00"),
        monitored(P2, "H1", "ann", income="7000.00"),
        monitored(P1, "H2", "bob", income="10000.00"),
        monitored(P2, "H2", "bob", income="7000.01"),
        monitored(P1, "H3", "cai", income="0.00"),
        monitored(P2, "H3", "cai", income="0.00"),
        monitored(P2, "H4", "dan", income="0.00"),
        periods=(P1, P2),
    )
    assert_labels(fired(findings, "W07"), {("W07", "ann")})
    f = only(findings, "W07", P2)
    assert (f["value"], f["threshold"]) == ("7000.00", "7000.00")


def test_w07_needs_the_calendar_month_before():
    findings, _ = run(
        monitored(P1, "H1", "ann", income="10000.00"),
        monitored(P3, "H1", "ann", income="100.00"),
        periods=(P1, P3),
    )
    assert_labels(fired(findings, "W07"), set())


def test_w08_urban_or_rural_standard_by_the_village():
    findings, _ = run(
        near(P1, "N1", "ann", income="700.00", region=V1_URBAN),  # < 800 urban
        near(P1, "N2", "bob", income="700.00", region=V1_RURAL),  # ≥ 657 rural
        near(P1, "N3", "cai", income="657.00", region=V1_RURAL),  # equal: not below
        near(P1, "N4", "dan", income="656.99", region=V1_RURAL),
        near(P1, "N4", "eve", relation="spouse", income="656.99", region=V1_RURAL),
        tekun(P1, "eve"),  # a covered member
    )
    assert_labels(fired(findings, "W08"), {("W08", "ann")})
    assert only(findings, "W08")["threshold"] == "800.00"


# ---------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------
def test_v01_dibao_active_and_tekun_active():
    findings, _ = run(
        dibao(P1, "D1", "ann"),
        tekun(P1, "ann"),
        dibao(P1, "D2", "bob", covered=False),
        tekun(P1, "bob"),
        dibao(P1, "D3", "cai"),
        tekun(P1, "cai", status="terminated"),
    )
    assert_labels(fired(findings, "V01"), {("V01", "ann")})
    f = only(findings, "V01")
    assert f["value"] is None and f["threshold"] is None and len(f["source_rows"].split(";")) == 2


def test_v02_dibao_in_two_counties():
    findings, _ = run(
        dibao(P1, "D1", "ann", region=V1_RURAL),
        dibao(P1, "D2", "ann", region=V2_RURAL),
        dibao(P1, "D3", "bob", region=V1_RURAL),
        dibao(P1, "D4", "bob", region=V1_URBAN),
        dibao(P1, "D5", "cai", region=V1_RURAL),
        dibao(P1, "D6", "cai", region=V2_RURAL, status="stopped"),
    )
    assert_labels(fired(findings, "V02"), {("V02", "ann")})
    f = only(findings, "V02")
    assert (f["value"], f["threshold"], f["region_code"]) == ("2", "1", V1_RURAL)


def test_v03_same_subsidy_twice_with_different_references():
    findings, _ = run(
        subsidy(P1, "ann", "living_subsidy", reference="R1"),
        subsidy(P1, "ann", "living_subsidy", reference="R2"),
        subsidy(P1, "bob", "living_subsidy", reference="R3"),
        subsidy(P1, "bob", "living_subsidy", amount="200.00", reference="R3"),  # same reference
        subsidy(P1, "cai", "living_subsidy"),
        subsidy(P1, "cai", "nursing_subsidy"),
    )
    assert_labels(fired(findings, "V03"), {("V03", "ann")})
    assert (only(findings, "V03")["value"], only(findings, "V03")["threshold"]) == ("2", "1")


def test_v04_benefit_above_the_cap_plus_one_cent():
    findings, _ = run(
        # rural 657 × 2 = 1314.00
        dibao(P1, "D1", "ann", size=2, benefit="1314.01"),
        dibao(P1, "D1", "bob", relation="spouse", size=2, benefit="1314.01"),
        dibao(P1, "D2", "cai", size=2, benefit="1314.02"),
        # urban 800 × 1 + 0.02, but stopped
        dibao(P1, "D3", "dan", category="urban", benefit="800.02", status="stopped"),
        dibao(P1, "D4", "eve", category="urban", benefit="800.02"),
    )
    assert_labels(fired(findings, "V04"), {("V04", "cai"), ("V04", "eve")})
    f = [f for f in findings.iter_rows(named=True) if LABEL.get(f["subject_person_id"]) == "cai"][0]
    assert (f["value"], f["threshold"], f["household_id"]) == ("1314.02", "1314.00", "D2")


# ---------------------------------------------------------------------------------------------------
# Households, disabled rules, persistence, quarantine
# ---------------------------------------------------------------------------------------------------
def test_household_without_head_or_with_two_heads_subject_is_smallest_id():
    findings, _ = run(
        near(P1, "N1", "fan", relation="spouse", income="100.00"),
        near(P1, "N1", "cai", relation="child", income="100.00"),
        near(P1, "N2", "hao", relation="head", income="100.00"),
        near(P1, "N2", "eve", relation="child", income="100.00"),
        near(P1, "N2", "gus", relation="head", income="100.00"),
    )
    assert_labels(fired(findings, "W08"), {("W08", "cai"), ("W08", "eve")})
    assert sorted(findings["persons_involved"].to_list()) == [2, 3]


def test_household_columns_from_the_head_row():
    findings, _ = run(
        near(P1, "N1", "bob", relation="child", income="100.00"),
        near(P1, "N1", "cai", relation="head", income="900.00"),
    )
    assert_labels(fired(findings, "W08"), set())


def test_disabled_rule_produces_nothing():
    rows = [card(P1, "ann", grade=1), dibao(P1, "D1", "bob"), tekun(P1, "bob")]
    assert_labels(fired(run(*rows)[0]), {("W02", "ann"), ("V01", "bob")})
    assert_labels(fired(run(*rows, disabled=("W02",))[0]), {("V01", "bob")})


def test_persistence_and_a_missing_month_resets_the_run():
    rows = [card(p, "ann", grade=1) for p in (P1, P2, P3, P4)]
    findings, _ = run(*rows, periods=(P1, P2, P4))  # March is not complete
    runs = {f["period"]: (f["first_period"], f["consecutive_periods"]) for f in findings.iter_rows(named=True)}
    assert runs == {P1: (P1, 1), P2: (P1, 2), P4: (P4, 1)}
    assert len(set(findings["warning_id"])) == 1


def test_quarantined_member_is_no_member():
    # The head's row was quarantined: the subject is the smallest loaded member, who counts alone.
    findings, _ = run(
        monitored(P1, "H1", "dan", relation="spouse", income="1200.00"),
        monitored(P1, "H1", "eve", relation="child", income="1200.00"),
    )
    f = only(findings, "W01")
    assert LABEL.get(f["subject_person_id"]) == "dan" and f["persons_involved"] == 2


def test_only_complete_periods_are_evaluated():
    findings, kpis = run(card(P1, "ann"), card(P2, "ann"), periods=(P2,))
    assert set(findings["period"]) == {P2} and set(kpis["period"]) == {P2}


# ---------------------------------------------------------------------------------------------------
# KPIs
# ---------------------------------------------------------------------------------------------------
def kpi(kpis: pl.DataFrame, indicator: str, region: str, period: str = P1):
    values = kpis.filter(
        (pl.col("indicator_id") == indicator) & (pl.col("region_code") == region) & (pl.col("period") == period)
    )["value"].to_list()
    assert len(values) == 1, f"{indicator}: {len(values)} rows"
    return values[0]


def test_kpi_person_in_two_counties_counts_in_each_and_once_in_the_city():
    _, kpis = run(
        dibao(P1, "D1", "ann", region=V1_RURAL),
        dibao(P1, "D2", "ann", region=V2_RURAL),
        dibao(P1, "D3", "bob", region=V1_URBAN, category="urban"),
        dibao(P1, "D3", "cai", relation="child", region=V1_URBAN, category="urban", covered=False),
    )
    assert kpi(kpis, "K01_persons", C1) == 2
    assert kpi(kpis, "K01_persons", C2) == 1
    assert kpi(kpis, "K01_persons", CITY) == 2
    assert kpi(kpis, "K01_persons", T1) == 2
    assert kpi(kpis, "K01_households", CITY) == 3
    # populations: county 1 of 2025 (latest earlier year), the city the sum of its counties
    assert kpi(kpis, "K02_rate", C1) == pytest.approx(2 / 1000)
    assert kpi(kpis, "K02_rate", CITY) == pytest.approx(2 / 1500)
    assert kpi(kpis, "K02_rural_rate", CITY) == pytest.approx(1 / 1100)
    assert kpi(kpis, "K02_urban_rate", C1) == pytest.approx(1 / 400)
    assert kpi(kpis, "K07_amount", CITY) == pytest.approx(1500.0)


def test_kpi_rate_with_zero_denominator_is_null():
    _, kpis = run(dibao(P1, "D1", "ann", region=V2_RURAL))
    assert kpi(kpis, "K02_urban_rate", C2) is None  # urban population 0
    assert kpi(kpis, "K03_centralized_rate", CITY) is None  # no tekun person
    assert kpi(kpis, "K03_persons", CITY) == 0
    assert kpi(kpis, "K06_nursing_coverage", T1) is None


def test_kpi_tekun_monitoring_subsidies_and_warnings():
    _, kpis = run(
        tekun(P1, "ann", care_mode="centralized", self_care="none"),
        tekun(P1, "bob", care_mode="dispersed", self_care="partial", agreement=True),
        tekun(P1, "cai", care_mode="dispersed", self_care="full"),
        monitored(P1, "H1", "ann", eliminated=True),
        monitored(P1, "H1", "dan", "spouse", eliminated=True),
        dibao(P1, "D1", "dan"),
        monitored(P1, "H2", "eve", eliminated=True),
        card(P1, "fan", grade=1),
        card(P1, "gus", grade=2),
        card(P1, "hao", grade=3),
        subsidy(P1, "fan", "nursing_subsidy", amount="100.00"),
        subsidy(P1, "hao", "living_subsidy", amount="80.50"),
    )
    assert kpi(kpis, "K03_persons", CITY) == 3
    assert kpi(kpis, "K03_centralized_rate", CITY) == pytest.approx(1 / 3)
    assert kpi(kpis, "K04_rate", C1) == pytest.approx(1 / 2)
    assert (kpi(kpis, "K05_persons", CITY), kpi(kpis, "K05_in_dibao", CITY), kpi(kpis, "K05_in_tekun", CITY)) == (
        3,
        1,
        1,
    )
    assert kpi(kpis, "K05_rate", CITY) == pytest.approx(2 / 3)
    assert kpi(kpis, "K06_nursing_coverage", CITY) == pytest.approx(1 / 2)
    assert kpi(kpis, "K06_living_amount", C1) == pytest.approx(80.5)
    assert kpi(kpis, "K06_nursing_persons", T1) == 1
    # tekun 3 × 954 + dibao 500 + subsidies 180.50
    assert kpi(kpis, "K07_amount", CITY) == pytest.approx(3 * 954 + 500 + 180.5)
    assert kpi(kpis, "K08_open", CITY) == 1  # W02 for gus (fan is paid)
    assert kpi(kpis, "K08_new", T1) == 1
    assert kpi(kpis, "K08_open", C2) == 0


def test_kpi_standards_per_county_not_for_the_city():
    _, kpis = run(card(P3, "ann"), periods=(P3,))
    assert kpi(kpis, "K09_dibao_rural", C1, P3) == 700
    assert kpi(kpis, "K09_dibao_urban", T2, P3) == 800
    assert kpis.filter((pl.col("region_code") == CITY) & pl.col("indicator_id").str.starts_with("K09")).height == 0
    expected = {
        "K01_persons",
        "K01_households",
        "K02_rate",
        "K02_rural_rate",
        "K02_urban_rate",
        "K03_persons",
        "K03_centralized_rate",
        "K04_rate",
        "K05_persons",
        "K05_in_dibao",
        "K05_in_tekun",
        "K05_rate",
        "K06_living_persons",
        "K06_nursing_persons",
        "K06_living_amount",
        "K06_nursing_amount",
        "K06_nursing_coverage",
        "K07_amount",
        "K08_open",
        "K08_new",
        "K09_dibao_urban",
        "K09_dibao_rural",
        "K09_tekun_basic",
    }
    assert set(kpis.filter(pl.col("level") == "county")["indicator_id"]) == expected
    assert set(kpis["level"]) == {"city", "county", "township"}


def test_typed_seeds_are_read_like_strings():
    rows = [
        monitored(P1, "H1", "ann", income="6000.00"),
        card(P1, "bob", grade=2),
        dibao(P1, "D1", "cai", region=V2_RURAL),
    ]
    as_strings = run(*rows)
    typed = seeds()
    typed["warning_rules"] = typed["warning_rules"].with_columns(pl.col("enabled") == "true")
    typed["region_population"] = typed["region_population"].with_columns(
        pl.col("year", "population_total", "population_urban", "population_rural").cast(pl.Int64)
    )
    typed["assistance_standards"] = typed["assistance_standards"].with_columns(
        pl.col("effective_from").str.to_date(),
        pl.col("dibao_urban", "dibao_rural", "tekun_basic").cast(pl.Decimal(14, 2)),
    )
    as_typed = evaluate(loaded(*rows), typed, [P1])
    assert as_typed[0].equals(as_strings[0]) and as_typed[1].equals(as_strings[1])


def test_lookbacks_use_loaded_rows_of_an_incomplete_previous_month():
    findings, _ = run(
        monitored(P1, "H1", "ann", income="10000.00"),
        monitored(P2, "H1", "ann", income="5000.00"),
        periods=(P2,),  # January loaded but not complete
    )
    assert_labels(fired(findings, "W07"), {("W07", "ann")})
    assert only(findings, "W07", P2)["consecutive_periods"] == 1


# ---------------------------------------------------------------------------------------------------
# The departments that joined later: W09, W10, V05–V09
# ---------------------------------------------------------------------------------------------------
def test_w09_window_sum_at_the_amount_fires_one_cent_below_does_not():
    findings, _ = run(
        settlement(P1, "ann", "12000.00"),
        settlement(P3, "ann", "8000.00"),  # window of P3: P3, P2 (not on file), P1 → 20000.00
        settlement(P3, "bob", "19999.99"),
        settlement(P3, "cai", "0.00", county=C2),  # a 0-yuan settlement is a settlement in P
        settlement(P2, "cai", "20000.00"),
        settlement(P3, "dan", "25000.00"),
        tekun(P3, "dan"),  # covered
        settlement(P3, "eve", "25000.00"),
        assistance(P1, "eve", dt.date(2026, 1, 20)),  # assistance in a window month
        settlement(P4, "fan", "25000.00"),
        settlement(P1, "fan", "1.00"),  # P1 is outside P4's window
        periods=(P3, P4),
    )
    assert_labels(fired(findings, "W09"), {("W09", "ann"), ("W09", "cai"), ("W09", "fan")})
    ann, cai, fan = (of(findings, "W09", who) for who in ("ann", "cai", "fan"))
    assert (ann["value"], ann["threshold"], ann["period"]) == ("20000.00", "20000.00", P3)
    assert ann["source_rows"].count(";") == 1  # the settlements of P1 and P3
    assert cai["region_code"] == C2 and cai["value"] == "20000.00"  # the county of the row of P
    assert (fan["value"], fan["period"]) == ("25000.00", P4)


def test_w10_near_dibao_member_paid_unemployment_benefit_and_nobody_covered():
    findings, _ = run(
        near(P1, "N1", "ann", income="5000.00"),
        near(P1, "N1", "bob", relation="child", income="5000.00"),
        insurance(P1, "bob", kind="unemployment_benefit"),
        near(P1, "N2", "cai", income="5000.00"),
        near(P1, "N2", "dan", relation="child", income="5000.00"),
        insurance(P1, "dan", kind="unemployment_benefit"),
        tekun(P1, "cai"),
        near(P1, "N3", "eve", income="5000.00"),
        insurance(P1, "eve", kind="employee_pension"),
    )
    assert_labels(fired(findings, "W10"), {("W10", "ann")})
    f = only(findings, "W10")
    assert (f["value"], f["threshold"], f["persons_involved"], f["household_id"]) == ("1", None, 2, "N1")
    assert f["source_rows"].count(";") == 2  # two member rows and the payment


def test_v05_death_on_the_last_day_fires_a_later_date_counts_from_its_month():
    findings, _ = run(
        dibao(P1, "D1", "ann"),
        change(P1, "ann", on=dt.date(2026, 1, 31)),
        tekun(P1, "bob"),
        tekun(P2, "bob"),
        change(P1, "bob", on=dt.date(2026, 2, 3)),  # registered in P1, dated after end(P1)
        dibao(P1, "D3", "cai", covered=False),  # not covered
        change(P1, "cai", on=dt.date(2025, 12, 1)),
        periods=(P1, P2),
    )
    assert_labels(fired(findings, "V05", P1), {("V05", "ann")})
    assert_labels(fired(findings, "V05", P2), {("V05", "bob")})
    f = only(findings, "V05", P1)
    assert (f["value"], f["threshold"]) == ("2026-01-31", "0")
    assert "public_security" in f["source_rows"]
    # a grace of one day: the death on the last day of P does not fire yet
    findings, _ = evaluate_with_params(
        {"V05": {"grace_days": 1}}, dibao(P1, "D1", "ann"), change(P1, "ann", on=dt.date(2026, 1, 31))
    )
    assert_labels(fired(findings, "V05"), set())


def test_v06_payment_in_a_month_after_the_death():
    findings, _ = run(
        subsidy(P2, "ann", kind="living_subsidy"),
        change(P1, "ann", on=dt.date(2026, 1, 31)),  # the day before P2
        assistance(P2, "bob", dt.date(2026, 2, 10)),
        change(P2, "bob", on=dt.date(2026, 2, 1)),  # the first day of P2: not before it
        periods=(P2,),
    )
    assert_labels(fired(findings, "V06"), {("V06", "ann")})
    assert (only(findings, "V06", P2)["value"], only(findings, "V06", P2)["threshold"]) == ("2026-01-31", None)


def test_v07_move_to_another_county_on_or_after_approval():
    def moved(who, on, to, household):
        return [dibao(P1, household, who), change(P1, who, kind="move_out", on=on, to=to)]

    # approval_date of the dibao rows: 2020-01-01
    findings, _ = run(
        *moved("ann", dt.date(2020, 1, 1), "440103001001", "D1"),  # same day: fires
        *moved("bob", dt.date(2019, 12, 31), "440103001001", "D2"),  # before approval
        *moved("cai", dt.date(2025, 5, 1), V2_RURAL, "D3"),
        *moved("dan", dt.date(2025, 5, 1), "370902009009", "D4"),  # within the county
        change(P1, "cai", kind="move_out", on=dt.date(2025, 6, 1), to="370902002002"),  # the latest: back home
    )
    assert_labels(fired(findings, "V07"), {("V07", "ann")})
    assert (only(findings, "V07")["value"], only(findings, "V07")["threshold"]) == ("440103001001", None)


def test_v08_payroll_categories_sorted_and_joined():
    findings, _ = run(
        dibao(P1, "D1", "ann", covered=False),
        payroll(P1, "ann", category="retired"),
        payroll(P1, "ann", category="contracted"),
        payroll(P1, "ann", category="established"),
        dibao(P1, "D2", "bob", status="stopped"),
        payroll(P1, "bob"),
    )
    assert_labels(fired(findings, "V08"), {("V08", "ann")})
    assert only(findings, "V08")["value"] == "|".join(sorted(["在编在职", "编外聘用", "离退休"]))


def test_v09_pension_per_person_compared_exactly():
    # rural standard 657.00, three persons: 1971.00 is exactly at it; 1971.01 / 3 = 657.0033… above
    findings, _ = run(
        dibao(P1, "D1", "ann", size=3),
        dibao(P1, "D1", "bob", relation="spouse", size=3),
        dibao(P1, "D1", "cai", relation="child", size=3, status="stopped"),
        insurance(P1, "ann", amount="1000.00"),
        insurance(P1, "cai", kind="survivor_benefit", amount="971.01"),  # a stopped member counts
        dibao(P1, "D2", "dan", size=3),
        insurance(P1, "dan", amount="1971.00"),
        dibao(P1, "D3", "eve", size=1),
        insurance(P1, "eve", kind="unemployment_benefit", amount="9000.00"),  # not a pension
    )
    assert_labels(fired(findings, "V09"), {("V09", "ann")})
    f = only(findings, "V09")
    assert (f["value"], f["threshold"], f["persons_involved"]) == ("657.00", "657.00", 3)


def test_new_rules_wait_for_their_department():
    rows = [dibao(P1, "D1", "ann"), change(P1, "ann", on=dt.date(2026, 1, 2)), card(P1, "bob")]
    everything = ("dibao", "tekun", "household_changes", "disability_cards", "disability_subsidies")
    assert_labels(fired(run(*rows, expected={P1: everything})[0]), {("V05", "ann"), ("W02", "bob")})
    assert_labels(fired(run(*rows, expected={P1: everything[:2] + everything[3:]})[0]), {("W02", "bob")})


def of(findings: pl.DataFrame, rule: str, who: str) -> dict:
    rows = [
        f for f in findings.iter_rows(named=True) if f["rule_id"] == rule and LABEL.get(f["subject_person_id"]) == who
    ]
    assert len(rows) == 1, f"expected one {rule} finding of {who}, got {len(rows)}"
    return rows[0]


def evaluate_with_params(params: dict, *rows, periods=(P1,)):
    seed = seeds()
    extra = pl.DataFrame(
        {
            "rule_id": list(params),
            "enabled": ["true"] * len(params),
            "severity": [""] * len(params),
            "params": [json.dumps(v) for v in params.values()],
        }
    )
    seed["warning_rules"] = pl.concat([seed["warning_rules"], extra])
    return evaluate(loaded(*rows), seed, list(periods))
