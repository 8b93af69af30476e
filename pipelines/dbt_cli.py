"""dbt, pointed at one dataset and warehouse: the project copy and environment every dbt run uses.

dbt writes the SQL it ran for a seed to `target/run/<project>/<seed path>`; with an absolute seed path
(the dataset's seeds/ folder) that join IS the seed file, and dbt would overwrite the dataset. So each
warehouse gets its own copy of dbt_project/ with the dataset's seeds copied into its `seeds/` folder:
paths stay relative, the dataset is never written, and runs on different datasets never share files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipelines.settings import REPO_ROOT, Locations

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")  # this environment's dbt, PATH or not
REPO_PARSE_STATE = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
# Set for one warehouse's dbt run (the warehouse's parse state, the invocation's target folder):
# never inherited by another.
# The periods a build covers (macros/periods.sql), passed in the environment rather than as --vars: dbt
# parses the whole project again whenever its vars change (~5 s), but only the files that read an
# environment variable whose value changed (~3.8 s a run with a new from_period, measured 2026-12-02).
PERIOD_ENV = {"from_period": "SAFETYNET_DBT_FROM_PERIOD", "held_back_from": "SAFETYNET_DBT_HELD_BACK_FROM"}
WAREHOUSE_ENV = ("DBT_PARTIAL_PARSE_FILE_PATH", "DBT_TARGET_PATH", *PERIOD_ENV.values())
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
_PROJECT_FOLDERS = ("models", "macros", "tests")


def project_copy(locations: Locations) -> Path:
    """The warehouse's copy of the dbt project (models as in the repository, seeds of the dataset)."""
    return locations.warehouse / "dbt_project"


def ensure_project_dir(locations: Locations) -> Path:
    """The copy's folder with its project files, enough for a dbt resource to point at. Cheap and safe
    when several processes load the definitions at once (each file is replaced atomically)."""
    target = project_copy(locations)
    target.mkdir(parents=True, exist_ok=True)
    for name in _PROJECT_FILES:
        partial = target / f".{name}.{os.getpid()}"
        shutil.copy2(DBT_PROJECT_DIR / name, partial)
        os.replace(partial, target / name)
    return target


def prepare_project(locations: Locations) -> Path:
    """Refresh the warehouse's copy of the dbt project before dbt runs; returns its folder. One run
    writes a warehouse at a time, so one process refreshes its copy at a time."""
    target = ensure_project_dir(locations)
    for name in (*_PROJECT_FOLDERS, "seeds"):
        shutil.rmtree(target / name, ignore_errors=True)
    for name in _PROJECT_FOLDERS:
        if (DBT_PROJECT_DIR / name).exists():
            shutil.copytree(DBT_PROJECT_DIR / name, target / name, dirs_exist_ok=True)
    (target / "seeds").mkdir(exist_ok=True)
    for seed in sorted(locations.seeds.glob("*.csv")):
        shutil.copy2(seed, target / "seeds" / seed.name)
    # A new warehouse starts from the repository's parse state, made by `dbt parse` of the same models
    # and profile: only its seeds are parsed (keep_parse_state keeps it from then on).
    if not parse_state(locations).exists() and REPO_PARSE_STATE.exists():
        shutil.copy2(REPO_PARSE_STATE, parse_state(locations))
    return target


def dbt_env(locations: Locations, periods: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a dbt run on the warehouse (in its project copy, whose profile points at the
    working file beside it): the warehouse's parse state, once there is one (dbt refuses a path that does
    not exist; without it dbt parses everything and writes the state to its target folder, from which
    keep_parse_state keeps it), and the build's periods (`from_period`, `held_back_from`: PERIOD_ENV)."""
    state = parse_state(locations)
    env = {"DBT_PARTIAL_PARSE_FILE_PATH": str(state)} if state.exists() else {}
    return env | {PERIOD_ENV[name]: value for name, value in (periods or {}).items() if value}


def without_warehouse_env() -> dict[str, str]:
    """This process's environment without the variables that belong to one warehouse's dbt run, so none
    reaches a dbt run on another project copy."""
    return {k: v for k, v in os.environ.items() if k not in WAREHOUSE_ENV}


def parse_state(locations: Locations) -> Path:
    return project_copy(locations) / "partial_parse.msgpack"


def keep_parse_state(locations: Locations, target: Path) -> None:
    """Keep what dbt parsed in one file per warehouse, not only in the invocation's own target folder
    (dagster-dbt gives each its own): the next run with the same vars re-parses only the files that
    changed (a full parse is ~5 s). Once the file exists dbt reads and rewrites it in place."""
    written = Path(target) / "partial_parse.msgpack"
    if written.exists() and not parse_state(locations).exists():
        shutil.copy2(written, parse_state(locations))


def dbt(locations: Locations, *args: str, vars: dict | None = None, check: bool = True):
    """Run one dbt command (build, test, docs generate, ...) in a subprocess, for tests and tools."""
    project = prepare_project(locations)
    command = [DBT_EXECUTABLE, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    if vars:
        command += ["--vars", json.dumps(vars)]
    result = subprocess.run(
        command,
        env={**without_warehouse_env(), **dbt_env(locations)},
        check=check,
        capture_output=True,
        text=True,
        cwd=project,
    )
    keep_parse_state(locations, project / "target")
    return result
