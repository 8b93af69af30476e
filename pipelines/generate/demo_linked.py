"""The demo city month by month: the tables linked to the programmes — the monitoring roster (whose
households partly are dibao households or tekun persons), disability cards with the two subsidies, and
temporary assistance payments."""

from __future__ import annotations

import numpy as np
import polars as pl

from .demo import DIS_TYPES, GRADES, LIVING, MON_SIZES, NURSING, REASONS, RISK, World, isin
from .population import NEVER, draw_sizes, make_members, make_persons, random_dates
from .presets import DemoPreset


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
    tm = t["ppl"][pick_t].with_columns(
        hh=pl.Series(np.arange(k_t) + k_d), pos=pl.lit(0), ord=pl.lit(0.0), relation=pl.lit("head")
    )
    om = own.with_columns(hh=pl.col("hh") + k_d + k_t)
    cols = ["hh", "pos", "ord", "relation", "person_id", "name", "male", "birth"]
    mem = pl.concat([dm.select(cols), tm.select(cols), om.select(cols)], how="vertical_relaxed")
    n = k_d + k_t + n_own
    region = np.concatenate(
        [
            d["vil"]["region_code"].to_numpy()[pick_d],
            t["vil"]["region_code"].to_numpy()[pick_t],
            vil["region_code"].to_numpy(),
        ]
    ).astype(str)
    s = np.full(n, -1)
    s[k_d + k_t + n_own0 :] = rng.integers(1, max(2, P), n - (k_d + k_t + n_own0))
    covered = np.zeros(n, dtype=bool)
    covered[: k_d + k_t] = True
    mtype = rng.choice(np.array(["unstable_lifted", "edge_vulnerable", "sudden_hardship"]), n, p=[0.45, 0.40, 0.15])
    mtype[s >= 0] = rng.choice(np.array(["edge_vulnerable", "sudden_hardship"]), int((s >= 0).sum()), p=[0.5, 0.5])
    cause = rng.choice(np.array(RISK[0]), n, p=RISK[1])
    first = np.datetime64(w.periods[0]).astype("datetime64[D]")
    ident = np.where(
        s < 0,
        random_dates(
            rng,
            np.where(mtype == "sudden_hardship", np.datetime64("2024-01-01"), np.datetime64("2021-06-01")),
            first - 40,
            n,
        ),
        np.array(w.ends)[np.maximum(s, 0)] - rng.integers(0, 27, n),
    )
    # elimination: before the window for part of the initial ones; then a monthly hazard
    elim0 = (s < 0) & (rng.random(n) < 0.5)
    elim_p = np.where(elim0, -1, np.where(rng.random(n) < 0.03 * P, rng.integers(0, P, n), NEVER))
    elim_p = np.where((elim_p >= 0) & (elim_p <= s), NEVER, elim_p)
    # a few households whose risk returns after it was eliminated (W06 in the background)
    ret_from = np.maximum(elim_p, 0) + 1
    ret_p = np.where(
        (elim_p < NEVER) & (rng.random(n) < 0.05) & (ret_from < P),
        ret_from + (rng.random(n) * np.maximum(P - ret_from, 1)).astype(np.int64),
        NEVER,
    )
    elim_date = np.where(
        elim_p < 0,
        ident + ((first - 1 - ident).astype(np.int64) * rng.random(n)).astype(np.int64),
        np.array(w.ends + [w.ends[-1]])[np.clip(elim_p, 0, P)] - rng.integers(0, 25, n),
    )
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
        df = pl.DataFrame(
            {
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
                "_hh": keys[h],
                "_ord": mem["ord"].to_numpy()[mv],
            }
        )
        w.add("monitoring", df.with_columns(period=pl.lit(w.periods[p]), _planted=pl.lit(False)))


def build_disability(w: World, cfg: DemoPreset, scale: float, state: dict):
    rng = w.rng
    P = len(w.periods)
    d = state["dibao"]
    t = state["tekun"]
    dm = d["mem"].with_columns(region_code=pl.Series(d["vil"]["region_code"].to_numpy()[d["mem"]["hh"].to_numpy()]))
    dmask = d["disabled"] & (dm["age"].to_numpy() >= 3)
    holders = [
        dm.filter(pl.Series(dmask)).select("person_id", "name", "birth", "region_code").with_columns(src=pl.lit(0))
    ]
    tmask = t["disabled"]
    holders.append(
        t["ppl"]
        .filter(pl.Series(tmask))
        .with_columns(region_code=pl.Series(t["vil"]["region_code"].to_numpy()[tmask]))
        .select("person_id", "name", "birth", "region_code")
        .with_columns(src=pl.lit(1))
    )
    k = max(1, int(round(cfg.other_card_holders * scale)))
    vil = w.pick_villages(k)
    others = make_persons(rng, w.ids, rng.uniform(5, 85, k), vil["county6"].to_numpy(), w.ref)
    holders.append(
        others.with_columns(region_code=vil["region_code"])
        .select("person_id", "name", "birth", "region_code")
        .with_columns(src=pl.lit(2))
    )
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
        df = pl.DataFrame(
            {
                "region_code": region[vis],
                "name": cards["name"].to_numpy()[vis],
                "disability_card_no": card_no[vis],
                "disability_type": dtype[vis],
                "disability_grade": grade[vis],
                "issue_date": issue[vis],
                "card_status": np.where(valid[vis], "valid", "cancelled"),
                "person_id": pid[vis],
                "_hh": w.hh_keys(int(vis.sum())),
                "_ord": np.zeros(int(vis.sum())),
            }
        )
        w.add("disability_cards", df.with_columns(period=pl.lit(per), _planted=pl.lit(False)))
        members = pl.concat(
            [
                f.filter((pl.col("period") == per) & (pl.col("status") == "active")).select("person_id")
                for f in w.frames["dibao"]
            ]
        )["person_id"].to_numpy()
        tek = pl.concat(
            [
                f.filter((pl.col("period") == per) & (pl.col("status") == "active")).select("person_id")
                for f in w.frames["tekun"]
            ]
        )["person_id"].to_numpy()
        ok = vis & valid
        liv = ok & isin(pid, members) & ~isin(pid, tek)
        nur = ok & (grade <= 2) & (rng.random(n) > 0.004)
        yyyymm = per.replace("-", "")
        rows = []
        for mask, typ, amt in (
            (liv, "living_subsidy", np.where(grade <= 2, LIVING[1], LIVING[3])),
            (nur, "nursing_subsidy", np.where(grade == 1, NURSING[1], NURSING[2])),
        ):
            rows.append(
                pl.DataFrame(
                    {
                        "region_code": region[mask],
                        "name": cards["name"].to_numpy()[mask],
                        "person_id": pid[mask],
                        "subsidy_type": np.full(int(mask.sum()), typ),
                        "payment_month": np.full(int(mask.sum()), per),
                        "amount": amt[mask],
                    }
                )
            )
        sub = pl.concat(rows).sort("region_code", maintain_order=True)
        sub = sub.with_columns(
            payment_reference=pl.format("BT{}{}", pl.lit(yyyymm), w.numbers().cast(pl.String).str.zfill(6)),
            _hh=pl.Series(w.hh_keys(len(sub))),
            _ord=pl.lit(0.0),
        )
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
    pool_ids = np.concatenate(
        [state["dibao"]["mem"]["person_id"].to_numpy(), state["near_dibao"]["mem"]["person_id"].to_numpy()]
    ).astype(str)
    pool_names = np.concatenate(
        [state["dibao"]["mem"]["name"].to_numpy(), state["near_dibao"]["mem"]["name"].to_numpy()]
    ).astype(str)
    d = state["dibao"]
    nd = state["near_dibao"]
    pool_region = np.concatenate(
        [
            d["vil"]["region_code"].to_numpy()[d["mem"]["hh"].to_numpy()],
            nd["vil"]["region_code"].to_numpy()[nd["mem"]["hh"].to_numpy()],
        ]
    ).astype(str)
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
        df = pl.DataFrame(
            {
                "region_code": np.concatenate([m["region"][hh], pool_region[r]]),
                "name": np.concatenate([mem["name"].to_numpy()[i], pool_names[r]]),
                "person_id": np.concatenate([mem["person_id"].to_numpy()[i], pool_ids[r]]),
                "assistance_type": np.concatenate(
                    [np.full(n1, "emergency"), rng.choice(np.array(["emergency", "expenditure"]), k, p=[0.4, 0.6])]
                ),
                "amount": amount,
                "payment_date": np.concatenate([pay_date[sel], random_dates(rng, start, w.ends[p], k)]),
                "reason": np.concatenate([rng.choice(REASONS[:7], n1), rng.choice(REASONS, k)]),
            }
        ).sort("region_code", maintain_order=True)
        yyyymm = per.replace("-", "")
        df = df.with_columns(
            payment_reference=pl.format(
                "LS{}{}{}",
                pl.col("region_code").str.slice(0, 6),
                pl.lit(yyyymm),
                w.numbers().cast(pl.String).str.zfill(5),
            ),
            _hh=pl.Series(w.hh_keys(len(df))),
            _ord=pl.lit(0.0),
        )
        w.add("temporary_assistance", df.with_columns(period=pl.lit(per), _planted=pl.lit(False)))
