"""Reference evaluation of rules.md and of the KPIs of domain.md: the generator's truth.

This is a second, deliberately plain implementation of the early-warning and verification rules and
of the monitoring indicators, used only to write `truth/findings.csv` and `truth/kpis.csv`, against
which the dbt warehouse is tested. It favours being obviously right over being fast: one function per
rule, named after the rule and following rules.md's wording, over plain dicts grouped per period.

    findings, kpis = evaluate(loaded, seeds, complete_periods)

`loaded` maps a table name to the loaded rows of all periods (typed contract columns by
`Column.name`, plus `period`, `source_file`, `source_row`; `monitoring` also has `region_code`, the
matched village, and `disability_cards` has `person_id`). `seeds` maps `regions`,
`region_population`, `assistance_standards` and `warning_rules` to their frames (strings or typed).
Every rule is evaluated for every period of `complete_periods` in which the tables it reads are expected;
lookbacks (W04's payments of P−1, W06's earlier record, W07's roster of P−1, W09's window, the deaths and
moves of V05–V07) use whatever rows were loaded for those months.

Formats of the findings (one row per period and `warning_id`):
- `value` / `threshold` are strings, null where rules.md's evidence table says "—".
  Money: exactly two decimals, rounded half up (`657.00`); W01's value is
  `annual_income_per_capita / 12` rounded so, W07's threshold `(1 − drop_ratio) × income of P−1`
  rounded so (the comparisons themselves are exact). Counts, grades and days: plain integers (`2`).
  W04's threshold: `within_days` as an integer. W05's value: the Chinese label of 生活自理能力
  (`全失能`). W06's value: the period `YYYY-MM` of the earlier record. V02 / V03 threshold: `1`.
- `source_rows`: the distinct rows the finding came from, as `raw/...:row`, sorted by file and then
  row number (numerically), joined by `;`. Household rules: every member row of the household in P
  (W06 adds the earlier period's subject row, W07 the subject row of P−1); person rules: the
  subject's rows that meet the rule's conditions (V01 adds the person's active tekun rows).
- `persons_involved`: distinct members of the household for household rules, 1 otherwise.
- `first_period` / `consecutive_periods`: the unbroken run of calendar months ending at P in which the
  `warning_id` fired; months not in `complete_periods` are never evaluated, so they break the run.

The KPIs live in `reference_kpis.py`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from pipelines.contract.rules import RULES as CATALOGUE
from pipelines.contract.tables import TABLES, TEKUN

# rule id -> (kind, default severity, default params): the rule catalogue (pipelines/contract/rules.py)
RULES: dict[str, tuple[str, str, dict]] = {r.id: (r.kind, r.severity, dict(r.params)) for r in CATALOGUE.values()}

FINDINGS_SCHEMA = {
    "period": pl.String,
    "rule_id": pl.String,
    "warning_id": pl.String,
    "kind": pl.String,
    "severity": pl.String,
    "subject_person_id": pl.String,
    "household_id": pl.String,
    "region_code": pl.String,
    "value": pl.String,
    "threshold": pl.String,
    "persons_involved": pl.Int64,
    "first_period": pl.String,
    "consecutive_periods": pl.Int64,
    "source_rows": pl.String,
}

CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------------
# Plain value helpers (tolerant of strings, so seeds and fixtures may be untyped)
# ---------------------------------------------------------------------------------------------------
def text(x) -> str | None:
    if x is None:
        return None
    s = str(x).strip()
    if s.endswith(".0") and s[:-2].isdigit():  # a code read as a float
        s = s[:-2]
    return s or None


def money(x) -> Decimal | None:
    if x is None or (isinstance(x, str) and not x.strip()):
        return None
    return x if isinstance(x, Decimal) else Decimal(str(x).strip())


def as_bool(x) -> bool:
    if isinstance(x, bool):
        return x
    return str(x).strip().lower() in ("true", "1", "yes", "是", "有", "t")


def as_date(x) -> dt.date | None:
    if x is None or x == "":
        return None
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    return dt.date.fromisoformat(str(x).strip()[:10])


def month_end(period: str) -> dt.date:
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def previous_month(period: str) -> str:
    y, m = int(period[:4]), int(period[5:7])
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"


def county_of(region_code: str) -> str:
    return region_code[:6] + "000000"


def township_of(region_code: str) -> str:
    return region_code[:9] + "000"


def fmt_money(d: Decimal) -> str:
    return str(d.quantize(CENT, rounding=ROUND_HALF_UP))


def warning_id(rule_id: str, person_id: str) -> str:
    return f"{rule_id}-" + hashlib.sha256(f"{rule_id}|{person_id}".encode()).hexdigest()[:12]


def row_order(r: dict) -> tuple:
    """The order in which a finding picks 'its' row: smallest region code, then reading order."""
    return (r["region_code"], r["source_file"], int(r["source_row"]))


def source_rows(rows) -> str:
    refs = sorted({(r["source_file"], int(r["source_row"])) for r in rows})
    return ";".join(f"{f}:{n}" for f, n in refs)


# ---------------------------------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------------------------------
@dataclass
class RuleConfig:
    enabled: bool
    severity: str
    params: dict


@dataclass
class Seeds:
    regions: dict[str, dict]  # region_code -> row (name, level, parent_code, urban_rural)
    population: dict[str, dict[int, dict]]  # region_code -> year -> row
    standards: dict[str, list[tuple[dt.date, dict]]]  # county -> [(effective_from, row)] sorted
    rules: dict[str, RuleConfig]

    @classmethod
    def read(cls, seeds: dict[str, pl.DataFrame]) -> Seeds:
        regions = {}
        for r in seeds["regions"].to_dicts():
            code = text(r["region_code"])
            regions[code] = {k: text(v) for k, v in r.items()} | {"region_code": code}
        population: dict[str, dict[int, dict]] = {}
        for r in seeds.get("region_population", pl.DataFrame()).to_dicts():
            population.setdefault(text(r["region_code"]), {})[int(text(r["year"]))] = r
        standards: dict[str, list] = {}
        for r in seeds["assistance_standards"].to_dicts():
            row = {k: money(r[k]) for k in ("dibao_urban", "dibao_rural", "tekun_basic")}
            standards.setdefault(text(r["county_code"]), []).append((as_date(r["effective_from"]), row))
        for rows in standards.values():
            rows.sort(key=lambda t: t[0])
        rules = {}
        for rule_id, (_, severity, params) in RULES.items():
            rules[rule_id] = RuleConfig(True, severity, dict(params))
        for r in seeds["warning_rules"].to_dicts():
            rule_id = text(r["rule_id"])
            _, default_severity, default_params = RULES.get(rule_id, ("", None, {}))
            raw = r.get("params")
            params = raw if isinstance(raw, dict) else json.loads(raw) if text(raw) else {}
            rules[rule_id] = RuleConfig(
                as_bool(r["enabled"]),
                text(r.get("severity")) or default_severity,
                {**default_params, **params},
            )
        return cls(regions, population, standards, rules)

    def standard(self, county: str, period: str) -> dict | None:
        """The standard in force: the latest effective_from on or before end(P)."""
        in_force = None
        for effective_from, row in self.standards.get(county, []):  # ascending
            if effective_from <= month_end(period):
                in_force = row
        return in_force

    def is_urban(self, village: str) -> bool:
        return (self.regions.get(village) or {}).get("urban_rural") == "urban"


# ---------------------------------------------------------------------------------------------------
# Households and the sets of rules.md, per period
# ---------------------------------------------------------------------------------------------------
@dataclass
class Household:
    household_id: str
    members: list[dict]  # the loaded rows with this number
    subject: str  # the head's person_id, else the smallest person_id among all members
    subject_rows: list[dict]  # the subject's rows, in row_order
    person_ids: set[str]

    @property
    def row(self) -> dict:
        """The row household columns are taken from: the head's (else the subject's)."""
        return self.subject_rows[0]


def build_households(rows: list[dict]) -> dict[str, Household]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["household_id"], []).append(r)
    households = {}
    for household_id, members in groups.items():
        heads = {r["person_id"] for r in members if r["relation"] == "head"}
        if len(heads) == 1:
            subject = next(iter(heads))
            subject_rows = [r for r in members if r["relation"] == "head"]
        else:  # no head, or several: the smallest person_id among all members
            subject = min(r["person_id"] for r in members)
            subject_rows = [r for r in members if r["person_id"] == subject]
        households[household_id] = Household(
            household_id,
            members,
            subject,
            sorted(subject_rows, key=row_order),
            {r["person_id"] for r in members},
        )
    return households


class Loaded:
    """The loaded rows by table and period, turned into dicts when a period is evaluated (and freed
    after), with households built once per table and period."""

    def __init__(self, loaded: dict[str, pl.DataFrame]):
        self.frames: dict[str, dict[str, pl.DataFrame]] = {}
        for table in TABLES:
            df = loaded.get(table)
            parts = df.partition_by("period", as_dict=True) if df is not None and df.height else {}
            self.frames[table] = {str(period): part for (period,), part in parts.items()}
        self._rows: dict[tuple[str, str], list[dict]] = {}
        self._households: dict[tuple[str, str], dict[str, Household]] = {}
        # W06: household number -> [(period, the subject's row)] of every period with a loaded
        # monitoring row of that number, ascending
        self.monitoring_records: dict[str, list[tuple[str, dict]]] = {}
        for period in sorted(self.frames["monitoring"]):
            for household_id, hh in build_households(self.of("monitoring", period)).items():
                self.monitoring_records.setdefault(household_id, []).append((period, hh.row))
            self.forget(keep=set())
        # death_date / move_out (rules.md): person_id -> their household_changes rows of every period, as
        # (change_date, period, source_file, source_row, row), by change type
        self.changes: dict[str, dict[str, list[tuple]]] = {"death": {}, "move_out": {}}
        for period in sorted(self.frames["household_changes"]):
            for r in self.of("household_changes", period):
                key = (as_date(r["change_date"]), period, r["source_file"], int(r["source_row"]), r)
                self.changes[r["change_type"]].setdefault(r["person_id"], []).append(key)
            self.forget(keep=set())

    def death(self, person_id: str, period: str) -> dict | None:
        """The row giving death_date(x, P): the earliest 变动日期 among x's 死亡 rows of the periods up to P
        dated on or before end(P); ties: the earliest period, then reading order."""
        rows = [k for k in self.changes["death"].get(person_id, ()) if k[1] <= period and k[0] <= month_end(period)]
        return min(rows, key=lambda k: k[:4])[4] if rows else None

    def move_out(self, person_id: str, period: str) -> dict | None:
        """move_out(x, P): among x's 迁出 rows of the periods up to P dated on or before end(P), the latest
        变动日期, then the latest period, then the last in reading order."""
        rows = [k for k in self.changes["move_out"].get(person_id, ()) if k[1] <= period and k[0] <= month_end(period)]
        return max(rows, key=lambda k: k[:4])[4] if rows else None

    def of(self, table: str, period: str) -> list[dict]:
        key = (table, period)
        if key not in self._rows:
            frame = self.frames[table].get(period)
            rows = frame.to_dicts() if frame is not None else []
            for r in rows:
                r["region_code"] = text(r["region_code"])
                if "household_id" in r:
                    r["household_id"] = text(r["household_id"])
            rows.sort(key=lambda r: (r["source_file"], int(r["source_row"])))
            self._rows[key] = rows
        return self._rows[key]

    def households(self, table: str, period: str) -> dict[str, Household]:
        key = (table, period)
        if key not in self._households:
            self._households[key] = build_households(self.of(table, period))
        return self._households[key]

    def forget(self, keep: set[str]) -> None:
        """Free the rows and households of every period not in `keep`."""
        for cache in (self._rows, self._households):
            for key in [k for k in cache if k[1] not in keep]:
                del cache[key]


@dataclass
class PeriodData:
    """Period P: its rows, the sets of rules.md and payment indexes."""

    period: str
    data: Loaded
    seeds: Seeds
    dibao: list[dict] = field(default_factory=list)  # dibao(P): rows with 状态 = 在保
    dibao_active: set[str] = field(default_factory=set)
    dibao_members: set[str] = field(default_factory=set)
    tekun_active: set[str] = field(default_factory=set)
    covered: set[str] = field(default_factory=set)
    paid: dict[str, set[str]] = field(default_factory=dict)  # subsidy type -> person_ids paid in P
    # person_id -> latest temporary assistance payment date in P or P−1
    last_assistance: dict[str, dt.date] = field(default_factory=dict)
    standards: dict[str, dict | None] = field(default_factory=dict)  # county -> in force in P

    @classmethod
    def build(cls, data: Loaded, seeds: Seeds, period: str) -> PeriodData:
        p = cls(period, data, seeds)
        p.dibao = [r for r in data.of("dibao", period) if r["status"] == "active"]
        p.dibao_active = {r["person_id"] for r in p.dibao if as_bool(r["is_covered"])}
        p.dibao_members = {r["person_id"] for r in p.dibao}
        p.tekun_active = {r["person_id"] for r in data.of("tekun", period) if r["status"] == "active"}
        p.covered = p.dibao_active | p.tekun_active
        p.paid = {"living_subsidy": set(), "nursing_subsidy": set()}
        for r in data.of("disability_subsidies", period):
            p.paid.setdefault(r["subsidy_type"], set()).add(r["person_id"])
        for q in (period, previous_month(period)):
            for r in data.of("temporary_assistance", q):
                d = as_date(r["payment_date"])
                if r["person_id"] not in p.last_assistance or d > p.last_assistance[r["person_id"]]:
                    p.last_assistance[r["person_id"]] = d
        return p

    @property
    def end(self) -> dt.date:
        return month_end(self.period)

    def standard(self, region_code: str) -> dict | None:
        """The standard in force in P for the county of a region code."""
        county = county_of(region_code)
        if county not in self.standards:
            self.standards[county] = self.seeds.standard(county, self.period)
        return self.standards[county]

    def households(self, table: str, period: str | None = None) -> dict[str, Household]:
        return self.data.households(table, period or self.period)


@dataclass
class Finding:
    """A rule firing for a subject, before identity and persistence are attached."""

    rule_id: str
    subject: str
    region_code: str
    rows: list[dict]
    value: str | None = None
    threshold: str | None = None
    household_id: str | None = None
    persons_involved: int = 1


def household_finding(rule_id, hh: Household, value=None, threshold=None, extra_rows=()):
    return Finding(
        rule_id,
        hh.subject,
        hh.row["region_code"],
        [*hh.members, *extra_rows],
        value,
        threshold,
        hh.household_id,
        len(hh.person_ids),
    )


def person_findings(rule_id, qualifying_rows: list[dict], value_of=None, threshold=None, extra=None):
    """One finding per person among rows that meet the rule; its row is the first in row_order."""
    by_person: dict[str, list[dict]] = {}
    for r in qualifying_rows:
        by_person.setdefault(r["person_id"], []).append(r)
    out = []
    for person_id, rows in by_person.items():
        rows.sort(key=row_order)
        value = value_of(rows) if value_of else None
        more = extra(person_id) if extra else []
        out.append(Finding(rule_id, person_id, rows[0]["region_code"], rows + more, value, threshold))
    return out


# ---------------------------------------------------------------------------------------------------
# Early warnings (预警)
# ---------------------------------------------------------------------------------------------------
def w01_monitored_income_below_dibao_standard_not_covered(p: PeriodData, params: dict):
    """Monitored household, risk not eliminated, annual_income_per_capita / 12 < the rural dibao
    standard of its county, and no member in covered(P)."""
    out = []
    for hh in p.households("monitoring").values():
        row = hh.row
        standard = p.standard(row["region_code"])
        if as_bool(row["risk_eliminated"]) or standard is None:
            continue
        income = money(row["annual_income_per_capita"])
        rural = standard["dibao_rural"]
        if income < 12 * rural and not hh.person_ids & p.covered:  # exact: x / 12 < s ⇔ x < 12 s
            out.append(household_finding("W01", hh, fmt_money(income / 12), fmt_money(rural)))
    return out


def w02_severely_disabled_without_nursing_subsidy(p: PeriodData, params: dict):
    """Valid card of grade 1 or 2, and no nursing_subsidy payment to the person in P."""
    rows = [
        r
        for r in p.data.of("disability_cards", p.period)
        if r["card_status"] == "valid"
        and int(r["disability_grade"]) in (1, 2)
        and r["person_id"] not in p.paid["nursing_subsidy"]
    ]
    return person_findings("W02", rows, lambda rs: str(int(rs[0]["disability_grade"])))


def w03_disabled_in_dibao_family_without_living_subsidy(p: PeriodData, params: dict):
    """Valid card (any grade), person in dibao_members(P), not in tekun_active(P), and no
    living_subsidy payment to the person in P."""
    rows = [
        r
        for r in p.data.of("disability_cards", p.period)
        if r["card_status"] == "valid"
        and r["person_id"] in p.dibao_members
        and r["person_id"] not in p.tekun_active
        and r["person_id"] not in p.paid["living_subsidy"]
    ]
    return person_findings("W03", rows, lambda rs: str(int(rs[0]["disability_grade"])))


def w04_sudden_hardship_without_temporary_assistance(p: PeriodData, params: dict):
    """Monitored household of type sudden_hardship, risk not eliminated, identified on d with
    d ≤ end(P) and end(P) − d ≤ within_days, and no temporary assistance paid to any member on or
    after d in the payment files of P or P−1."""
    within_days = int(params["within_days"])
    out = []
    for hh in p.households("monitoring").values():
        row = hh.row
        if row["monitoring_type"] != "sudden_hardship" or as_bool(row["risk_eliminated"]):
            continue
        d = as_date(row["identified_date"])
        if not (d <= p.end and (p.end - d).days <= within_days):
            continue
        assisted = any(person in p.last_assistance and p.last_assistance[person] >= d for person in hh.person_ids)
        if not assisted:
            out.append(household_finding("W04", hh, str((p.end - d).days), str(within_days)))
    return out


def w05_disabled_dispersed_tekun_without_care_agreement(p: PeriodData, params: dict):
    """Person in tekun_active(P) with self_care in self_care_levels, care_mode dispersed and no care
    agreement."""
    levels = self_care_values(params["self_care_levels"])
    rows = [
        r
        for r in p.data.of("tekun", p.period)
        if r["status"] == "active"
        and r["self_care"] in levels
        and r["care_mode"] == "dispersed"
        and not as_bool(r["has_care_agreement"])
    ]
    return person_findings("W05", rows, lambda rs: SELF_CARE_LABELS[rs[0]["self_care"]])


SELF_CARE_LABELS = {v: k for k, v in TEKUN.column("self_care").values.items()}


def self_care_values(levels) -> set[str]:
    """Rule parameters name levels by their Chinese label (or variant); stored values pass too."""
    column = TEKUN.column("self_care")
    if isinstance(levels, str):  # a single level, or a JSON list given as text
        levels = json.loads(levels) if levels.strip().startswith("[") else [levels]
    out = set()
    for level in levels:
        label = column.variants.get(level, level)
        out.add(column.values.get(label, label))
    return out


def w06_relapse_after_risk_eliminated(p: PeriodData, params: dict):
    """Monitored household, risk not eliminated in P, whose most recent earlier record (the latest
    period before P with a loaded row of the same 户编号) had risk eliminated in that period's subject
    row."""
    out = []
    for hh in p.households("monitoring").values():
        if as_bool(hh.row["risk_eliminated"]):
            continue
        records = p.data.monitoring_records.get(hh.household_id, [])
        earlier = [(q, row) for q, row in records if q < p.period]
        if not earlier:
            continue
        q, before = earlier[-1]
        if as_bool(before["risk_eliminated"]):
            out.append(household_finding("W06", hh, q, None, [before]))
    return out


def w07_monitored_income_drop(p: PeriodData, params: dict):
    """Household in the monitoring rosters of P and of the calendar month P−1, income of P−1 > 0,
    and income of P ≤ (1 − drop_ratio) × income of P−1."""
    drop_ratio = Decimal(str(params["drop_ratio"]))
    previous = p.households("monitoring", previous_month(p.period))
    out = []
    for hh in p.households("monitoring").values():
        if hh.household_id not in previous:
            continue
        before = previous[hh.household_id].row
        income_before = money(before["annual_income_per_capita"])
        income = money(hh.row["annual_income_per_capita"])
        limit = (1 - drop_ratio) * income_before
        if income_before > 0 and income <= limit:
            out.append(household_finding("W07", hh, fmt_money(income), fmt_money(limit), [before]))
    return out


def w08_low_income_family_below_dibao_standard_not_covered(p: PeriodData, params: dict):
    """Household in the near-dibao register (either type) whose 家庭月人均收入 < the dibao standard of its
    county (urban or rural by the village of the head's row), and no member in covered(P)."""
    out = []
    for hh in p.households("near_dibao").values():
        row = hh.row
        standard = p.standard(row["region_code"])
        if standard is None:
            continue
        limit = standard["dibao_urban" if p.seeds.is_urban(row["region_code"]) else "dibao_rural"]
        income = money(row["monthly_income_per_capita"])
        if income < limit and not hh.person_ids & p.covered:
            out.append(household_finding("W08", hh, fmt_money(income), fmt_money(limit)))
    return out


# ---------------------------------------------------------------------------------------------------
# Verification (核查)
# ---------------------------------------------------------------------------------------------------
def v01_dibao_and_tekun_at_once(p: PeriodData, params: dict):
    """Person in both dibao_active(P) and tekun_active(P)."""
    rows = [r for r in p.dibao if as_bool(r["is_covered"]) and r["person_id"] in p.tekun_active]
    tekun_rows: dict[str, list[dict]] = {}
    for r in p.data.of("tekun", p.period):
        if r["status"] == "active":
            tekun_rows.setdefault(r["person_id"], []).append(r)
    return person_findings("V01", rows, extra=lambda person: tekun_rows[person])


def v02_dibao_in_several_counties(p: PeriodData, params: dict):
    """Person in dibao(P) rows under two or more different county codes."""
    counties: dict[str, set[str]] = {}
    for r in p.dibao:
        counties.setdefault(r["person_id"], set()).add(county_of(r["region_code"]))
    rows = [r for r in p.dibao if len(counties[r["person_id"]]) >= 2]
    return person_findings("V02", rows, lambda rs: str(len(counties[rs[0]["person_id"]])), "1")


def v03_disability_subsidy_paid_twice(p: PeriodData, params: dict):
    """Two or more payments of the same subsidy type to the person in P with different payment
    references. Value: the number of distinct payments (references) of the type(s) that fire."""
    references: dict[tuple[str, str], set[str]] = {}
    for r in p.data.of("disability_subsidies", p.period):
        references.setdefault((r["person_id"], r["subsidy_type"]), set()).add(r["payment_reference"])
    rows = [
        r
        for r in p.data.of("disability_subsidies", p.period)
        if len(references[(r["person_id"], r["subsidy_type"])]) >= 2
    ]
    return person_findings(
        "V03", rows, lambda rs: str(len({(r["subsidy_type"], r["payment_reference"]) for r in rs})), "1"
    )


def v04_dibao_benefit_above_cap(p: PeriodData, params: dict):
    """Dibao household with at least one row 在保 whose 月保障金 > the dibao standard of its 保障类别 ×
    保障人口数 + 0.01 (household columns from the head's row)."""
    out = []
    for hh in p.households("dibao").values():
        if not any(r["status"] == "active" for r in hh.members):
            continue
        row = hh.row
        standard = p.standard(row["region_code"])
        if standard is None:
            continue
        per_person = standard["dibao_urban" if row["dibao_category"] == "urban" else "dibao_rural"]
        cap = per_person * int(row["household_size"])
        benefit = money(row["monthly_benefit"])
        if benefit > cap + CENT:
            out.append(household_finding("V04", hh, fmt_money(benefit), fmt_money(cap)))
    return out


# ---------------------------------------------------------------------------------------------------
# The departments that joined later (公安, 人社, 财政, 医保)
# ---------------------------------------------------------------------------------------------------
PENSION_TYPES = ("employee_pension", "public_sector_pension", "survivor_benefit")


def calendar_months_back(period: str, n: int) -> list[str]:
    """P and the n − 1 calendar months before it."""
    months = [period]
    for _ in range(n - 1):
        months.append(previous_month(months[-1]))
    return months


def w09_large_medical_costs_without_assistance(p: PeriodData, params: dict):
    """Person with a medical settlement in P whose 个人自付 summed over the settlements of P and the
    window_months − 1 calendar months before it (those on file) ≥ amount, not in covered(P), and paid
    no temporary assistance in a window month (by the payment file's period). Placed at the county of
    the person's settlement rows of P (their region_code is the county code)."""
    window = calendar_months_back(p.period, int(params["window_months"]))
    amount = money(params["amount"])
    in_window: dict[str, list[dict]] = {}
    for q in window:
        for r in p.data.of("medical_settlements", q):
            in_window.setdefault(r["person_id"], []).append(r)
    assisted = {r["person_id"] for q in window for r in p.data.of("temporary_assistance", q)}
    out = []
    for person in {r["person_id"] for r in p.data.of("medical_settlements", p.period)}:
        rows = in_window[person]
        total = sum((money(r["out_of_pocket"]) for r in rows), Decimal(0))
        if total >= amount and person not in p.covered and person not in assisted:
            own = sorted((r for r in rows if r["period"] == p.period), key=row_order)
            out.append(Finding("W09", person, own[0]["region_code"], rows, fmt_money(total), fmt_money(amount)))
    return out


def w10_low_income_family_member_unemployment_benefit(p: PeriodData, params: dict):
    """Household in the near-dibao register of P with a member paid 失业保险金 in P and no member in
    covered(P). Value: the members so paid; evidence adds their payment rows."""
    unemployment: dict[str, list[dict]] = {}
    for r in p.data.of("social_insurance_payments", p.period):
        if r["benefit_type"] == "unemployment_benefit":
            unemployment.setdefault(r["person_id"], []).append(r)
    out = []
    for hh in p.households("near_dibao").values():
        paid = hh.person_ids & unemployment.keys()
        if paid and not hh.person_ids & p.covered:
            rows = [r for person in paid for r in unemployment[person]]
            out.append(household_finding("W10", hh, str(len(paid)), None, rows))
    return out


def v05_deceased_still_covered(p: PeriodData, params: dict):
    """Person in covered(P) with a death_date d and end(P) − d ≥ grace_days. Rows: the person's active
    dibao and tekun rows of P; evidence adds the death row."""
    grace_days = int(params["grace_days"])
    active = [r for r in p.dibao if as_bool(r["is_covered"])]
    active += [r for r in p.data.of("tekun", p.period) if r["status"] == "active"]
    deaths = {person: p.data.death(person, p.period) for person in {r["person_id"] for r in active}}
    rows = [
        r
        for r in active
        if deaths[r["person_id"]] is not None
        and (p.end - as_date(deaths[r["person_id"]]["change_date"])).days >= grace_days
    ]
    return person_findings(
        "V05",
        rows,
        lambda rs: as_date(deaths[rs[0]["person_id"]]["change_date"]).isoformat(),
        str(grace_days),
        extra=lambda person: [deaths[person]],
    )


def v06_paid_after_death(p: PeriodData, params: dict):
    """A disability subsidy or temporary assistance payment to the person in P, and a death_date (as of
    P) before the first day of P."""
    first_day = month_end(p.period).replace(day=1)
    payments = p.data.of("disability_subsidies", p.period) + p.data.of("temporary_assistance", p.period)
    deaths = {person: p.data.death(person, p.period) for person in {r["person_id"] for r in payments}}
    rows = [
        r
        for r in payments
        if deaths[r["person_id"]] is not None and as_date(deaths[r["person_id"]]["change_date"]) < first_day
    ]
    return person_findings(
        "V06",
        rows,
        lambda rs: as_date(deaths[rs[0]["person_id"]]["change_date"]).isoformat(),
        extra=lambda person: [deaths[person]],
    )


def v07_moved_out_of_county_still_in_dibao(p: PeriodData, params: dict):
    """Person in dibao_active(P) whose move_out goes to another county than an active dibao row's, that
    row's 审批日期 on or before the move's 变动日期. Rows: the qualifying active rows; evidence adds the move."""
    active = [r for r in p.dibao if as_bool(r["is_covered"])]
    moves = {person: p.data.move_out(person, p.period) for person in {r["person_id"] for r in active}}
    rows = []
    for r in active:
        move = moves[r["person_id"]]
        if (
            move is not None
            and text(move["destination_region_code"])[:6] != r["region_code"][:6]
            and as_date(r["approval_date"]) <= as_date(move["change_date"])
        ):
            rows.append(r)
    return person_findings(
        "V07",
        rows,
        lambda rs: text(moves[rs[0]["person_id"]]["destination_region_code"]),
        extra=lambda person: [moves[person]],
    )


STAFF_CATEGORY_LABELS = {v: k for k, v in TABLES["payroll"].column("staff_category").values.items()}


def v08_public_payroll_in_dibao(p: PeriodData, params: dict):
    """Person in dibao_members(P) on the payroll roster of P (any 人员类别). Value: the categories'
    labels, sorted, joined by '|'; evidence adds the payroll rows."""
    payroll: dict[str, list[dict]] = {}
    for r in p.data.of("payroll", p.period):
        payroll.setdefault(r["person_id"], []).append(r)
    rows = [r for r in p.dibao if r["person_id"] in payroll]
    return person_findings(
        "V08",
        rows,
        lambda rs: "|".join(sorted({STAFF_CATEGORY_LABELS[r["staff_category"]] for r in payroll[rs[0]["person_id"]]})),
        extra=lambda person: payroll[person],
    )


def v09_dibao_pension_above_standard(p: PeriodData, params: dict):
    """Dibao household with a member in dibao_active(P) whose members' pensions of P (each person once),
    divided by 保障人口数 (head's row), exceed the dibao standard of its 保障类别 and county (exactly);
    the value is the quotient rounded half up. Evidence adds the members' pension rows."""
    pensions: dict[str, list[dict]] = {}
    for r in p.data.of("social_insurance_payments", p.period):
        if r["benefit_type"] in PENSION_TYPES:
            pensions.setdefault(r["person_id"], []).append(r)
    out = []
    for hh in p.households("dibao").values():
        if not hh.person_ids & p.dibao_active:
            continue
        row = hh.row
        standard = p.standard(row["region_code"])
        if standard is None:
            continue
        limit = standard["dibao_urban" if row["dibao_category"] == "urban" else "dibao_rural"]
        rows = [r for person in hh.person_ids for r in pensions.get(person, ())]
        total = sum((money(r["amount"]) for r in rows), Decimal(0))
        size = int(row["household_size"])
        if total > limit * size:  # exact: total / size > limit
            out.append(household_finding("V09", hh, fmt_money(total / size), fmt_money(limit), rows))
    return out


RULE_FUNCTIONS = {
    "W01": w01_monitored_income_below_dibao_standard_not_covered,
    "W02": w02_severely_disabled_without_nursing_subsidy,
    "W03": w03_disabled_in_dibao_family_without_living_subsidy,
    "W04": w04_sudden_hardship_without_temporary_assistance,
    "W05": w05_disabled_dispersed_tekun_without_care_agreement,
    "W06": w06_relapse_after_risk_eliminated,
    "W07": w07_monitored_income_drop,
    "W08": w08_low_income_family_below_dibao_standard_not_covered,
    "W09": w09_large_medical_costs_without_assistance,
    "W10": w10_low_income_family_member_unemployment_benefit,
    "V01": v01_dibao_and_tekun_at_once,
    "V02": v02_dibao_in_several_counties,
    "V03": v03_disability_subsidy_paid_twice,
    "V04": v04_dibao_benefit_above_cap,
    "V05": v05_deceased_still_covered,
    "V06": v06_paid_after_death,
    "V07": v07_moved_out_of_county_still_in_dibao,
    "V08": v08_public_payroll_in_dibao,
    "V09": v09_dibao_pension_above_standard,
}


# ---------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------
def findings_of_period(p: PeriodData, expected: set[str] | None = None) -> list[dict]:
    """Every enabled rule for period P whose tables are all expected in P (`expected`; None: every
    table); one finding per warning_id (where a subject heads several firing households, the one with
    the smallest region code, then household number, is kept)."""
    out = []
    for rule_id, rule in RULE_FUNCTIONS.items():
        config = p.seeds.rules[rule_id]
        if not config.enabled or (expected is not None and not set(CATALOGUE[rule_id].tables) <= expected):
            continue
        chosen: dict[str, Finding] = {}
        for f in rule(p, config.params):
            key = (f.region_code, f.household_id or "")
            if f.subject not in chosen or key < (
                chosen[f.subject].region_code,
                chosen[f.subject].household_id or "",
            ):
                chosen[f.subject] = f
        for f in chosen.values():
            out.append(
                {
                    "period": p.period,
                    "rule_id": rule_id,
                    "warning_id": warning_id(rule_id, f.subject),
                    "kind": RULES[rule_id][0],
                    "severity": config.severity,
                    "subject_person_id": f.subject,
                    "household_id": f.household_id,
                    "region_code": f.region_code,
                    "value": f.value,
                    "threshold": f.threshold,
                    "persons_involved": f.persons_involved,
                    "source_rows": source_rows(f.rows),
                }
            )
    return out


def attach_persistence(findings: list[dict], runs: dict[str, tuple[str, str, int]]) -> None:
    """first_period / consecutive_periods: the unbroken run of calendar months ending at P in which
    the warning_id fired. `runs` holds, per warning_id, (last period it fired, first period of that
    run, length of that run); only complete periods are evaluated, so any other month breaks a run."""
    for f in findings:
        last = runs.get(f["warning_id"])
        if last is not None and last[0] == previous_month(f["period"]):
            first, length = last[1], last[2] + 1
        else:
            first, length = f["period"], 1
        runs[f["warning_id"]] = (f["period"], first, length)
        f["first_period"], f["consecutive_periods"] = first, length


def evaluate(
    loaded: dict[str, pl.DataFrame],
    seeds: dict[str, pl.DataFrame],
    complete_periods: list[str],
    expected_tables: dict[str, tuple[str, ...]] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Findings and KPIs of every complete period (see the module docstring for formats).
    `expected_tables`: period -> the tables expected in it (extracts.md); a rule is evaluated for P only
    when it reads none but those (None: every table is expected)."""
    from pipelines.generate.reference_kpis import KPI_SCHEMA, kpis_of_period

    seed = Seeds.read(seeds)
    data = Loaded(loaded)
    findings: list[dict] = []
    kpis: list[dict] = []
    runs: dict[str, tuple[str, str, int]] = {}
    for period in sorted(set(complete_periods)):
        p = PeriodData.build(data, seed, period)
        found = findings_of_period(p, None if expected_tables is None else set(expected_tables.get(period, ())))
        attach_persistence(found, runs)
        findings.extend(found)
        kpis.extend(kpis_of_period(p, found))
        data.forget(keep={period})  # P is P−1 of the next period
    findings.sort(key=lambda f: (f["period"], f["rule_id"], f["warning_id"]))
    findings_frame = pl.DataFrame(
        [{column: f[column] for column in FINDINGS_SCHEMA} for f in findings], schema=FINDINGS_SCHEMA
    )
    return findings_frame, pl.DataFrame(kpis, schema=KPI_SCHEMA)
