"""The seeds of a generated dataset: regions, populations, standards and rule parameters.

The demo city is 泰安市 with its real county-level codes; townships, villages and figures are invented.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl

PROVINCE = ("370000000000", "山东省")
CITY = ("370900000000", "泰安市")
# code, name, urban share of the registered population
COUNTIES = (
    (370902, "泰山区", 0.72),
    (370911, "岱岳区", 0.38),
    (370921, "宁阳县", 0.30),
    (370923, "东平县", 0.28),
    (370982, "新泰市", 0.42),
    (370983, "肥城市", 0.40),
)

_TOWN_A = list("东西南北大小上下新石柳杏桃梨枣龙凤泉汶岱岳青白黄金银玉云")
_TOWN_B = list("阳安平宁兴丰华明德和泉山河桥店集庄营峪坡屯口城岭湖沟埠")
_VIL_PREFIX = list("东西南北前后大小上下新老石柳杏枣河山沙高") + list(
    "王李张刘赵孙马朱胡郭高宋韩曹董于姜崔吕丁孟侯郝孔魏徐杜田范贾"
)
_VIL_SUFFIX = ("庄", "家庄", "官庄", "王庄", "屯", "营", "峪", "店", "集", "楼", "洼", "坡", "岭", "寨", "河",
               "沟", "园", "泉", "埠", "里", "旺", "疃", "家峪", "家洼", "辛庄", "庄子", "铺", "堂")
_COMMUNITY = ("泰和", "岱宗", "东岳", "财源", "望岳", "迎春", "青年", "振兴", "和平", "文化", "建设", "向阳",
              "光明", "胜利", "幸福", "龙潭", "仙鹤", "锦绣", "御碑", "汶河", "南关", "北关", "东关", "西关",
              "红门", "虎山", "桃花源", "金山", "凤台", "丰收")

SEVERITY = {
    "W01": "orange", "W02": "yellow", "W03": "yellow", "W04": "red", "W05": "orange", "W06": "orange",
    "W07": "yellow", "W08": "orange", "V01": "orange", "V02": "orange", "V03": "yellow", "V04": "yellow",
}
PARAMS = {"W04": {"within_days": 30}, "W05": {"self_care_levels": ["全失能"]}, "W07": {"drop_ratio": 0.30}}

# the planted collision: two villages of one township whose names stripped of 村/社区 are equal
COLLIDING_BASE = "李庄"


def _regions(rng: np.random.Generator, all_rural: bool, n_towns: tuple[int, int], n_vils: tuple[int, int]):
    rows = [(PROVINCE[0], PROVINCE[1], "province", None, None), (CITY[0], CITY[1], "city", PROVINCE[0], None)]
    for ci, (cc, cname, urban_share) in enumerate(COUNTIES):
        ccode = f"{cc}000000"
        rows.append((ccode, cname, "county", CITY[0], None))
        nt = int(rng.integers(*n_towns))
        n_streets = max(1, int(round(nt * (0.6 if urban_share > 0.6 else 0.2))))
        used: set[str] = set()
        for t in range(nt):
            while True:
                base = str(rng.choice(_TOWN_A)) + str(rng.choice(_TOWN_B))
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
                vbases.add(COLLIDING_BASE)
                names += [(COLLIDING_BASE + "社区", "urban"), (COLLIDING_BASE + "村", "rural")]
            while len(names) < nv:
                if len([n for n in names if n[0].endswith("社区")]) < n_comm:
                    b = str(rng.choice(_COMMUNITY))
                    kind = ("社区", "urban")
                else:
                    b = str(rng.choice(_VIL_PREFIX)) + str(rng.choice(_VIL_SUFFIX))
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


def _population(rng, regions: pl.DataFrame, years: list[int], rural_totals: np.ndarray | None) -> pl.DataFrame:
    """Per county and township per year. `rural_totals`: the counties' rural population in the last
    year (report preset), else drawn."""
    towns = regions.filter(pl.col("level") == "township")
    rows = []
    for ci, (cc, _, urban_share) in enumerate(COUNTIES):
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
    return pl.DataFrame(
        rows,
        schema={"region_code": pl.String, "year": pl.Int32, "population_total": pl.Int64,
                "population_urban": pl.Int64, "population_rural": pl.Int64},
        orient="row",
    ).sort("region_code", "year")


def _standards(rng, fixed: dict | None) -> pl.DataFrame:
    """Per county: yearly raises on 1 January (2023–2026), or one fixed row (report preset)."""
    rows = []
    for cc, _, urban_share in COUNTIES:
        ccode = f"{cc}000000"
        if fixed is not None:
            rows.append((ccode, dt.date.fromisoformat(fixed["effective_from"]), fixed["dibao_urban"], fixed["dibao_rural"],
                         fixed["tekun_basic"], "1.50", fixed["relapse_income_line"]))
            continue
        urban = 1000 - int(rng.integers(0, 9)) * 5 - (0 if urban_share > 0.6 else 20)
        rural = urban - 200 + int(rng.integers(0, 5)) * 5
        for year, back in ((2026, 0), (2025, 1), (2024, 2), (2023, 3)):
            u = urban - back * 35
            r = rural - back * 40
            rows.append((ccode, dt.date(year, 1, 1), u, r, int(round(u * 1.3)), "1.50",
                         7200 - back * 300))
    df = pl.DataFrame(
        rows,
        schema=["county_code", "effective_from", "dibao_urban", "dibao_rural", "tekun_basic",
                "near_dibao_multiplier", "relapse_income_line"],
        orient="row",
    )
    money = pl.Decimal(14, 2)
    return df.with_columns(
        pl.col("effective_from").cast(pl.Date),
        *(pl.col(c).cast(pl.Int64).cast(money) for c in
          ("dibao_urban", "dibao_rural", "tekun_basic", "relapse_income_line")),
        pl.col("near_dibao_multiplier").cast(pl.Decimal(4, 2)),
    ).sort("county_code", "effective_from")


def warning_rules() -> pl.DataFrame:
    return pl.DataFrame({
        "rule_id": list(SEVERITY),
        "enabled": [True] * len(SEVERITY),
        "severity": list(SEVERITY.values()),
        "params": [json.dumps(PARAMS.get(r, {}), ensure_ascii=False) for r in SEVERITY],
    })


def build_seeds(rng: np.random.Generator, *, all_rural: bool, years: list[int], standards: dict | None = None,
                rural_totals: np.ndarray | None = None, n_towns=(8, 12), n_vils=(10, 18)) -> dict[str, pl.DataFrame]:
    regions = _regions(rng, all_rural, n_towns, n_vils)
    return {
        "regions": regions,
        "region_population": _population(rng, regions, years, rural_totals),
        "assistance_standards": _standards(rng, standards),
        "warning_rules": warning_rules(),
    }
