"""Great Expectations, in one place: the file data context of a warehouse, its Data Docs site, running a
suite and storing its result, and retention of old validation results.

Great Expectations is imported lazily (its import takes seconds). The context of a warehouse lives at
`<warehouse>/gx/` and is cached per warehouse folder for the process; a lock serialises its use, since a
data context is not safe to share between threads. Suites are made from code and written with
add_or_update on every run (the stored JSON feeds the report's suite pages); results are stored as a
checkpoint would store them, without one.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

SITE = "safetynet"
DATASOURCE = "safetynet"
# One dataframe asset (and batch definition) for every suite: adding an asset rewrites the project's
# YAML, which grows with each one, so an asset per suite cost a fresh warehouse seconds on every run.
ASSET = "frames"
BATCH = "whole_frame"
# The static HTML lives beside the GX project, at <warehouse>/data_docs/ (relative to <warehouse>/gx, so
# a moved warehouse folder keeps working).
SITE_CONFIG = {
    "class_name": "SiteBuilder",
    "show_how_to_buttons": False,
    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": "../data_docs/"},
}

LOCK = threading.RLock()
_CONTEXTS: dict[str, Any] = {}
_UNDOCUMENTED: dict[str, list] = {}  # per warehouse: results validated since the last update_docs

# Result formats. SUMMARY: counts and a few unexpected values (never of a person column: the frames hold
# none). indexed(): the unexpected rows named by their index columns (periods, codes), all or a few.
SUMMARY = {"result_format": "SUMMARY"}


def indexed(result_format: str, index_columns: list[str]) -> dict:
    return {
        "result_format": result_format,
        "unexpected_index_column_names": index_columns,
        "return_unexpected_index_query": False,
    }


@functools.cache
def import_in_background() -> None:
    """Start importing Great Expectations in a thread (once per process): its ~6 s of Python imports
    then overlap the reading of the files, mostly outside Python, that comes before the contracts."""
    threading.Thread(target=gx_module, name="import-great-expectations", daemon=True).start()


def gx_module():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    # Its own loggers can quote a failing value in a warning: keep them to errors.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx


def docs_root(warehouse: Path) -> Path:
    return Path(warehouse) / "data_docs"


def context(warehouse: Path):
    """The file data context at <warehouse>/gx, made on first use and cached for the process."""
    root = Path(warehouse).resolve()
    with LOCK:
        ctx = _CONTEXTS.get(str(root))
        if ctx is None:
            ctx = _make_context(root)
            _CONTEXTS[str(root)] = ctx
        return ctx


def _make_context(root: Path):
    gx = gx_module()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    bars = ctx.variables.progress_bars  # a ProgressBarsConfig, or a dict when read from the YAML
    if isinstance(bars, ProgressBarsConfig):
        bars = {"globally": bars.globally, "metric_calculations": bars.metric_calculations}
    if not bars or bars.get("globally", True) or bars.get("metric_calculations", True):
        # "Calculating Metrics" bars on stderr, off for every validation of this context.
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        ctx.variables.save()
    sites = dict(ctx.config.data_docs_sites or {})
    if list(sites) != [SITE] or sites[SITE] != SITE_CONFIG:
        for name in sites:  # the default local_site under gx/uncommitted is not used
            ctx.delete_data_docs_site(name)
        ctx.add_data_docs_site(SITE, SITE_CONFIG)
    try:
        ctx.data_sources.get(DATASOURCE)
    except (KeyError, ValueError, LookupError):
        ctx.data_sources.add_pandas(DATASOURCE)
    return ctx


def _batch_definition(ctx):
    source = ctx.data_sources.get(DATASOURCE)
    try:
        asset = source.get_asset(ASSET)
    except LookupError:
        asset = source.add_dataframe_asset(ASSET)
    try:
        return asset.get_batch_definition(BATCH)
    except (KeyError, LookupError):
        return asset.add_batch_definition_whole_dataframe(BATCH)


def run_suite(
    warehouse: Path,
    suite_name: str,
    expectations: list,
    frame: pd.DataFrame,
    *,
    run_name: str,
    result_format: dict,
    keep: int,
):
    """Validate `frame` against the suite and store the result (the ExpectationSuiteValidationResult,
    returned) where a checkpoint would, for Data Docs. Only the newest `keep` results of the suite are
    kept. The result's Data Docs page is written by the next `update_docs` (once per check step: the
    index reads every stored result, so rebuilding it after each validation cost most of the checks' time).

    What ValidationDefinition.run does, without a checkpoint and a validation definition saved and
    checked for freshness on every run: those JSON round trips were about half of a suite's cost (~0.1 s
    each, ×5 suites per table), and nothing reads them (the report is built from the stored results)."""
    gx = gx_module()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.validator.v1_validator import Validator

    with LOCK:
        ctx = context(warehouse)
        # The suite is stored for its page in the report (pipelines/quality/docs.py write_suite_pages).
        suite = ctx.suites.add_or_update(gx.ExpectationSuite(name=suite_name, expectations=expectations))
        # Older results go before the run; their pages go when the site is next finished (docs.finish_site).
        prune(ctx, suite_name, keep - 1)
        validator = Validator(
            batch_definition=_batch_definition(ctx),
            batch_parameters={"dataframe": frame},
            result_format=result_format,
        )
        validation = validator.validate_expectation_suite(suite)
        run_id = RunIdentifier(run_name=run_name, run_time=datetime.datetime.now(datetime.UTC))
        validation.meta |= {"run_id": run_id, "validation_time": run_id.run_time, "batch_parameters": None}
        identifier = ValidationResultIdentifier(
            batch_identifier=validator.active_batch_id,
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=run_id,
        )
        ctx.validation_results_store.set(identifier, validation)
        _UNDOCUMENTED.setdefault(str(Path(warehouse).resolve()), []).append(identifier)
        return validation


def update_docs(warehouse: Path) -> None:
    """Write the Data Docs pages of the results validated since the last call, and the index."""
    with LOCK:
        identifiers = _UNDOCUMENTED.pop(str(Path(warehouse).resolve()), [])
        if identifiers:
            context(warehouse).build_data_docs(site_names=[SITE], resource_identifiers=identifiers, build_index=False)
            from pipelines.quality.docs import finish_site

            finish_site(warehouse)  # offline and private: no CDN, no tracking logo; our own index


def validate_slices(
    warehouse: Path,
    suite_name: str,
    make_expectations: Callable[[], list],
    slices: Iterable[tuple[str, pd.DataFrame]],
) -> dict[str, list[int]]:
    """Validate the expectations again on each slice of the frame, without storing anything; for each
    slice key the positions of the expectations that fail on it (used to tell which periods breached)."""
    gx = gx_module()
    failing: dict[str, list[int]] = {}
    with LOCK:
        ctx = context(warehouse)
        definition = _batch_definition(ctx)
        for key, part in slices:
            batch = definition.get_batch(batch_parameters={"dataframe": part})
            suite = gx.ExpectationSuite(name=f"{suite_name}.slice", expectations=make_expectations())
            result = batch.validate(suite, result_format="BOOLEAN_ONLY")
            failing[key] = [i for i, r in enumerate(result.results) if not r.success]
    return failing


def prune(ctx, suite_name: str, keep: int) -> None:
    """Delete all but the newest `keep` validation results of a suite from the store (their Data Docs
    pages go when the index is next built)."""
    store = ctx.validation_results_store
    keys = [k for k in store.list_keys() if k.expectation_suite_identifier.name == suite_name]
    keys.sort(key=lambda k: (str(k.run_id.run_time), k.run_id.run_name or ""))
    for key in keys[: max(len(keys) - keep, 0)]:
        store.remove_key(key)


def index_page(warehouse: Path) -> Path:
    return docs_root(warehouse) / "index.html"
