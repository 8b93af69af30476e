"""A disposition history for the demo dataset, so the dashboards show a working county on day one.

    write_history(out, findings, last_period, warning_rules)

The last period's snapshot is published on the 5th of the next month at 09:00 (Beijing); the demo officers of
370902 and 370911, and `admin` for one other county, then return lists in batches during that month:

    out/feedback/history.json   {"published_at", "truth_as_of", "batches": [{"as_of", "user", "file"}, ...]}
    out/feedback/batch-NN.csv   预警编号,首次预警期,核查日期,处置结果,处置说明 (UTF-8 with BOM, as exports are)

Every case of the last period in those counties gets a role, deterministically (sorted, then shuffled by a
seeded generator): recorded on time, late, or not at all (overdue by the end), and in the officers' counties one
case due for re-check by the end, one corrected (two records) and one 其他 with a 说明. The truth as of the end
of that month (`truth_as_of`), computed by reference_cases.evaluate_cases, goes to out/truth/cases.csv and
out/truth/case_kpis.csv.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.feedback.clock import BEIJING
from pipelines.feedback.outcomes import OTHER, OUTCOMES, RECHECK_MONTHS, RECHECK_OUTCOMES
from pipelines.generate.reference_cases import add_months, case_id, deadline_days_of, evaluate_cases, kind_of

HEADER = ["预警编号", "首次预警期", "核查日期", "处置结果", "处置说明"]
OFFICERS = {"370902": "officer_370902", "370911": "officer_370911"}  # the demo users (config/users.toml)
ADMIN = "admin"
# The returned lists, in time order: day of the month after the last period, Beijing time, whose (an officer's
# county, or ADMIN for the admin's county) and which records. On-time batches come before the earliest
# default deadline (issue + 3 days), late ones after the latest (issue + 15 days).
BATCHES = (
    (6, "10:30", "370902", "on_time"),
    (7, "15:20", "370911", "on_time"),
    (7, "16:45", ADMIN, "on_time"),
    (12, "11:00", "370911", "correction"),
    (24, "09:40", "370902", "late"),
    (25, "14:10", "370911", "late"),
    (26, "10:00", ADMIN, "late"),
)
CYCLE = ("on_time", "late", "none", "on_time")  # the roles of the other cases, in turn
# One case each, in the first county listing the role that has a case fitting it
SPECIALS = {"370902": ("recheck", "other"), "370911": ("recheck", "corrected")}
OTHER_NOTE = "户籍地与居住地不一致，已转居住地县区核实"
CORRECTION_NOTE = "更正：入户复核后调整处置结果"


def utc(local: dt.datetime) -> dt.datetime:
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def write_history(
    out: Path, findings: pl.DataFrame, last_period: str, warning_rules: pl.DataFrame | None = None, seed: int = 0
) -> dict:
    """Writes out/feedback/ and the cases' truth; {} (nothing written) when the last period has no case in the
    officers' counties (another city)."""
    month = add_months(dt.date.fromisoformat(last_period + "-01"), 1)
    published = dt.datetime(month.year, month.month, 5, 9, 0, tzinfo=BEIJING)
    end = calendar.monthrange(month.year, month.month)[1]
    truth_as_of = dt.datetime(month.year, month.month, end, 18, 0, tzinfo=BEIJING)
    cases = findings.filter(pl.col("period") == last_period).sort("warning_id").to_dicts()
    counties = sorted({c["region_code"][:6] for c in cases})
    if not any(county in OFFICERS for county in counties):
        return {}
    admin_county = next((c for c in counties if c not in OFFICERS), None)
    batch_at = {
        (who, phase): dt.datetime(month.year, month.month, day, *map(int, clock.split(":")), tzinfo=BEIJING)
        for day, clock, who, phase in BATCHES
    }
    recheck_day = add_months(month, -RECHECK_MONTHS).replace(day=15)  # due again on the 15th of this month
    rng = np.random.default_rng([seed, 20266])

    rows: dict[tuple[str, str], list[dict]] = {}  # (who, phase) -> the batch's rows
    done: set[str] = set()  # the special roles given (one case each)
    whose = {c: c for c in counties if c in OFFICERS}
    if admin_county:
        whose[admin_county] = ADMIN
    for county, who in whose.items():
        dates = {phase: at.date() for (w, phase), at in batch_at.items() if w == who}
        mine = [cases[i] for i in rng.permutation(len(cases)) if cases[i]["region_code"][:6] == county]
        roles = {}
        for role in SPECIALS.get(county, ()):
            fits = [c for c in mine if c["warning_id"] not in roles]
            if role == "recheck":  # 核查日期 on recheck_day must not be before its first period
                fits = [c for c in fits if c["first_period"] + "-01" <= recheck_day.isoformat()]
            if fits and role not in done:
                roles[fits[0]["warning_id"]] = role
                done.add(role)
        others = [c for c in mine if c["warning_id"] not in roles]
        roles.update((c["warning_id"], CYCLE[i % len(CYCLE)]) for i, c in enumerate(others))
        for case in mine:
            for phase, outcome, note, checked_on in _records(case, roles[case["warning_id"]], rng, dates, recheck_day):
                rows.setdefault((who, phase), []).append(
                    {**case, "outcome": outcome, "note": note, "checked_on": checked_on}
                )

    folder = out / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    batches, records = [], []
    for _, _, who, phase in BATCHES:
        batch = sorted(rows.get((who, phase), []), key=lambda r: r["warning_id"])
        if not batch:
            continue
        as_of, user, name = batch_at[(who, phase)], OFFICERS.get(who, ADMIN), f"batch-{len(batches) + 1:02d}.csv"
        batches.append({"as_of": as_of.isoformat(), "user": user, "file": name})
        with open(folder / name, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            for r in batch:
                writer.writerow(
                    [r["warning_id"], r["first_period"], r["checked_on"].isoformat(), r["outcome"], r["note"]]
                )
                records.append(
                    {
                        "case_id": case_id(r["warning_id"], r["first_period"]),
                        "recorded_at": utc(as_of),
                        "checked_on": r["checked_on"],
                        "outcome": r["outcome"],
                        "note": r["note"] or None,
                        "recorded_by": user,
                    }
                )
    history = {"published_at": published.isoformat(), "truth_as_of": truth_as_of.isoformat(), "batches": batches}
    (folder / "history.json").write_text(json.dumps(history, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    days = deadline_days_of(warning_rules)
    truth_cases, kpis = evaluate_cases(findings, [(utc(published), last_period)], records, days, utc(truth_as_of))
    truth_cases.write_csv(out / "truth" / "cases.csv", datetime_format="%Y-%m-%d %H:%M:%S")
    kpis.write_csv(out / "truth" / "case_kpis.csv")
    return {"history_batches": len(batches), "history_records": len(records), "truth_cases": truth_cases.height}


def _records(case: dict, role: str, rng: np.random.Generator, dates: dict, recheck_day: dt.date) -> list[tuple]:
    """(batch phase, 处置结果, 处置说明, 核查日期) of one case's records; `dates`: its batches' Beijing dates."""
    kind = case.get("kind") or kind_of(case["rule_id"])
    usual = [o for o in OUTCOMES[kind] if o != OTHER]
    pick = usual[int(rng.integers(len(usual)))]

    def checked(phase: str) -> dt.date:
        # checked a few days before the list went back, never before the case's first period
        first_day = dt.date.fromisoformat(case["first_period"] + "-01")
        return max(dates[phase] - dt.timedelta(days=int(rng.integers(0, 4))), first_day)

    if role == "none":
        return []
    if role == "recheck":  # nothing to do, checked six months before the 15th of this month: due again then
        return [("on_time", next(o for o in OUTCOMES[kind] if o in RECHECK_OUTCOMES), "", recheck_day)]
    if role == "other":
        return [("on_time", OTHER, OTHER_NOTE, checked("on_time"))]
    if role == "corrected":  # the same check, its outcome corrected later: the timeliness stays the first's
        day = checked("on_time")
        return [("on_time", pick, "", day), ("correction", next(o for o in usual if o != pick), CORRECTION_NOTE, day)]
    return [(role, pick, "", checked(role))]
