"""The seeds of a generated dataset: regions, populations, standards and rule parameters.

Built from a `City` (cities.py): its real county-level codes; townships, villages and figures are
invented. The default is the demo city 泰安市.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl

from .cities import TAIAN, City

# The demo city's settings, kept as names for callers that read them.
PROVINCE = TAIAN.province
CITY = TAIAN.city
COUNTIES = tuple((c.code, c.name, c.urban_share) for c in TAIAN.counties)  # code, name, urban share
SEVERITY = {r: s.severity for r, s in TAIAN.rules.items()}
PARAMS = {r: s.params for r, s in TAIAN.rules.items() if s.params}
COLLIDING_BASE = TAIAN.colliding_base


def _regions(rng: np.random.Generator, city: City, all_rural: bool, n_towns: tuple[int, int], n_vils: tuple[int, int]):
    province, cty = city.province, city.city
    rows = [(province[0], province[1], "province", None, None), (cty[0], cty[1], "city", province[0], None)]
    for county in city.counties:
        cc, cname, urban_share = county.code, county.name, county.urban_share
        ccode = f"{cc}000000"
        rows.append((ccode, cname, "county", cty[0], None))
        nt = int(rng.integers(*n_towns))
        n_streets = max(1, int(round(nt * (0.6 if urban_share > 0.6 else 0.2))))
        used: set[str] = set()
        for t in range(nt):
            while True:
                base = str(rng.choice(city.town_first)) + str(rng.choice(city.town_second))
                if base not in used:
                    break
            used.add(base)
            suffix = "街道" if t < n_streets else ("乡" if rng.random() < 0.15 else "镇")
            tcode = f"{cc}{t + 1:03d}000"
            rows.append((tcode, base + suffix, "township", ccode, None))
            nv = int(rng.integers(*n_vils))
            n_comm = nv * 2 // 3 if suffix == "街道" else int(rng.integers(0, 3))
            vbases: set[str] = set()
            names = []
            if t == 0 or (suffix != "街道" and t == n_streets):  # the colliding pair, in every county
                vbases.add(city.colliding_base)
                names += [(city.colliding_base + "社区", "urban"), (city.colliding_base + "村", "rural")]
            while len(names) < nv:
                if len([n for n in names if n[0].endswith("社区")]) < n_comm:
                    b = str(rng.choice(city.communities))
                    kind = ("社区", "urban")
                else:
                    b = str(rng.choice(city.village_prefix)) + str(rng.choice(city.village_suffix))
                    kind = ("村", "rural")
                if b in vbases or b.endswith("村"):
                    continue
                vbases.add(b)
                names.append((b + kind[0], kind[1]))
            nc = nr = 0
            for name, ur in names:
                if name.endswith("社区"):
                    nc += 1
                    vcode = f"{cc}{t + 1:03d}{nc:03d}"
                else:
                    nr += 1
                    vcode = f"{cc}{t + 1:03d}{200 + nr:03d}"
                rows.append((vcode, name, "village", tcode, "rural" if all_rural else ur))
    return pl.DataFrame(
        rows, schema=["region_code", "name", "level", "parent_code", "urban_rural"], orient="row"
    ).with_columns(pl.col("parent_code").cast(pl.String), pl.col("urban_rural").cast(pl.String))


def _split(rng: np.random.Generator, total: int, k: int) -> np.ndarray:
    w = rng.dirichlet(np.full(k, 4.0))
    parts = np.floor(w * total).astype(np.int64)
    parts[-1] += total - parts.sum()
    return parts


def _population(
    rng, city: City, regions: pl.DataFrame, years: list[int], rural_totals: np.ndarray | None
) -> pl.DataFrame:
    """Per county and township per year. `rural_totals`: the counties' rural population in the last
    year (report preset), else drawn."""
    towns = regions.filter(pl.col("level") == "township")
    rows = []
    for ci, county in enumerate(city.counties):
        cc, urban_share = county.code, county.urban_share
        ccode = f"{cc}000000"
        tcodes = towns.filter(pl.col("parent_code") == ccode)["region_code"].to_list()
        if rural_totals is not None:
            rural = int(rural_totals[ci])
            total = int(round(rural / (1 - urban_share * 0.5)))
        else:
            total = int(rng.integers(550_000, 1_450_000))
            rural = int(round(total * (1 - urban_share)))
        wt = rng.dirichlet(np.full(len(tcodes), 4.0))
        for yi, year in enumerate(sorted(years, reverse=True)):  # back in time: slow decline of rural
            f = (1 + 0.002) ** yi
            tot_y = int(round(total / f * (1 + 0.004 * yi)))
            rur_y = int(round(rural * (1 + 0.008 * yi)))
            rur_y = min(rur_y, tot_y)
            rows.append((ccode, year, tot_y, tot_y - rur_y, rur_y))
            t_tot = np.floor(wt * tot_y).astype(np.int64)
            t_tot[-1] += tot_y - t_tot.sum()
            t_rur = np.floor(wt * rur_y).astype(np.int64)
            t_rur[-1] += rur_y - t_rur.sum()
            t_rur = np.minimum(t_rur, t_tot)
            for tc, a, r in zip(tcodes, t_tot, t_rur):
                rows.append((tc, year, int(a), int(a - r), int(r)))
    return population_frame(rows)


def population_frame(rows) -> pl.DataFrame:
    """The region_population seed from (region_code, year, total, urban, rural) rows."""
    schema = {
        "region_code": pl.String,
        "year": pl.Int32,
        "population_total": pl.Int64,
        "population_urban": pl.Int64,
        "population_rural": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("region_code", "year")


def _standards(rng, city: City, fixed: dict | None) -> pl.DataFrame:
    """Per county: the city's schedule of yearly raises (`StandardsSchedule`), or one fixed row (report
    preset)."""
    rows = []
    for county in city.counties:
        ccode = f"{county.code}000000"
        if fixed is not None:
            rows.append(
                (
                    ccode,
                    dt.date.fromisoformat(fixed["effective_from"]),
                    fixed["dibao_urban"],
                    fixed["dibao_rural"],
                    fixed["tekun_basic"],
                    "1.50",
                    fixed["relapse_income_line"],
                )
            )
            continue
        rows += [(ccode, *r) for r in city.standards.rows(rng, county.urban_share)]
    df = pl.DataFrame(
        rows,
        schema=[
            "county_code",
            "effective_from",
            "dibao_urban",
            "dibao_rural",
            "tekun_basic",
            "near_dibao_multiplier",
            "relapse_income_line",
        ],
        orient="row",
    )
    money = pl.Decimal(14, 2)
    return df.with_columns(
        pl.col("effective_from").cast(pl.Date),
        *(
            pl.col(c).cast(pl.Int64).cast(money)
            for c in ("dibao_urban", "dibao_rural", "tekun_basic", "relapse_income_line")
        ),
        pl.col("near_dibao_multiplier").cast(pl.Decimal(4, 2)),
    ).sort("county_code", "effective_from")


def warning_rules(city: City = TAIAN) -> pl.DataFrame:
    rules = city.rules
    return pl.DataFrame(
        {
            "rule_id": list(rules),
            "enabled": [r.enabled for r in rules.values()],
            "severity": [r.severity for r in rules.values()],
            "params": [json.dumps(r.params, ensure_ascii=False) for r in rules.values()],
        }
    )


def build_seeds(
    rng: np.random.Generator,
    *,
    all_rural: bool,
    years: list[int],
    standards: dict | None = None,
    rural_totals: np.ndarray | None = None,
    n_towns=(8, 12),
    n_vils=(10, 18),
    city: City = TAIAN,
) -> dict[str, pl.DataFrame]:
    regions = _regions(rng, city, all_rural, n_towns, n_vils)
    return {
        "regions": regions,
        "region_population": _population(rng, city, regions, years, rural_totals),
        "assistance_standards": _standards(rng, city, standards),
        "warning_rules": warning_rules(city),
    }
