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
- `report-2021` (report2021.py, 泰安市 only): 2021-09 only, rural programmes only, standards 657 / 854; the
  city-level KPIs K01–K06 are exactly the published figures at scale 1. No planted cases.

Money is carried in cents (Int64) while building and becomes Decimal(14, 2) in `finalize`.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Dataset:
    periods: list[str]  # 'YYYY-MM', ascending
    seeds: dict[str, pl.DataFrame]  # regions, region_population, assistance_standards, warning_rules
    records: dict[str, pl.DataFrame]  # table name -> all periods' clean records
    exact_kpis: bool  # True for report-2021: the writer must not remove rows from the loaded set


DERIVED = {"monitoring": [("region_code", pl.String)], "disability_cards": [("person_id", pl.String)]}
# The tables the generator writes. The four departments that joined later (public security, human
# resources, finance, medical insurance) are not generated yet: their records are empty and no file of
# theirs is written, so a generated dataset is a city that has never received them (extracts.md).
GENERATED_TABLES: tuple[str, ...] = (
    "dibao",
    "tekun",
    "temporary_assistance",
    "near_dibao",
    "monitoring",
    "disability_cards",
    "disability_subsidies",
)


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
    if not frames:  # a table the generator does not write (GENERATED_TABLES)
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
) -> Dataset:
    """Build the population of a preset for a city (cities.py): seeds and every table's clean records for
    every period. `report-2021` is 泰安市's published table: the city must be `taian`."""
    cfg = PRESETS[preset]
    city = get_city(city)
    rng = np.random.default_rng(seed)
    if isinstance(cfg, DemoPreset):
        from .demo_build import build_demo

        return build_demo(cfg, rng, scale, months, progress, city=city)
    if isinstance(cfg, ReportPreset):
        from .report2021 import build_report

        if city.key != "taian":
            raise ValueError(f"preset {preset!r} is 泰安市's published table: city must be 'taian', not {city.key!r}")

        return build_report(cfg, rng, scale, progress)
    raise ValueError(f"unknown preset {preset!r}")
