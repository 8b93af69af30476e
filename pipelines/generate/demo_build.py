"""Assemble the demo dataset: seeds, background population, planted cases."""

from __future__ import annotations

import numpy as np

from pipelines.contract.tables import TABLES

from .cities import TAIAN, City
from .demo import World, build_background
from .model import Dataset, finalize
from .presets import DemoPreset
from .seeds import build_seeds


def demo_periods(last: str, months: int) -> list[str]:
    end = np.datetime64(last, "M")
    return [str(end - k) for k in range(months - 1, -1, -1)]


def build_demo(
    cfg: DemoPreset, rng: np.random.Generator, scale: float, months: int | None, progress, city: City = TAIAN
) -> Dataset:
    periods = demo_periods(cfg.last_period, months or cfg.months)
    years = sorted(set(cfg.years) | {int(p[:4]) for p in periods})
    seeds = build_seeds(rng, all_rural=False, years=years, city=city)
    if progress:
        progress("seeds built")
    ref = str((np.datetime64(periods[0], "M") + 1).astype("datetime64[D]") - 1)
    w = World(rng, seeds, periods, ref, other_codes=city.other_codes)
    state = build_background(w, cfg, scale, progress)
    try:
        from .planted import plant_all
    except ImportError:  # pragma: no cover - while planted cases are written
        plant_all = None
    if plant_all is not None:
        plant_all(w, state)
        if progress:
            progress("planted cases added")
    records = {t: finalize(t, w.frames.get(t, [])) for t in TABLES}
    return Dataset(periods=periods, seeds=seeds, records=records, exact_kpis=False)
