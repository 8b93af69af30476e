"""The benchmark's cases and their datasets, generated once into a work folder and reused.

Scales (one period each, every one of the 11 tables of the input contract, all 19 rules firing):
- `demo`: the demo city, one month (`--preset demo --months 1`, about 24,000 rows);
- `xN`: the demo city's month at N times a city's volume: `x1` is `--scale 32` (about 0.77 million rows,
  the size of 泰安市's month), and a larger N is N such populations of the city generated one after the
  other (`--parts N`, each part at ×1, identifiers disjoint), so generating a province takes the memory
  of one city: `x16` about 12 million rows (a province), `x64` about 50 million (the largest provinces);
- `incremental`: 13 months of the demo city scaled to ×1's monthly volume (`--preset demo --months 13
  --scale 32`): 12 months processed first, then the 13th added, against a full rebuild of the same 13
  months.

Generation runs `safetynet generate` in a subprocess and is not timed; a dataset is kept with a marker
file naming its parameters, and made again only when they differ.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

MARKER = "bench-dataset.json"
DEMO_SCALE_PER_X1 = 32  # the demo city's rows a month × 32 ≈ 泰安市's (report-2021 at scale 1)
SMALL_ROWS_SCALE = 1.0  # cases up to ×1 are "small": measured `repeat` times, the others once
DEFAULT_CASES = ("demo", "x1", "x4", "x16", "x64", "incremental")


@dataclass(frozen=True)
class Dataset:
    name: str
    preset: str
    scale: float
    months: int | None = None
    seed: int = 0
    parts: int = 1

    def generate_args(self) -> list[str]:
        # The extracts and seeds only: the reference evaluation of the truth is not needed to time the
        # pipeline, and at ×16 it needs more memory than the machine has (the generator was killed).
        args = ["--preset", self.preset, "--scale", f"{self.scale:g}", "--seed", str(self.seed), "--no-reference"]
        if self.months is not None:
            args += ["--months", str(self.months)]
        if self.parts > 1:
            args += ["--parts", str(self.parts)]
        return args

    def command(self, out: Path) -> str:
        return "safetynet generate --out " + str(out) + " " + " ".join(self.generate_args())


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    dataset: Dataset
    small: bool
    incremental: bool = False


def _number(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(text)
    return value


def case(key: str, incremental_scale: float = 1.0) -> Case:
    """A case by its key: `demo`, `x<N>` (x1, x4, x16, x0.1 ...) or `incremental`."""
    if key == "demo":
        return Case("demo", "demo, 1 month", Dataset("demo-m1", "demo", 1.0, 1), small=True)
    if key.startswith("x"):
        n = _number(key[1:])
        parts = int(n) if n > 1 and n == int(n) else 1
        dataset = Dataset(f"demo-x{n:g}-m1", "demo", DEMO_SCALE_PER_X1 * n, 1, parts=parts)
        return Case(key, f"×{n:g}, 1 month", dataset, small=n <= SMALL_ROWS_SCALE)
    if key == "incremental":
        n = incremental_scale
        return Case(
            "incremental",
            f"incremental ×{n:g}",
            Dataset(f"demo-x{n:g}-m13", "demo", DEMO_SCALE_PER_X1 * n, 13),
            small=False,
            incremental=True,
        )
    raise ValueError(f"unknown case {key!r}: demo, x<N> (x1, x4, x16, x64) or incremental")


def parse_cases(text: str, incremental_scale: float = 1.0) -> list[Case]:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    return [case(k, incremental_scale) for k in keys]


def ensure_dataset(dataset: Dataset, work_dir: Path, say=lambda _m: None, env: dict | None = None) -> Path:
    """The dataset's folder under <work_dir>/data, generated unless already there with these parameters."""
    folder = Path(work_dir) / "data" / dataset.name
    marker = folder / MARKER
    wanted = asdict(dataset)
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    say(f"generating {dataset.name} ({dataset.command(folder)}); not timed")
    log = Path(work_dir) / "logs" / f"generate-{dataset.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "generate", "--out", str(folder), *dataset.generate_args()],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            env=env,
        )
    marker.write_text(json.dumps(wanted))
    return folder


def period_folders(dataset: Path) -> list[str]:
    """The periods with a folder under raw/<source>/, ascending."""
    return sorted({p.name for p in (Path(dataset) / "raw").glob("*/*") if p.is_dir()})


def link_periods(source: Path, view: Path, periods: list[str], fresh: bool = True) -> None:
    """Make `view` a dataset holding the source's seeds and the raw files of `periods` only, hard-linked
    (copied where links are not possible), so a month can be added to it later as it would arrive."""
    if fresh:
        shutil.rmtree(view, ignore_errors=True)
        shutil.copytree(Path(source) / "seeds", Path(view) / "seeds")
    for folder in sorted((Path(source) / "raw").glob("*/*")):
        if folder.name not in periods or not folder.is_dir():
            continue
        target = Path(view) / folder.relative_to(source)
        target.mkdir(parents=True, exist_ok=True)
        for f in folder.iterdir():
            if f.is_file():
                try:
                    os.link(f, target / f.name)
                except OSError:
                    shutil.copy2(f, target / f.name)


def warm(dataset: Path) -> None:
    """Read every raw file once, so the floor and the pipeline both find them in the page cache."""
    for f in (Path(dataset) / "raw").rglob("*"):
        if f.is_file():
            with open(f, "rb") as handle:
                while handle.read(1 << 22):
                    pass
