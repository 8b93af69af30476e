"""`safetynet run`, as the benchmark times it: the same function with the same arguments, plus a timer.

    python -m pipelines.bench.probe --data DIR --warehouse DIR --timings FILE [--full-refresh]

The raw tables' data contracts run inside the ingestion steps (pipelines/assets/raw.py), so the step
events cannot tell them apart from reading the files. This probe wraps the `check_raw` the ingestion
assets call with a timer (nothing else changes) and writes, beside the run's outcome, when the process
started, when its imports were done, and every interval spent in those checks (time.time() stamps, the
clock of Dagster's events and of the RSS samples).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

STARTED = time.time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.bench.probe")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--timings", type=Path, required=True)
    parser.add_argument("--full-refresh", action="store_true")
    args = parser.parse_args(argv)

    import pipelines.assets.raw as raw_assets
    from pipelines.run import run_pipeline
    from pipelines.settings import Locations

    intervals: list[tuple[float, float]] = []
    check_raw = raw_assets.check_raw

    def timed_check_raw(*a, **k):
        t0 = time.time()
        try:
            return check_raw(*a, **k)
        finally:
            intervals.append((t0, time.time()))

    raw_assets.check_raw = timed_check_raw
    imported = time.time()
    summary = run_pipeline(
        Locations(args.data.resolve(), args.warehouse.resolve()),
        full_refresh=args.full_refresh,
        progress=lambda m: print(m, file=sys.stderr),
    )
    finished = time.time()
    print(summary.describe())
    args.timings.write_text(
        json.dumps(
            {
                "started": STARTED,
                "imported": imported,
                "finished": finished,
                "ok": summary.ok,
                "run_ids": summary.run_ids,
                "ingested": summary.ingested,
                "failed": summary.failed,
                "raw_check_intervals": intervals,
            },
            indent=1,
        )
    )
    return 0 if summary.ok else 1


if __name__ == "__main__":
    from pipelines.process import end_process

    end_process(main())  # as the `safetynet` program ends
