"""Assemble the demo dataset: seeds, background population, planted cases."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.contract import RULES
from pipelines.contract.tables import TABLES

from .cities import TAIAN, City
from .demo import World, build_background
from .model import PROGRAMME_TABLES, Dataset, finalize
from .population import sized_population
from .presets import DemoPreset
from .seeds import build_seeds

PARTS_STREAM = 20270  # part_seed: SeedSequence([seed, PARTS_STREAM, part])


def part_seed(seed: int, part: int) -> int:
    """The seed of part `part` of a dataset generated in parts: the dataset's own for part 0, else one drawn
    from the seed and the part's index."""
    if not part:
        return seed
    return int(np.random.SeedSequence([seed, PARTS_STREAM, part]).generate_state(1)[0])


def demo_periods(last: str, months: int) -> list[str]:
    end = np.datetime64(last, "M")
    return [str(end - k) for k in range(months - 1, -1, -1)]


def build_demo(
    cfg: DemoPreset,
    rng: np.random.Generator,
    scale: float,
    months: int | None,
    progress,
    city: City = TAIAN,
    seed: int = 0,
    part: int = 0,
    parts: int = 1,
) -> Dataset:
    """The programmes from `rng` (the seeds first, then the people, then their planted cases); the four
    departments and the population sizing from streams of their own (`seed`), after everything else, so
    that with both off the dataset is the one built before they existed.

    `part` of `parts` (parts.py; `rng` is `default_rng(seed)` of the whole dataset): the seeds as in every
    part, then the part's own people from `part_seed(seed, part)` (part 0: `rng` going on, the dataset in one
    part), with its own ids, household keys and reference numbers (`World`). The registered population is
    sized to the part's people with the rates of the whole (`seed`): the parts' sum is the whole's."""
    periods = demo_periods(cfg.last_period, months or cfg.months)
    years = sorted(set(cfg.years) | {int(p[:4]) for p in periods})
    seeds = build_seeds(rng, all_rural=False, years=years, city=city)
    if not cfg.departments:
        # the dataset as written before the departments joined: its warning_rules an older file, without the
        # rows of the rules reading their tables (extracts.md: such a file stays valid)
        programme_rules = [r.id for r in RULES.values() if set(r.tables) <= set(PROGRAMME_TABLES)]
        seeds["warning_rules"] = seeds["warning_rules"].filter(pl.col("rule_id").is_in(programme_rules))
    if progress:
        progress("seeds built")
    ref = str((np.datetime64(periods[0], "M") + 1).astype("datetime64[D]") - 1)
    own_seed = part_seed(seed, part)
    if part:
        rng = np.random.default_rng(own_seed)
    w = World(rng, seeds, periods, ref, other_codes=city.other_codes, part=part, parts=parts)
    state = build_background(w, cfg, scale, progress)
    try:
        from .planted import plant_all
    except ImportError:  # pragma: no cover - while planted cases are written
        plant_all = None
    if plant_all is not None:
        plant_all(w, state)
        if progress:
            progress("planted cases added")
    on_file: dict[str, tuple[str, ...]] = {t: tuple(periods) for t in PROGRAMME_TABLES}
    if cfg.departments:
        from .departments import build_departments

        on_file.update(build_departments(w, cfg, scale, state, own_seed, progress))
    if cfg.sized_population:
        seeds["region_population"] = sized_population(w, seeds["region_population"], seed)
    records = {t: finalize(t, w.frames.get(t, [])) for t in TABLES}
    return Dataset(periods=periods, seeds=seeds, records=records, exact_kpis=False, on_file=on_file)
