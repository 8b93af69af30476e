"""Reading and validating the files of a table and period in worker processes, one file per task.

Reading a workbook and building its cells is Python work under the GIL (calamine hands over Python
objects), so threads would not help; processes keep every core busy while the step's own process waits
for them and then writes DuckDB alone (one writer per file). The workers are started once per process
(spawned: a forked Dagster process could inherit held locks) and reused by every table of a run; the
largest files go first so that the last task is a small one. `SAFETYNET_INGEST_WORKERS` sets how many
(1 reads in the calling process, as before); unset, the machine's cores once a table's files of a period
reach `MIN_BYTES` (starting a worker costs about a second of imports: the demo city's month, a few MB,
is read faster in the step's own process).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipelines.ingest.discover import FoundFile
from pipelines.ingest.validate import Context, FileResult, IngestError, process_file
from pipelines.process import release_memory

WORKERS_ENV = "SAFETYNET_INGEST_WORKERS"
MIN_BYTES = 16 * 2**20
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def worker_count(total_bytes: int | None = None) -> int:
    """Workers for files of `total_bytes` (None: as many as would be used for large files)."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        return max(1, int(value))
    if total_bytes is not None and total_bytes < MIN_BYTES:
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_files(files: list[FoundFile], dataset: Path, ctx: Context) -> list[FileResult]:
    """`process_file` of every file, in the order given (the results are the same as in one process)."""
    sizes = [_size(Path(dataset) / f.path) for f in files]
    workers = min(worker_count(sum(sizes)), len(files))
    if workers <= 1:
        return [process_file(f, dataset, ctx) for f in files]
    by_size = sorted(range(len(files)), key=lambda i: -sizes[i])
    pool = _workers(worker_count())
    futures = {i: pool.submit(_task, files[i], dataset, ctx) for i in by_size}
    try:
        return [futures[i].result() for i in range(len(files))]
    except BrokenProcessPool:  # a worker died (killed for memory, say); every pending file fails alike
        shutdown()
        raise IngestError(f"{ctx.table.name} {ctx.period}: a worker process ended abnormally") from None


def _task(found: FoundFile, dataset: Path, ctx: Context) -> FileResult:
    release_memory()  # what the worker's previous file left in the allocator, before reading this one
    return process_file(found, dataset, ctx)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _workers(n: int) -> ProcessPoolExecutor:
    global _pool, _pool_size
    if _pool is None or _pool_size != n:
        shutdown()
        _pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))
        _pool_size = n
    return _pool


def shutdown() -> None:
    """End the workers (the end of a run's ingestion: their memory is not held through the build)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)
