"""Shared fixtures: generated datasets (written once per test session and worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.generate import generate


@pytest.fixture(scope="session")
def dirty_dataset(tmp_path_factory) -> Path:
    """A small demo city over three months, with dirt on every row type, and its truth."""
    out = tmp_path_factory.mktemp("dirty") / "data"
    generate(out, preset="demo", scale=0.25, months=3, seed=7, dirty=0.08)
    return out


@pytest.fixture(autouse=True)
def audit_log(tmp_path, monkeypatch) -> Path:
    """Each test writes its downloads to a log of its own, never the repository's."""
    folder = tmp_path / "audit"
    monkeypatch.setenv("SAFETYNET_AUDIT", str(folder))
    return folder
