"""Login and roles of the dashboards: users from a TOML file with argon2 password hashes.

The users file (default `config/users.toml`, or the path in `SAFETYNET_USERS`) holds one table per user:

    [users.officer_370902]
    role = "county_officer"
    county = "370902"
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

Roles: `analyst` sees aggregates only, no lists; `county_officer` sees the lists of their own county,
masked; `city_admin` sees everything and may export unmasked. `authenticate` gives a `Viewer`, which is
what the data layer scopes every read by.

Nothing here ever puts a password or a hash in a message, a log or a repr.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipelines.settings import REPO_ROOT

ANALYST = "analyst"
COUNTY_OFFICER = "county_officer"
CITY_ADMIN = "city_admin"
ROLES: tuple[str, ...] = (ANALYST, COUNTY_OFFICER, CITY_ADMIN)
ROLE_LABELS = {ANALYST: "分析员", COUNTY_OFFICER: "县区经办人", CITY_ADMIN: "市级管理员"}

USERS_ENV = "SAFETYNET_USERS"
USER_KEYS = ("role", "county", "password_hash")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # a bare TOML key: no quoting, no surprises
COUNTY_RE = re.compile(r"^\d{6}$")
MIN_PASSWORD_LENGTH = 10  # 等级保护: at least 10 characters, and not the user name

# One hasher for hashing and verifying: argon2id with argon2-cffi's defaults (RFC 9106 low-memory).
_HASHER = PasswordHasher()
_DUMMY_HASH: str | None = None


class UsersConfigError(ValueError):
    """The users file is missing or wrong. The message names the file, the user and the key, never a
    password or a hash."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking: what every scoped read in the dashboards is filtered by."""

    user: str
    role: str
    county: str | None  # 6-digit county code for a county_officer, else None

    @property
    def can_see_lists(self) -> bool:
        """Warning and verification lists, household details (analysts see aggregates only)."""
        return self.role != ANALYST

    @property
    def can_unmask(self) -> bool:
        """Full ID numbers and names, on screen and in exports: the city admin only."""
        return self.role == CITY_ADMIN

    @property
    def can_read_download_log(self) -> bool:
        """下载日志: the city admin only (who downloaded which county's list is itself sensitive)."""
        return self.role == CITY_ADMIN

    @property
    def display_name(self) -> str:
        """`officer_370902（县区经办人 · 370902）`, `admin（市级管理员）`."""
        label = ROLE_LABELS.get(self.role, self.role)
        return f"{self.user}（{label} · {self.county}）" if self.county else f"{self.user}（{label}）"


@dataclass(frozen=True)
class UserRecord:
    """One user of the users file. The hash is kept out of the repr."""

    user: str
    role: str
    county: str | None
    password_hash: str = field(repr=False)

    def viewer(self) -> Viewer:
        return Viewer(user=self.user, role=self.role, county=self.county)


def default_users_path() -> Path:
    """`SAFETYNET_USERS` when set, else `config/users.toml` at the repository root (read at each call)."""
    return Path(os.environ.get(USERS_ENV) or REPO_ROOT / "config" / "users.toml")


def hash_password(plain: str) -> str:
    """An argon2id hash of `plain` (a fresh salt each time), as the users file stores it."""
    if not isinstance(plain, str) or not plain:
        raise ValueError("the password is empty")
    return _HASHER.hash(plain)


def password_problem(user: str, password: object) -> str | None:
    """Why a password is refused (shorter than MIN_PASSWORD_LENGTH, or the user name), or None. The
    reason never repeats the password."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters (密码至少 {MIN_PASSWORD_LENGTH} 位)"
    if password.strip().casefold() == user.strip().casefold():
        return "the password must not be the user name (密码不得与用户名相同)"
    return None


def check_user(user: str, role: str, county: str | None, where: str = "") -> None:
    """Raise UsersConfigError when a user's name, role or county is not allowed (shared by the file and
    the CLI)."""
    at = f"{where}: " if where else ""
    if not isinstance(user, str) or not USERNAME_RE.match(user):
        raise UsersConfigError(f"{at}user name {user!r}: use 1–64 letters, digits, '_' or '-'")
    if role not in ROLES:
        raise UsersConfigError(f"{at}user {user!r}, key 'role': {role!r} is not one of {', '.join(ROLES)}")
    if role == COUNTY_OFFICER:
        if county is None:
            raise UsersConfigError(
                f"{at}user {user!r}, key 'county': a county_officer needs the 6-digit code of their county"
            )
        if not isinstance(county, str) or not COUNTY_RE.match(county) or county.endswith("00"):
            raise UsersConfigError(
                f"{at}user {user!r}, key 'county': {county!r} is not a 6-digit county "
                'code (a quoted string such as "370902", not a city\'s code ending in 00)'
            )
    elif county is not None:
        raise UsersConfigError(
            f"{at}user {user!r}, key 'county': only a county_officer has a county (this user is {role})"
        )


def _record(user: str, entry: object, where: str) -> UserRecord:
    if not isinstance(entry, dict):
        raise UsersConfigError(f"{where}: user {user!r}: expected a table [users.{user}] with {', '.join(USER_KEYS)}")
    for key in entry:
        if key not in USER_KEYS:
            hint = " (store a hash, never a password: use `safetynet users add`)" if "pass" in str(key).lower() else ""
            raise UsersConfigError(
                f"{where}: user {user!r}, key {key!r}: unknown key; expected {', '.join(USER_KEYS)}{hint}"
            )
    if "role" not in entry:
        raise UsersConfigError(f"{where}: user {user!r}, key 'role': missing")
    check_user(user, entry["role"], entry.get("county"), where)
    digest = entry.get("password_hash")
    if digest is None:
        raise UsersConfigError(
            f"{where}: user {user!r}, key 'password_hash': missing (set it with `safetynet users add`)"
        )
    # The value may be a password typed in by mistake: never repeat it.
    if not isinstance(digest, str) or not digest.startswith("$argon2"):
        raise UsersConfigError(
            f"{where}: user {user!r}, key 'password_hash': not an argon2 hash "
            "(it must start with $argon2; never store a password, use "
            "`safetynet users add`)"
        )
    return UserRecord(user=user, role=entry["role"], county=entry.get("county"), password_hash=digest)


def parse_users(text: str, where: str = "users file") -> dict[str, UserRecord]:
    """The users of a users file's text, validated."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # names line and column, not the content
        raise UsersConfigError(f"{where}: not valid TOML: {exc}") from None
    extra = [key for key in doc if key != "users"]
    if extra:
        raise UsersConfigError(f"{where}: unknown top-level key {extra[0]!r}; users go in [users.NAME] tables")
    users = doc.get("users", {})
    if not isinstance(users, dict):
        raise UsersConfigError(f"{where}: key 'users' must be a table of [users.NAME] tables")
    return {name: _record(name, entry, where) for name, entry in users.items()}


def load_users(path: Path | None = None) -> dict[str, UserRecord]:
    """Every user of the users file (default: `default_users_path()`), validated.

    Raises UsersConfigError when the file is missing or any user is wrong: a broken file stops the login,
    it does not half-work.
    """
    path = Path(path) if path is not None else default_users_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsersConfigError(
            f"{path}: no users file; create users with `safetynet users add NAME --role ROLE` (or set {USERS_ENV})"
        ) from None
    return parse_users(text, str(path))


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _HASHER.hash("safetynet-dummy-password-for-unknown-users")
    return _DUMMY_HASH


def authenticate(username: str, password: str, users: dict[str, UserRecord] | None = None) -> Viewer | None:
    """The Viewer of a user whose password is right, else None.

    argon2 compares in constant time; an unknown user still pays one verification against a dummy hash
    made with the same parameters, so the time taken does not tell which user names exist.
    """
    if users is None:
        users = load_users()
    record = users.get(username.strip()) if isinstance(username, str) else None
    if not isinstance(password, str):
        password = ""
    digest = record.password_hash if record is not None else _dummy_hash()
    try:
        _HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return None
    return record.viewer() if record is not None else None


# --- writing the users file (`safetynet users add`) -------------------------------------------------

_HEADER = """\
# SafetyNet dashboard users: one [users.NAME] table each, with an argon2 password hash.
# Add or replace a user with `safetynet users add NAME --role ROLE [--county CODE]`.
"""


def _entry_text(record: UserRecord) -> str:
    lines = [f"[users.{record.user}]", f'role = "{record.role}"']
    if record.county is not None:
        lines.append(f'county = "{record.county}"')
    lines.append(f'password_hash = "{record.password_hash}"')
    return "\n".join(lines) + "\n"


_TABLE_RE = re.compile(r"^\s*\[")


def _replace_block(text: str, user: str, entry: str) -> str | None:
    """`text` with the table [users.<user>] replaced by `entry`, or None when there is no such header.

    The block runs from its header to the next table header; comments and blank lines just before that
    header belong to the next user and are kept."""
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*users\s*\.\s*(\"{re.escape(user)}\"|{re.escape(user)})\s*\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line.rstrip("\r\n"))), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _TABLE_RE.match(lines[i])), len(lines))
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return "".join(lines[:start]) + entry + "".join(lines[end:])


def add_user(user: str, role: str, county: str | None, password: str, path: Path | None = None) -> bool:
    """Append the user to the users file, or replace them when present. True when replaced.

    Comments and the other users are kept as they are; the result is validated before it replaces the
    file (atomically, keeping its permissions; a new file is readable by its owner only)."""
    path = Path(path) if path is not None else default_users_path()
    check_user(user, role, county)
    problem = password_problem(user, password)
    if problem:
        raise UsersConfigError(f"user {user!r}: {problem}")
    record = UserRecord(user=user, role=role, county=county, password_hash=hash_password(password))
    entry = _entry_text(record)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        existing = parse_users(text, str(path))  # a broken file is reported, not rewritten
        replaced = user in existing
        if replaced:
            new_text = _replace_block(text, user, entry)
            if new_text is None:
                raise UsersConfigError(
                    f"{path}: user {user!r} is not written as a [users.{user}] table; edit the file by hand"
                )
        else:
            new_text = text if not text or text.endswith("\n") else text + "\n"
            new_text += ("\n" if new_text.strip() else "") + entry
        mode = path.stat().st_mode & 0o777
    else:
        replaced, new_text, mode = False, _HEADER + "\n" + entry, 0o600
        path.parent.mkdir(parents=True, exist_ok=True)
    written = parse_users(new_text, str(path))
    if written.get(user) != record:
        raise UsersConfigError(f"{path}: could not write user {user!r}; edit the file by hand")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return replaced
