"""Dirt of the generated extracts: the quarantine defects of extracts.md, the data-quality cases, and the
region-name matcher the generator uses to check its own village-name variants.

Every function here works on one row (a dict of clean typed values, keyed by `Column.name`) and returns
raw cells; the writer calls them only for the few rows that get dirt, so plain Python is fine.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np

from pipelines.contract.tables import (
    BOOL,
    CARD_NO,
    CHINA_REGION_CODE,
    COUNTY_CODE,
    DATE,
    ENUM,
    INTEGER,
    MONEY,
    MONTH,
    PERSON_ID,
    REGION_CODE,
    REGION_NAME,
    TEXT,
    Table,
)
from pipelines.generate.ids import check_char

_CHECK = "10X98765432"


def to15(pid: str) -> str:
    """The legacy 15-digit form of an 18-digit id of someone born 1900–1999."""
    return pid[:6] + pid[8:17]


def month_end(period: str) -> dt.date:
    y, m = int(period[:4]), int(period[5:7])
    return dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


def prev_month(period: str) -> str:
    y, m = int(period[:4]), int(period[5:7])
    return f"{y - (m == 1)}-{(m - 2) % 12 + 1:02d}"


# ---------------------------------------------------------------------------------------------------
# Region names (the matcher of extracts.md, used to validate the generator's own variants)
# ---------------------------------------------------------------------------------------------------
_WS = re.compile(r"\s+", re.UNICODE)
_VIL_SUFFIX_1 = ("居民委员会", "村民委员会", "居委会", "村委会")
_VIL_SUFFIX_2 = ("村", "社区")


def norm_name(s: str) -> str:
    return unicodedata.normalize("NFKC", _WS.sub("", s or ""))


def strip_village(s: str) -> str:
    for suf in _VIL_SUFFIX_1:
        if s.endswith(suf):
            s = s[: -len(suf)]
            break
    for suf in _VIL_SUFFIX_2:
        if s.endswith(suf):
            s = s[: -len(suf)]
            break
    return s


# Kangxi radicals and CJK compatibility forms whose NFKC form is an ordinary ideograph.
NFKC_LOOKALIKE = {}
for _cp in range(0x2F00, 0x2FD6):
    _c = chr(_cp)
    NFKC_LOOKALIKE.setdefault(unicodedata.normalize("NFKC", _c), _c)


class Regions:
    """The regions seed as the monitoring matcher sees it."""

    def __init__(self, regions):
        rows = regions.select("region_code", "name", "level", "parent_code").rows()
        self.name = {r[0]: r[1] for r in rows}
        self.parent = {r[0]: r[3] for r in rows}
        self.villages = {r[0] for r in rows if r[2] == "village"}
        self.counties = [r[0] for r in rows if r[2] == "county"]
        self.children: dict[str, list[str]] = {}
        for code, _, level, parent in rows:
            if level in ("township", "village") and parent:
                self.children.setdefault(parent, []).append(code)

    @staticmethod
    def _town_norm(s: str) -> str:
        return norm_name(s).replace("街道办事处", "街道")

    def match(self, county: str, township: str, village: str) -> tuple[str, str | None]:
        """('ok', code) or (reason, None)."""
        c = [k for k in self.counties if norm_name(self.name[k]) == norm_name(county)]
        if len(c) != 1:
            return "region_unmatched", None
        t = [k for k in self.children.get(c[0], []) if self._town_norm(self.name[k]) == self._town_norm(township)]
        if len(t) != 1:
            return "region_unmatched", None
        vils = self.children.get(t[0], [])
        v = [k for k in vils if norm_name(self.name[k]) == norm_name(village)]
        if len(v) == 1:
            return "ok", v[0]
        bare = strip_village(norm_name(village))
        v = [k for k in vils if strip_village(norm_name(self.name[k])) == bare]
        if len(v) == 1:
            return "ok", v[0]
        return ("region_ambiguous" if v else "region_unmatched"), None

    def names_of(self, village_code: str) -> tuple[str, str, str]:
        t = self.parent[village_code]
        return self.name[self.parent[t]], self.name[t], self.name[village_code]

    def ambiguous_bare(self, village_code: str) -> str | None:
        """A bare village name that is ambiguous in the village's township, if the seed has one."""
        t = self.parent[village_code]
        county, town = self.name[self.parent[t]], self.name[t]
        seen: dict[str, int] = {}
        for k in self.children.get(t, []):
            b = strip_village(norm_name(self.name[k]))
            seen[b] = seen.get(b, 0) + 1
        for b, n in sorted(seen.items()):
            if n > 1 and b and self.match(county, town, b)[0] == "region_ambiguous":
                return b
        return None

    def village_variant(self, code: str, rng: np.random.Generator) -> str:
        """A readable variant of a village name that still matches `code` (else the plain name)."""
        county, town, name = self.names_of(code)
        base = strip_village(name)
        cands = [
            name + "委会" if name.endswith("村") else name,
            base + "村委会",
            base + "村民委员会",
            base + "居委会",
            base + "居民委员会",
            base,
            base + "村",
            " " + name + " ",
            name[:1] + " " + name[1:],
            "".join(NFKC_LOOKALIKE.get(ch, ch) for ch in name),
        ]
        if name.endswith("社区"):
            cands.append(name + "居委会")
        order = rng.permutation(len(cands))
        for i in order:
            if cands[i] != name and self.match(county, town, cands[i]) == ("ok", code):
                return cands[i]
        return name


def township_variant(name: str, rng: np.random.Generator) -> str:
    if name.endswith("街道") and rng.random() < 0.6:
        return name[:-2] + "街道办事处"
    lk = "".join(NFKC_LOOKALIKE.get(ch, ch) for ch in name)
    if lk != name and rng.random() < 0.5:
        return lk
    return name[:1] + " " + name[1:] if rng.random() < 0.5 else "  " + name


# ---------------------------------------------------------------------------------------------------
# Quarantine defects
# ---------------------------------------------------------------------------------------------------
def reasons_for(table: Table) -> list[str]:
    """Row-level reason codes this table can produce, in the order of QUARANTINE_REASONS."""
    kinds = {c.kind for c in table.columns}
    out = []
    if PERSON_ID in kinds:
        out += ["id_missing", "id_mangled", "id_format", "id_checksum", "id_birthdate"]
    if CARD_NO in kinds:
        out += ["id_mangled", "id_checksum", "id_birthdate", "card_format"]
    out.append("value_missing")
    if INTEGER in kinds:
        out.append("integer_format")
    if DATE in kinds:
        out.append("date_format")
    if MONEY in kinds:
        out += ["amount_negative", "amount_format"]
    if ENUM in kinds:
        out.append("enum_value")
    if kinds & {REGION_CODE, COUNTY_CODE, CHINA_REGION_CODE}:
        out.append("region_unknown")
    if REGION_NAME in kinds:
        out += ["region_unmatched", "region_ambiguous"]
    if table.period_column:
        out.append("period_mismatch")
    return out


def _required_here(c, row: dict) -> bool:
    """A column whose empty value is value_missing in this row: required, or a code required by the row
    (迁往地区划代码 of a 迁出 row)."""
    if c.required:
        return True
    return (
        c.kind == CHINA_REGION_CODE
        and c.required_when is not None
        and row.get(c.required_when[0]) == c.required_when[1]
    )


def _bad_county(code: str) -> list[str]:
    """County codes naming no county of the seed: an unknown one of the city, a township's, cut short, too
    long, another province's."""
    c6 = code[:6]
    return [c6[:4] + "99", c6 + "001000", c6[:5], c6 + "00000", "110101", c6 + "0000001"]


def _bad_china_code(code: str | None) -> list[str]:
    """A destination that is not a 12-digit code: cut short, too long, with a hyphen, a letter, a name."""
    c = code or "370902001001"
    return [c[:11], c + "1", c[:6] + "-" + c[6:], c[:5] + "A" + c[6:], "山东省" + c[:6]]


def _first(table: Table, *kinds):
    for c in table.columns:
        if c.kind in kinds:
            return c
    return None


def _id_col(table: Table):
    return _first(table, PERSON_ID, CARD_NO)


def position(table: Table, col) -> int:
    """Position of a defect in the check order (decisions.md)."""
    return [c.name for c in table.columns].index(col.name)


def _bad_birth_id(pid: str, period: str, rng) -> str:
    if rng.random() < 0.5:
        birth = rng.choice(["19800231", "19751301", "19920230", "20010000", "19860431"])
    else:
        birth = (month_end(period) + dt.timedelta(days=int(rng.integers(1, 400)))).strftime("%Y%m%d")
    body = pid[:6] + birth + pid[14:17]
    return body + check_char(body)


def defect(reason: str, table: Table, row: dict, period: str, excel: bool, regions: Regions, rng: np.random.Generator):
    """(column, {column name: raw cell}) making the row fail with `reason`, or None if it can't here."""
    idc = _id_col(table)
    if reason in ("id_missing", "id_mangled", "id_format", "id_checksum", "id_birthdate"):
        if idc is None or (reason == "id_missing" and idc.kind == CARD_NO):
            return None
        full = row[idc.name]
        pid = full[:18]
        tail = full[18:]
        if reason == "id_missing":
            v = rng.choice(["", "  ", "\u3000"])
        elif reason == "id_mangled":
            digits = pid[:17] + ("0" if pid[17] == "X" else pid[17]) + tail
            if excel and rng.random() < 0.6:
                v = float(int(digits))
            else:
                v = f"{float(int(digits)):.5E}"
        elif reason == "id_format":
            v = rng.choice([pid[:17], pid + "1", pid[:9] + "A" + pid[10:], pid[:6] + "-" + pid[6:17]]) + tail
        elif reason == "id_checksum":
            wrong = [c for c in _CHECK if c != pid[17]]
            v = pid[:17] + wrong[int(rng.integers(len(wrong)))] + tail
        else:
            v = _bad_birth_id(pid, period, rng) + tail
        return idc, {idc.name: v}
    if reason == "card_format":
        c = _first(table, CARD_NO)
        card = row[c.name]
        v = rng.choice([card[:19], card + "1", card[:18] + "8" + card[19], card[:19] + "5", card[:19] + "0"])
        return c, {c.name: v}
    if reason == "value_missing":
        cands = [
            c
            for c in table.columns
            if _required_here(c, row)
            and c.kind in (TEXT, ENUM, BOOL, MONEY, DATE, REGION_NAME, COUNTY_CODE, CHINA_REGION_CODE)
            and c is not idc
        ]
        dest = [c for c in cands if c.kind == CHINA_REGION_CODE]
        if table.name == "monitoring" and rng.random() < 0.5:
            c = table.columns[0]
        elif dest and rng.random() < 0.4:  # 迁往地区划代码 left empty on a 迁出 row, a mistake of its own
            c = dest[0]
        else:
            c = cands[int(rng.integers(len(cands)))]
        return c, {c.name: rng.choice(["", " ", "  "])}
    if reason == "integer_format":
        c = _first(table, INTEGER)
        return c, {c.name: rng.choice(["0", "2.5", "两人", "-1"])}
    if reason == "date_format":
        c = _first(table, DATE)
        d = row[c.name]
        v = rng.choice(
            [
                f"{d.year % 100}-{d.month}-{d.day}",
                f"{d.year % 100}/{d.month}/{d.day}",
                f"{d.year}-13-{d.day}",
                f"{d.month}月{d.day}日",
                "不详",
            ]
        )
        return c, {c.name: v}
    if reason in ("amount_negative", "amount_format"):
        cs = [c for c in table.columns if c.kind == MONEY]
        c = cs[int(rng.integers(len(cs)))]
        amt = row[c.name]
        if reason == "amount_negative":
            v = f"-{amt}" if amt and amt > 0 else "-50.00"
        else:
            v = rng.choice(["约500", "五百元", "1.2.3", "12元5角"])
        return c, {c.name: v}
    if reason == "enum_value":
        cs = [c for c in table.columns if c.kind == ENUM]
        c = cs[int(rng.integers(len(cs)))]
        return c, {
            c.name: rng.choice(
                ["未知", "待定", "其它情况", "9级"] if c.name == "disability_grade" else ["未知", "待定", "其它情况"]
            )
        }
    if reason == "region_unknown":
        cs = [c for c in table.columns if c.kind in (REGION_CODE, COUNTY_CODE, CHINA_REGION_CODE)]
        c = cs[0] if len(cs) == 1 else cs[int(rng.integers(len(cs)))]
        code = row[c.name]
        if c.kind == COUNTY_CODE:
            bad = _bad_county(code)
            v = bad[int(rng.integers(len(bad)))]
            return (c, {c.name: v}) if (v + "000000" if len(v) == 6 else v) not in regions.counties else None
        if c.kind == CHINA_REGION_CODE:
            bad = _bad_china_code(code)
            return c, {c.name: bad[int(rng.integers(len(bad)))]}
        for v in (code[:9] + "000", code[:6] + "999999", code[:6] + "998997", code[:9]):
            if v not in regions.villages:
                return c, {c.name: v}
        return None
    if reason == "region_unmatched":
        vc = table.columns[2]
        code = row["region_code"]
        county, town, vil = regions.names_of(code)
        choice = rng.integers(3)
        if choice == 0:
            raw = {vc.name: "无此" + vil}
        elif choice == 1:
            raw = {table.columns[1].name: town[:1] + "某某镇"}
        else:
            raw = {table.columns[0].name: "某某县"}
        cells = {"county_name": county, "township_name": town, "village_name": vil, **raw}
        if regions.match(cells["county_name"], cells["township_name"], cells["village_name"])[0] != "region_unmatched":
            return None
        return vc, raw
    if reason == "region_ambiguous":
        vc = table.columns[2]
        bare = regions.ambiguous_bare(row["region_code"])
        if bare is None:
            return None
        return vc, {vc.name: bare}
    if reason == "period_mismatch":
        c = table.column(table.period_column)
        if c.kind == MONTH:
            return c, {c.name: prev_month(period) if rng.random() < 0.5 else f"{int(period[:4]) - 1}{period[4:]}"}
        d = row[c.name]
        return c, {c.name: (d.replace(day=1) - dt.timedelta(days=int(rng.integers(1, 40)))).isoformat()}
    raise ValueError(reason)


def ambiguous_rows(table: Table, regions: Regions, codes: list[str]) -> list[int]:
    """Indices of monitoring rows whose township holds an ambiguous pair of village names."""
    cache: dict[str, bool] = {}
    out = []
    for i, c in enumerate(codes):
        t = regions.parent.get(c)
        if t not in cache:
            cache[t] = regions.ambiguous_bare(c) is not None
        if cache[t]:
            out.append(i)
    return out
