"""The demo city month by month: background population of every table (planted cases: planted.py)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from .ids import IdFactory
from .population import (
    draw_sizes,
    forward_fill_draws,
    make_members,
    make_persons,
    month_end,
    random_dates,
    spells,
    villages,
)
from .presets import DemoPreset

DIBAO_SIZES = {1: 0.30, 2: 0.28, 3: 0.20, 4: 0.12, 5: 0.07, 6: 0.03}
NEAR_SIZES = {1: 0.15, 2: 0.30, 3: 0.28, 4: 0.18, 5: 0.09}
MON_SIZES = {1: 0.12, 2: 0.25, 3: 0.25, 4: 0.22, 5: 0.11, 6: 0.05}
# in the order of the card's type digit (1 视力 ... 7 多重)
DIS_TYPES = (
    ["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"],
    [0.10, 0.10, 0.02, 0.45, 0.11, 0.10, 0.12],
)
GRADES = ([1, 2, 3, 4], [0.14, 0.26, 0.30, 0.30])
RISK = (
    [
        "illness",
        "disability",
        "education",
        "disaster",
        "accident",
        "business_failure",
        "unstable_employment",
        "lack_of_labour",
        "other",
    ],
    [0.38, 0.22, 0.08, 0.03, 0.07, 0.03, 0.08, 0.08, 0.03],
)
REASONS = np.array(
    [
        "因病住院医疗费用负担重",
        "突发火灾",
        "交通事故",
        "子女就学费用",
        "家庭成员重病",
        "自然灾害受损",
        "意外伤害",
        "",
        "",
        "生活临时困难",
    ]
)
LIVING = {1: 12000, 2: 12000, 3: 8000, 4: 8000}  # cents per month
NURSING = {1: 15000, 2: 10000}


def isin(a, b) -> np.ndarray:
    """np.isin for strings, fast (polars)."""
    return pl.Series(np.asarray(a).astype(str)).is_in(pl.Series(np.asarray(b).astype(str)).implode()).to_numpy()


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


class Standards:
    """Standards in force per county (6-digit) and period index, in cents."""

    def __init__(self, table: pl.DataFrame, periods: list[str]):
        self.cols = {}
        t = table.with_columns(pl.col("county_code").str.slice(0, 6).cast(pl.Int64).alias("c6"))
        counties = sorted(set(t["c6"].to_list()))
        self.index = {c: i for i, c in enumerate(counties)}
        ends = [month_end(p) for p in periods]
        for col in ("dibao_urban", "dibao_rural", "tekun_basic"):
            m = np.zeros((len(counties), len(periods)), dtype=np.int64)
            for c, i in self.index.items():
                rows = t.filter(pl.col("c6") == c).sort("effective_from")
                eff = rows["effective_from"].to_numpy().astype("datetime64[D]")
                val = _cents(rows[col].cast(pl.Float64).to_numpy())
                for j, e in enumerate(ends):
                    k = np.searchsorted(eff, e, side="right") - 1
                    m[i, j] = val[max(k, 0)]
            self.cols[col] = m

    def get(self, col: str, county6, p) -> np.ndarray:
        idx = np.array([self.index[c] for c in np.atleast_1d(county6)]) if np.ndim(county6) else self.index[county6]
        return self.cols[col][idx, p]

    def dibao(self, county6, urban, p) -> np.ndarray:
        return np.where(urban, self.get("dibao_urban", county6, p), self.get("dibao_rural", county6, p))


class World:
    """Shared state while building: rng, ids, villages, periods, standards, the period frames.

    `part` of `parts` (a dataset generated in parts, parts.py): the part's national ids (`IdFactory`),
    household keys (`hh_keys`) and running numbers of references (`numbers`) are its own, disjoint from the
    other parts'; one part: the dataset as ever."""

    def __init__(self, rng, seeds, periods, ref_date, other_codes=None, part: int = 0, parts: int = 1):
        self.rng = rng
        self.part, self.parts = part, parts
        self.ids = IdFactory(rng, other_codes, part, parts)
        self.vil = villages(seeds["regions"])
        self.periods = periods
        self.ends = [month_end(p) for p in periods]
        self.std = Standards(seeds["assistance_standards"], periods)
        # rule parameters of the seed (warning_rules.csv): planted boundary cases follow them
        self.rule_params = {
            r: json.loads(x) if x else {} for r, x in seeds["warning_rules"].select("rule_id", "params").iter_rows()
        }
        self.ref = ref_date
        self.frames: dict[str, list[pl.DataFrame]] = {}
        self.hh_counter = 0

    def add(self, table: str, df: pl.DataFrame):
        self.frames.setdefault(table, []).append(df)

    def pick_villages(self, n, rural_only=False, urban_weight=1.0):
        v = self.vil.filter(~pl.col("urban")) if rural_only else self.vil
        w = np.where(v["urban"].to_numpy(), urban_weight, 1.0)
        idx = self.rng.choice(len(v), n, p=w / w.sum())
        return v[idx]

    def hh_keys(self, n):
        """n household keys (the numbers in household ids, and the rows' order): those of the part, k ≡ part
        (mod parts), counting up."""
        k = np.arange(self.hh_counter, self.hh_counter + n) * self.parts + self.part
        self.hh_counter += n
        return k

    def numbers(self) -> pl.Expr:
        """1, 2, 3 ... for the rows of a frame (or of a window with `.over`): a reference's running number.
        In parts, part i's are i + 1, i + 1 + parts, ...: every part numbers apart from the others."""
        if self.parts == 1:
            return pl.int_range(1, pl.len() + 1)
        return pl.int_range(0, pl.len()) * self.parts + (self.part + 1)


def build_background(w: World, cfg: DemoPreset, scale: float, progress) -> dict:
    rng = w.rng
    P = len(w.periods)
    S = lambda x: max(1, int(round(x * scale)))  # noqa: E731
    state = {}

    # ---------------------------------------------------------------- dibao households
    n0 = S(cfg.dibao_households)
    n = n0 + S(cfg.dibao_entries_per_month) * (P - 1)
    s, e, until = spells(rng, n, P, n0, cfg.dibao_exit_hazard)
    vil = w.pick_villages(n, urban_weight=1.3)
    sizes = draw_sizes(rng, n, DIBAO_SIZES)
    elderly = rng.random(n) < 0.4
    head_age = np.where(elderly, rng.uniform(60, 88, n), rng.uniform(28, 60, n))
    mem = make_members(rng, w.ids, sizes, head_age, vil["county6"].to_numpy(), w.ref)
    hh = mem["hh"].to_numpy()
    pos = mem["pos"].to_numpy()
    pattern = rng.choice(3, n, p=[0.70, 0.18, 0.12])  # all covered / one not covered / only one covered
    pattern[sizes == 1] = 0
    drop = (rng.random(n) * (sizes - 1)).astype(np.int64) + 1
    only = (rng.random(n) * sizes).astype(np.int64)
    covered = np.ones(len(hh), dtype=bool)
    covered &= ~((pattern[hh] == 1) & (pos == drop[hh]))
    covered &= ~((pattern[hh] == 2) & (pos != only[hh]))
    size_cov = np.bincount(hh, weights=covered, minlength=n).astype(np.int64)
    disabled = rng.random(len(hh)) < np.where((pattern[hh] == 2) & covered, 0.7, 0.17)
    urban = vil["urban"].to_numpy()
    c6 = vil["county6"].to_numpy()
    frac = forward_fill_draws(rng, n, P, 0.04, lambda k: rng.uniform(0.05, 0.85, k))
    cents_extra = np.where(rng.random(n) < 0.3, rng.integers(0, 100, n), 0)
    approval = np.where(
        s < 0,
        random_dates(rng, np.datetime64("2012-01-01"), np.datetime64(w.periods[0]) - 1, n),
        np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n),
    )
    keys = w.hh_keys(n)
    hid = np.char.add(vil["region_code"].to_numpy().astype(str), np.char.zfill(keys.astype(str), 5))
    state["dibao"] = dict(
        n=n,
        s=s,
        e=e,
        until=until,
        mem=mem,
        covered=covered,
        size=size_cov,
        disabled=disabled,
        c6=c6,
        urban=urban,
        vil=vil,
        hid=hid,
        keys=keys,
    )
    for p in range(P):
        vis = (s <= p) & (p < until)
        std = w.std.dibao(c6, urban, p)
        income = (std * frac[:, p]).astype(np.int64) // 100 * 100 + cents_extra
        benefit = (std - income) * size_cov
        mv = vis[hh]
        h = hh[mv]
        df = pl.DataFrame(
            {
                "region_code": vil["region_code"].to_numpy()[h],
                "household_id": hid[h],
                "name": mem["name"].to_numpy()[mv],
                "person_id": mem["person_id"].to_numpy()[mv],
                "relation": mem["relation"].to_numpy()[mv],
                "is_covered": covered[mv],
                "dibao_category": np.where(urban[h], "urban", "rural"),
                "household_size": size_cov[h],
                "monthly_income_per_capita": income[h],
                "monthly_benefit": benefit[h],
                "approval_date": approval[h],
                "status": np.where(p < e[h], "active", "stopped"),
                "_hh": keys[h],
                "_ord": mem["ord"].to_numpy()[mv],
            }
        )
        w.add("dibao", df.with_columns(period=pl.lit(w.periods[p]), _planted=pl.lit(False)))
    if progress:
        progress("dibao households built")

    # ---------------------------------------------------------------- tekun persons
    n0 = S(cfg.tekun_persons)
    n = n0 + S(cfg.tekun_entries_per_month) * (P - 1)
    s, e, until = spells(rng, n, P, n0, cfg.tekun_exit_hazard, linger=(1, 3))
    vil = w.pick_villages(n, urban_weight=0.6)
    old = rng.random(n) < 0.8
    age = np.where(old, rng.uniform(60, 95, n), rng.uniform(18, 59, n))
    ppl = make_persons(rng, w.ids, age, vil["county6"].to_numpy(), w.ref, male_p=0.62)
    care_c = rng.random(n) < 0.35
    sc0 = rng.choice(3, n, p=[0.55, 0.25, 0.20])  # full, partial, none
    worsen = rng.random((n, P)) < 0.008
    sc = np.minimum(sc0[:, None] + np.cumsum(worsen, axis=1), 2)
    agree_p = np.array([0.3, 0.85, 0.97])
    agree = np.where(care_c[:, None], True, rng.random(n)[:, None] < agree_p[sc])
    # an agreement once signed stays: take the running maximum along periods
    agree = np.maximum.accumulate(agree, axis=1)
    rec = np.where(
        s < 0,
        random_dates(rng, np.datetime64("2010-01-01"), np.datetime64(w.periods[0]) - 1, n),
        np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n),
    )
    disabled_t = rng.random(n) < np.where(old, 0.25, 0.8)
    c6 = vil["county6"].to_numpy()
    sc_names = np.array(["full", "partial", "none"])
    care_share = np.array([0.10, 0.35, 0.60])
    state["tekun"] = dict(n=n, s=s, e=e, until=until, ppl=ppl, c6=c6, vil=vil, disabled=disabled_t, sc=sc, young=~old)
    for p in range(P):
        vis = (s <= p) & (p < until)
        basic = w.std.get("tekun_basic", c6, p)
        fee = (basic * care_share[sc[:, p]]).astype(np.int64) // 100 * 100
        df = pl.DataFrame(
            {
                "region_code": vil["region_code"].to_numpy()[vis],
                "name": ppl["name"].to_numpy()[vis],
                "person_id": ppl["person_id"].to_numpy()[vis],
                "care_mode": np.where(care_c[vis], "centralized", "dispersed"),
                "self_care": sc_names[sc[vis, p]],
                "monthly_basic_living": basic[vis],
                "monthly_care_fee": fee[vis],
                "has_care_agreement": agree[vis, p],
                "recognition_date": rec[vis],
                "status": np.where(p < e[vis], "active", "terminated"),
                "_hh": w.hh_keys(int(vis.sum())),
                "_ord": np.zeros(int(vis.sum())),
            }
        )
        w.add("tekun", df.with_columns(period=pl.lit(w.periods[p]), _planted=pl.lit(False)))
    if progress:
        progress("tekun persons built")

    # ---------------------------------------------------------------- near-dibao register
    n0 = S(cfg.near_dibao_households)
    n = n0 + S(cfg.near_dibao_entries_per_month) * (P - 1)
    s, e, until = spells(rng, n, P, n0, 0.01, linger=(0, 0))
    vil = w.pick_villages(n)
    sizes = draw_sizes(rng, n, NEAR_SIZES)
    mem = make_members(rng, w.ids, sizes, rng.uniform(30, 75, n), vil["county6"].to_numpy(), w.ref)
    hh = mem["hh"].to_numpy()
    hard = rng.random(n) < 0.2
    frac = forward_fill_draws(rng, n, P, 0.03, lambda k: rng.uniform(1.02, 1.48, k))
    frac = np.where(hard[:, None], frac * 1.3, frac)
    rec = np.where(
        s < 0,
        random_dates(rng, np.datetime64("2022-01-01"), np.datetime64(w.periods[0]) - 1, n),
        np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n),
    )
    keys = w.hh_keys(n)
    hid = np.char.add(np.char.add(vil["region_code"].to_numpy().astype(str), "B"), np.char.zfill(keys.astype(str), 5))
    c6 = vil["county6"].to_numpy()
    urban = vil["urban"].to_numpy()
    state["near_dibao"] = dict(mem=mem, vil=vil)
    for p in range(P):
        vis = (s <= p) & (p < until)
        std = w.std.dibao(c6, urban, p)
        income = (std * frac[:, p]).astype(np.int64) // 100 * 100 + 100
        mv = vis[hh]
        h = hh[mv]
        df = pl.DataFrame(
            {
                "region_code": vil["region_code"].to_numpy()[h],
                "household_id": hid[h],
                "name": mem["name"].to_numpy()[mv],
                "person_id": mem["person_id"].to_numpy()[mv],
                "relation": mem["relation"].to_numpy()[mv],
                "family_type": np.where(hard[h], "expenditure_hardship", "near_dibao"),
                "monthly_income_per_capita": income[h],
                "recognition_date": rec[h],
                "_hh": keys[h],
                "_ord": mem["ord"].to_numpy()[mv],
            }
        )
        w.add("near_dibao", df.with_columns(period=pl.lit(w.periods[p]), _planted=pl.lit(False)))
    if progress:
        progress("near-dibao register built")

    from .demo_linked import build_disability, build_monitoring, build_temporary

    build_monitoring(w, cfg, scale, state)
    if progress:
        progress("monitoring roster built")
    build_disability(w, cfg, scale, state)
    if progress:
        progress("disability cards and subsidies built")
    build_temporary(w, cfg, scale, state)
    return state
