"""Sign-in as 等级保护 requires it (product.md, "Privacy and access"): five failed attempts lock the user
name for 15 minutes, a session idle for 30 minutes signs out, and every sign-in event is audited.

The state lives in the feedback store's audit_events, not in the session: a lock holds across browser
sessions and server restarts. Failures are counted since max(last sign-in, last lock, now - 15 min); the
fifth records a `locked` event. While locked even the right password is refused (it is not checked, so the
answer says nothing about it). Audit details never hold a password; a user name typed where an ID number
belongs is stored masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from dashboards.auth import UserRecord, Viewer, authenticate
from pipelines.exports.masking import scrub_ids
from pipelines.feedback import tables as t
from pipelines.feedback.clock import beijing_text, utc_now
from pipelines.feedback.store import FeedbackStore, feedback_store

MAX_FAILURES = 5
LOCK = dt.timedelta(minutes=15)
IDLE = dt.timedelta(minutes=30)
SIGN_IN, FAILED, LOCKED = "sign_in", "sign_in_failed", "locked"
SIGN_OUT, IDLE_SIGN_OUT = "sign_out", "idle_sign_out"
# detail.reason of a failure: wrong credentials count towards a lock, attempts while locked do not (a lock
# is not prolonged by someone trying through it).
WRONG, WHILE_LOCKED = "credentials", "locked"
MAX_NAME = 64

WRONG_MESSAGE = "用户名或密码错误 wrong user name or password"


@dataclass(frozen=True)
class Outcome:
    """What a sign-in attempt gave: the viewer, or a message (and the end of a lock, naive UTC)."""

    viewer: Viewer | None
    message: str | None = None
    locked_until: dt.datetime | None = None


def audit_name(username: str) -> str:
    """The user name as the audit log keeps it: stripped, cut, any ID-like run masked."""
    return scrub_ids((username or "").strip()[:MAX_NAME]) or "?"


def locked_message(until: dt.datetime) -> str:
    return f"该用户名已锁定至 {beijing_text(until)}（北京时间），请稍后再试。 This user name is locked until then."


def _latest(connection, user: str, event: str) -> dt.datetime | None:
    e = t.audit_events.c
    return connection.execute(sa.select(sa.func.max(e.at)).where(e.user == user, e.event == event)).scalar_one()


def _locked_until(connection, user: str, now: dt.datetime) -> dt.datetime | None:
    last = _latest(connection, user, LOCKED)
    return last + LOCK if last is not None and now < last + LOCK else None


def _failures(connection, user: str, now: dt.datetime) -> int:
    since = max(x for x in (_latest(connection, user, SIGN_IN), _latest(connection, user, LOCKED), now - LOCK) if x)
    e = t.audit_events.c
    return connection.execute(
        sa.select(sa.func.count()).where(
            e.user == user, e.event == FAILED, e.at > since, e.at <= now, e.detail.not_like(f'%"{WHILE_LOCKED}"%')
        )
    ).scalar_one()


def locked_until(user: str, now: dt.datetime | None = None, store: FeedbackStore | None = None) -> dt.datetime | None:
    """When the lock of `user` ends (naive UTC), or None when the name is not locked."""
    store = store or feedback_store()
    with store.read() as connection:
        return _locked_until(connection, audit_name(user), now or utc_now())


def sign_in(
    username: str,
    password: str,
    now: dt.datetime | None = None,
    store: FeedbackStore | None = None,
    users: dict[str, UserRecord] | None = None,
) -> Outcome:
    """One sign-in attempt, audited. An unknown name is counted and locked like a known one, with the same
    words, so the answers do not tell which names exist."""
    store = store or feedback_store()
    now = now or utc_now()
    user = audit_name(username)
    with store.read() as connection:
        until = _locked_until(connection, user, now)
    if until is not None:
        store.audit(user, FAILED, {"reason": WHILE_LOCKED}, at=now)
        return Outcome(None, locked_message(until), until)
    viewer = authenticate(username, password, users)  # argon2: slow on purpose, outside the write lock
    with store.write() as connection:  # count and lock in one transaction: two tabs cannot both miss it
        if viewer is not None:
            store.audit(user, SIGN_IN, {"role": viewer.role}, at=now, connection=connection)
            return Outcome(viewer)
        store.audit(user, FAILED, {"reason": WRONG}, at=now, connection=connection)
        failures = _failures(connection, user, now)
        if failures >= MAX_FAILURES and _locked_until(connection, user, now) is None:
            until = now + LOCK
            store.audit(
                user, LOCKED, {"failures": failures, "minutes": LOCK.seconds // 60}, at=now, connection=connection
            )
            return Outcome(None, f"连续 {failures} 次登录失败。" + locked_message(until), until)
    return Outcome(None, WRONG_MESSAGE)


def sign_out(viewer: Viewer, idle: bool = False, now: dt.datetime | None = None, store: FeedbackStore | None = None):
    (store or feedback_store()).audit(viewer.user, IDLE_SIGN_OUT if idle else SIGN_OUT, {}, at=now)


def is_idle(last_activity: dt.datetime | None, now: dt.datetime) -> bool:
    return last_activity is not None and now - last_activity > IDLE
