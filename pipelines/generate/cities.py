"""The cities `safetynet generate` can build: regions, standards schedule and rule settings of each.

A `City` is everything city-specific the generator needs; the population model, the planted cases and
the reference (truth) read the city only through the seeds built from it. Built-in cities (`CITIES`):

- `taian`: 泰安市, the demo city (real county-level codes; townships, villages and figures invented).
- `jining`: 济宁市, another city of 山东省 with its own counties, standards raised every 1 July, a different
  near-dibao multiplier and rule settings that differ from the defaults (W03 off, W02 orange, W04 45
  days, W05 partial and full disability, W07 25 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipelines.contract import RULE_IDS, RULES


@dataclass(frozen=True)
class County:
    code: int  # 6-digit county-level administrative code
    name: str
    urban_share: float  # urban share of the registered population


@dataclass(frozen=True)
class StandardsSchedule:
    """Monthly standards per county, yuan, for the latest year; earlier years step back by the raises.

    Latest urban dibao = `urban_base` − step × (0..`urban_jitter`−1) − `rural_county_discount` when the
    county's urban share is at most 0.6; rural dibao = urban − `rural_gap` + step × (0..`rural_jitter`−1);
    tekun basic = round(urban × `tekun_ratio`). Each standard takes effect on `raise_month`/`raise_day` of
    each year of `years`.
    """

    urban_base: int = 1000
    urban_jitter: int = 9
    rural_county_discount: int = 20
    rural_gap: int = 200
    rural_jitter: int = 5
    step: int = 5
    urban_raise: int = 35
    rural_raise: int = 40
    tekun_ratio: float = 1.3
    near_dibao_multiplier: str = "1.50"
    relapse_income_line: int = 7200  # yuan / person / year, latest year
    relapse_raise: int = 300
    raise_month: int = 1
    raise_day: int = 1
    years: tuple[int, ...] = (2026, 2025, 2024, 2023)  # latest first

    def rows(self, rng: np.random.Generator, urban_share: float) -> list[tuple]:
        """(effective_from, urban, rural, tekun, multiplier, relapse line) of one county."""
        urban = (
            self.urban_base
            - int(rng.integers(0, self.urban_jitter)) * self.step
            - (0 if urban_share > 0.6 else self.rural_county_discount)
        )
        rural = urban - self.rural_gap + int(rng.integers(0, self.rural_jitter)) * self.step
        latest = max(self.years)
        out = []
        for year in self.years:
            back = latest - year
            u = urban - back * self.urban_raise
            r = rural - back * self.rural_raise
            out.append(
                (
                    dt.date(year, self.raise_month, self.raise_day),
                    u,
                    r,
                    int(round(u * self.tekun_ratio)),
                    self.near_dibao_multiplier,
                    self.relapse_income_line - back * self.relapse_raise,
                )
            )
        return out


# The catalogue's defaults (pipelines/contract/rules.py); a city's settings override them per rule.
DEFAULT_SEVERITY = {r.id: r.severity for r in RULES.values()}
DEFAULT_PARAMS = {r.id: dict(r.params) for r in RULES.values() if r.params}


@dataclass(frozen=True)
class RuleSetting:
    enabled: bool
    severity: str
    params: dict


def rule_settings(
    disabled: tuple[str, ...] = (), severity: dict | None = None, params: dict | None = None
) -> dict[str, RuleSetting]:
    """The defaults of rules.md, overridden per rule."""
    sev = {**DEFAULT_SEVERITY, **(severity or {})}
    par = {**DEFAULT_PARAMS, **(params or {})}
    return {r: RuleSetting(r not in disabled, sev[r], dict(par.get(r, {}))) for r in RULE_IDS}


# Name pools of the invented townships and villages (the shared pools suit any city of the province).
VILLAGE_PREFIX = tuple("东西南北前后大小上下新老石柳杏枣河山沙高") + tuple(
    "王李张刘赵孙马朱胡郭高宋韩曹董于姜崔吕丁孟侯郝孔魏徐杜田范贾"
)
VILLAGE_SUFFIX = (
    "庄",
    "家庄",
    "官庄",
    "王庄",
    "屯",
    "营",
    "峪",
    "店",
    "集",
    "楼",
    "洼",
    "坡",
    "岭",
    "寨",
    "河",
    "沟",
    "园",
    "泉",
    "埠",
    "里",
    "旺",
    "疃",
    "家峪",
    "家洼",
    "辛庄",
    "庄子",
    "铺",
    "堂",
)

# Real county-level address codes of the province and beyond, for people born outside a city.
_ELSEWHERE = (
    370102,
    370103,
    370105,
    370112,
    370202,
    370203,
    370302,
    370303,
    370402,
    370481,
    370811,
    370830,
    370831,
    370832,
    371302,
    371311,
    371321,
    370725,
    370786,
    371402,
    372301,
    410102,
    320102,
    130102,
)


@dataclass(frozen=True)
class City:
    key: str
    province: tuple[str, str]  # 12-digit code, name
    city: tuple[str, str]
    counties: tuple[County, ...]
    town_first: tuple[str, ...]  # first character of a township name
    town_second: tuple[str, ...]
    communities: tuple[str, ...]  # bases of 社区 names
    standards: StandardsSchedule
    rules: dict[str, RuleSetting]
    other_codes: tuple[int, ...]  # birthplaces of people born outside the city (no code of the city)
    village_prefix: tuple[str, ...] = VILLAGE_PREFIX
    village_suffix: tuple[str, ...] = VILLAGE_SUFFIX
    colliding_base: str = "李庄"  # two villages of one township whose names stripped of 村/社区 are equal

    def __post_init__(self):
        prefix = self.city[0][:4]
        for c in self.counties:
            if not str(c.code).startswith(prefix):
                raise ValueError(f"{self.key}: county {c.code} is not in city {self.city[0]}")
        if any(str(c).startswith(prefix) for c in self.other_codes):
            raise ValueError(f"{self.key}: an 'other' birthplace code lies in the city")


TAIAN = City(
    key="taian",
    province=("370000000000", "山东省"),
    city=("370900000000", "泰安市"),
    counties=(
        County(370902, "泰山区", 0.72),
        County(370911, "岱岳区", 0.38),
        County(370921, "宁阳县", 0.30),
        County(370923, "东平县", 0.28),
        County(370982, "新泰市", 0.42),
        County(370983, "肥城市", 0.40),
    ),
    town_first=tuple("东西南北大小上下新石柳杏桃梨枣龙凤泉汶岱岳青白黄金银玉云"),
    town_second=tuple("阳安平宁兴丰华明德和泉山河桥店集庄营峪坡屯口城岭湖沟埠"),
    communities=(
        "泰和",
        "岱宗",
        "东岳",
        "财源",
        "望岳",
        "迎春",
        "青年",
        "振兴",
        "和平",
        "文化",
        "建设",
        "向阳",
        "光明",
        "胜利",
        "幸福",
        "龙潭",
        "仙鹤",
        "锦绣",
        "御碑",
        "汶河",
        "南关",
        "北关",
        "东关",
        "西关",
        "红门",
        "虎山",
        "桃花源",
        "金山",
        "凤台",
        "丰收",
    ),
    standards=StandardsSchedule(),
    rules=rule_settings(),
    other_codes=_ELSEWHERE,
)

JINING = City(
    key="jining",
    province=("370000000000", "山东省"),
    city=("370800000000", "济宁市"),
    counties=(
        County(370811, "任城区", 0.70),
        County(370812, "兖州区", 0.62),
        County(370826, "微山县", 0.32),
        County(370827, "鱼台县", 0.30),
        County(370828, "金乡县", 0.33),
        County(370829, "嘉祥县", 0.29),
        County(370830, "汶上县", 0.30),
        County(370831, "泗水县", 0.27),
        County(370832, "梁山县", 0.31),
        County(370881, "曲阜市", 0.46),
        County(370883, "邹城市", 0.48),
    ),
    town_first=tuple("东西南北大小上新古仁义礼智杨柳桑微湖运蓼尼圣泗金银马羊黄白"),
    town_second=tuple("阳安平宁兴丰华庄集楼店口山河桥营寺屯堂桥岗湾闸坝圩营亭城"),
    communities=(
        "太白",
        "运河",
        "南池",
        "古槐",
        "济阳",
        "杏坛",
        "阙里",
        "鲁源",
        "尼山",
        "微湖",
        "蓼河",
        "光明",
        "和平",
        "仁和",
        "礼贤",
        "崇文",
        "洸河",
        "荷花",
        "柳行",
        "越河",
        "南苑",
        "北湖",
        "东门",
        "西门",
        "圣源",
        "孟府",
        "峄山",
        "钢山",
        "唐口",
        "金城",
    ),
    standards=StandardsSchedule(
        urban_base=1010,
        urban_jitter=7,
        rural_county_discount=20,
        rural_gap=200,
        rural_jitter=3,
        step=5,
        urban_raise=30,
        rural_raise=35,
        tekun_ratio=1.3,
        near_dibao_multiplier="1.30",
        relapse_income_line=7000,
        relapse_raise=250,
        raise_month=7,
        raise_day=1,
        years=(2026, 2025, 2024, 2023, 2022),
    ),
    rules=rule_settings(
        disabled=("W03",),
        severity={"W02": "orange"},
        params={
            "W04": {"within_days": 45},
            "W05": {"self_care_levels": ["全失能", "半失能"]},
            "W07": {"drop_ratio": 0.25},
        },
    ),
    # _ELSEWHERE with 济宁's own four codes replaced by 烟台芝罘, 聊城东昌府, 滨州滨城, 菏泽牡丹
    other_codes=(
        370102,
        370103,
        370105,
        370112,
        370202,
        370203,
        370302,
        370303,
        370402,
        370481,
        370602,
        371502,
        371602,
        371702,
        371302,
        371311,
        371321,
        370725,
        370786,
        371402,
        372301,
        410102,
        320102,
        130102,
    ),
    colliding_base="王庄",
)

CITIES = {c.key: c for c in (TAIAN, JINING)}


def get_city(city: str | City) -> City:
    if isinstance(city, City):
        return city
    try:
        return CITIES[city]
    except KeyError:
        raise ValueError(f"unknown city {city!r}; one of {', '.join(CITIES)}") from None
