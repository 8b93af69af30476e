"""Run a command as a subprocess and measure it: wall time and the RSS of its whole process tree.

The tree's RSS (the process and every descendant, e.g. the dbt subprocess) is sampled every `interval`
seconds with psutil, with a wall-clock time stamp per sample, so that stages known by their start and end
times can be given their own peak. Shared pages are counted once per process that maps them: the sum is
an upper bound of what the tree holds, and what a machine must have free for it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

INTERVAL = 0.1  # seconds between two RSS samples


@dataclass
class Measurement:
    command: list[str]
    returncode: int
    started: float  # time.time() at launch
    seconds: float  # wall time, launch to exit
    peak_rss: int  # bytes, the largest sample of the tree's RSS
    samples: list[tuple[float, int]] = field(default_factory=list)  # (time.time(), tree RSS in bytes)
    log: str | None = None  # the file holding the command's stdout and stderr

    @property
    def ended(self) -> float:
        return self.started + self.seconds

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def tree_rss(process: psutil.Process) -> int:
    """RSS in bytes of a process and all its descendants (0 for any that ended meanwhile)."""
    try:
        members = [process, *process.children(recursive=True)]
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return total


def run_measured(
    command: list[str],
    *,
    log: Path | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
    interval: float = INTERVAL,
) -> Measurement:
    """Run `command` to its end, sampling its tree's RSS; its output goes to `log` (or is discarded)."""
    out = open(log, "w", encoding="utf-8") if log else subprocess.DEVNULL
    samples: list[tuple[float, int]] = []
    try:
        started = time.time()
        t0 = time.monotonic()
        popen = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        done = threading.Event()

        def sample() -> None:
            try:
                process = psutil.Process(popen.pid)
            except psutil.NoSuchProcess:
                return
            while not done.is_set():
                rss = tree_rss(process)
                if rss:
                    samples.append((time.time(), rss))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 gives the child's own peak (ru_maxrss: the largest single process among it and its
        # waited-for descendants), a floor under the sampled sum even for a run shorter than a sample.
        _, status, usage = os.wait4(popen.pid, 0)
        seconds = time.monotonic() - t0
        returncode = popen.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    finally:
        if log:
            out.close()
    peak = max(max((rss for _, rss in samples), default=0), usage.ru_maxrss * 1024)
    return Measurement(list(map(str, command)), returncode, started, seconds, peak, samples, str(log) if log else None)


def median(values):
    """The median of the values that are not None (None when there is none)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def peak_between(samples: list[tuple[float, int]], windows: list[tuple[float, float]]) -> int | None:
    """The largest sample taken inside any of the (start, end) windows; None when none was."""
    inside = [rss for t, rss in samples if any(a <= t <= b for a, b in windows)]
    return max(inside) if inside else None


def machine() -> dict:
    """What the figures were measured on: cores, memory, CPU model, load, library versions."""
    from importlib.metadata import PackageNotFoundError, version

    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("polars", "duckdb", "dagster", "dbt-core", "dbt-duckdb", "great-expectations", "fastexcel"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            pass
    import platform

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": model,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
    }
