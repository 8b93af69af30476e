"""dbt, pointed at one dataset and warehouse: the environment every dbt invocation of SafetyNet uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipelines.settings import REPO_ROOT, Locations

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def dbt_env(locations: Locations) -> dict[str, str]:
    """The dataset's seeds are the dbt seeds; the working DuckDB file is the dbt target."""
    return {
        "SAFETYNET_DUCKDB": str(locations.duckdb_path),
        "SAFETYNET_SEEDS": str(locations.seeds),
        "DBT_TARGET_PATH": str(locations.warehouse / "dbt_target"),
        "DBT_LOG_PATH": str(locations.warehouse / "dbt_logs"),
    }


def dbt(locations: Locations, *args: str, vars: dict | None = None, check: bool = True):
    """Run one dbt command (build, test, docs generate, ...) in a subprocess, for tests and tools."""
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR)]
    if vars:
        command += ["--vars", json.dumps(vars)]
    return subprocess.run(command, env={**os.environ, **dbt_env(locations)}, check=check,
                          capture_output=True, text=True)
