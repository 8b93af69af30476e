"""Runs the cases: per repeat, the floor then the pipeline on the same files, each measured as a
subprocess; then the per-stage figures. Results go to <work_dir>/results/ as JSON (every run, not only
medians), from which `report` renders the markdown section and the chart."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

from pipelines.bench import datasets as D
from pipelines.bench.measure import machine, run_measured
from pipelines.bench.stages import dbt_nodes, other_parts, read_steps, rows_read, split_stages


def bench_env(work_dir: Path) -> dict[str, str]:
    """The environment of every measured process: Python's bytecode cached in the work folder, as it is
    where `safetynet run` runs every night (an environment with PYTHONDONTWRITEBYTECODE, or a fresh
    one, compiles some 5,000 modules of Dagster, dbt and Great Expectations at every start)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(work_dir) / "pycache")
    return env


def floor_command(data: Path, db: Path, json_out: Path | None = None, periods: list[str] | None = None) -> list[str]:
    command = [sys.executable, "-m", "pipelines.bench.floor", "--data", str(data), "--db", str(db)]
    if json_out is not None:
        command += ["--json", str(json_out)]
    return command + (["--periods", *periods] if periods else [])


def probe_command(data: Path, warehouse: Path, timings: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipelines.bench.probe",
        "--data",
        str(data),
        "--warehouse",
        str(warehouse),
        "--timings",
        str(timings),
    ]


class Bench:
    def __init__(self, work_dir: Path, say=lambda _m: None):
        self.work_dir = Path(work_dir)
        self.say = say
        self.logs = self.work_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = bench_env(self.work_dir)
        self._n = 0

    def _log(self, name: str) -> Path:
        self._n += 1
        return self.logs / f"{self._n:03d}-{name}.log"

    def floor(self, data: Path, periods: list[str] | None, name: str) -> dict:
        db = self.work_dir / "floor.duckdb"
        out = self.work_dir / "floor.json"
        m = run_measured(floor_command(data, db, out, periods), log=self._log(f"floor-{name}"), env=self.env)
        if not m.ok:
            raise RuntimeError(f"the floor failed on {data} (log: {m.log})")
        loaded = json.loads(out.read_text())
        db.unlink(missing_ok=True)
        for leftover in (out, db.with_name(db.name + ".wal")):
            leftover.unlink(missing_ok=True)
        figures = {
            "seconds": m.seconds,
            "load_seconds": loaded["seconds"],
            "peak_rss": m.peak_rss,
            "rows": loaded["rows"],
            "files": loaded["files"],
            "skipped": loaded["skipped"],
        }
        self.say(f"  floor {name}: {m.seconds:.2f} s, {loaded['rows']:,} rows, {m.peak_rss / 2**30:.2f} GB")
        return figures

    def pipeline(self, data: Path, warehouse: Path, name: str, fresh: bool = True) -> dict:
        if fresh:
            shutil.rmtree(warehouse, ignore_errors=True)
        timings_file = self.work_dir / "probe.json"
        timings_file.unlink(missing_ok=True)
        m = run_measured(probe_command(data, warehouse, timings_file), log=self._log(f"run-{name}"), env=self.env)
        figures: dict = {"ok": m.ok, "seconds": m.seconds, "peak_rss": m.peak_rss, "log": m.log}
        if not timings_file.exists():
            self.say(f"  run {name}: FAILED before it ended (log: {m.log})")
            return figures
        timings = json.loads(timings_file.read_text())
        steps, runs = read_steps(warehouse, timings["run_ids"])
        figures["stages"] = split_stages(steps, timings["raw_check_intervals"], m.samples, m.started, m.seconds)
        figures["stages"]["total"]["peak_rss"] = m.peak_rss
        figures["other_parts"] = other_parts(
            steps,
            runs,
            m.started,
            m.seconds,
            timings["imported"],
            timings["finished"],
            figures["stages"]["other"]["seconds"],
        )
        periods = sorted(timings["ingested"])
        figures["periods"] = periods
        figures["rows"], figures["files"] = rows_read(warehouse, periods)
        if timings["run_ids"]:
            figures["dbt"] = dbt_nodes(warehouse, timings["run_ids"][-1])
        figures["failed"] = timings["failed"]
        split = ", ".join(
            f"{stage} {figures['stages'][stage]['seconds']:.1f}"
            for stage in ("ingestion", "dbt", "checks", "publish", "other")
        )
        self.say(
            f"  run {name}: {m.seconds:.1f} s ({split}), {figures['rows']:,} rows, "
            f"{m.peak_rss / 2**30:.2f} GB{'' if m.ok else ' FAILED'}"
        )
        return figures

    def warm_up(self) -> None:
        """One untimed run on the demo month: compiles and caches the bytecode of every module the
        pipeline, dbt and the floor import, and loads the files and libraries into the page cache."""
        data = D.ensure_dataset(D.case("demo").dataset, self.work_dir, self.say, env=self.env)
        self.say("warm-up: one untimed run of the floor and the pipeline on the demo month")
        warehouse = self.work_dir / "warehouse" / "warm-up"
        shutil.rmtree(warehouse, ignore_errors=True)
        db = self.work_dir / "warm-up.duckdb"
        for command in (floor_command(data, db), probe_command(data, warehouse, self.work_dir / "warm-up.json")):
            m = run_measured(command, log=self._log("warm-up"), env=self.env)
            if not m.ok:
                raise RuntimeError(f"the warm-up run failed (log: {m.log})")
        db.unlink(missing_ok=True)
        shutil.rmtree(warehouse, ignore_errors=True)

    def scale_case(self, case: D.Case, repeat: int) -> list[dict]:
        data = D.ensure_dataset(case.dataset, self.work_dir, self.say, env=self.env)
        D.warm(data)
        result = {
            "key": case.key,
            "label": case.label,
            "dataset": case.dataset.command(Path("DIR")),
            "floor": [],
            "runs": [],
        }
        for i in range(repeat):
            self.say(f"{case.label}: run {i + 1} of {repeat}")
            result["floor"].append(self.floor(data, None, case.key))
            result["runs"].append(self.pipeline(data, self.work_dir / "warehouse" / case.key, case.key))
        return [result]

    def incremental_case(self, case: D.Case, repeat: int) -> list[dict]:
        """12 months processed, then the 13th added (timed), against a full rebuild of the 13 months."""
        data = D.ensure_dataset(case.dataset, self.work_dir, self.say, env=self.env)
        periods = D.period_folders(data)
        base, new = periods[:-1], periods[-1]
        command = case.dataset.command(Path("DIR"))
        results = {
            "base": {
                "key": "incremental-base",
                "label": f"{case.label}: {len(base)} months, new warehouse",
                "dataset": command + f" (first {len(base)} months)",
                "floor": [],
                "runs": [],
            },
            "add": {
                "key": "incremental",
                "label": f"{case.label}: +1 month on {len(base)}",
                "dataset": command,
                "floor": [],
                "runs": [],
            },
            "full": {
                "key": "incremental-full",
                "label": f"{case.label}: {len(periods)} months, new warehouse",
                "dataset": command,
                "floor": [],
                "runs": [],
            },
        }
        view = self.work_dir / "data" / f"{case.dataset.name}-view"
        warehouse = self.work_dir / "warehouse" / "incremental"
        D.warm(data)
        for i in range(repeat):
            self.say(f"{case.label}: run {i + 1} of {repeat}")
            D.link_periods(data, view, base)
            results["base"]["floor"].append(self.floor(view, base, "incremental-base"))
            results["base"]["runs"].append(self.pipeline(view, warehouse, "incremental-base"))
            D.link_periods(data, view, [new], fresh=False)
            results["add"]["floor"].append(self.floor(view, [new], "incremental"))
            results["add"]["runs"].append(self.pipeline(view, warehouse, "incremental", fresh=False))
            results["full"]["floor"].append(self.floor(data, None, "incremental-full"))
            results["full"]["runs"].append(
                self.pipeline(data, self.work_dir / "warehouse" / "full", "incremental-full")
            )
        return [results["base"], results["add"], results["full"]]


def run_bench(cases: list[D.Case], repeat: int, work_dir: Path, say=lambda _m: None) -> dict:
    """Measure every case; returns the results (also written to <work_dir>/results/)."""
    bench = Bench(work_dir, say)
    bench.warm_up()
    results = {
        "measured_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "repeat": repeat,
        "bytecode": "cached (PYTHONPYCACHEPREFIX in the work folder), after one untimed warm-up run",
        "cases": [],
    }
    for case in cases:
        n = repeat if case.small else 1
        found = bench.incremental_case(case, n) if case.incremental else bench.scale_case(case, n)
        results["cases"] += found
        save_results(results, work_dir)
    results["machine"]["load_average_after"] = machine()["load_average"]
    path = save_results(results, work_dir)
    say(f"results: {path}")
    return results


def save_results(results: dict, work_dir: Path) -> Path:
    folder = Path(work_dir) / "results"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = results["measured_at"].replace(":", "").replace("-", "")[:15]
    path = folder / f"bench-{stamp}.json"
    text = json.dumps(results, ensure_ascii=False, indent=1)
    path.write_text(text, encoding="utf-8")
    (folder / "latest.json").write_text(text, encoding="utf-8")
    return path
