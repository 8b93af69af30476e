"""The demo city month by month: background population of every table (planted cases: planted.py)."""

from __future__ import annotations

import numpy as np
import polars as pl

from .ids import IdFactory
from .population import (NEVER, draw_sizes, forward_fill_draws, make_members, make_persons, month_end,
                         random_dates, spells, villages)
from .presets import DemoPreset

DIBAO_SIZES = {1: 0.30, 2: 0.28, 3: 0.20, 4: 0.12, 5: 0.07, 6: 0.03}
NEAR_SIZES = {1: 0.15, 2: 0.30, 3: 0.28, 4: 0.18, 5: 0.09}
MON_SIZES = {1: 0.12, 2: 0.25, 3: 0.25, 4: 0.22, 5: 0.11, 6: 0.05}
# in the order of the card's type digit (1 视力 ... 7 多重)
DIS_TYPES = (["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"],
             [0.10, 0.10, 0.02, 0.45, 0.11, 0.10, 0.12])
GRADES = ([1, 2, 3, 4], [0.14, 0.26, 0.30, 0.30])
RISK = (["illness", "disability", "education", "disaster", "accident", "business_failure",
         "unstable_employment", "lack_of_labour", "other"],
        [0.38, 0.22, 0.08, 0.03, 0.07, 0.03, 0.08, 0.08, 0.03])
REASONS = np.array(["因病住院医疗费用负担重", "突发火灾", "交通事故", "子女就学费用", "家庭成员重病",
                    "自然灾害受损", "意外伤害", "", "", "生活临时困难"])
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
    """Shared state while building: rng, ids, villages, periods, standards, the period frames."""

    def __init__(self, rng, seeds, periods, ref_date):
        self.rng = rng
        self.ids = IdFactory(rng)
        self.vil = villages(seeds["regions"])
        self.periods = periods
        self.ends = [month_end(p) for p in periods]
        self.std = Standards(seeds["assistance_standards"], periods)
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
        k = np.arange(self.hh_counter, self.hh_counter + n)
        self.hh_counter += n
        return k


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
        s < 0, random_dates(rng, np.datetime64("2012-01-01"), np.datetime64(w.periods[0]) - 1, n),
        np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n))
    keys = w.hh_keys(n)
    hid = np.char.add(vil["region_code"].to_numpy().astype(str), np.char.zfill(keys.astype(str), 5))
    state["dibao"] = dict(n=n, s=s, e=e, until=until, mem=mem, covered=covered, size=size_cov,
                          disabled=disabled, c6=c6, urban=urban, vil=vil, hid=hid, keys=keys)
    for p in range(P):
        vis = (s <= p) & (p < until)
        std = w.std.dibao(c6, urban, p)
        income = (std * frac[:, p]).astype(np.int64) // 100 * 100 + cents_extra
        benefit = (std - income) * size_cov
        mv = vis[hh]
        h = hh[mv]
        df = pl.DataFrame({
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
            "_hh": keys[h], "_ord": mem["ord"].to_numpy()[mv],
        })
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
    rec = np.where(s < 0, random_dates(rng, np.datetime64("2010-01-01"), np.datetime64(w.periods[0]) - 1, n),
                   np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n))
    disabled_t = rng.random(n) < np.where(old, 0.25, 0.8)
    c6 = vil["county6"].to_numpy()
    sc_names = np.array(["full", "partial", "none"])
    care_share = np.array([0.10, 0.35, 0.60])
    state["tekun"] = dict(n=n, s=s, e=e, until=until, ppl=ppl, c6=c6, vil=vil, disabled=disabled_t, sc=sc,
                          young=~old)
    for p in range(P):
        vis = (s <= p) & (p < until)
        basic = w.std.get("tekun_basic", c6, p)
        fee = (basic * care_share[sc[:, p]]).astype(np.int64) // 100 * 100
        df = pl.DataFrame({
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
            "_hh": w.hh_keys(int(vis.sum())), "_ord": np.zeros(int(vis.sum())),
        })
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
    rec = np.where(s < 0, random_dates(rng, np.datetime64("2022-01-01"), np.datetime64(w.periods[0]) - 1, n),
                   np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n))
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
        df = pl.DataFrame({
            "region_code": vil["region_code"].to_numpy()[h],
            "household_id": hid[h],
            "name": mem["name"].to_numpy()[mv],
            "person_id": mem["person_id"].to_numpy()[mv],
            "relation": mem["relation"].to_numpy()[mv],
            "family_type": np.where(hard[h], "expenditure_hardship", "near_dibao"),
            "monthly_income_per_capita": income[h],
            "recognition_date": rec[h],
            "_hh": keys[h], "_ord": mem["ord"].to_numpy()[mv],
        })
        w.add("near_dibao", df.with_columns(period=pl.lit(w.periods[p]), _planted=pl.lit(False)))
    if progress:
        progress("near-dibao register built")

    build_monitoring(w, cfg, scale, state)
    if progress:
        progress("monitoring roster built")
    build_disability(w, cfg, scale, state)
    if progress:
        progress("disability cards and subsidies built")
    build_temporary(w, cfg, scale, state)
    return state


def build_monitoring(w: World, cfg: DemoPreset, scale: float, state: dict):
    """Rural households; part of them are dibao households or tekun persons (the same people)."""
    rng = w.rng
    P = len(w.periods)
    n_new0 = max(1, int(round(cfg.monitoring_households * scale)))
    # dibao overlap: rural dibao households visible at the start
    d = state["dibao"]
    cand = np.flatnonzero(~d["urban"] & (d["s"] < 0) & (d["until"] >= NEVER))
    k_d = min(len(cand), int(n_new0 * 0.18))
    pick_d = np.sort(rng.choice(cand, k_d, replace=False))
    t = state["tekun"]
    tv = t["vil"]["urban"].to_numpy()
    cand_t = np.flatnonzero(~tv & (t["s"] < 0) & (t["until"] >= NEVER))
    k_t = min(len(cand_t), int(n_new0 * 0.03))
    pick_t = np.sort(rng.choice(cand_t, k_t, replace=False))
    n_own0 = n_new0 - k_d - k_t
    n_own = n_own0 + int(round(cfg.monitoring_entries_per_month * scale)) * (P - 1)
    vil = w.pick_villages(n_own, rural_only=True)
    sizes = draw_sizes(rng, n_own, MON_SIZES)
    own = make_members(rng, w.ids, sizes, rng.uniform(30, 75, n_own), vil["county6"].to_numpy(), w.ref)
    # assemble one member frame of all monitored households
    dm = d["mem"].filter(pl.col("hh").is_in(pick_d))
    remap = np.full(d["n"], -1)
    remap[pick_d] = np.arange(k_d)
    dm = dm.with_columns(hh=pl.Series(remap[dm["hh"].to_numpy()]))
    tm = t["ppl"][pick_t].with_columns(hh=pl.Series(np.arange(k_t) + k_d), pos=pl.lit(0), ord=pl.lit(0.0),
                                       relation=pl.lit("head"))
    om = own.with_columns(hh=pl.col("hh") + k_d + k_t)
    cols = ["hh", "pos", "ord", "relation", "person_id", "name", "male", "birth"]
    mem = pl.concat([dm.select(cols), tm.select(cols), om.select(cols)], how="vertical_relaxed")
    n = k_d + k_t + n_own
    region = np.concatenate([d["vil"]["region_code"].to_numpy()[pick_d], t["vil"]["region_code"].to_numpy()[pick_t],
                             vil["region_code"].to_numpy()]).astype(str)
    s = np.full(n, -1)
    s[k_d + k_t + n_own0:] = rng.integers(1, max(2, P), n - (k_d + k_t + n_own0))
    covered = np.zeros(n, dtype=bool)
    covered[:k_d + k_t] = True
    mtype = rng.choice(np.array(["unstable_lifted", "edge_vulnerable", "sudden_hardship"]), n, p=[0.45, 0.40, 0.15])
    mtype[s >= 0] = rng.choice(np.array(["edge_vulnerable", "sudden_hardship"]), int((s >= 0).sum()), p=[0.5, 0.5])
    cause = rng.choice(np.array(RISK[0]), n, p=RISK[1])
    first = np.datetime64(w.periods[0]) .astype("datetime64[D]")
    ident = np.where(s < 0, random_dates(rng, np.where(mtype == "sudden_hardship", np.datetime64("2024-01-01"),
                                                         np.datetime64("2021-06-01")), first - 40, n),
                     np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n))
    # elimination: before the window for part of the initial ones; then a monthly hazard
    elim0 = (s < 0) & (rng.random(n) < 0.5)
    elim_p = np.where(elim0, -1, np.where(rng.random(n) < 0.03 * P, rng.integers(0, P, n), NEVER))
    elim_p = np.where((elim_p >= 0) & (elim_p <= s), NEVER, elim_p)
    # a few households whose risk returns after it was eliminated (W06 in the background)
    ret_from = np.maximum(elim_p, 0) + 1
    ret_p = np.where((elim_p < NEVER) & (rng.random(n) < 0.05) & (ret_from < P),
                     ret_from + (rng.random(n) * np.maximum(P - ret_from, 1)).astype(np.int64), NEVER)
    elim_date = np.where(elim_p < 0, ident + ((first - 1 - ident).astype(np.int64) * rng.random(n)).astype(np.int64),
                         np.array(w.ends + [w.ends[-1]])[np.clip(elim_p, 0, P)] - rng.integers(0, 25, n))
    low = covered | (rng.random(n) < 0.0)
    base = np.where(low, rng.uniform(3000, 8500, n), rng.uniform(11500, 32000, n))
    growth = np.where(rng.random(n) < 0.8, rng.uniform(0.98, 1.15, n), rng.uniform(0.9, 1.0, n))
    keys = w.hh_keys(n)
    hid = np.char.add(np.char.add(np.array([r[:9] for r in region]), "M"), np.char.zfill(keys.astype(str), 6))
    vlook = w.vil.select("region_code", "county_name", "township_name", "village_name")
    vnames = pl.DataFrame({"region_code": region}).join(vlook, on="region_code", how="left")
    jan = next((i for i, x in enumerate(w.periods) if x.endswith("-01")), P)
    hhm = mem["hh"].to_numpy()
    state["monitoring"] = dict(mem=mem, n=n, s=s, mtype=mtype, ident=ident, region=region)
    for p in range(P):
        vis = s <= p
        eliminated = (elim_p <= p) & (p < ret_p)
        inc = base * np.where(p >= jan, growth, 1.0)
        inc = np.where(eliminated & (elim_p >= 0), inc * 1.08, inc)
        income = (inc * 100).astype(np.int64) // 100 * 100
        mv = vis[hhm]
        h = hhm[mv]
        df = pl.DataFrame({
            "county_name": vnames["county_name"].to_numpy()[h],
            "township_name": vnames["township_name"].to_numpy()[h],
            "village_name": vnames["village_name"].to_numpy()[h],
            "household_id": hid[h],
            "name": mem["name"].to_numpy()[mv],
            "person_id": mem["person_id"].to_numpy()[mv],
            "relation": mem["relation"].to_numpy()[mv],
            "monitoring_type": mtype[h],
            "risk_cause": cause[h],
            "identified_date": ident[h],
            "risk_eliminated": eliminated[h],
            "eliminated_date": np.where(eliminated[h], elim_date[h], np.datetime64("NaT")),
            "annual_income_per_capita": income[h],
            "region_code": region[h],
            "_hh": keys[h], "_ord": mem["ord"].to_numpy()[mv],
        })
        w.add("monitoring", df.with_columns(period=pl.lit(w.periods[p]), _planted=pl.lit(False)))


def build_disability(w: World, cfg: DemoPreset, scale: float, state: dict):
    rng = w.rng
    P = len(w.periods)
    d = state["dibao"]
    t = state["tekun"]
    dm = d["mem"].with_columns(region_code=pl.Series(d["vil"]["region_code"].to_numpy()[d["mem"]["hh"].to_numpy()]))
    dmask = d["disabled"] & (dm["age"].to_numpy() >= 3)
    holders = [dm.filter(pl.Series(dmask)).select("person_id", "name", "birth", "region_code")
               .with_columns(src=pl.lit(0))]
    tmask = t["disabled"]
    holders.append(t["ppl"].filter(pl.Series(tmask)).with_columns(
        region_code=pl.Series(t["vil"]["region_code"].to_numpy()[tmask])).select(
        "person_id", "name", "birth", "region_code").with_columns(src=pl.lit(1)))
    k = max(1, int(round(cfg.other_card_holders * scale)))
    vil = w.pick_villages(k)
    others = make_persons(rng, w.ids, rng.uniform(5, 85, k), vil["county6"].to_numpy(), w.ref)
    holders.append(others.with_columns(region_code=vil["region_code"]).select(
        "person_id", "name", "birth", "region_code").with_columns(src=pl.lit(2)))
    cards = pl.concat(holders)
    n = len(cards)
    src = cards["src"].to_numpy()
    grade = rng.choice(GRADES[0], n, p=GRADES[1])
    severe = isin(cards["person_id"].to_numpy(), t["ppl"]["person_id"].to_numpy()[t["young"]])
    grade = np.where(severe, rng.choice([1, 2], n), grade)
    ti = rng.choice(len(DIS_TYPES[0]), n, p=DIS_TYPES[1])
    dtype = np.array(DIS_TYPES[0])[ti]
    tdig = ti + 1
    pid = cards["person_id"].to_numpy().astype(str)
    card_no = np.char.add(np.char.add(pid, tdig.astype(str)), grade.astype(str))
    birth = cards["birth"].to_numpy().astype("datetime64[D]")
    first = np.datetime64(w.periods[0]).astype("datetime64[D]")
    lo = np.maximum(birth + 365, np.datetime64("2008-01-01"))
    issue = random_dates(rng, lo, first - 1, n)
    new = (rng.random(n) < 0.05) & (src == 2) & (P > 1)
    vf = np.where(new, rng.integers(1, max(2, P), n), -1)
    issue = np.where(new, np.array(w.ends)[np.maximum(vf, 0)] - rng.integers(0, 27, n), issue)
    cancel = np.where((src == 2) & (rng.random(n) < 0.03), rng.integers(0, P, n), NEVER)
    cancel = np.where(cancel <= vf, NEVER, cancel)
    until = np.where(cancel < NEVER, cancel + 2, NEVER)
    region = cards["region_code"].to_numpy()
    state["cards"] = dict(cards=cards, grade=grade)
    # who is in dibao_members / tekun_active in each period: from the frames already built
    for p in range(P):
        per = w.periods[p]
        vis = (vf <= p) & (p < until)
        valid = p < cancel
        df = pl.DataFrame({
            "region_code": region[vis], "name": cards["name"].to_numpy()[vis], "disability_card_no": card_no[vis],
            "disability_type": dtype[vis], "disability_grade": grade[vis], "issue_date": issue[vis],
            "card_status": np.where(valid[vis], "valid", "cancelled"), "person_id": pid[vis],
            "_hh": w.hh_keys(int(vis.sum())), "_ord": np.zeros(int(vis.sum())),
        })
        w.add("disability_cards", df.with_columns(period=pl.lit(per), _planted=pl.lit(False)))
        members = pl.concat([f.filter((pl.col("period") == per) & (pl.col("status") == "active"))
                             .select("person_id") for f in w.frames["dibao"]])["person_id"].to_numpy()
        tek = pl.concat([f.filter((pl.col("period") == per) & (pl.col("status") == "active"))
                         .select("person_id") for f in w.frames["tekun"]])["person_id"].to_numpy()
        ok = vis & valid
        liv = ok & isin(pid, members) & ~isin(pid, tek)
        nur = ok & (grade <= 2) & (rng.random(n) > 0.004)
        yyyymm = per.replace("-", "")
        rows = []
        for mask, typ, amt in ((liv, "living_subsidy", np.where(grade <= 2, LIVING[1], LIVING[3])),
                               (nur, "nursing_subsidy", np.where(grade == 1, NURSING[1], NURSING[2]))):
            rows.append(pl.DataFrame({
                "region_code": region[mask], "name": cards["name"].to_numpy()[mask], "person_id": pid[mask],
                "subsidy_type": np.full(int(mask.sum()), typ), "payment_month": np.full(int(mask.sum()), per),
                "amount": amt[mask],
            }))
        sub = pl.concat(rows).sort("region_code", maintain_order=True)
        sub = sub.with_columns(
            payment_reference=pl.format("BT{}{}", pl.lit(yyyymm), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6)),
            _hh=pl.Series(w.hh_keys(len(sub))), _ord=pl.lit(0.0))
        w.add("disability_subsidies", sub.with_columns(period=pl.lit(per), _planted=pl.lit(False)))


def build_temporary(w: World, cfg: DemoPreset, scale: float, state: dict):
    """Payments within each month: to sudden-hardship households soon after identification, and to others."""
    rng = w.rng
    P = len(w.periods)
    m = state["monitoring"]
    mem = m["mem"]
    head_idx = mem.with_row_index("i").filter(pl.col("pos") == 0).sort("hh")
    hh_i = head_idx["i"].to_numpy()
    sudden = np.flatnonzero((m["mtype"] == "sudden_hardship") & (m["ident"] >= np.datetime64(w.periods[0]) - 60))
    paid = sudden[rng.random(len(sudden)) < 0.85]
    pay_date = m["ident"][paid] + rng.integers(0, 12, len(paid))
    pool_ids = np.concatenate([state["dibao"]["mem"]["person_id"].to_numpy(),
                               state["near_dibao"]["mem"]["person_id"].to_numpy()]).astype(str)
    pool_names = np.concatenate([state["dibao"]["mem"]["name"].to_numpy(),
                                 state["near_dibao"]["mem"]["name"].to_numpy()]).astype(str)
    d = state["dibao"]
    nd = state["near_dibao"]
    pool_region = np.concatenate([d["vil"]["region_code"].to_numpy()[d["mem"]["hh"].to_numpy()],
                                  nd["vil"]["region_code"].to_numpy()[nd["mem"]["hh"].to_numpy()]]).astype(str)
    k = max(1, int(round(cfg.temporary_payments_per_month * scale)))
    for p in range(P):
        per = w.periods[p]
        start = np.datetime64(per).astype("datetime64[D]")
        sel = (pay_date >= start) & (pay_date <= w.ends[p])
        hh = paid[sel]
        i = hh_i[hh]
        r = rng.choice(len(pool_ids), k, replace=False)
        n1 = len(hh)
        amount = np.concatenate([rng.integers(10, 60, n1) * 10000, rng.integers(5, 50, k) * 10000])
        df = pl.DataFrame({
            "region_code": np.concatenate([m["region"][hh], pool_region[r]]),
            "name": np.concatenate([mem["name"].to_numpy()[i], pool_names[r]]),
            "person_id": np.concatenate([mem["person_id"].to_numpy()[i], pool_ids[r]]),
            "assistance_type": np.concatenate([np.full(n1, "emergency"),
                                               rng.choice(np.array(["emergency", "expenditure"]), k, p=[0.4, 0.6])]),
            "amount": amount,
            "payment_date": np.concatenate([pay_date[sel], random_dates(rng, start, w.ends[p], k)]),
            "reason": np.concatenate([rng.choice(REASONS[:7], n1), rng.choice(REASONS, k)]),
        }).sort("region_code", maintain_order=True)
        yyyymm = per.replace("-", "")
        df = df.with_columns(
            payment_reference=pl.format("LS{}{}{}", pl.col("region_code").str.slice(0, 6), pl.lit(yyyymm),
                                        pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5)),
            _hh=pl.Series(w.hh_keys(len(df))), _ord=pl.lit(0.0))
        w.add("temporary_assistance", df.with_columns(period=pl.lit(per), _planted=pl.lit(False)))
