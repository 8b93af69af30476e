"""Sign-in rules (product.md, "Privacy and access"): five failures lock the name for 15 minutes, in the
feedback store (across sessions and restarts); a session idle for 30 minutes signs out; every event is
audited without the password. Times are explicit; the store is each test's own.

PYTEST_DONT_REWRITE: no assertion shows a password.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dashboards import signin
from dashboards.auth import UserRecord, hash_password
from pipelines.feedback.store import FeedbackStore

PASSWORD = "right-password-1"
T0 = dt.datetime(2026, 11, 5, 1, 0)  # naive UTC: 09:00 Beijing


@pytest.fixture(scope="module")
def users() -> dict[str, UserRecord]:
    return {"ana": UserRecord("ana", "analyst", None, hash_password(PASSWORD))}


@pytest.fixture
def store(tmp_path, monkeypatch) -> FeedbackStore:
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(tmp_path / "feedback.sqlite"))
    return FeedbackStore()


def attempt(store, users, password, at, user="ana"):
    return signin.sign_in(user, password, now=at, store=store, users=users)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def events(store, user="ana") -> list[str]:
    return store.audit_events(user=user)["event"].to_list()


def test_the_right_password_signs_in_and_is_audited(store, users):
    outcome = attempt(store, users, PASSWORD, T0)
    assert outcome.viewer is not None and outcome.viewer.user == "ana" and outcome.message is None
    assert events(store) == ["sign_in"]


def test_five_failures_lock_the_name_even_for_the_right_password(store, users):
    for i in range(4):
        outcome = attempt(store, users, "wrong-password", T0 + minutes(i))
        assert outcome.viewer is None and outcome.message == signin.WRONG_MESSAGE and outcome.locked_until is None
    fifth = attempt(store, users, "wrong-password", T0 + minutes(4))
    assert fifth.viewer is None and fifth.locked_until == T0 + minutes(19)
    assert "已锁定至 2026-11-05 09:19" in fifth.message

    # locked: the right password is refused with the same words as a wrong one
    right, wrong = attempt(store, users, PASSWORD, T0 + minutes(10)), attempt(store, users, "x", T0 + minutes(11))
    assert right.viewer is None and right.message == wrong.message and right.locked_until == T0 + minutes(19)
    assert "锁定" in right.message
    assert signin.locked_until("ana", T0 + minutes(18), store) == T0 + minutes(19)

    # the lock ends after 15 minutes; attempts during the lock did not prolong it
    assert signin.locked_until("ana", T0 + minutes(19), store) is None
    assert attempt(store, users, PASSWORD, T0 + minutes(19)).viewer is not None
    assert events(store) == ["sign_in_failed"] * 5 + ["locked"] + ["sign_in_failed"] * 2 + ["sign_in"]


def test_the_lock_holds_across_stores_of_the_same_file(store, users, tmp_path):
    for i in range(5):
        attempt(store, users, "wrong-password", T0 + minutes(i))
    restarted = FeedbackStore(tmp_path / "feedback.sqlite")  # another process, or after a restart
    assert attempt(restarted, users, PASSWORD, T0 + minutes(5)).viewer is None


def test_failures_older_than_15_minutes_or_before_a_sign_in_do_not_count(store, users):
    for i in range(4):
        attempt(store, users, "wrong-password", T0 + minutes(i))
    # 16 minutes later the four failures are out of the window: four more do not lock
    for i in range(4):
        assert attempt(store, users, "wrong-password", T0 + minutes(16 + i)).locked_until is None
    assert attempt(store, users, PASSWORD, T0 + minutes(21)).viewer is not None
    for i in range(4):  # a sign-in starts the count again
        assert attempt(store, users, "wrong-password", T0 + minutes(22 + i)).locked_until is None
    assert attempt(store, users, "wrong-password", T0 + minutes(27)).locked_until is not None


def test_an_unknown_name_is_locked_like_a_known_one(store, users):
    outcomes = [attempt(store, users, "whatever-1", T0 + minutes(i), user="nobody") for i in range(6)]
    assert [o.locked_until is not None for o in outcomes] == [False] * 4 + [True] * 2
    assert outcomes[0].message == signin.WRONG_MESSAGE
    assert events(store, "nobody") == ["sign_in_failed"] * 5 + ["locked", "sign_in_failed"]


def test_the_audit_never_holds_the_password_or_an_id_number(store, users):
    attempt(store, users, PASSWORD, T0)
    attempt(store, users, "wrong-password", T0 + minutes(1))
    id_like = "370902198001011234"
    attempt(store, users, PASSWORD, T0 + minutes(2), user=id_like)  # an ID number typed as the user name
    signin.sign_out(signin.Viewer("ana", "analyst", None), now=T0 + minutes(3), store=store)
    signin.sign_out(signin.Viewer("ana", "analyst", None), idle=True, now=T0 + minutes(40), store=store)
    table = store.audit_events()
    text = json.dumps(table.cast({"at": str}).to_dicts(), ensure_ascii=False)
    assert PASSWORD not in text and "wrong-password" not in text and id_like not in text
    assert set(table["user"]) == {"ana", "370902********1234"}
    assert events(store) == ["sign_in", "sign_in_failed", "sign_out", "idle_sign_out"]


def test_idle_means_more_than_30_minutes():
    assert not signin.is_idle(None, T0)
    assert not signin.is_idle(T0, T0 + minutes(30))
    assert signin.is_idle(T0, T0 + minutes(30) + dt.timedelta(seconds=1))
