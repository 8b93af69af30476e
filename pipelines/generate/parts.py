"""`safetynet generate --parts K`: a dataset too large to hold in memory, generated as K parts one after the other.

Each part is an independent population of the same city (demo preset) at scale / K, built from a seed of
its own (`demo_build.part_seed`: part 0 the dataset's seed), written into the same folder and freed before
the next one is built, so the memory needed is about one part's (and, at the end, that of quarantine.csv
sorted: 1.45 million rows at ×64, `--scale 2048 --parts 64`). What keeps the parts apart:

- identifiers: part i's national ids have the sequences 2k + 1 / 2k + 2 with k ≡ i (mod K) (`ids.IdFactory`;
  disability card numbers are the holder's id and two digits); its household keys (household ids, the rows'
  order) are k·K + i (`World.hh_keys`); the running numbers of its payment, settlement and registration
  references are i + 1, i + 1 + K, ... (`World.numbers`); the planted rows' references "9" and 7 digits, the
  departments' temporary assistance "8" and 7 digits (`Planter.ref`, `departments.medical`);
- file names: part i > 0 writes `<stem>_p<i>.<ext>` (`dibao_370902_p2.csv`, `dibao_损坏_p2.xlsx`), which
  ingestion reads as the same table (`discover.table_for_filename`); the files belonging to no table
  (readme.txt, 说明.docx) are part 0's only;
- seeds: regions, standards and rules are the same in every part (drawn from the dataset's seed before the
  part's people) and written once; region_population is the sum of the parts' (each sized to its people with
  the rates of the whole), or, with `--legacy-population`, the city's as drawn, the same in every part.

The truth is that of the whole dataset where it can be put together from the parts: files.csv (every file of
every part), quarantine.csv, quality_issues.csv (the parts' counts added: what they count never crosses
parts, as no identifier does) and loaded/<table>.parquet (every part's rows, by period, then part, then file
and row). The reference evaluation (findings.csv, kpis.csv) and the disposition history need every part at
once: a dataset in parts has none (`--no-reference` is required).
"""

from __future__ import annotations

import gc
import shutil
import time
from pathlib import Path

import polars as pl

from pipelines.contract.tables import TABLES
from pipelines.generate.quality import count_quality

from .demo_build import part_seed
from .ids import MAX_PARTS
from .model import build_dataset
from .presets import PRESETS, DemoPreset
from .seeds import population_frame
from .truth import (
    QUALITY_SCHEMA,
    files_frame,
    loaded_frame,
    prepare,
    quarantine_frame,
    summarise,
    write_raw,
    write_seeds,
)

SHARED_SEEDS = ("regions", "assistance_standards", "warning_rules")  # the same in every part


def part_suffix(part: int) -> str:
    """What part `part`'s file names carry before the extension: nothing for part 0."""
    return f"_p{part}" if part else ""


def check_parts(preset: str, parts: int, reference: bool) -> None:
    if not 1 <= parts <= MAX_PARTS:
        raise ValueError(f"parts: 1 to {MAX_PARTS}, not {parts}")
    if parts > 1 and not isinstance(PRESETS.get(preset), DemoPreset):
        raise ValueError(f"preset {preset!r} is not generated in parts (demo only)")
    if parts > 1 and reference:
        raise ValueError(
            "a dataset in parts has no reference evaluation: it needs every part at once (reference=False)"
        )


def generate_parts(
    out: Path,
    parts: int,
    preset: str = "demo",
    scale: float = 1.0,
    months: int | None = None,
    seed: int = 0,
    dirty: float = 0.03,
    progress=None,
    city="taian",
    departments: bool | None = None,
    sized_population: bool | None = None,
) -> dict:
    """The dataset in `parts` parts, each at `scale / parts` (module docstring); returns the summary of the
    whole (with `parts` and the seconds of each part)."""
    check_parts(preset, parts, reference=False)
    t0 = time.time()
    out = Path(out)
    prepare(out)
    truth = out / "truth"
    work = truth / ".parts"  # each part's truth until they are put together
    work.mkdir(parents=True, exist_ok=True)
    sized = PRESETS[preset].sized_population if sized_population is None else sized_population
    files: list[dict] = []
    quality: list[dict] = []
    notes: set[str] = set()
    rows_loaded = dict.fromkeys(TABLES, 0)
    shared: dict[str, pl.DataFrame] = {}
    populations: list[pl.DataFrame] = []
    periods: list[str] = []
    seconds: list[float] = []
    for part in range(parts):
        t_part = time.time()
        say = None if progress is None else (lambda m, part=part: progress(f"[{part + 1}/{parts}] {m}"))
        ds = build_dataset(
            preset=preset,
            scale=scale / parts,
            months=months,
            seed=seed,
            progress=say,
            city=city,
            departments=departments,
            sized_population=sized_population,
            part=part,
            parts=parts,
        )
        if not part:
            periods = list(ds.periods)
            shared = {k: ds.seeds[k] for k in SHARED_SEEDS}
        elif any(not ds.seeds[k].equals(shared[k]) for k in SHARED_SEEDS) or ds.periods != periods:
            raise RuntimeError(f"part {part} has other seeds or periods than part 0")  # pragma: no cover
        populations.append(ds.seeds["region_population"])
        ctx = write_raw(
            out,
            ds,
            seed=part_seed(seed, part),
            dirty=dirty,
            progress=say,
            suffix=part_suffix(part),
            part=part,
            parts=parts,
        )
        del ds
        files += ctx.files
        quarantine_frame(ctx.quarantine).write_parquet(work / f"quarantine-{part}.parquet")
        for tname in TABLES:
            df = loaded_frame(ctx, tname)
            ctx.loaded.pop(tname, None)
            df.write_parquet(work / f"{tname}-{part}.parquet")
            rows_loaded[tname] += df.height
            quality += count_quality(tname, df)
            del df
        notes |= set(ctx.notes)
        del ctx
        gc.collect()
        seconds.append(round(time.time() - t_part, 1))
    if progress:
        progress("写出 seeds/, truth/")
    write_seeds(out, {**shared, "region_population": _population(populations, sized)})
    files_df = files_frame(files)
    files_df.write_csv(truth / "files.csv")
    quarantine = pl.concat([pl.read_parquet(work / f"quarantine-{p}.parquet") for p in range(parts)])
    quarantine = quarantine.sort("file", "row_number", nulls_last=False)
    quarantine.write_csv(truth / "quarantine.csv")
    (truth / "loaded").mkdir(exist_ok=True)
    for tname in TABLES:
        scan = pl.scan_parquet([work / f"{tname}-{p}.parquet" for p in range(parts)])
        by_period = [scan.filter(pl.col("period") == q) for q in periods]
        pl.concat(by_period).sink_parquet(truth / "loaded" / f"{tname}.parquet")
    counts = (
        pl.DataFrame(quality, schema=QUALITY_SCHEMA)
        .group_by("period", "source", "table_name", "code", maintain_order=True)
        .agg(pl.col("count").sum())
    )
    counts.write_csv(truth / "quality_issues.csv")
    shutil.rmtree(work)
    summary = summarise(periods, files_df, quarantine.height, rows_loaded, counts.height, notes)
    summary["parts"] = parts
    summary["seconds_per_part"] = seconds
    summary["seconds"] = round(time.time() - t0, 1)
    return summary


def _population(frames: list[pl.DataFrame], sized: bool) -> pl.DataFrame:
    """region_population of the whole: the parts' summed where each was sized to its people, else the city's
    as drawn (the same in every part)."""
    if not sized:
        return frames[0]
    total = (
        pl.concat(frames)
        .group_by("region_code", "year")
        .agg(pl.col("population_total", "population_urban", "population_rural").sum())
    )
    return population_frame(total.rows())
