"""The dbt models as Dagster assets, downstream of the raw assets; dbt tests become asset checks.

Sources `source('raw', <table>)` map to the asset keys ["raw", <table>] of the ingestion assets, so the
graph connects without glue. Periods are incremental: the build covers the periods from `from_period`
on (the marts keep the earlier ones). Unset, it is the first period not yet published
(meta.build_pending, marked by the ingestion); every period when the marts do not exist yet, nothing is
pending, or with `full_refresh`. Periods from the first one whose raw data breaches a blocking contract
(`held_back_from`) are left out: they wait for corrected extracts, the earlier ones are published.
"""

import os
import subprocess
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from pipelines.assets.resources import Warehouse
from pipelines.dbt_cli import (
    DBT_EXECUTABLE,
    DBT_PROJECT_DIR,
    WAREHOUSE_ENV,
    dbt_env,
    ensure_project_dir,
    keep_parse_state,
    prepare_project,
    without_warehouse_env,
)
from pipelines.ingest.load import ensure_schema
from pipelines.runs import build_from, held_back_from

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _project_changed_since(path: Path) -> bool:
    built = path.stat().st_mtime if path.exists() else 0.0
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        files += (DBT_PROJECT_DIR / folder).rglob("*.*")
    return any(f.stat().st_mtime > built for f in files if f.is_file())


def ensure_manifest() -> Path:
    """The manifest must exist before the definitions load, and describe the models as they are now:
    parse the project when it is missing or older than a model, macro or seed header."""
    if _project_changed_since(DBT_PROJECT.manifest_path):
        parsed = subprocess.run(
            [DBT_EXECUTABLE, "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
            env=without_warehouse_env(),
            capture_output=True,
            text=True,
        )
        if parsed.returncode != 0:
            raise RuntimeError("dbt could not parse dbt_project/:\n" + parsed.stdout[-2000:])
    return DBT_PROJECT.manifest_path


class DbtBuildConfig(dg.Config):
    from_period: str | None = None  # rebuild the periods from this month on; None: those not published
    full_refresh: bool = False


def build_vars(config: DbtBuildConfig, warehouse: Warehouse) -> dict[str, str]:
    """The build's periods: `from_period`, the first period to build (absent: every period), and
    `held_back_from`, the first period whose raw data breaches a blocking contract (absent: none held
    back). dbt reads them from the environment (pipelines/dbt_cli.py PERIOD_ENV)."""
    with warehouse.connect() as con:
        first = None if config.full_refresh else (config.from_period or build_from(con))
        held = held_back_from(con)
    return {k: v for k, v in (("from_period", first), ("held_back_from", held)) if v}


# No `project=` here: dbt runs in the warehouse's copy of the project (the resource's project_dir).
@dbt_assets(manifest=ensure_manifest())
def warehouse_models(
    context: dg.AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource, warehouse: Warehouse
):
    """Seeds, staging, intermediate and marts of dbt_project/, built and tested with `dbt build`."""
    # The warehouse's own copy of the project, holding the dataset's seeds (pipelines/dbt_cli.py).
    prepare_project(warehouse.locations)
    with warehouse.connect() as con:
        # The staging views read every raw table of the contract: a table added to the contract since the
        # warehouse was last ingested (a department that has sent nothing yet) exists, empty.
        ensure_schema(con)
    # Unit tests check the SQL on fixtures, not the data: `make test` runs them; a data run skips them.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    variables = build_vars(config, warehouse)
    first, held = variables.get("from_period"), variables.get("held_back_from")
    context.log.info(
        f"dbt build of {'the periods from ' + first if first else 'every period'}"
        + (f", before {held} (held back: raw data breaches a blocking contract)" if held else "")
    )
    # dbt runs as a subprocess in the warehouse's project copy, with this process's environment (dagster-dbt
    # passes it on): none of another warehouse's variables, this one's parse state. The in-process
    # executor runs one step at a time.
    for name in WAREHOUSE_ENV:
        os.environ.pop(name, None)
    os.environ.update(dbt_env(warehouse.locations, variables))
    invocation = dbt.cli(args, context=context)
    yield from invocation.stream()
    keep_parse_state(warehouse.locations, invocation.target_path)


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's resource without two start-up costs this project does not need (~5 s a run):
    `dbt --version` in a subprocess to learn the version (the executable is this environment's dbt, whose
    version the package metadata holds), and an in-process dbt adapter, used only to fetch row counts and
    column metadata after the build, which the assets do not ask for."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource(locations) -> DbtCliResource:
    """dbt on the warehouse's copy of the project (its folder made here, so the resource can check it
    exists; the asset fills it with the models and the dataset's seeds when it runs)."""
    project = ensure_project_dir(locations)
    return WarehouseDbt(project_dir=str(project), profiles_dir=str(project), dbt_executable=DBT_EXECUTABLE)
