"""A dataset generated in parts (`safetynet generate --parts K`, pipelines/generate/parts.py): disjoint
identifiers across the parts, file names ingestion assigns to the right table and period, seeds and truth
of the whole, and one part the dataset as ever.

Assertions compare counts, sets' sizes and file names only: a failure must never print an ID number or a
name. Assertion rewriting is off for this module (the marker below), so pytest never shows the values an
assertion looked at.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.contract.tables import TABLES
from pipelines.generate import generate
from pipelines.generate.ids import IdFactory, is_valid, part_halves, part_sequence
from pipelines.generate.model import build_dataset
from pipelines.ingest.discover import discover
from pipelines.ingest.read import Unreadable, read_file

SCALE, MONTHS, SEED, PARTS = 0.1, 1, 4, 2
# the columns that must never be shared by two parts: join keys and numbers unique per row
KEYS = {
    "person_id": "person",
    "household_id": "household",
    "disability_card_no": "card",
    "payment_reference": "reference",
    "settlement_reference": "reference",
    "registration_reference": "reference",
}


@pytest.fixture(scope="module")
def frames():
    """The clean records of the two parts, as `generate(..., parts=2)` builds them."""
    return [
        build_dataset("demo", scale=SCALE / PARTS, months=MONTHS, seed=SEED, part=i, parts=PARTS) for i in range(PARTS)
    ]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("parts") / "ds"
    summary = generate(out, preset="demo", scale=SCALE, months=MONTHS, seed=SEED, reference=False, parts=PARTS)
    return out, summary


def _values(ds, column: str) -> set[str]:
    out: set[str] = set()
    for df in ds.records.values():
        if column in df.columns:
            out |= set(df[column].drop_nulls().to_list())
    return out


def _k(pid: str) -> int:
    return (int(pid[14:17]) - 1) // 2


def test_identifiers_disjoint_across_parts(frames):
    a, b = frames
    for column, kind in KEYS.items():
        va, vb = _values(a, column), _values(b, column)
        assert va and vb, column
        assert not va & vb, f"{kind} {column}: {len(va & vb)} shared by the parts"


def test_ids_valid_and_of_their_part(frames):
    for part, ds in enumerate(frames):
        ids = _values(ds, "person_id")
        assert all(is_valid(p) for p in ids), f"part {part}: an id is not valid"
        assert {_k(p) % PARTS for p in ids} == {part}, f"part {part}: a sequence of another part"
        # sequences of both sexes (odd: male)
        assert {int(p[16]) % 2 for p in ids} == {0, 1}
        cards = _values(ds, "disability_card_no")
        assert all(len(c) == 20 and is_valid(c[:18]) for c in cards), f"part {part}: a card number is not valid"
        # household keys: the part's own residue class
        keys = set(ds.records["dibao"]["household_id"].str.slice(12).cast(pl.Int64).to_list())
        assert {k % PARTS for k in keys} == {part}


def test_seeds_written_once(dataset, frames, tmp_path):
    out, _ = dataset
    whole = generate(tmp_path / "one", preset="demo", scale=SCALE, months=MONTHS, seed=SEED, reference=False)
    assert whole["periods"]
    for name in ("regions", "assistance_standards", "warning_rules"):
        assert (out / "seeds" / f"{name}.csv").read_bytes() == (tmp_path / "one" / "seeds" / f"{name}.csv").read_bytes()
    got = pl.read_csv(out / "seeds" / "region_population.csv", schema_overrides={"region_code": pl.String})
    want = (
        pl.concat([ds.seeds["region_population"] for ds in frames])
        .group_by("region_code", "year")
        .agg(pl.col("population_total", "population_urban", "population_rural").sum())
    )
    j = got.join(want, on=["region_code", "year"], how="full", suffix="_sum", coalesce=True)
    assert j.height == got.height == want.height
    for c in ("population_total", "population_urban", "population_rural"):
        assert j.filter(pl.col(c).ne_missing(pl.col(f"{c}_sum"))).height == 0, c
    # counties are still the sums of their townships
    county = got.filter(pl.col("region_code").str.ends_with("000000"))
    towns = (
        got.filter(~pl.col("region_code").str.ends_with("000000"))
        .group_by(pl.col("region_code").str.slice(0, 6).alias("c6"), "year")
        .agg(pl.col("population_total").sum())
    )
    chk = county.with_columns(c6=pl.col("region_code").str.slice(0, 6)).join(towns, on=["c6", "year"], suffix="_t")
    assert chk.height == county.height and (chk["population_total"] == chk["population_total_t"]).all()


def _part_of(file: str) -> int:
    m = re.search(r"_p(\d+)\.[^.]+$", file)
    return int(m.group(1)) if m else 0


def test_file_names_discovered(dataset):
    out, summary = dataset
    files = pl.read_csv(out / "truth" / "files.csv", infer_schema=False)
    assert files.height == summary["files"]
    found = {f.path: f for f in discover(out).files}
    for period, table, file in files.select("period", "table_name", "file").rows():
        f = found.get(file)
        assert f is not None and (f.table, f.period) == (table, period), file
    # every table has files of both parts; nothing else is assigned
    parts = files.with_columns(part=pl.col("file").map_elements(_part_of, return_dtype=pl.Int64))
    have = parts.group_by("table_name").agg(pl.col("part").unique().sort())
    assert {t: p for t, p in have.rows()} == {t: list(range(PARTS)) for t in TABLES}
    assert set(found) == set(files["file"])
    assert all(Path(p).name in ("readme.txt", "说明.docx") for p in discover(out).unassigned)


def test_rows_of_the_whole_are_the_parts(dataset):
    out, summary = dataset
    files = pl.read_csv(out / "truth" / "files.csv").with_columns(
        part=pl.col("file").map_elements(_part_of, return_dtype=pl.Int64)
    )
    by_part = files.group_by("part").agg(pl.col("rows_read", "rows_loaded").sum()).sort("part")
    assert by_part.height == PARTS and (by_part["rows_loaded"] > 0).all()
    assert int(by_part["rows_read"].sum()) == summary["rows_read"]
    assert int(by_part["rows_loaded"].sum()) == sum(summary["rows_loaded"].values())
    for t in TABLES:
        loaded = pl.read_parquet(out / "truth" / "loaded" / f"{t}.parquet")
        assert loaded.height == summary["rows_loaded"][t] == files.filter(table_name=t)["rows_loaded"].sum(), t
        per = loaded.group_by(pl.col("source_file").map_elements(_part_of, return_dtype=pl.Int64)).len()
        assert per.height == PARTS, t
    quarantine = pl.read_csv(out / "truth" / "quarantine.csv", infer_schema=False)
    assert quarantine.height == summary["rows_quarantined"]
    # its rows (the files rejected whole have no row number) are those files.csv counts
    assert quarantine.filter(pl.col("row_number").is_not_null()).height == files["rows_quarantined"].sum()
    rejected = files.filter(pl.col("status") == "rejected")
    assert rejected.height == summary["files_rejected"] and rejected["part"].n_unique() == PARTS


def test_ingestion_matches_the_truth_of_the_whole(dataset, capsys):
    """Files, quarantine, quality counts (no reference conflict or inconsistent household across parts) and
    loaded rows, as ingestion finds them."""
    from tests.ingest.compare_truth import main

    out, _ = dataset
    assert main(out) == 0


_ID = re.compile(r"[0-9]{17}[0-9X]([0-9]{2})?|[0-9]{15}")


def _raw_ids(out: Path, part: int) -> set[str]:
    """The id-like cells of a part's raw files (18-digit ids, the ids in card numbers, 15-digit legacy ids),
    read with ingestion's reader."""
    ids: set[str] = set()
    for f in discover(out).files:
        if _part_of(f.path) != part:
            continue
        try:
            sheet = read_file(out / f.path, TABLES[f.table])
        except Unreadable:
            continue
        for col in sheet.frame.columns:
            for v in sheet.frame[col].drop_nulls().to_list():
                s = unicodedata.normalize("NFKC", "".join(str(v).split())).upper()
                if _ID.fullmatch(s):
                    ids.add(s[:18] if len(s) == 20 else s)
    return ids


def test_raw_files_share_no_id(dataset):
    out, _ = dataset
    a, b = _raw_ids(out, 0), _raw_ids(out, 1)
    assert len(a) > 100 and len(b) > 100
    assert not a & b, f"{len(a & b)} ids in both parts' files"


def _tree_hash(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_one_part_is_the_dataset_as_ever(tmp_path):
    from pipelines.cli import main

    args = ["generate", "--preset", "demo", "--scale", "0.1", "--months", "1", "--seed", "3", "--no-reference"]
    runner = CliRunner()
    a = runner.invoke(main, [*args, "--out", str(tmp_path / "a")])
    b = runner.invoke(main, [*args, "--out", str(tmp_path / "b"), "--parts", "1"])
    assert a.exit_code == 0 and b.exit_code == 0
    ha, hb = _tree_hash(tmp_path / "a"), _tree_hash(tmp_path / "b")
    assert len(ha) > 40 and ha == hb


def test_cli_refuses_parts_it_cannot_make(tmp_path):
    from pipelines.cli import main

    runner = CliRunner()
    out = ["--out", str(tmp_path / "x"), "--scale", "0.1", "--months", "1"]
    r = runner.invoke(main, ["generate", *out, "--parts", "2"])
    assert r.exit_code == 2 and "--no-reference" in r.output
    r = runner.invoke(main, ["generate", *out, "--parts", "2", "--no-reference", "--preset", "report-2021"])
    assert r.exit_code == 2 and "demo" in r.output
    r = runner.invoke(main, ["generate", *out, "--parts", "0", "--no-reference"])
    assert r.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_id_factory_in_parts():
    rng = np.random.default_rng(1)
    n = 3000
    addr = np.full(n, 370902)
    birth = np.datetime64("1960-01-01") + rng.integers(0, 200, n)
    male = rng.random(n) < 0.5
    f = IdFactory(rng, part=1, parts=3)
    ids = f.make(addr, birth, male, other_share=0.0)
    assert len(set(ids)) == n and all(is_valid(p) for p in ids)
    assert {_k(p) % 3 for p in ids} == {1}
    assert all((int(p[16]) % 2 == 1) == m for p, m in zip(ids, male))
    assert set(part_halves(1, 3).tolist()) == {k for k in range(499) if k % 3 == 1}
    for draw in range(1000):
        s = part_sequence(draw, 2, 5)
        assert s % 2 == (draw + 1) % 2 and ((s - 1) // 2) % 5 == 2 and 1 <= s <= 998
    assert part_sequence(123, 0, 1) == 123


def test_full_birth_date_moves_earlier():
    """A part has 7 or 8 sequences per sex for an address and a birth date among 64 parts: the persons it
    cannot give one are born a day or two earlier, and their birth dates say so."""
    rng = np.random.default_rng(2)
    n = 20
    birth = np.full(n, np.datetime64("1970-05-05"), dtype="datetime64[D]")
    f = IdFactory(rng, part=63, parts=64)
    assert len(part_halves(63, 64)) == 7
    ids = f.make(np.full(n, 370902), birth, np.ones(n, bool), other_share=0.0)
    assert len(set(ids)) == n and all(is_valid(p) for p in ids)
    same = birth == np.datetime64("1970-05-05")
    assert same.sum() == 7 and (birth <= np.datetime64("1970-05-05")).all()
    assert all(p[6:14] == str(b).replace("-", "") for p, b in zip(ids, birth))
