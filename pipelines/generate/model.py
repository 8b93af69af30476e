"""The population model of `safetynet generate`: who the people, households and monthly records are.

`build_dataset` returns the seeds and, per table, the clean records of every period (typed columns of
the contract, `period`, `_planted`). The writer renders them into dirty files; the reference computes the
truth from what loads.

Presets (presets.py):
- `demo` (demo_build.py, demo.py, demo_linked.py, planted*.py): a city's real counties (cities.py: 泰安市
  by default, or 济宁市) with invented townships and villages; 12 months ending 2026-10 (`months`
  overrides, always ending there). Dibao households (城市低保 in urban villages, 农村低保 in rural ones,
  some covering one member, some 停保), tekun persons, the near-dibao register, the rural monitoring
  roster (partly the same people as dibao households and tekun persons), disability cards with the two
  subsidies, temporary assistance. Months evolve: entries, exits, income changes, risks eliminated and
  returning, new and cancelled cards, benefits that follow the standard raised every year (泰安: 1
  January; 济宁: 1 July). Planted cases (`_planted`) make every rule fire in several periods, with
  near-misses at each boundary, W04's and W07's at the city's parameters (planted_cases.py).
  The four departments that joined later (departments.py, planted_departments.py; `DemoPreset.departments`):
  household changes (deaths and moves, some of recipients, whom the roster stops a month or two later),
  social insurance payments (pensions, some in dibao households around the standard; unemployment benefit,
  some to near-dibao members), the public payroll (a handful of dibao members) and medical settlements (a
  few large bills among the uncovered); medical insurance joins in the middle of the months (the 7th of
  12), so the rules reading it wait for it. Their own random streams: with them off (and
  `sized_population` off) a dataset is byte for byte what the generator wrote before they existed.
  `sized_population`: the registered population sized to the people (低保覆盖率 a few per cent).
- `report-2021` (report2021.py, 泰安市 only): 2021-09 only, rural programmes only, standards 657 / 854; the
  city-level KPIs K01–K06 are exactly the published figures at scale 1. No planted cases, none of the four
  departments.

Money is carried in cents (Int64) while building and becomes Decimal(14, 2) in `finalize`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from pipelines.contract.tables import (
    BOOL,
    CARD_NO,
    CHINA_REGION_CODE,
    COUNTY_CODE,
    DATE,
    ENUM,
    INTEGER,
    MONEY,
    MONTH,
    PERSON_ID,
    REGION_CODE,
    REGION_NAME,
    TABLES,
    TEXT,
)

from .cities import City, get_city
from .presets import PRESETS, DemoPreset, ReportPreset

# The programmes' tables (民政, 乡村振兴, 残联): written in every period of every dataset.
PROGRAMME_TABLES: tuple[str, ...] = (
    "dibao",
    "tekun",
    "temporary_assistance",
    "near_dibao",
    "monitoring",
    "disability_cards",
    "disability_subsidies",
)
# The departments that joined later (公安, 人社, 财政, 医保): written only in the periods a dataset has them
# on file (`Dataset.on_file`), so a dataset without them is a city that has never received them and one
# whose department joins later has no file of it before (extracts.md, expected tables).
DEPARTMENT_TABLES: tuple[str, ...] = (
    "household_changes",
    "social_insurance_payments",
    "payroll",
    "medical_settlements",
)
# The tables every generated dataset has (report-2021 has no other).
GENERATED_TABLES: tuple[str, ...] = PROGRAMME_TABLES


@dataclass
class Dataset:
    periods: list[str]  # 'YYYY-MM', ascending
    seeds: dict[str, pl.DataFrame]  # regions, region_population, assistance_standards, warning_rules
    records: dict[str, pl.DataFrame]  # table name -> all periods' clean records
    exact_kpis: bool  # True for report-2021: the writer must not remove rows from the loaded set
    # table -> the periods in which its files are written; None: `tables_on_file` decides
    on_file: dict[str, tuple[str, ...]] | None = None


def tables_on_file(ds, period: str) -> list[str]:
    """The tables whose files a dataset has in `period`, in contract order: its `on_file` where it says, else
    every programme table, and a department's table in the periods where it has records."""
    on_file = getattr(ds, "on_file", None)
    out = []
    for t in TABLES:
        if on_file is not None and t in on_file:
            if period in on_file[t]:
                out.append(t)
        elif t in PROGRAMME_TABLES:
            out.append(t)
        elif t in ds.records and ds.records[t].height and (ds.records[t]["period"] == period).any():
            out.append(t)
    return out


DERIVED = {"monitoring": [("region_code", pl.String)], "disability_cards": [("person_id", pl.String)]}


def polars_type(col) -> pl.DataType:
    if col.name == "disability_grade":
        return pl.Int16
    return {
        REGION_CODE: pl.String,
        COUNTY_CODE: pl.String,
        CHINA_REGION_CODE: pl.String,
        TEXT: pl.String,
        PERSON_ID: pl.String,
        CARD_NO: pl.String,
        ENUM: pl.String,
        BOOL: pl.Boolean,
        INTEGER: pl.Int32,
        MONEY: pl.Decimal(14, 2),
        DATE: pl.Date,
        MONTH: pl.String,
        REGION_NAME: pl.String,
    }[col.kind]


def schema(table: str) -> dict[str, pl.DataType]:
    """Column name -> polars type of the records frame of a table."""
    out = {c.name: polars_type(c) for c in TABLES[table].columns}
    out.update(dict(DERIVED.get(table, [])))
    out["period"] = pl.String
    out["_planted"] = pl.Boolean
    return out


def _cast(name: str, dtype: pl.DataType, src: pl.DataType) -> pl.Expr:
    c = pl.col(name)
    if isinstance(dtype, pl.Decimal):
        if src.is_integer():  # money is carried in cents while building
            return (c.cast(pl.Decimal(16, 2)) / 100).cast(dtype)
        return c.cast(dtype)
    if dtype == pl.Date:
        return c.cast(pl.Date)
    if dtype == pl.String:  # an empty value is null, as it loads
        c = c.cast(pl.String)
        return pl.when(c == "").then(None).otherwise(c)
    return c.cast(dtype)


def finalize(table: str, frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Concatenate a table's period frames into the records frame: typed, ordered as in the files.

    Rows sort by period, then the region of the household (first member), then the household, then the
    member's place in the household.
    """
    sch = schema(table)
    if not frames:  # a table with no records (a department the dataset does not have)
        return pl.DataFrame(schema=sch)
    df = pl.concat(frames, how="diagonal_relaxed")
    if "_ord" not in df.columns:
        df = df.with_columns(_ord=pl.lit(0.0))
    region = "region_code"
    df = df.with_columns(
        pl.col(region).first().over("period", "_hh").alias("_reg"),
    ).sort("period", "_reg", "_hh", "_ord", maintain_order=True)
    exprs = [_cast(n, t, df.schema[n]).alias(n) for n, t in sch.items()]
    return df.select(exprs)


def build_dataset(
    preset: str = "demo",
    scale: float = 1.0,
    months: int | None = None,
    seed: int = 0,
    progress=None,
    city: str | City = "taian",
    departments: bool | None = None,
    sized_population: bool | None = None,
    part: int = 0,
    parts: int = 1,
) -> Dataset:
    """Build the population of a preset for a city (cities.py): seeds and every table's clean records for
    every period. `report-2021` is 泰安市's published table: the city must be `taian`.

    `departments`, `sized_population` (demo only; None: the preset's): the four departments that joined
    later, and the registered population sized to the people. Both False: the dataset the generator built
    before either existed. `part` of `parts` (demo only; parts.py): one of the independent populations of a
    dataset generated in parts, at the `scale` given (the part's), its identifiers its own."""
    cfg = PRESETS[preset]
    city = get_city(city)
    rng = np.random.default_rng(seed)
    if isinstance(cfg, DemoPreset):
        from .demo_build import build_demo

        over = {"departments": departments, "sized_population": sized_population}
        cfg = replace(cfg, **{k: v for k, v in over.items() if v is not None})
        return build_demo(cfg, rng, scale, months, progress, city=city, seed=seed, part=part, parts=parts)
    if isinstance(cfg, ReportPreset):
        from .report2021 import build_report

        if city.key != "taian":
            raise ValueError(f"preset {preset!r} is 泰安市's published table: city must be 'taian', not {city.key!r}")
        if departments:
            raise ValueError(f"preset {preset!r} reproduces a published table: it has none of the four departments")
        if parts != 1:
            raise ValueError(f"preset {preset!r} reproduces a published table: it is not generated in parts")

        return build_report(cfg, rng, scale, progress)
    raise ValueError(f"unknown preset {preset!r}")
