"""Valid national ID numbers (GB 11643), vectorised with numpy.

6-digit address code, 8-digit birth date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check
character. `IdFactory` keeps every id it issued so persons are unique across calls.

A dataset generated in parts (`safetynet generate --parts K`, parts.py) gives part i the sequences
2k + 1 (male) and 2k + 2 (female) with k ≡ i (mod K): the parts' ids are disjoint whatever their persons, and
each part is drawn without knowing the others. Where every sequence of a part is taken for an address and a
birth date, the birth date moves a day earlier (then two ...): see `IdFactory.make`.
"""

from __future__ import annotations

import numpy as np

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)

# Real county-level address codes elsewhere (people born outside the demo city; a `City` has its own).
OTHER_CODES = np.array(
    [
        370102,
        370103,
        370105,
        370112,
        370202,
        370203,
        370302,
        370303,
        370402,
        370481,
        370811,
        370830,
        370831,
        370832,
        371302,
        371311,
        371321,
        370725,
        370786,
        371402,
        372301,
        410102,
        320102,
        130102,
    ],
    dtype=np.int64,
)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) matrix of the decimal digits of non-negative integers."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def check_chars(body: np.ndarray) -> np.ndarray:
    """Check character (ASCII code) for each row of a (n, 17) digit matrix."""
    return CHECK_CHARS[(body * WEIGHTS).sum(axis=1) % 11]


def check_char(body17: str) -> str:
    """Check character of one 17-digit body (for the few ids the writer alters one at a time)."""
    return chr(CHECK_CHARS[sum(int(c) * int(w) for c, w in zip(body17, WEIGHTS)) % 11])


def compose(addr: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """ID strings from address codes (int), birth dates (datetime64[D]) and sequences (int)."""
    birth = np.asarray(birth, dtype="datetime64[D]")
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = y * 10000 + m * 100 + d
    body = np.concatenate([_digits(addr, 6), _digits(ymd, 8), _digits(seq, 3)], axis=1)
    chars = np.empty((len(addr), 18), dtype=np.uint8)
    chars[:, :17] = body + 48
    chars[:, 17] = check_chars(body)
    return chars.view("S18").ravel().astype("U18")


SEQ_HALVES = 499  # k of the sequences 2k + 1 (male) and 2k + 2 (female): 001 ... 998
MAX_PARTS = SEQ_HALVES  # every part needs one k at least


def part_halves(part: int, parts: int) -> np.ndarray:
    """The k (sequence 2k + 1 or 2k + 2) of part `part` of `parts`: k ≡ part (mod parts)."""
    if not 0 <= part < parts <= MAX_PARTS:
        raise ValueError(f"part {part} of {parts}: at most {MAX_PARTS} parts")
    return np.arange(part, SEQ_HALVES, parts, dtype=np.int64)


def part_sequence(draw: int, part: int, parts: int) -> int:
    """A 3-digit sequence of part `part` of `parts` from a draw in 0–999 (its parity kept): the draw itself for
    a dataset in one part."""
    if parts == 1:
        return draw
    halves = part_halves(part, parts)
    return 2 * int(halves[(draw // 2) % len(halves)]) + 1 + draw % 2


def is_valid(pid: str) -> bool:
    """Check character and birth date (no address-code check)."""
    if len(pid) != 18 or not pid[:17].isdigit():
        return False
    body = np.array([int(c) for c in pid[:17]], dtype=np.int64)
    ok = chr(int(check_chars(body[None, :])[0])) == pid[17]
    try:
        np.datetime64(f"{pid[6:10]}-{pid[10:12]}-{pid[12:14]}", "D")
    except ValueError:
        return False
    return ok


# Where a part has no sequence left for an address and birth date: the birth date moves this many days
# earlier (never later: a birth date after the period would be quarantined).
BIRTH_SHIFTS = tuple(range(1, 61))


class IdFactory:
    """Issues unique ids; remembers every id issued. `part` of `parts`: the sequences of that part only
    (`part_halves`), so the ids of the parts of a dataset are disjoint."""

    def __init__(self, rng: np.random.Generator, other_codes=None, part: int = 0, parts: int = 1):
        self.rng = rng
        self.other_codes = OTHER_CODES if other_codes is None else np.asarray(other_codes, dtype=np.int64)
        self.part, self.parts = part, parts
        self._halves = len(part_halves(part, parts))
        self._issued: list[np.ndarray] = []  # the ids issued, in chunks (`issued`: one array)
        self._seen: set[str] | None = None  # the same as a set, once `_fresh` is asked

    def fork(self, rng: np.random.Generator) -> IdFactory:
        """A factory drawing from `rng` that knows every id issued so far (its ids never collide with them);
        this one is left as it was."""
        f = IdFactory(rng, self.other_codes, self.part, self.parts)
        f._issued = list(self._issued)
        f._seen = None if self._seen is None else set(self._seen)
        return f

    def _fresh(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` were never issued: a set lookup, O(len(ids)) (a batch may be drawn again many times
        where a part has few sequences)."""
        if self._seen is None:
            self._seen = set(self.issued.tolist())
        seen = self._seen
        return np.fromiter((x not in seen for x in ids.tolist()), dtype=bool, count=len(ids))

    def _add(self, ids: np.ndarray) -> None:
        self._issued.append(ids)
        if self._seen is not None:
            self._seen.update(ids.tolist())

    @property
    def issued(self) -> np.ndarray:
        if len(self._issued) > 1:
            self._issued = [np.concatenate(self._issued)]
        return self._issued[0] if self._issued else np.empty(0, dtype="U18")

    def make(self, addr: np.ndarray, birth: np.ndarray, male: np.ndarray, other_share: float = 0.04) -> np.ndarray:
        """Ids of persons born at `addr` on `birth` (datetime64[D]), their sequences odd for the male.

        Fifty draws of a sequence each; a person still without an id then (every sequence of the part taken
        for the address and birth date: with many parts, a part has a few) is born a day earlier, then two
        ..., which is written back into `birth` (a datetime64[D] array) so the person's birth date stays that
        of the id. A dataset in one part never gets there (it used to stop with an error)."""
        rng = self.rng
        n = len(addr)
        addr = np.asarray(addr, dtype=np.int64).copy()
        other = rng.random(n) < other_share
        addr[other] = rng.choice(self.other_codes, int(other.sum()))
        male = np.asarray(male, dtype=bool)
        out = np.empty(n, dtype="U18")
        todo = np.arange(n)
        shifted = 0
        for shift in (0, *BIRTH_SHIFTS):
            if shift:
                if not isinstance(birth, np.ndarray) or birth.dtype != np.dtype("datetime64[D]"):
                    raise TypeError("IdFactory.make: birth must be a datetime64[D] array")
                birth[todo] -= np.timedelta64(shift - shifted, "D")
                shifted = shift
            for _ in range(50):
                k = rng.integers(0, self._halves, len(todo)) * self.parts + self.part
                seq = np.where(male[todo], 2 * k + 1, 2 * k + 2)
                ids = compose(addr[todo], birth[todo], seq)
                # duplicates within the batch: keep the first of each
                _, first = np.unique(ids, return_index=True)
                keep = np.zeros(len(todo), dtype=bool)
                keep[first] = True
                if self._issued:
                    keep &= self._fresh(ids)
                out[todo[keep]] = ids[keep]
                self._add(ids[keep])
                todo = todo[~keep]
                if not len(todo):
                    break
            if not len(todo):
                break
        else:  # pragma: no cover - practically impossible
            raise RuntimeError("could not issue unique ids")
        return out.astype(object)
