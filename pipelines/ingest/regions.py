"""The regions seed: village codes for region-code columns, and name matching for the monitoring extract."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
VILLAGE_COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会")
VILLAGE_SUFFIXES = ("村", "社区")


def norm_name(s: str) -> str:
    """NFKC, all white space removed."""
    return _WS.sub("", unicodedata.normalize("NFKC", s or ""))


def norm_township(s: str) -> str:
    return norm_name(s).replace("街道办事处", "街道")


def strip_village(s: str) -> str:
    """Drop one trailing committee suffix, then one trailing 村 / 社区."""
    for suf in VILLAGE_COMMITTEE_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            s = s[: -len(suf)]
            break
    for suf in VILLAGE_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            s = s[: -len(suf)]
            break
    return s


@dataclass
class Regions:
    villages: set[str]
    counties: list[tuple[str, str]] = field(default_factory=list)  # (code, normalised name)
    children: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # parent -> [(code, name)]

    @classmethod
    def load(cls, seeds: Path) -> Regions:
        df = pl.read_csv(Path(seeds) / "regions.csv", infer_schema=False)
        df = df.with_columns(pl.col(c).fill_null("").str.strip_chars() for c in df.columns)
        rows = df.select("region_code", "name", "level", "parent_code").rows()
        villages = {code for code, _, level, _ in rows if level == "village"}
        counties = [(code, norm_name(name)) for code, name, level, _ in rows if level == "county"]
        children: dict[str, list[tuple[str, str]]] = {}
        for code, name, level, parent in rows:
            if level == "township":
                children.setdefault(parent, []).append((code, norm_township(name)))
            elif level == "village":
                children.setdefault(parent, []).append((code, norm_name(name)))
        return cls(villages, counties, children)

    def match(self, county: str, township: str, village: str) -> tuple[str | None, str | None, int]:
        """(village code, reason, failed level 0/1/2) for three non-empty names, top-down."""
        c = [code for code, n in self.counties if n == norm_name(county)]
        if len(c) != 1:
            return None, ("region_unmatched" if not c else "region_ambiguous"), 0
        t_name = norm_township(township)
        t = [code for code, n in self.children.get(c[0], []) if n == t_name]
        if len(t) != 1:
            return None, ("region_unmatched" if not t else "region_ambiguous"), 1
        vs = self.children.get(t[0], [])
        v_name = norm_name(village)
        v = [code for code, n in vs if n == v_name]
        if len(v) != 1:
            stripped = strip_village(v_name)
            v = [code for code, n in vs if strip_village(n) == stripped]
        if len(v) != 1:
            return None, ("region_unmatched" if not v else "region_ambiguous"), 2
        return v[0], None, 2
