"""The one write path for dispositions: scoped, validated, recorded together or not at all.

The dashboards' form, their upload and `safetynet feedback import` all call `record`. It decides what a
user may write from the store itself (the case's rule kind, first period and county as published), not
from anything a page sends: a county officer's row for another county's case is refused here.
Refusal reasons name the row and the case id, never a person's id or name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from pipelines.feedback import tables as t
from pipelines.feedback.clock import beijing_date, utc_now
from pipelines.feedback.outcomes import MAX_NOTE, OTHER, OUTCOMES
from pipelines.feedback.store import FeedbackStore

CITY_ADMIN, COUNTY_OFFICER = "city_admin", "county_officer"
WRITERS = (CITY_ADMIN, COUNTY_OFFICER)

# Reasons, in the order they are judged (product.md, "Recording").
UNKNOWN_CASE = "未知预警事项 unknown case"
OTHER_COUNTY = "非本县区预警事项 another county's case"
BAD_OUTCOME = "处置结果不在该类规则的选项中 outcome not allowed for the rule's kind"
BAD_DATE = "核查日期无法识别 date unreadable"
FUTURE_DATE = "核查日期晚于今天 date in the future"
EARLY_DATE = "核查日期早于首次预警期 date before the case's first period"
OTHER_WITHOUT_NOTE = "处置结果为“其他”时须填写处置说明 其他 without 说明"
LONG_NOTE = f"处置说明超过{MAX_NOTE}字 说明 over {MAX_NOTE} characters"


class NotAllowed(PermissionError):
    """The user's role records nothing (an analyst), or the user is unknown."""


@dataclass(frozen=True)
class Actor:
    """Who writes: the signed-in user, or the --user of an import (from the users file)."""

    user: str
    role: str
    county: str | None  # 6 digits for a county officer


@dataclass(frozen=True)
class Entry:
    """One row to record: from the form, or a row of a returned list (row: its row number in the file)."""

    warning_id: str | None
    first_period: str | None
    checked_on: object  # a date, or text as typed (read here)
    outcome: str | None
    note: str | None
    row: int | None = None

    @property
    def case_id(self) -> str:
        return f"{(self.warning_id or '').strip()}-{(self.first_period or '').strip()}"

    @property
    def is_empty(self) -> bool:
        return all(_text(v) is None for v in (self.checked_on, self.outcome, self.note))


@dataclass(frozen=True)
class Refusal:
    row: int | None
    warning_id: str | None
    first_period: str | None
    reason: str


REFUSED_HEADERS = ("行号", "预警编号", "首次预警期", "原因")


def refused_frame(refusals: list[Refusal]) -> pl.DataFrame:
    """The refused rows as users get them back (page, download, `--refused`): file row, 预警编号,
    首次预警期, reason; never a person's id or name."""
    rows = [(r.row, r.warning_id, r.first_period, r.reason) for r in refusals]
    return pl.DataFrame(
        rows, schema=dict(zip(REFUSED_HEADERS, (pl.Int64, pl.String, pl.String, pl.String))), orient="row"
    )


@dataclass
class Result:
    recorded: list[Entry] = field(default_factory=list)
    unchanged: list[Entry] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    empty: int = 0
    import_id: int | None = None

    def describe(self) -> str:
        return (
            f"已记录 recorded {len(self.recorded)}, 未变 unchanged {len(self.unchanged)}, "
            f"拒收 refused {len(self.refused)}" + (f", 空行 empty {self.empty}" if self.empty else "")
        )


def record(
    store: FeedbackStore,
    actor: Actor,
    entries: list[Entry],
    as_of: dt.datetime | None = None,
    file_name: str | None = None,
    file_bytes: bytes | None = None,
) -> Result:
    """Record the valid entries in one transaction; report the unchanged and the refused ones.

    `as_of` (naive UTC, default now) is the record time. With `file_name` it is an import: the import is
    kept (file, user, counts) even when nothing in it was recorded."""
    if actor.role not in WRITERS:
        raise NotAllowed(f"user {actor.user!r} ({actor.role}) may not record dispositions")
    now = as_of or utc_now()
    today = beijing_date(now)
    result = Result()
    rows = [e for e in entries if not e.is_empty]
    result.empty = len(entries) - len(rows)
    with store.write() as connection:
        cases = _cases(connection, {e.case_id for e in rows}, now)
        existing = _existing(connection, set(cases))
        valid = []
        for entry in rows:
            case = cases.get(entry.case_id)
            reason, values = _judge(entry, case, actor, today)
            if reason:
                result.refused.append(Refusal(entry.row, entry.warning_id, entry.first_period, reason))
                continue
            key = (entry.case_id, values["checked_on"], values["outcome"], values["note"])
            if key in existing:
                result.unchanged.append(entry)
                continue
            existing.add(key)  # the same row twice in one file records once
            valid.append((entry, values))
        if file_name is not None:
            result.import_id = connection.execute(
                t.imports.insert().values(
                    imported_at=now,
                    recorded_by=actor.user,
                    file_name=file_name,
                    file_sha256=hashlib.sha256(file_bytes or b"").hexdigest(),
                    rows_recorded=len(valid),
                    rows_unchanged=len(result.unchanged),
                    rows_refused=len(result.refused),
                )
            ).inserted_primary_key[0]
        if valid:
            connection.execute(
                t.dispositions.insert(),
                [
                    {
                        "case_id": e.case_id,
                        "recorded_at": now,
                        "recorded_by": actor.user,
                        "import_id": result.import_id,
                        **v,
                    }
                    for e, v in valid
                ],
            )
        result.recorded = [e for e, _ in valid]
        detail = {
            "recorded": len(valid),
            "unchanged": len(result.unchanged),
            "refused": len(result.refused),
            "cases": sorted({e.case_id for e, _ in valid})[:50],
        }
        if file_name is not None:
            detail.update(file=file_name, import_id=result.import_id)
        store.audit(
            actor.user, "upload" if file_name is not None else "disposition", detail, at=now, connection=connection
        )
    return result


def _judge(entry: Entry, case: dict | None, actor: Actor, today: dt.date) -> tuple[str | None, dict]:
    """The first reason that refuses the entry (None: valid), and its values as recorded."""
    if case is None:
        return UNKNOWN_CASE, {}
    if actor.role == COUNTY_OFFICER and (case["county_code"] or "")[:6] != actor.county:
        return OTHER_COUNTY, {}
    outcome = _text(entry.outcome)
    note = _text(entry.note)
    checked_on = read_date(entry.checked_on)
    values = {"checked_on": checked_on, "outcome": outcome, "note": note}
    if outcome not in OUTCOMES[case["kind"]]:
        return BAD_OUTCOME, values
    if checked_on is None:
        return BAD_DATE, values
    if checked_on > today:
        return FUTURE_DATE, values
    if checked_on < dt.date.fromisoformat(case["first_period"] + "-01"):
        return EARLY_DATE, values
    if outcome == OTHER and note is None:
        return OTHER_WITHOUT_NOTE, values
    if note is not None and len(note) > MAX_NOTE:
        return LONG_NOTE, values
    return None, values


def _cases(connection, case_ids: set[str], now: dt.datetime) -> dict[str, dict]:
    """The cases among `case_ids` issued by `now`, with their kind, first period and latest county."""
    if not case_ids:
        return {}
    issues = connection.execute(
        sa.select(t.case_issues.c.case_id, t.case_issues.c.kind, t.case_issues.c.first_period).where(
            t.case_issues.c.case_id.in_(case_ids), t.case_issues.c.issued_at <= now
        )
    ).all()
    places = connection.execute(
        sa.select(t.case_places.c.case_id, t.case_places.c.county_code)
        .join(t.publications, t.publications.c.id == t.case_places.c.publication_id)
        .where(t.case_places.c.case_id.in_(case_ids), t.publications.c.published_at <= now)
        .order_by(t.case_places.c.id)
    ).all()
    county = {case_id: code for case_id, code in places}  # the last place wins
    return {
        case_id: {"kind": kind, "first_period": first, "county_code": county.get(case_id)}
        for case_id, kind, first in issues
    }


def _existing(connection, case_ids: set[str]) -> set[tuple]:
    if not case_ids:
        return set()
    rows = connection.execute(
        sa.select(
            t.dispositions.c.case_id, t.dispositions.c.checked_on, t.dispositions.c.outcome, t.dispositions.c.note
        ).where(t.dispositions.c.case_id.in_(case_ids))
    ).all()
    return {tuple(r) for r in rows}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet reader
        return None
    text = str(value).strip()
    return text or None


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def read_date(value) -> dt.date | None:
    """核查日期 as officials type it: a date cell, 2026-11-03, 2026/11/3, 2026.11.3 or 2026年11月3日 (a
    time of day after a date cell's date is ignored). None when unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if text is None:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
