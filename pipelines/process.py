"""The process itself: how a SafetyNet program ends (the `safetynet` command and the benchmark's probe
alike), and handing freed memory back between the steps of a run."""

from __future__ import annotations

import sys


def end_process(code: int) -> None:
    """End the process without Python's own shutdown, which tears the ~5,000 modules of Dagster, dbt and
    Great Expectations down one object at a time (~2 s after every run). Every command has committed and
    closed what it wrote by then; the exit handlers still run and the output is flushed."""
    import atexit
    import logging
    import os

    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def release_memory() -> None:
    """Give the memory a finished step freed back to the system. A province's table leaves gigabytes of
    freed pandas and Arrow buffers in the C allocator's arenas, which would otherwise stay in the
    process's RSS through the dbt build that follows, beside dbt's own DuckDB (glibc only; elsewhere a
    no-op). No `gc.collect()`: the frames are freed by reference counting, and a full collection over
    Dagster's, dbt's and Great Expectations' objects costs ~0.4 s a step."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
