"""Reference evaluation of the cases of rules.md ("Cases") and of K10–K12 (domain.md): the generator's truth.

A second, deliberately plain reading of the rules, used as a test oracle for the warehouse's case marts and
the feedback store's statuses. Plain loops over dicts, one step per sentence of the design.

    cases, kpis = evaluate_cases(findings, publications, records, deadline_days, as_of)

- `findings`: the rows of truth/findings.csv (period, warning_id, rule_id, first_period, region_code; `kind`
  is derived from the rule id when missing).
- `publications`: (published_at, latest_period); a publication publishes every finding of the periods up to
  its latest period. `records`: dicts with case_id, recorded_at, checked_on, outcome, note, recorded_by.
  Instants are naive UTC; only publications and records at or before `as_of` count.
- `deadline_days`: rule id -> 处置时限 in calendar days (`deadline_days_of` reads a warning_rules seed).

`cases` has one row per case issued by `as_of` (CASES_SCHEMA). `kpis` has K10_cases, K10_disposed, K10_rate,
K11_overdue, K11_late and K12_days_median for every period published by `as_of` and every region (the city,
the counties, the townships) with at least one case of that period, placed by the finding of that period. The
product also writes rows of zero for regions without cases: a comparison treats a missing row as 0 for the
counts and null for K10_rate and K12_days_median.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections import defaultdict

import polars as pl

from pipelines.contract.rules import RULES
from pipelines.feedback.outcomes import RECHECK_MONTHS, RECHECK_OUTCOMES
from pipelines.generate.reference import county_of, text, township_of

PENDING, OVERDUE, DISPOSED, ELIMINATED = "待处置", "已超期", "已处置", "已消除"
ON_TIME, LATE = "按时", "超期处置"

CASES_SCHEMA = {
    "case_id": pl.String,
    "warning_id": pl.String,
    "first_period": pl.String,
    "last_period": pl.String,
    "rule_id": pl.String,
    "kind": pl.String,
    "county_code": pl.String,
    "township_code": pl.String,
    "region_code": pl.String,
    "issued_at": pl.Datetime("us"),
    "deadline": pl.Date,
    "status": pl.String,
    "timeliness": pl.String,
    "recheck": pl.Boolean,
    "records": pl.Int64,
    "checked_on": pl.Date,
    "outcome": pl.String,
    "note": pl.String,
    "recorded_by": pl.String,
    "recorded_at": pl.Datetime("us"),
}
KPI_SCHEMA = {
    "period": pl.String,
    "region_code": pl.String,
    "level": pl.String,
    "indicator_id": pl.String,
    "value": pl.Float64,
}
INDICATORS = ("K10_cases", "K10_disposed", "K10_rate", "K11_overdue", "K11_late", "K12_days_median")


# ---------------------------------------------------------------------------------------------------
# Time: Beijing is UTC+8 all year (no DST)
# ---------------------------------------------------------------------------------------------------
def beijing_date(instant: dt.datetime) -> dt.date:
    return (instant + dt.timedelta(hours=8)).date()


def beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def case_id(warning_id: str, first_period: str) -> str:
    return f"{warning_id}-{first_period}"


def kind_of(rule_id: str) -> str:
    return "verification" if rule_id.startswith("V") else "warning"


def city_of(region_code: str) -> str:
    """The city's 12-digit code (reference_kpis.Geography's reading without a regions seed)."""
    return region_code[:4] + "00000000"


def deadline_days_of(warning_rules: pl.DataFrame | None) -> dict[str, int]:
    """rule id -> deadline_days: the seed's, else the catalogue entry's, else by the severity in force (the
    seed's severity, else the entry's): red 3, orange 7, yellow 15 (vars.deadline_days_by_severity)."""
    seed = {}
    if warning_rules is not None:
        seed = {text(r["rule_id"]): r for r in warning_rules.to_dicts()}
    out = {}
    for rule in RULES.values():
        row = seed.get(rule.id, {})
        days = text(row.get("deadline_days"))
        out[rule.id] = int(days) if days else rule.default_deadline_days(text(row.get("severity")))
    return out


# ---------------------------------------------------------------------------------------------------
# One case as of a time
# ---------------------------------------------------------------------------------------------------
def case_status(case: dict, records: list[dict], publications: list[tuple], days: int, as_of: dt.datetime) -> dict:
    """Status of one case as of `as_of` (design.md "Status as of t"). `records`: the case's records up to
    `as_of`, in recording order; `publications`: those up to `as_of`."""

    def eliminated_at(t: dt.datetime) -> bool:
        return any(at <= t and latest > case["last_period"] for at, latest in publications)

    # The initial episode starts at issue; each record saying nothing was to be done may open a re-check
    # episode 6 months after its 核查日期, if no newer record came first and the case still fired then.
    start_date, start, recheck = beijing_date(case["issued_at"]), None, False
    for i, record in enumerate(records):
        if record["outcome"] not in RECHECK_OUTCOMES:
            continue
        day = add_months(record["checked_on"], RECHECK_MONTHS)
        begins = beijing_midnight(day)
        until = records[i + 1]["recorded_at"] if i + 1 < len(records) else as_of
        if record["recorded_at"] < begins <= until and not eliminated_at(begins):
            start_date, start, recheck = day, begins, True  # records are in order: the last one found is current
    deadline = start_date + dt.timedelta(days=days)
    episode = [r for r in records if start is None or r["recorded_at"] >= start]
    first = episode[0] if episode else None
    first_date = beijing_date(first["recorded_at"]) if first else None

    if eliminated_at(as_of):
        status = ELIMINATED
    elif first:
        status = DISPOSED
    elif beijing_date(as_of) > deadline:
        status = OVERDUE
    else:
        status = PENDING
    return {
        "deadline": deadline,
        "status": status,
        # a disposed case (已消除 ones with a record too, as K11_late counts them): the first record's
        "timeliness": None if first is None else ON_TIME if first_date <= deadline else LATE,
        "recheck": recheck,
        "disposed": first is not None,
        "days": (first_date - start_date).days if first else None,
    }


# ---------------------------------------------------------------------------------------------------
# All cases, and K10–K12
# ---------------------------------------------------------------------------------------------------
def evaluate_cases(
    findings: pl.DataFrame,
    publications: list[tuple[dt.datetime, str]],
    records: list[dict],
    deadline_days: dict[str, int],
    as_of: dt.datetime,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    pubs = sorted((at, latest) for at, latest in publications if at <= as_of)
    if not pubs:
        return pl.DataFrame(schema=CASES_SCHEMA), pl.DataFrame(schema=KPI_SCHEMA)
    latest_published = max(latest for _, latest in pubs)

    rows = []
    for row in findings.to_dicts():
        f = {k: text(row.get(k)) for k in ("period", "warning_id", "rule_id", "first_period", "region_code", "kind")}
        if f["period"] <= latest_published:
            f["case_id"] = case_id(f["warning_id"], f["first_period"])
            f["kind"] = f.get("kind") or kind_of(f["rule_id"])
            rows.append(f)

    # A case's run: its findings up to the latest period published; it is placed by the last of them.
    last_finding: dict[str, dict] = {}
    for f in sorted(rows, key=lambda f: f["period"]):
        last_finding[f["case_id"]] = f

    # Records in recording order (the list order stands in for the store's id among equal times).
    by_case: dict[str, list[dict]] = defaultdict(list)
    for _, r in sorted(enumerate(records), key=lambda ir: (ir[1]["recorded_at"], ir[0])):
        if r["recorded_at"] <= as_of:
            by_case[r["case_id"]].append(r)

    cases: dict[str, dict] = {}
    for cid, f in sorted(last_finding.items()):
        issued_at = min(at for at, latest in pubs if latest >= f["first_period"])
        case = {
            "case_id": cid,
            "warning_id": f["warning_id"],
            "first_period": f["first_period"],
            "last_period": f["period"],
            "rule_id": f["rule_id"],
            "kind": f["kind"],
            "county_code": county_of(f["region_code"]),
            "township_code": township_of(f["region_code"]) if f["region_code"][6:] != "000000" else None,
            "region_code": f["region_code"],
            "issued_at": issued_at,
        }
        mine = by_case.get(cid, [])
        case.update(case_status(case, mine, pubs, deadline_days[f["rule_id"]], as_of))
        latest = mine[-1] if mine else {}
        case.update(
            records=len(mine),
            checked_on=latest.get("checked_on"),
            outcome=latest.get("outcome"),
            note=latest.get("note") or None,
            recorded_by=latest.get("recorded_by"),
            recorded_at=latest.get("recorded_at"),
        )
        cases[cid] = case

    cases_frame = pl.DataFrame([{k: c[k] for k in CASES_SCHEMA} for c in cases.values()], schema=CASES_SCHEMA)
    return cases_frame, case_kpis(rows, cases)


def case_kpis(findings: list[dict], cases: dict[str, dict]) -> pl.DataFrame:
    """K10–K12 by period and by the region of the case's finding of that period."""
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for f in findings:
        places = [(city_of(f["region_code"]), "city"), (county_of(f["region_code"]), "county")]
        if f["region_code"][6:] != "000000":  # a finding placed at a county counts in no township
            places.append((township_of(f["region_code"]), "township"))
        for region, level in places:
            groups[(f["period"], region, level)].append(cases[f["case_id"]])

    out = []
    for (period, region, level), group in sorted(groups.items()):
        disposed = [c for c in group if c["disposed"]]
        days = [c["days"] for c in disposed]
        values = {
            "K10_cases": len(group),
            "K10_disposed": len(disposed),
            "K10_rate": len(disposed) / len(group),
            "K11_overdue": sum(c["status"] == OVERDUE for c in group),
            "K11_late": sum(c["timeliness"] == LATE for c in disposed),
            "K12_days_median": statistics.median(days) if days else None,  # the mean of the middle two
        }
        for indicator in INDICATORS:
            value = values[indicator]
            out.append(
                {
                    "period": period,
                    "region_code": region,
                    "level": level,
                    "indicator_id": indicator,
                    "value": None if value is None else float(value),
                }
            )
    return pl.DataFrame(out, schema=KPI_SCHEMA)
