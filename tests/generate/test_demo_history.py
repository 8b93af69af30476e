"""The demo dataset's disposition history (pipelines/generate/demo_history.py): valid returned lists, and a
truth that shows every kind of case."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.feedback.outcomes import MAX_NOTE, OTHER, OUTCOMES
from pipelines.generate import generate
from pipelines.generate.reference_cases import deadline_days_of, evaluate_cases

COUNTY_OF_USER = {"officer_370902": "370902", "officer_370911": "370911", "admin": None}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A small demo city over the preset's twelve months (a re-check needs a case older than six months)."""
    out = tmp_path_factory.mktemp("history") / "data"
    generate(out, preset="demo", scale=0.2, seed=7, dirty=0.0)
    return out


def read_batch(path: Path) -> list[dict]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), f"{path.name}: UTF-8 with BOM"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["预警编号", "首次预警期", "核查日期", "处置结果", "处置说明"]
        return list(reader)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)


def test_history_is_valid(demo):
    history = json.loads((demo / "feedback" / "history.json").read_text(encoding="utf-8"))
    assert history["published_at"] == "2026-11-05T09:00:00+08:00"
    assert history["truth_as_of"] == "2026-11-30T18:00:00+08:00"
    published, end = utc(history["published_at"]), utc(history["truth_as_of"])
    findings = pl.read_csv(demo / "truth" / "findings.csv", infer_schema_length=0)
    last = findings.filter(pl.col("period") == "2026-10")
    kind_of = {(w, f): k for w, f, k in last.select("warning_id", "first_period", "kind").iter_rows()}
    county_of = {(w, f): r[:6] for w, f, r in last.select("warning_id", "first_period", "region_code").iter_rows()}

    times = [utc(b["as_of"]) for b in history["batches"]]
    assert times == sorted(times) and published < times[0] and times[-1] <= end
    assert {b["user"] for b in history["batches"]} == set(COUNTY_OF_USER)
    rows = 0
    for batch in history["batches"]:
        as_of = dt.datetime.fromisoformat(batch["as_of"])  # Beijing time
        for row in read_batch(demo / "feedback" / batch["file"]):
            key = (row["预警编号"], row["首次预警期"])
            assert key in kind_of, f"{key}: not a case of 2026-10"
            assert COUNTY_OF_USER[batch["user"]] in (None, county_of[key]), f"{key}: another county's case"
            assert row["处置结果"] in OUTCOMES[kind_of[key]], key
            assert row["处置结果"] != OTHER or row["处置说明"], key
            assert len(row["处置说明"]) <= MAX_NOTE
            checked = dt.date.fromisoformat(row["核查日期"])
            assert dt.date.fromisoformat(key[1] + "-01") <= checked <= as_of.date(), key
            rows += 1
    assert rows >= 10


def test_truth_shows_every_kind_of_case(demo):
    cases = pl.read_csv(demo / "truth" / "cases.csv", infer_schema_length=0)
    shown = set(cases.select("status", "timeliness").unique().iter_rows())
    assert {("已处置", "按时"), ("已处置", "超期处置"), ("已超期", None)} <= shown
    assert (cases["recheck"] == "true").sum() >= 1
    assert (cases["records"].cast(pl.Int64) >= 2).sum() >= 1  # a correction
    kpis = pl.read_csv(demo / "truth" / "case_kpis.csv", schema_overrides={"region_code": pl.String})
    city = kpis.filter((pl.col("period") == "2026-10") & (pl.col("level") == "city"))
    assert city.filter(pl.col("indicator_id") == "K10_disposed")["value"][0] >= 5


def test_truth_follows_from_the_files(demo):
    """The truth is what the history's files say, read as an importer reads them."""
    history = json.loads((demo / "feedback" / "history.json").read_text(encoding="utf-8"))
    records = [
        {
            "case_id": f"{row['预警编号']}-{row['首次预警期']}",
            "recorded_at": utc(batch["as_of"]),
            "checked_on": dt.date.fromisoformat(row["核查日期"]),
            "outcome": row["处置结果"],
            "note": row["处置说明"] or None,
            "recorded_by": batch["user"],
        }
        for batch in history["batches"]
        for row in read_batch(demo / "feedback" / batch["file"])
    ]
    findings = pl.read_csv(demo / "truth" / "findings.csv", infer_schema_length=0)
    rules = pl.read_csv(demo / "seeds" / "warning_rules.csv", infer_schema_length=0)
    cases, _ = evaluate_cases(
        findings,
        [(utc(history["published_at"]), "2026-10")],
        records,
        deadline_days_of(rules),
        utc(history["truth_as_of"]),
    )
    truth = pl.read_csv(demo / "truth" / "cases.csv", infer_schema_length=0)
    columns = ["case_id", "status", "timeliness", "recheck", "records", "outcome"]
    assert cases.select(columns).cast(pl.String).sort("case_id").equals(truth.select(columns).sort("case_id"))


def test_no_history_without_the_reference(tmp_path):
    out = tmp_path / "data"
    generate(out, preset="demo", scale=0.05, months=1, seed=7, dirty=0.0)
    assert (out / "feedback" / "history.json").exists()
    generate(out, preset="demo", scale=0.05, months=1, seed=7, dirty=0.0, reference=False)
    assert not list((out / "feedback").glob("*")) and not (out / "truth" / "cases.csv").exists()
