"""The `report-2021` preset: September 2021 of one city, rural programmes only.

Built so that the city-level KPIs computed from the loaded records are exactly the figures of the
published municipal table (domain.md): every count below is hit exactly at scale 1.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.contract.tables import TABLES

from .demo import DIS_TYPES, LIVING, NURSING, REASONS, RISK, World
from .model import Dataset, finalize
from .population import draw_sizes, make_members, make_persons, random_dates
from .presets import ReportPreset
from .seeds import build_seeds

COVERED_SIZES = {1: 0.47, 2: 0.31, 3: 0.13, 4: 0.06, 5: 0.02, 6: 0.01}


def _exact_sum(rng, values: np.ndarray, target: int, lo: int, hi: int) -> np.ndarray:
    """Nudge integer values by ±1 (within [lo, hi]) until they sum to target."""
    values = values.copy()
    for _ in range(100):
        diff = int(target - values.sum())
        if diff == 0:
            return values
        ok = np.flatnonzero(values < hi) if diff > 0 else np.flatnonzero(values > lo)
        k = min(abs(diff), len(ok))
        idx = rng.choice(ok, k, replace=False)
        values[idx] += 1 if diff > 0 else -1
    raise RuntimeError("cannot reach the target sum")


def _pick_exact(rng, weights: np.ndarray, target: int, eligible: np.ndarray) -> np.ndarray:
    """Indices (of `eligible` rows) whose weights sum exactly to target: a random prefix, then
    households of weight 1 for the remainder."""
    order = rng.permutation(eligible)
    cs = np.cumsum(weights[order])
    k = int(np.searchsorted(cs, target, side="right"))
    k = max(0, k - 50)  # leave room to finish with weight-1 households
    chosen = order[:k]
    rest = target - int(cs[k - 1] if k else 0)
    ones = order[k:][weights[order[k:]] == 1]
    if len(ones) < rest:
        raise RuntimeError("not enough single households to reach the target")
    return np.sort(np.concatenate([chosen, ones[:rest]]))


def build_report(cfg: ReportPreset, rng: np.random.Generator, scale: float, progress) -> Dataset:
    S = lambda x: max(1, int(round(x * scale)))  # noqa: E731
    say = progress or (lambda _m: None)
    period = cfg.period
    rural_total = S(cfg.rural_population)
    wts = np.array([0.10, 0.19, 0.15, 0.15, 0.21, 0.20])
    rural = np.floor(wts * rural_total).astype(np.int64)
    rural[-1] += rural_total - rural.sum()
    seeds = build_seeds(rng, all_rural=True, years=list(cfg.years), standards=cfg.standards, rural_totals=rural)
    end = (np.datetime64(period, "M") + 1).astype("datetime64[D]") - 1
    start = np.datetime64(period, "M").astype("datetime64[D]")
    w = World(rng, seeds, [period], str(end))
    std = cfg.standards["dibao_rural"] * 100
    tekun_basic = cfg.standards["tekun_basic"] * 100
    say("seeds built")

    def add(table, df):
        w.add(table, df.with_columns(period=pl.lit(period), _planted=pl.lit(False)))

    # ------------------------------------------------------------------ dibao: exact households and persons
    n = S(cfg.dibao_households)
    cov = _exact_sum(rng, draw_sizes(rng, n, COVERED_SIZES), S(cfg.dibao_persons), 1, 6)
    extra = (rng.random(n) < 0.08).astype(np.int64)
    n_stop = S(2400)
    cov_s = draw_sizes(rng, n_stop, COVERED_SIZES)
    cov_all = np.concatenate([cov, cov_s])
    extra_all = np.concatenate([extra, np.zeros(n_stop, dtype=np.int64)])
    N = n + n_stop
    sizes = cov_all + extra_all
    vil = w.pick_villages(N)
    head_age = np.where(rng.random(N) < 0.55, rng.uniform(60, 90, N), rng.uniform(25, 60, N))
    mem = make_members(rng, w.ids, sizes, head_age, vil["county6"].to_numpy(), str(end))
    hh = mem["hh"].to_numpy()
    pos = mem["pos"].to_numpy()
    covered = pos < cov_all[hh]
    active = np.arange(N) < n
    income = (std * rng.uniform(0.05, 0.85, N)).astype(np.int64) // 100 * 100
    benefit = (std - income) * cov_all
    approval = random_dates(rng, np.datetime64("2012-01-01"), end - 3, N)
    keys = w.hh_keys(N)
    hid = np.char.add(vil["region_code"].to_numpy().astype(str), np.char.zfill(keys.astype(str), 6))
    region_hh = vil["region_code"].to_numpy().astype(str)
    add(
        "dibao",
        pl.DataFrame(
            {
                "region_code": region_hh[hh],
                "household_id": hid[hh],
                "name": mem["name"],
                "person_id": mem["person_id"],
                "relation": mem["relation"],
                "is_covered": covered,
                "dibao_category": np.full(len(hh), "rural"),
                "household_size": cov_all[hh],
                "monthly_income_per_capita": income[hh],
                "monthly_benefit": benefit[hh],
                "approval_date": approval[hh],
                "status": np.where(active[hh], "active", "stopped"),
                "_hh": keys[hh],
                "_ord": mem["ord"],
            }
        ),
    )
    say(f"dibao: {n} households, {int(cov.sum())} covered persons")

    # ------------------------------------------------------------------ tekun: exact persons and care shares
    nt = S(cfg.tekun_persons)
    n_unable = S(cfg.tekun_unable)
    n_unable_c = int(round(n_unable * cfg.tekun_unable_centralized / cfg.tekun_unable))
    n_term = S(600)
    NT = nt + n_term
    tvil = w.pick_villages(NT)
    old = rng.random(NT) < 0.82
    tp = make_persons(
        rng,
        w.ids,
        np.where(old, rng.uniform(60, 96, NT), rng.uniform(18, 59, NT)),
        tvil["county6"].to_numpy(),
        str(end),
        male_p=0.62,
    )
    perm = rng.permutation(nt)
    unable = np.zeros(NT, dtype=bool)
    unable[perm[:n_unable]] = True
    central = np.zeros(NT, dtype=bool)
    central[perm[:n_unable_c]] = True
    able_idx = perm[n_unable:]
    central[able_idx[rng.random(len(able_idx)) < 0.22]] = True
    central[nt:] = rng.random(n_term) < 0.4
    unable[nt:] = rng.random(n_term) < 0.4
    sc = np.where(unable, np.where(rng.random(NT) < 0.45, "none", "partial"), "full")
    agree = central | (rng.random(NT) < np.where(sc == "none", 0.985, np.where(sc == "partial", 0.9, 0.3)))
    fee = (tekun_basic * np.select([sc == "none", sc == "partial"], [0.6, 0.35], 0.1)).astype(np.int64) // 100 * 100
    tkeys = w.hh_keys(NT)
    add(
        "tekun",
        pl.DataFrame(
            {
                "region_code": tvil["region_code"],
                "name": tp["name"],
                "person_id": tp["person_id"],
                "care_mode": np.where(central, "centralized", "dispersed"),
                "self_care": sc,
                "monthly_basic_living": np.full(NT, tekun_basic),
                "monthly_care_fee": fee,
                "has_care_agreement": agree,
                "recognition_date": random_dates(rng, np.datetime64("2010-01-01"), end - 3, NT),
                "status": np.where(np.arange(NT) < nt, "active", "terminated"),
                "_hh": tkeys,
                "_ord": np.zeros(NT),
            }
        ),
    )
    say(f"tekun: {nt} persons in care")

    # ------------------------------------------------------------------ monitoring: exact roster and overlaps
    d_pick = _pick_exact(rng, cov, S(cfg.monitoring_in_dibao), np.arange(n))
    t_pick = np.sort(rng.choice(nt, S(cfg.monitoring_in_tekun), replace=False))
    dm = mem.filter(pl.Series(np.isin(hh, d_pick)))
    remap = np.full(N, -1)
    remap[d_pick] = np.arange(len(d_pick))
    dm = dm.with_columns(hh=pl.Series(remap[dm["hh"].to_numpy()]))
    n_own_persons = S(cfg.monitoring_persons) - len(dm) - len(t_pick)
    own_sizes = draw_sizes(rng, max(1, n_own_persons // 3), {1: 0.15, 2: 0.25, 3: 0.25, 4: 0.22, 5: 0.13})
    own_sizes = _exact_sum(rng, own_sizes, n_own_persons, 1, 6)
    ovil = w.pick_villages(len(own_sizes))
    om = make_members(rng, w.ids, own_sizes, rng.uniform(30, 75, len(own_sizes)), ovil["county6"].to_numpy(), str(end))
    kd, kt, ko = len(d_pick), len(t_pick), len(own_sizes)
    tm = tp[t_pick].with_columns(
        hh=pl.Series(np.arange(kt) + kd), pos=pl.lit(0), ord=pl.lit(0.0), relation=pl.lit("head")
    )
    cols = ["hh", "ord", "relation", "person_id", "name"]
    mm = pl.concat(
        [dm.select(cols), tm.select(cols), om.with_columns(hh=pl.col("hh") + kd + kt).select(cols)],
        how="vertical_relaxed",
    )
    M = kd + kt + ko
    mregion = np.concatenate(
        [region_hh[d_pick], tvil["region_code"].to_numpy()[t_pick], ovil["region_code"].to_numpy()]
    ).astype(str)
    low = np.arange(M) < kd + kt
    mtype = rng.choice(np.array(["unstable_lifted", "edge_vulnerable", "sudden_hardship"]), M, p=[0.48, 0.42, 0.10])
    ident = random_dates(rng, np.datetime64("2020-06-01"), end - 40, M)
    fresh = (mtype == "sudden_hardship") & (rng.random(M) < 0.15)  # identified this month: paid (no W04)
    ident = np.where(fresh, random_dates(rng, start, end - 2, M), ident)
    elim = (rng.random(M) < 0.35) & ~fresh
    elim_date = ident + ((end - 5 - ident).astype(np.int64) * rng.random(M)).astype(np.int64)
    minc = np.where(low, rng.uniform(3000, 7800, M), rng.uniform(9000, 30000, M))
    minc = (minc * 100).astype(np.int64) // 100 * 100
    mkeys = w.hh_keys(M)
    mhid = np.char.add(np.char.add(np.array([r[:9] for r in mregion]), "M"), np.char.zfill(mkeys.astype(str), 6))
    names = pl.DataFrame({"region_code": mregion}).join(
        w.vil.select("region_code", "county_name", "township_name", "village_name"), on="region_code", how="left"
    )
    mh = mm["hh"].to_numpy()
    add(
        "monitoring",
        pl.DataFrame(
            {
                "county_name": names["county_name"].to_numpy()[mh],
                "township_name": names["township_name"].to_numpy()[mh],
                "village_name": names["village_name"].to_numpy()[mh],
                "household_id": mhid[mh],
                "name": mm["name"],
                "person_id": mm["person_id"],
                "relation": mm["relation"],
                "monitoring_type": mtype[mh],
                "risk_cause": rng.choice(np.array(RISK[0]), M, p=RISK[1])[mh],
                "identified_date": ident[mh],
                "risk_eliminated": elim[mh],
                "eliminated_date": np.where(elim, elim_date, np.datetime64("NaT"))[mh],
                "annual_income_per_capita": minc[mh],
                "region_code": mregion[mh],
                "_hh": mkeys[mh],
                "_ord": mm["ord"],
            }
        ),
    )
    say(f"monitoring: {len(mm)} persons in {M} households")

    # ------------------------------------------------------------------ cards and the two subsidies
    act_members = np.flatnonzero(active[hh] & (mem["age"].to_numpy() >= 4))
    L = rng.choice(act_members, S(cfg.living_subsidy_persons), replace=False)
    gL = rng.choice([1, 2, 3, 4], len(L), p=[0.18, 0.27, 0.28, 0.27])
    n_nurse_other = S(cfg.nursing_subsidy_persons) - int((gL <= 2).sum())
    t_dis = rng.choice(nt, min(nt // 3, n_nurse_other // 3), replace=False)  # disabled tekun persons
    n_gen = n_nurse_other - len(t_dis)
    n_plain = S(16000)  # grade 3-4 card holders in no programme: paid nothing
    gvil = w.pick_villages(n_gen + n_plain)
    gp = make_persons(rng, w.ids, rng.uniform(6, 88, n_gen + n_plain), gvil["county6"].to_numpy(), str(end))
    holders = pl.concat(
        [
            pl.DataFrame(
                {
                    "person_id": mem["person_id"].to_numpy()[L],
                    "name": mem["name"].to_numpy()[L],
                    "region_code": region_hh[hh[L]],
                    "grade": gL,
                    "living": True,
                }
            ),
            pl.DataFrame(
                {
                    "person_id": tp["person_id"].to_numpy()[t_dis],
                    "name": tp["name"].to_numpy()[t_dis],
                    "region_code": tvil["region_code"].to_numpy()[t_dis],
                    "grade": rng.choice([1, 2], len(t_dis)),
                    "living": False,
                }
            ),
            pl.DataFrame(
                {
                    "person_id": gp["person_id"],
                    "name": gp["name"],
                    "region_code": gvil["region_code"],
                    "grade": np.concatenate([rng.choice([1, 2], n_gen), rng.choice([3, 4], n_plain)]),
                    "living": False,
                }
            ),
        ],
        how="vertical_relaxed",
    )
    C = len(holders)
    grade = holders["grade"].to_numpy().astype(np.int64)
    ti = rng.choice(len(DIS_TYPES[0]), C, p=DIS_TYPES[1])
    pid = holders["person_id"].to_numpy().astype(str)
    card_no = np.char.add(np.char.add(pid, (ti + 1).astype(str)), grade.astype(str))
    ckeys = w.hh_keys(C)
    add(
        "disability_cards",
        pl.DataFrame(
            {
                "region_code": holders["region_code"],
                "name": holders["name"],
                "disability_card_no": card_no,
                "disability_type": np.array(DIS_TYPES[0])[ti],
                "disability_grade": grade,
                "issue_date": random_dates(rng, np.datetime64("2010-01-01"), end - 3, C),
                "card_status": np.full(C, "valid"),
                "person_id": pid,
                "_hh": ckeys,
                "_ord": np.zeros(C),
            }
        ),
    )
    living = holders["living"].to_numpy()
    nursing = grade <= 2
    yyyymm = period.replace("-", "")
    sub = pl.concat(
        [
            holders.filter(pl.Series(living)).with_columns(
                subsidy_type=pl.lit("living_subsidy"),
                amount=pl.when(pl.col("grade") <= 2).then(LIVING[1]).otherwise(LIVING[3]),
            ),
            holders.filter(pl.Series(nursing)).with_columns(
                subsidy_type=pl.lit("nursing_subsidy"),
                amount=pl.when(pl.col("grade") == 1).then(NURSING[1]).otherwise(NURSING[2]),
            ),
        ]
    ).sort("region_code", maintain_order=True)
    sub = sub.with_columns(
        payment_month=pl.lit(period),
        payment_reference=pl.format(
            "BT{}{}", pl.lit(yyyymm), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)
        ),
        _hh=pl.Series(w.hh_keys(len(sub))),
        _ord=pl.lit(0.0),
    ).drop("grade", "living")
    add("disability_subsidies", sub)
    say(f"disability: {C} cards, {len(sub)} subsidy payments")

    # ------------------------------------------------------------------ near-dibao register and temporary assistance
    nn = S(6000)
    nvil = w.pick_villages(nn)
    nsizes = draw_sizes(rng, nn, {1: 0.15, 2: 0.30, 3: 0.28, 4: 0.18, 5: 0.09})
    nm = make_members(rng, w.ids, nsizes, rng.uniform(30, 75, nn), nvil["county6"].to_numpy(), str(end))
    nh = nm["hh"].to_numpy()
    hard = rng.random(nn) < 0.2
    ninc = (std * rng.uniform(1.02, 1.48, nn) * np.where(hard, 1.3, 1.0)).astype(np.int64) // 100 * 100 + 100
    nkeys = w.hh_keys(nn)
    nreg = nvil["region_code"].to_numpy().astype(str)
    add(
        "near_dibao",
        pl.DataFrame(
            {
                "region_code": nreg[nh],
                "household_id": np.char.add(np.char.add(nreg, "B"), np.char.zfill(nkeys.astype(str), 6))[nh],
                "name": nm["name"],
                "person_id": nm["person_id"],
                "relation": nm["relation"],
                "family_type": np.where(hard, "expenditure_hardship", "near_dibao")[nh],
                "monthly_income_per_capita": ninc[nh],
                "recognition_date": random_dates(rng, np.datetime64("2019-01-01"), end - 3, nn)[nh],
                "_hh": nkeys[nh],
                "_ord": nm["ord"],
            }
        ),
    )
    # temporary assistance: every sudden-hardship household identified within 30 days is paid on or after d
    recent = np.flatnonzero((mtype == "sudden_hardship") & ~elim & (ident >= start))
    heads = mm.with_row_index("i").group_by("hh").agg(pl.col("i").first()).sort("hh")["i"].to_numpy()
    k = S(2500)
    ridx = rng.choice(len(hh), k, replace=False)
    t_dates = np.concatenate(
        [np.minimum(ident[recent] + rng.integers(0, 5, len(recent)), end), random_dates(rng, start, end, k)]
    )
    tdf = pl.DataFrame(
        {
            "region_code": np.concatenate([mregion[recent], region_hh[hh[ridx]]]),
            "name": np.concatenate([mm["name"].to_numpy()[heads[recent]], mem["name"].to_numpy()[ridx]]),
            "person_id": np.concatenate([mm["person_id"].to_numpy()[heads[recent]], mem["person_id"].to_numpy()[ridx]]),
            "assistance_type": np.concatenate(
                [np.full(len(recent), "emergency"), rng.choice(np.array(["emergency", "expenditure"]), k, p=[0.4, 0.6])]
            ),
            "amount": rng.integers(5, 60, len(recent) + k) * 10000,
            "payment_date": t_dates,
            "reason": rng.choice(REASONS, len(recent) + k),
        }
    ).sort("region_code", maintain_order=True)
    tdf = tdf.with_columns(
        payment_reference=pl.format(
            "LS{}{}{}",
            pl.col("region_code").str.slice(0, 6),
            pl.lit(yyyymm),
            pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6),
        ),
        _hh=pl.Series(w.hh_keys(len(tdf))),
        _ord=pl.lit(0.0),
    )
    add("temporary_assistance", tdf)
    say("near-dibao register and temporary assistance built")
    from .report_planted import plant_report

    plant_report(w, rng, std, period)
    say("planted cases added")
    records = {t: finalize(t, w.frames.get(t, [])) for t in TABLES}
    say("records assembled")
    return Dataset(periods=[period], seeds=seeds, records=records, exact_kpis=True)
