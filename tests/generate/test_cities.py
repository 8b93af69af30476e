"""The city of `safetynet generate` is a parameter (pipelines/generate/cities.py): `taian` and `jining`.

The jining seeds carry only 济宁's codes and its own rule settings; the taian output is unchanged by the
parameter, and with the departments and the population sizing off it is byte for byte the output of the
code before they existed (a recorded hash of a small generation). Messages carry counts, codes of regions
and rule ids only, never a person id or a name; assertion rewriting is off for this module.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.contract import RULE_IDS
from pipelines.contract.tables import TABLES
from pipelines.generate import generate
from pipelines.generate.cities import CITIES, JINING, TAIAN, get_city
from pipelines.generate.model import build_dataset

JINING_COUNTIES = {370811, 370812, 370826, 370827, 370828, 370829, 370830, 370831, 370832, 370881, 370883}

# sha256 over raw/ and seeds/ (sorted relative paths and bytes) of
# `safetynet generate --preset demo --months 2 --scale 0.2 --seed 3 --no-departments --legacy-population`,
# recorded with the code before the four departments joined (commit 8cf5111, which wrote the same files as
# the code before the city became a parameter): with both switches off the output stays byte for byte the
# same. The files depend on the writers of polars/xlsxwriter/xlwt too: a library upgrade that changes their
# bytes changes it.
LEGACY_HASH = "7932692f522356ddc47d2fce22fd2090e3659f8731ce9036755016601b0d74dc"
TAIAN_ARGS = dict(preset="demo", months=2, scale=0.2, seed=3)


def tree_hash(root: Path, subs=("raw", "seeds", "truth")) -> str:
    h = hashlib.sha256()
    for sub in subs:
        for path in sorted(p for p in (root / sub).rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix().encode()
            h.update(len(rel).to_bytes(4, "big") + rel)
            data = path.read_bytes()
            h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


@pytest.fixture(scope="module")
def jining_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("jining") / "data"
    generate(out, preset="demo", months=2, scale=0.1, seed=4, dirty=0.03, city="jining")
    return out


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_cities_registered():
    assert set(CITIES) == {"taian", "jining"}
    assert get_city("taian") is TAIAN and get_city(JINING) is JINING
    with pytest.raises(ValueError):
        get_city("nowhere")
    assert {c.code for c in JINING.counties} == JINING_COUNTIES
    assert JINING.city == ("370800000000", "济宁市") and JINING.province == ("370000000000", "山东省")


def test_jining_regions_carry_only_jining_codes(jining_data):
    rows = read_csv(jining_data / "seeds" / "regions.csv")
    province = [r for r in rows if r["level"] == "province"]
    assert len(province) == 1 and province[0]["region_code"] == "370000000000"
    others = [r for r in rows if r["level"] != "province"]
    bad = [r for r in others if not r["region_code"].startswith("3708") or len(r["region_code"]) != 12]
    assert not bad, f"{len(bad)} region codes outside 3708"
    bad_parent = [r for r in others if r["level"] != "city" and not r["parent_code"].startswith("3708")]
    assert not bad_parent, f"{len(bad_parent)} parent codes outside 3708"
    counties = {int(r["region_code"][:6]) for r in rows if r["level"] == "county"}
    assert counties == JINING_COUNTIES, f"counties {sorted(counties)}"
    city = [r for r in rows if r["level"] == "city"]
    assert [r["region_code"] for r in city] == ["370800000000"]
    towns = sum(r["level"] == "township" for r in rows)
    villages = sum(r["level"] == "village" for r in rows)
    assert towns >= 8 * len(JINING_COUNTIES) and villages > towns, f"{towns} townships, {villages} villages"
    for name in ("regions.csv", "assistance_standards.csv"):
        assert "3709" not in (jining_data / "seeds" / name).read_text(encoding="utf-8"), f"3709 in {name}"


def test_jining_standards(jining_data):
    rows = read_csv(jining_data / "seeds" / "assistance_standards.csv")
    assert {int(r["county_code"][:6]) for r in rows} == JINING_COUNTIES
    assert all(r["county_code"].endswith("000000") for r in rows)
    assert {r["effective_from"][5:] for r in rows} == {"07-01"}, "raises on 1 July"
    assert {r["near_dibao_multiplier"] for r in rows} == {"1.30"}
    latest = [r for r in rows if r["effective_from"] == "2026-07-01"]
    assert len(latest) == len(JINING_COUNTIES)
    for r in latest:
        assert 760 <= float(r["dibao_rural"]) <= 820, r["county_code"]
        assert 960 <= float(r["dibao_urban"]) <= 1010, r["county_code"]


def test_jining_warning_rules(jining_data):
    rules = {r["rule_id"]: r for r in read_csv(jining_data / "seeds" / "warning_rules.csv")}
    assert set(rules) == set(RULE_IDS)
    assert rules["W03"]["enabled"] == "false"
    assert all(r["enabled"] == "true" for k, r in rules.items() if k != "W03")
    assert rules["W02"]["severity"] == "orange"
    assert json.loads(rules["W04"]["params"]) == {"within_days": 45}
    assert json.loads(rules["W07"]["params"]) == {"drop_ratio": 0.25}
    assert json.loads(rules["W05"]["params"]) == {"self_care_levels": ["全失能", "半失能"]}


def test_jining_person_ids_born_in_the_city():
    ds = build_dataset("demo", scale=0.1, months=2, seed=4, city="jining")
    ids = pl.concat([df.select("person_id") for df in ds.records.values()]).unique()
    prefix = ids["person_id"].str.slice(0, 6).cast(pl.Int64)
    in_city = prefix.is_in(list(JINING_COUNTIES))
    elsewhere = prefix.is_in(list(JINING.other_codes))
    assert (in_city | elsewhere).all(), f"{(~(in_city | elsewhere)).sum()} ids of unknown birthplace"
    assert in_city.mean() > 0.9, f"{in_city.sum()} of {len(ids)} born in the city"
    assert not prefix.is_in([c.code for c in TAIAN.counties]).any(), "ids of 泰安 counties"
    assert set(prefix.filter(in_city).to_list()) == JINING_COUNTIES, "every county has people born there"
    regions = ds.seeds["regions"]
    villages = regions.filter(pl.col("level") == "village")["region_code"]
    counties = regions.filter(pl.col("level") == "county")["region_code"]
    for t, df in ds.records.items():
        if "region_code" in df.columns:  # a village, or the county for the departments that know no villages
            places = counties if TABLES[t].county_coded else villages
            assert df["region_code"].is_in(places.implode()).all(), t


def test_taian_unchanged(tmp_path):
    generate(tmp_path / "a", reference=False, **TAIAN_ARGS)
    generate(tmp_path / "b", city="taian", reference=False, **TAIAN_ARGS)
    a, b = tree_hash(tmp_path / "a"), tree_hash(tmp_path / "b")
    assert a == b, "city='taian' is the default"
    generate(tmp_path / "c", reference=False, departments=False, sized_population=False, **TAIAN_ARGS)
    assert tree_hash(tmp_path / "c", ("raw", "seeds")) == LEGACY_HASH, "the legacy taian output changed"


def test_cli_city(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "generate",
            "--out",
            str(tmp_path / "j"),
            "--city",
            "jining",
            "--months",
            "1",
            "--scale",
            "0.05",
            "--seed",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output[-500:]
    assert read_csv(tmp_path / "j" / "seeds" / "regions.csv")[1]["region_code"] == "370800000000"
    result = runner.invoke(
        main, ["generate", "--out", str(tmp_path / "r"), "--city", "jining", "--preset", "report-2021"]
    )
    assert result.exit_code != 0 and "taian" in result.output
    with pytest.raises(ValueError):
        build_dataset("report-2021", city="jining")
    assert "--city" in runner.invoke(main, ["generate", "--help"]).output
