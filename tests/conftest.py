"""Shared fixtures: generated datasets (written once per test session and worker), and the grouping that
lets each session-scoped warehouse be built once per test run under pytest-xdist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.generate import generate


@pytest.fixture(scope="session")
def dirty_dataset(tmp_path_factory) -> Path:
    """A small demo city over three months, with dirt on every row type, and its truth."""
    out = tmp_path_factory.mktemp("dirty") / "data"
    generate(out, preset="demo", scale=0.25, months=3, seed=7, dirty=0.08)
    return out


@pytest.fixture(scope="session", autouse=True)
def feedback_store_path(tmp_path_factory):
    """The feedback store of this test session (per worker), never the repository's: every warehouse a
    test builds records its publications and issue times there. A test that needs a store of its own
    sets SAFETYNET_FEEDBACK itself."""
    path = tmp_path_factory.mktemp("feedback") / "feedback.sqlite"
    previous = os.environ.get("SAFETYNET_FEEDBACK")
    os.environ["SAFETYNET_FEEDBACK"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("SAFETYNET_FEEDBACK", None)
    else:
        os.environ["SAFETYNET_FEEDBACK"] = previous


@pytest.fixture(autouse=True)
def audit_log(tmp_path, monkeypatch) -> Path:
    """Each test writes its downloads to a log of its own, never the repository's."""
    folder = tmp_path / "audit"
    monkeypatch.setenv("SAFETYNET_AUDIT", str(folder))
    return folder


# Session fixtures that build a warehouse (a minute or two each). xdist runs `--dist loadgroup`: every
# test of a module goes to the module's group, and the modules that use one of these fixtures go to the
# fixture's group, so one worker builds it once instead of each worker that runs such a module.
SHARED_WAREHOUSES = ("demo_warehouse", "report_warehouse", "app_warehouse", "taian", "jining", "dirty_dataset")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):  # `-p no:xdist`: one process, no groups
        return
    by_module: dict[str, str] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        shared = next((f for f in SHARED_WAREHOUSES if f in getattr(item, "fixturenames", ())), None)
        if shared and module not in by_module:
            by_module[module] = shared
    for item in items:
        module = item.nodeid.split("::")[0]
        group = by_module.get(module, module)
        item.add_marker(pytest.mark.xdist_group(group))
        if getattr(config.option, "loadgroup", False):  # set in a worker under --dist loadgroup
            # What xdist 3.8 does to `item._nodeid`, which pytest 9 no longer reads (its nodeid is `_id`):
            # the group after '@' is how the controller keeps a group on one worker.
            item._id = f"{item.nodeid}@{group}"
