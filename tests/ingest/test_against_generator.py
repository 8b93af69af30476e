"""Ingestion reproduces the generator's truth exactly (files, quarantine, quality counts, loaded rows)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("seed,dirty", [(1, 0.03), (7, 0.3)])
def test_matches_generator_truth(tmp_path, seed, dirty, capsys):
    gen = pytest.importorskip("pipelines.generate")
    from tests.ingest.compare_truth import main

    ds = tmp_path / "ds"
    gen.generate(ds, preset="demo", scale=0.03, months=2, seed=seed, dirty=dirty)
    assert main(ds) == 0
