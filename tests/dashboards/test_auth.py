"""Login and roles of the dashboards: users file, argon2 verification, capabilities, `safetynet users add`.

No assertion puts a password or a hash into its failure message: comparisons are of Viewers, role names
and booleans computed beforehand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboards import auth
from dashboards.auth import UserRecord, UsersConfigError, Viewer, authenticate, hash_password, load_users, parse_users
from pipelines.cli import main
from pipelines.settings import REPO_ROOT

# A syntactically valid argon2 hash for the validation tests (they never verify it).
FAKE_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA"


@pytest.fixture(autouse=True)
def users_file(tmp_path, monkeypatch) -> Path:
    """Each test's default users file is its own (and does not exist yet), never the repository's."""
    path = tmp_path / "users.toml"
    monkeypatch.setenv(auth.USERS_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def shipped_users() -> dict[str, UserRecord]:
    return load_users(REPO_ROOT / "config" / "users.toml")


def readme_demo_users() -> list[tuple[str, str, str | None, str]]:
    """(user, role, county, password) from the README's table of demo users."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Dashboards: users and roles (演示账号)", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| (\d{6})?[^|]*\| `([^`]+)` \|$", section, flags=re.M)
    return [(user, role, county or None, password) for user, role, county, password in rows]


def test_right_password_gives_the_viewer(shipped_users):
    assert authenticate("officer_370902", "demo-370902", shipped_users) == Viewer(
        "officer_370902", "county_officer", "370902"
    )
    assert authenticate("admin", "demo-admin", shipped_users) == Viewer("admin", "city_admin", None)


def test_wrong_password_or_unknown_user_gives_none(shipped_users):
    assert authenticate("admin", "demo-analyst", shipped_users) is None
    assert authenticate("admin", "", shipped_users) is None
    assert authenticate("nobody", "demo-admin", shipped_users) is None
    assert authenticate("", "", shipped_users) is None


def test_unknown_user_still_spends_a_verification(shipped_users, monkeypatch):
    calls = []
    real_verify = auth._HASHER.verify

    class Spy:
        def verify(self, digest, password):
            calls.append(digest.split("$")[1])  # the algorithm only
            return real_verify(digest, password)

    monkeypatch.setattr(auth, "_HASHER", Spy())
    monkeypatch.setattr(auth, "_DUMMY_HASH", FAKE_HASH)
    assert authenticate("nobody", "whatever", shipped_users) is None
    assert calls == ["argon2id"]


def test_authenticate_reads_the_default_file(users_file):
    users_file.write_text(
        f'[users.ana]\nrole = "analyst"\npassword_hash = "{hash_password("ana-password")}"\n', encoding="utf-8"
    )
    assert authenticate("ana", "ana-password") == Viewer("ana", "analyst", None)


@pytest.mark.parametrize(
    "viewer, lists, unmask",
    [
        (Viewer("a", "analyst", None), False, False),
        (Viewer("o", "county_officer", "370902"), True, False),
        (Viewer("c", "city_admin", None), True, True),
    ],
)
def test_role_capabilities(viewer, lists, unmask):
    assert (viewer.can_see_lists, viewer.can_unmask) == (lists, unmask)
    assert viewer.display_name.startswith(viewer.user)


def test_display_name_and_immutability():
    officer = Viewer("officer_370902", "county_officer", "370902")
    assert officer.display_name == "officer_370902（县区经办人 · 370902）"
    assert Viewer("admin", "city_admin", None).display_name == "admin（市级管理员）"
    with pytest.raises(AttributeError):
        officer.county = "370911"  # type: ignore[misc]


def test_hash_password_is_salted_argon2():
    first, second = hash_password("same-password"), hash_password("same-password")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # a fresh salt each time
    with pytest.raises(ValueError):
        hash_password("")


def test_record_repr_hides_the_hash():
    record = UserRecord("ana", "analyst", None, FAKE_HASH)
    shown = repr(record)
    assert FAKE_HASH not in shown and "argon2" not in shown


@pytest.mark.parametrize(
    "body, expected",
    [
        ('[users.bob]\nrole = "superuser"\npassword_hash = "{h}"\n', r"'bob'.*'role'.*superuser"),
        ('[users.bob]\nrole = "county_officer"\npassword_hash = "{h}"\n', r"'bob'.*'county'.*needs"),
        ('[users.bob]\nrole = "county_officer"\ncounty = 370902\npassword_hash = "{h}"\n', r"'bob'.*'county'.*6-digit"),
        (
            '[users.bob]\nrole = "county_officer"\ncounty = "370900"\npassword_hash = "{h}"\n',
            r"'bob'.*'county'.*6-digit",
        ),
        (
            '[users.bob]\nrole = "analyst"\ncounty = "370902"\npassword_hash = "{h}"\n',
            r"'bob'.*'county'.*only a county_officer",
        ),
        ('[users.bob]\nrole = "analyst"\n', r"'bob'.*'password_hash'.*missing"),
        ('[users.bob]\npassword_hash = "{h}"\n', r"'bob'.*'role'.*missing"),
        ('[users."bob smith"]\nrole = "analyst"\npassword_hash = "{h}"\n', r"'bob smith'"),
        ('admin = "yes"\n', r"top-level key 'admin'"),
        ("[users.bob\n", r"not valid TOML"),
    ],
)
def test_config_errors_name_user_and_key(body, expected):
    with pytest.raises(UsersConfigError, match=expected):
        parse_users(body.replace("{h}", FAKE_HASH))


@pytest.mark.parametrize(
    "body, key",
    [
        ('[users.bob]\nrole = "analyst"\npassword_hash = "hunter2-plain"\n', "'password_hash'"),
        ('[users.bob]\nrole = "analyst"\npassword = "hunter2-plain"\n', "'password'"),
    ],
)
def test_plain_text_password_is_refused_and_not_repeated(body, key):
    with pytest.raises(UsersConfigError) as caught:
        parse_users(body)
    message = str(caught.value)
    names_user_and_key = "'bob'" in message and key in message
    leaks = "hunter2" in message
    assert names_user_and_key
    assert not leaks, "the error message repeats the password"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(UsersConfigError, match="no users file.*safetynet users add"):
        load_users(tmp_path / "absent.toml")


def test_users_add_creates_then_replaces(users_file):
    runner = CliRunner()
    secret, other = "s3cret-pass", "0ther-pass!"
    result = runner.invoke(
        main, ["users", "add", "wang", "--role", "county_officer", "--county", "370921"], input=f"{secret}\n{secret}\n"
    )
    leaked = secret in result.output
    assert result.exit_code == 0, result.output.replace(secret, "***")
    assert not leaked, "the password was echoed"
    assert users_file.stat().st_mode & 0o777 == 0o600

    result = runner.invoke(main, ["users", "add", "zhao", "--role", "city_admin"], input=f"{other}\n{other}\n")
    assert result.exit_code == 0
    users = load_users()
    assert sorted(users) == ["wang", "zhao"]
    assert authenticate("wang", secret, users) == Viewer("wang", "county_officer", "370921")

    # replace wang: new role and password; zhao and the file's comments are kept
    before = users_file.read_text(encoding="utf-8")
    result = runner.invoke(main, ["users", "add", "wang", "--role", "analyst"], input=f"{other}\n{other}\n")
    assert result.exit_code == 0 and "replaced" in result.output
    after = users_file.read_text(encoding="utf-8")
    assert after.count("[users.wang]") == 1
    assert [line for line in before.splitlines() if line.startswith("#")] == [
        line for line in after.splitlines() if line.startswith("#")
    ]
    users = load_users()
    assert users["zhao"].role == "city_admin"
    assert authenticate("wang", secret, users) is None
    assert authenticate("wang", other, users) == Viewer("wang", "analyst", None)


def test_users_add_keeps_the_shipped_comments(users_file):
    users_file.write_text((REPO_ROOT / "config" / "users.toml").read_text(encoding="utf-8"), encoding="utf-8")
    before = users_file.read_text(encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["users", "add", "officer_370902", "--role", "county_officer", "--county", "370902"],
        input="new-password\nnew-password\n",
    )
    assert result.exit_code == 0
    after = users_file.read_text(encoding="utf-8")
    assert after.splitlines()[:15] == before.splitlines()[:15]
    assert sorted(load_users()) == sorted(load_users(REPO_ROOT / "config" / "users.toml"))
    changed = [line.split("=")[0] for line in set(after.splitlines()) ^ set(before.splitlines())]
    assert changed == ["password_hash ", "password_hash "]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--role", "county_officer"], "needs the 6-digit"),
        (["--role", "analyst", "--county", "370902"], "only a county_officer"),
        (["--role", "county_officer", "--county", "37"], "6-digit county code"),
        (["--role", "boss"], "boss"),
    ],
)
def test_users_add_refuses_bad_roles_before_asking(users_file, args, expected):
    result = CliRunner().invoke(main, ["users", "add", "bob", *args], input="")
    assert result.exit_code == 2 and expected in result.output
    assert "password" not in result.output
    assert not users_file.exists()


def test_users_add_confirms_and_requires_length(users_file):
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["users", "add", "bob", "--role", "analyst"],
        input="short\nlong-enough-1\nlong-enough-2\nlong-enough-1\nlong-enough-1\n",
    )
    assert result.exit_code == 0
    assert "at least 10 characters" in result.output and "do not match" in result.output
    assert authenticate("bob", "long-enough-1") == Viewer("bob", "analyst", None)


def test_users_add_refuses_a_short_password_or_the_user_name(users_file):
    result = CliRunner().invoke(
        main,
        ["users", "add", "officer_370921", "--role", "county_officer", "--county", "370921"],
        input="nine-char\nOFFICER_370921\nlong-enough-1\nlong-enough-1\n",
    )
    assert result.exit_code == 0
    assert "at least 10 characters" in result.output and "must not be the user name" in result.output
    assert authenticate("officer_370921", "long-enough-1") == Viewer("officer_370921", "county_officer", "370921")
    for password in ("nine-char", "officer_370921"):
        with pytest.raises(UsersConfigError, match="at least 10|not be the user name"):
            auth.add_user("officer_370921", "county_officer", "370921", password)


def test_shipped_users_are_the_demo_users(shipped_users):
    assert {name: (r.role, r.county) for name, r in shipped_users.items()} == {
        "admin": ("city_admin", None),
        "analyst": ("analyst", None),
        "officer_370902": ("county_officer", "370902"),
        "officer_370911": ("county_officer", "370911"),
    }
    text = (REPO_ROOT / "config" / "users.toml").read_text(encoding="utf-8")
    assert "DEMO ONLY" in text


def test_readme_demo_passwords_log_in(shipped_users):
    rows = readme_demo_users()
    assert sorted(user for user, *_ in rows) == sorted(shipped_users)
    for user, role, county, password in rows:
        viewer = authenticate(user, password, shipped_users)
        assert viewer == Viewer(user, role, county), f"README's demo password of {user} does not log in"
