"""Building blocks of the population: villages, households with their members, spells over periods.

Everything is vectorised with numpy/polars; callers draw household-level attributes as arrays.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .ids import IdFactory
from .names import SURNAME_P, SURNAMES, make_names
from .seeds import population_frame

NEVER = 10**6


def villages(regions: pl.DataFrame) -> pl.DataFrame:
    """One row per village: codes and the three names the monitoring extract carries."""
    r = regions.select("region_code", "name", "level", "parent_code", "urban_rural")
    v = r.filter(pl.col("level") == "village")
    t = r.filter(pl.col("level") == "township").select(
        pl.col("region_code").alias("township_code"),
        pl.col("name").alias("township_name"),
        pl.col("parent_code").alias("county_code"),
    )
    c = r.filter(pl.col("level") == "county").select(
        pl.col("region_code").alias("county_code"), pl.col("name").alias("county_name")
    )
    return (
        v.select(
            "region_code",
            pl.col("name").alias("village_name"),
            pl.col("parent_code").alias("township_code"),
            (pl.col("urban_rural") == "urban").alias("urban"),
        )
        .join(t, on="township_code", how="left")
        .join(c, on="county_code", how="left")
        .with_columns(pl.col("region_code").str.slice(0, 6).cast(pl.Int64).alias("county6"))
        .sort("region_code")
    )


def member_index(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(household index, position within household) for every member."""
    sizes = np.asarray(sizes, dtype=np.int64)
    hh = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.cumsum(sizes) - sizes
    pos = np.arange(sizes.sum()) - np.repeat(starts, sizes)
    return hh, pos


def draw_sizes(rng: np.random.Generator, n: int, probs: dict[int, float]) -> np.ndarray:
    k = np.array(list(probs), dtype=np.int64)
    p = np.array(list(probs.values()), dtype=float)
    return rng.choice(k, n, p=p / p.sum())


def make_members(
    rng: np.random.Generator,
    ids: IdFactory,
    sizes: np.ndarray,
    head_age: np.ndarray,
    county6: np.ndarray,
    ref_date: str,
    head_male_p: float = 0.72,
    head_not_first_p: float = 0.08,
) -> pl.DataFrame:
    """Members of households: hh, pos, ord (row order in the files), relation, person_id, name, male, birth.

    Relations and ages follow the head's age; children carry the head's surname.
    """
    n = len(sizes)
    hh, pos = member_index(sizes)
    m = len(hh)
    ha = np.asarray(head_age, dtype=float)[hh]
    r = rng.random(m)
    rel = np.full(m, "child", dtype=object)
    rel[pos == 0] = "head"
    p1 = pos == 1
    rel[p1 & (r < 0.72) & (ha >= 22)] = "spouse"
    rel[p1 & (r >= 0.95) & (ha < 55)] = "parent"
    p2 = pos >= 2
    rel[p2 & (r >= 0.75) & (r < 0.87) & (ha >= 55)] = "grandchild"
    rel[p2 & (r >= 0.75) & (r < 0.85) & (ha < 55)] = "parent"
    rel[p2 & (r >= 0.92) & (r < 0.97)] = "sibling"
    rel[p2 & (r >= 0.97)] = "other"
    # at most two parents, one spouse: extra ones become children
    u = rng.random(m)
    age = np.where(rel == "head", ha, 0.0)
    age = np.where(rel == "spouse", np.clip(ha + rng.normal(-2, 4, m), 20, 96), age)
    age = np.where(rel == "child", np.maximum(ha - 20 - 18 * u, 3 * u), age)
    age = np.where(rel == "parent", np.clip(ha + 22 + 10 * u, 0, 98), age)
    age = np.where(rel == "grandchild", np.maximum(ha - 45 - 15 * u, 2 * u), age)
    age = np.where(rel == "sibling", np.clip(ha + rng.normal(0, 5, m), 1, 95), age)
    age = np.where(rel == "other", 80 * u, age)
    head_male = rng.random(n) < head_male_p
    male = rng.random(m) < 0.5
    male = np.where(rel == "head", head_male[hh], male)
    male = np.where(rel == "spouse", ~head_male[hh], male)
    head_surname = rng.choice(SURNAMES, n, p=SURNAME_P)
    sur = rng.choice(SURNAMES, m, p=SURNAME_P)
    same = (rel == "head") | np.isin(rel, ["child", "grandchild", "sibling"]) & (rng.random(m) < 0.9)
    same |= (rel == "parent") & male
    sur = np.where(same, head_surname[hh], sur)
    names = make_names(rng, male, sur)
    ref = np.datetime64(ref_date, "D")
    birth = ref - (age * 365.25).astype(np.int64) - rng.integers(1, 360, m)
    pid = ids.make(np.asarray(county6)[hh], birth, male)
    # row order: the head first, except in a few households where the head is listed later
    ordk = pos.astype(float)
    late = (rng.random(n) < head_not_first_p)[hh] & (pos == 0) & (np.asarray(sizes)[hh] > 1)
    ordk[late] = np.asarray(sizes)[hh][late] - 0.5 - rng.random(late.sum())
    return pl.DataFrame(
        {
            "hh": hh,
            "pos": pos,
            "ord": ordk,
            "relation": rel.astype(str),
            "person_id": pid.astype(str),
            "name": names.astype(str),
            "male": male,
            "birth": birth.astype("datetime64[D]"),
            "age": age,
        }
    )


def make_persons(
    rng, ids: IdFactory, age: np.ndarray, county6: np.ndarray, ref_date: str, male_p: float = 0.5
) -> pl.DataFrame:
    """Single persons (no household): person_id, name, male, birth, age."""
    m = len(age)
    male = rng.random(m) < male_p
    names = make_names(rng, male)
    birth = np.datetime64(ref_date, "D") - (np.asarray(age) * 365.25).astype(np.int64) - rng.integers(1, 360, m)
    pid = ids.make(np.asarray(county6), birth, male)
    return pl.DataFrame(
        {
            "person_id": pid.astype(str),
            "name": names.astype(str),
            "male": male,
            "birth": birth.astype("datetime64[D]"),
            "age": np.asarray(age, dtype=float),
        }
    )


def spells(rng, n: int, n_periods: int, initial: int, hazard: float, linger: tuple[int, int] = (1, 2)):
    """Entry period `s` (-1: before the window), exit period `e` (first period shown as stopped,
    NEVER if not within the window) and `until` (first period no longer shown)."""
    s = np.full(n, -1, dtype=np.int64)
    if n > initial:
        s[initial:] = rng.integers(1, max(2, n_periods), n - initial)
    life = rng.geometric(hazard, n) if hazard > 0 else np.full(n, NEVER)
    e = np.maximum(s, 0) + life
    e = np.where(e >= n_periods, NEVER, e)
    until = np.where(e >= NEVER, NEVER, e + rng.integers(linger[0], linger[1] + 1, n))
    return s, e, until


def forward_fill_draws(rng, n: int, n_periods: int, change_p: float, draw) -> np.ndarray:
    """(n, n_periods) matrix: a value drawn at the start and re-drawn with probability change_p each period."""
    vals = draw(n * n_periods).reshape(n, n_periods)
    change = rng.random((n, n_periods)) < change_p
    change[:, 0] = True
    idx = np.where(change, np.arange(n_periods)[None, :], 0)
    idx = np.maximum.accumulate(idx, axis=1)
    return np.take_along_axis(vals, idx, axis=1)


def month_end(period: str) -> np.datetime64:
    return (np.datetime64(period, "M") + 1).astype("datetime64[D]") - 1


def random_dates(rng, start, end, n: int) -> np.ndarray:
    """Uniform dates in [start, end] (datetime64[D] scalars or arrays)."""
    start = np.asarray(start, dtype="datetime64[D]")
    end = np.asarray(end, dtype="datetime64[D]")
    span = (end - start).astype(np.int64) + 1
    return start + (rng.random(n) * span).astype(np.int64)


def sized_population(w, original: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The registered population (region_population) sized to the people of the dataset, so that 低保覆盖率
    comes out as a real city's (a few per cent) at any scale.

    Per township, from the covered persons of its active dibao rows in the last period: urban population =
    urban (城市低保) persons / an urban rate of 1.2–2.0 %, rural = rural persons / 3.5–5.5 % (a township
    without one kind gets a small share of the other). Counties are the sums of their townships. Earlier
    years keep the original seed's ratios to the latest year. Its own random stream (`seed`): nothing else
    of the dataset changes."""
    rng = np.random.default_rng([seed, 20263])
    last = w.periods[-1]
    rows = pl.concat(
        [
            f.filter((pl.col("period") == last) & (pl.col("status") == "active") & pl.col("is_covered")).select(
                "region_code", "person_id", "dibao_category"
            )
            for f in w.frames.get("dibao", [])
        ]
    ).unique(["region_code", "person_id"])
    counts = rows.group_by(pl.col("region_code").str.slice(0, 9).alias("t9"), "dibao_category").len()
    have = {(t, c): n for t, c, n in counts.rows()}
    towns = sorted({c[:9] for c in original["region_code"].to_list() if not c.endswith("000000")})
    has_urban = set(w.vil.filter(pl.col("urban"))["township_code"].str.slice(0, 9).to_list())
    urban_rate = rng.uniform(0.012, 0.020, len(towns))
    rural_rate = rng.uniform(0.035, 0.055, len(towns))
    latest: dict[str, tuple[int, int]] = {}  # township code -> (urban, rural) of the latest year
    for t, ru, rr in zip(towns, urban_rate, rural_rate):
        nu, nr = have.get((t, "urban"), 0), have.get((t, "rural"), 0)
        urban, rural = nu / ru, nr / rr
        if not nu:
            urban = (0.25 if t in has_urban else 0.05) * rural
        if not nr:
            rural = 0.08 * urban
        if not nu and not nr:
            urban, rural = (1 / ru, 1 / rr) if t in has_urban else (0.0, 1 / rr)
        latest[t] = (int(round(urban)), max(1, int(round(rural))))
    orig = {(r, y): (tot, rur) for r, y, tot, _, rur in original.rows()}
    last_year = int(original["year"].max())
    out: dict[tuple[str, int], list[int]] = {}
    for (code, year), (tot0, rur0) in orig.items():
        if code.endswith("000000"):
            continue
        t = code[:9]
        base_tot, base_rur = orig[(code, last_year)]
        urban, rural = latest[t]
        rur = int(round(rural * (rur0 / base_rur if base_rur else 1.0)))
        urb = int(round(urban * ((tot0 - rur0) / (base_tot - base_rur) if base_tot > base_rur else 1.0)))
        out[(code, year)] = [urb + rur, urb, rur]
        county = out.setdefault((f"{code[:6]}000000", year), [0, 0, 0])
        county[0] += urb + rur
        county[1] += urb
        county[2] += rur
    return population_frame([(code, year, *vals) for (code, year), vals in out.items()])
