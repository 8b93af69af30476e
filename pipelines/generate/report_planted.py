"""Planted cases of the `report-2021` preset: rules that can fire within one period, planted so that
none of the published counts moves (no new dibao, tekun or monitoring person, no new subsidy
recipient). W06 and W07 need an earlier period and W05 fires in the background, so they are not planted.
"""

from __future__ import annotations

import numpy as np
import polars as pl

PL = pl.col("_planted")


def _d(x):
    return np.datetime64(x, "D").astype(object)


def _one(w, table: str) -> pl.DataFrame:
    frames = w.frames[table]
    df = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    return df


def _set(w, table: str, df: pl.DataFrame):
    w.frames[table] = [df]


def _mark(df: pl.DataFrame, mask: pl.Expr, **values) -> pl.DataFrame:
    """Set columns to values where mask holds, and mark those rows planted."""
    exprs = [pl.when(mask).then(pl.lit(v)).otherwise(pl.col(k)).alias(k) for k, v in values.items()]
    return df.with_columns(*exprs, pl.when(mask).then(True).otherwise(PL).alias("_planted"))


def plant_report(w, rng: np.random.Generator, std: int, period: str):
    end = w.ends[0]
    start = np.datetime64(period, "M").astype("datetime64[D]")
    d = _one(w, "dibao")
    m = _one(w, "monitoring")
    t = _one(w, "tekun")
    c = _one(w, "disability_cards")
    s = _one(w, "disability_subsidies")
    nd = _one(w, "near_dibao")
    ta = _one(w, "temporary_assistance")
    in_mon = m["person_id"].implode()
    living = s.filter(pl.col("subsidy_type") == "living_subsidy")["person_id"]
    carded = c["person_id"].implode()

    # V04: benefit one cent (near-miss) and two cents (fires) above standard × size
    act_hh = (
        d.filter(pl.col("status") == "active")
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("household_size").first())
    )
    hh = act_hh["household_id"].to_numpy()[rng.choice(len(act_hh), 6, replace=False)]
    for i, h in enumerate(hh):
        size = int(act_hh.filter(pl.col("household_id") == h)["household_size"].item())
        d = _mark(
            d,
            pl.col("household_id") == h,
            monthly_income_per_capita=0,
            monthly_benefit=std * size + (1 if i < 2 else 2),
        )

    # V02: a covered person of one county is also a (not covered) member of an active household elsewhere
    covered = d.filter(
        pl.col("is_covered")
        & (pl.col("status") == "active")
        & ~pl.col("household_id").is_in(hh)
        & ~pl.col("person_id").is_in(in_mon)
    )
    for _ in range(3):
        a = covered.row(int(rng.integers(len(covered))), named=True)
        other = d.filter(
            (pl.col("status") == "active") & (pl.col("region_code").str.slice(0, 6) != a["region_code"][:6])
        )
        o = other.row(int(rng.integers(len(other))), named=True)
        row = dict(o)
        row.update(
            name=a["name"], person_id=a["person_id"], relation="other", is_covered=False, _planted=True, _ord=99.0
        )
        d = pl.concat([d, pl.DataFrame([row], schema=d.schema)])
        d = _mark(d, pl.col("household_id").is_in([o["household_id"], a["household_id"]]))

    # V01: a tekun person (full self-care, not carded, not monitored) is replaced by a covered dibao person
    cand_t = t.filter(
        (pl.col("status") == "active")
        & (pl.col("self_care") == "full")
        & ~pl.col("person_id").is_in(in_mon)
        & ~pl.col("person_id").is_in(carded)
    )
    cand_d = covered.filter(~pl.col("person_id").is_in(carded) & ~pl.col("person_id").is_in(t["person_id"].implode()))
    for _ in range(3):
        tp = cand_t.row(int(rng.integers(len(cand_t))), named=True)["person_id"]
        dp = cand_d.row(int(rng.integers(len(cand_d))), named=True)
        t = _mark(t, pl.col("person_id") == tp, person_id=dp["person_id"], name=dp["name"])
        d = _mark(d, pl.col("household_id") == dp["household_id"])
        cand_d = cand_d.filter(pl.col("household_id") != dp["household_id"])

    # W03: a dibao member with a valid card and no living subsidy (not a subsidy recipient: counts stay)
    members = d.filter(
        (pl.col("status") == "active")
        & ~pl.col("person_id").is_in(carded)
        & ~pl.col("person_id").is_in(t["person_id"].implode())
        & ~PL
    )
    new_cards = []
    for i in range(3):
        r = members.row(int(rng.integers(len(members))), named=True)
        new_cards.append(
            dict(
                region_code=r["region_code"],
                name=r["name"],
                disability_card_no=f"{r['person_id']}43",
                disability_type="physical",
                disability_grade=3,
                issue_date=_d(end - 200 - i),
                card_status="valid",
                person_id=r["person_id"],
            )
        )
    # W02: grade 1 valid cards of people in no programme, without the nursing subsidy; a cancelled one
    plain = c.filter((pl.col("disability_grade") >= 3) & ~pl.col("person_id").is_in(living.implode()))
    pids = plain["person_id"].to_numpy()[rng.choice(len(plain), 3, replace=False)]
    for i, p in enumerate(pids):
        c = _mark(
            c,
            pl.col("person_id") == p,
            disability_grade=1 if i < 2 else 2,
            disability_card_no=f"{p}41" if i < 2 else f"{p}42",
            card_status="valid" if i < 2 else "cancelled",
        )
    if new_cards:
        extra = pl.DataFrame(new_cards).with_columns(
            period=pl.lit(period), _planted=pl.lit(True), _hh=pl.lit(10**9), _ord=pl.lit(0.0)
        )
        c = pl.concat([c, extra], how="diagonal_relaxed")

    # V03: a living-subsidy recipient paid twice in the month (different references)
    twice = s.filter(pl.col("subsidy_type") == "living_subsidy")
    rows = twice[rng.choice(len(twice), 3, replace=False)]
    rows = rows.with_columns(
        payment_reference=pl.format(
            "BT{}9{}", pl.lit(period.replace("-", "")), pl.int_range(1, 4).cast(pl.String).str.zfill(6)
        ),
        _planted=pl.lit(True),
    )
    s = _mark(s, pl.col("person_id").is_in(rows["person_id"].implode()))
    s = pl.concat([s, rows])

    # W08: registered households one cent under the standard (fires) and at it (near-miss)
    nh = nd.group_by("household_id", maintain_order=True).len()["household_id"].to_numpy()
    for i, h in enumerate(nh[rng.choice(len(nh), 5, replace=False)]):
        nd = _mark(nd, pl.col("household_id") == h, monthly_income_per_capita=std - 1 if i < 3 else std)

    # W01 and W04 on monitored households of people in no programme
    covered_ids = pl.concat(
        [d.filter(pl.col("status") == "active")["person_id"], t.filter(pl.col("status") == "active")["person_id"]]
    ).implode()
    mh = (
        m.with_columns(pl.col("person_id").is_in(covered_ids).alias("cov"))
        .group_by("household_id", maintain_order=True)
        .agg(pl.col("cov").any())
        .filter(~pl.col("cov"))
    )
    pick = mh["household_id"].to_numpy()[rng.choice(len(mh), 9, replace=False)]
    for i, h in enumerate(pick[:5]):  # W01: monthly income one cent under / at the rural standard
        m = _mark(
            m,
            pl.col("household_id") == h,
            risk_eliminated=False,
            annual_income_per_capita=12 * std - (1 if i < 3 else 0),
            monitoring_type="edge_vulnerable",
        )
        m = m.with_columns(
            pl.when(pl.col("household_id") == h)
            .then(None)
            .otherwise(pl.col("eliminated_date"))
            .alias("eliminated_date")
        )
    for i, h in enumerate(pick[5:]):  # W04: identified 29, 30 (fire) and 31 (near-miss) days before the end
        days = [29, 30, 31, 10][i]
        m = _mark(
            m,
            pl.col("household_id") == h,
            risk_eliminated=False,
            monitoring_type="sudden_hardship",
            identified_date=_d(end - days),
        )
        m = m.with_columns(
            pl.when(pl.col("household_id") == h)
            .then(None)
            .otherwise(pl.col("eliminated_date"))
            .alias("eliminated_date")
        )
        if days == 10:  # near-miss: paid the day of identification
            head = m.filter(pl.col("household_id") == h).row(0, named=True)
            ta = pl.concat(
                [
                    ta,
                    pl.DataFrame(
                        [
                            dict(
                                region_code=head["region_code"],
                                name=head["name"],
                                person_id=head["person_id"],
                                assistance_type="emergency",
                                amount=200000,
                                payment_date=_d(end - days),
                                reason="突发严重困难",
                                payment_reference=f"LS{head['region_code'][:6]}{period.replace('-', '')}9001",
                                period=period,
                                _planted=True,
                                _hh=10**9 + 1,
                                _ord=0.0,
                            )
                        ]
                    ),
                ],
                how="diagonal_relaxed",
            )
    assert start <= end - 29
    for name, df in (
        ("dibao", d),
        ("monitoring", m),
        ("tekun", t),
        ("disability_cards", c),
        ("disability_subsidies", s),
        ("near_dibao", nd),
        ("temporary_assistance", ta),
    ):
        _set(w, name, df)
