"""`safetynet generate`: a synthetic dataset (raw extracts, seeds) and its truth.

`generate(out, ..., city=...)` builds the population of a city (cities.py; `model.build_dataset`),
writes `out/seeds/*.csv`,
`out/raw/<source>/<YYYY-MM>/<table>*.<ext>` with dirt (`writer`), and `out/truth/` (`truth`).
"""

from __future__ import annotations

from pathlib import Path


def generate(
    out: Path,
    preset: str = "demo",
    scale: float = 1.0,
    months: int | None = None,
    seed: int = 0,
    dirty: float | None = None,
    progress=None,
    city: str = "taian",
    reference: bool = True,
    departments: bool | None = None,
    sized_population: bool | None = None,
    parts: int = 1,
) -> dict:
    """`city`: a key of `cities.CITIES` (`taian`, `jining`) or a `cities.City`; `report-2021` is taian only.
    `reference=False` leaves out truth/findings.csv and kpis.csv (the reference evaluation).

    Demo only (None: the preset's, both on): `departments=False` leaves out the four departments that joined
    later (公安, 人社, 财政, 医保: no file of theirs, no planted case of their rules); `sized_population=False`
    draws the registered population as before, a large city's whatever the scale (低保覆盖率 about 0.1 %). Both
    False: the seeds and raw files are byte for byte those the generator wrote before either existed.

    `parts` > 1 (demo only, `reference=False`): the dataset as that many independent populations of the city
    at `scale / parts` each, generated one after the other into `out` with disjoint identifiers, so the memory
    needed is about one part's (parts.py). 1: the dataset as ever."""
    from pipelines.generate.model import build_dataset
    from pipelines.generate.truth import write_dataset

    if parts != 1:
        from pipelines.generate.parts import check_parts, generate_parts

        check_parts(preset, parts, reference)
        return generate_parts(
            Path(out),
            parts,
            preset=preset,
            scale=scale,
            months=months,
            seed=seed,
            dirty=0.03 if dirty is None else dirty,
            progress=progress,
            city=city,
            departments=departments,
            sized_population=sized_population,
        )

    ds = build_dataset(
        preset=preset,
        scale=scale,
        months=months,
        seed=seed,
        progress=progress,
        city=city,
        departments=departments,
        sized_population=sized_population,
    )
    return write_dataset(
        Path(out), ds, seed=seed, dirty=0.03 if dirty is None else dirty, progress=progress, reference=reference
    )


__all__ = ["generate"]
