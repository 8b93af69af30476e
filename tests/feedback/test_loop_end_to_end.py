"""Done-when of the closed loop: a generated city published month by month with --as-of, dispositions
recorded through the dashboards' data layer and returned through `safetynet feedback import` at set
times; then the cases, their statuses and deadlines, and K10–K12 for the city, every county and every
township equal the generator's plain reference evaluation exactly. Rebuilding the warehouse, deleting
it and killing a run leave every disposition and issue time as it was."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from dashboards import cases as case_data
from dashboards.auth import Viewer
from pipelines import publish
from pipelines.cli import main
from pipelines.feedback.clock import parse_as_of
from pipelines.feedback.store import FeedbackStore
from pipelines.generate import generate
from pipelines.generate.reference_cases import deadline_days_of, evaluate_cases
from pipelines.run import run_pipeline
from pipelines.settings import Locations

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ADMIN = Viewer("admin", "city_admin", None)
KPIS = ("K10_cases", "K10_disposed", "K10_rate", "K11_overdue", "K11_late", "K12_days_median")
CASE_COLUMNS = ("case_id", "status", "timeliness", "recheck", "deadline", "records", "county_code", "outcome")


def _publish_time(period: str) -> str:
    """The 5th of the month after `period`, 09:00 Beijing time."""
    year, month = map(int, period.split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-05T09:00:00+08:00"


class Loop:
    """A dataset growing month by month, its warehouse, and what the test did (the oracle's inputs)."""

    def __init__(self, generated: Path, root: Path):
        self.generated = generated
        self.locations = Locations(root / "data", root / "warehouse")
        shutil.copytree(generated / "seeds", self.locations.seeds)
        self.findings = pl.read_csv(generated / "truth" / "findings.csv", infer_schema=False)
        self.days = deadline_days_of(pl.read_csv(generated / "seeds" / "warning_rules.csv", infer_schema=False))
        self.publications: list[tuple[dt.datetime, str]] = []
        self.records: list[dict] = []
        self.periods = sorted(self.findings["period"].unique())

    def add_month(self, period: str) -> None:
        for folder in (self.generated / "raw").glob(f"*/{period}"):
            shutil.copytree(folder, self.locations.raw / folder.parent.name / period)

    def run(self, as_of: str, **options) -> None:
        summary = run_pipeline(self.locations, as_of=as_of, **options)
        assert summary.published is not None and not summary.failed, summary.failed
        # Every publish is a publication of the store, with the latest period it holds.
        self.publications.append((parse_as_of(as_of), summary.published.periods[-1]))

    def cases_of(self, county: str, period: str) -> list[dict]:
        """Cases of `period` in `county` (from the reference findings), sorted by id."""
        rows = self.findings.filter((pl.col("period") == period) & pl.col("region_code").str.starts_with(county)).sort(
            "warning_id"
        )
        return rows.select("warning_id", "first_period", "kind").to_dicts()

    def remember(self, case: dict, at: str, checked_on: str, outcome: str, note: str | None, user: str) -> None:
        self.records.append(
            {
                "case_id": f"{case['warning_id']}-{case['first_period']}",
                "recorded_at": parse_as_of(at),
                "checked_on": dt.date.fromisoformat(checked_on),
                "outcome": outcome,
                "note": note,
                "recorded_by": user,
            }
        )

    def truth(self, as_of: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        return evaluate_cases(self.findings, self.publications, self.records, self.days, parse_as_of(as_of))

    def published(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        path = publish.serving_path(self.locations)
        with duckdb.connect(str(path), read_only=True) as con:
            # Never the subject's id or name: a failing assertion prints the frames it compares.
            cases = pl.from_arrow(
                con.sql(f"select {', '.join(CASE_COLUMNS)}, issued_at from main_marts.fct_cases").to_arrow_table()
            )
            kpis = pl.from_arrow(
                con.sql(
                    "select period, region_code, indicator_id, value from main_marts.fct_kpis "
                    f"where indicator_id in {KPIS}"
                ).to_arrow_table()
            )
        return cases, kpis


def _case_rows(frame: pl.DataFrame) -> list[tuple]:
    frame = frame.with_columns(pl.col("deadline").cast(pl.Date), pl.col("recheck").cast(pl.Boolean))
    return sorted(frame.select(CASE_COLUMNS).rows())


def assert_equal_to_truth(loop: Loop, as_of: str) -> pl.DataFrame:
    truth_cases, truth_kpis = loop.truth(as_of)
    cases, kpis = loop.published()
    assert cases.height == truth_cases.height
    product_rows, truth_rows = _case_rows(cases), _case_rows(truth_cases)
    wrong = [(p, t) for p, t in zip(product_rows, truth_rows) if p != t]
    assert not wrong, f"{len(wrong)} case(s) differ, e.g. {wrong[:3]}"
    issued = dict(zip(cases["case_id"], cases["issued_at"]))
    assert issued == dict(zip(truth_cases["case_id"], truth_cases["issued_at"]))
    expected = {(r["period"], r["region_code"], r["indicator_id"]): r["value"] for r in truth_kpis.to_dicts()}
    mismatched = []
    for period, region, indicator, value in kpis.rows():
        want = expected.pop((period, region, indicator), None)
        if want is None and indicator not in ("K10_rate", "K12_days_median"):
            want = 0.0
        same = (want is None and value is None) or (
            want is not None and value is not None and math.isclose(want, value, abs_tol=1e-9)
        )
        if not same:
            mismatched.append((period, region, indicator, value, want))
    assert not mismatched, f"{len(mismatched)} KPI value(s) differ, e.g. {mismatched[:5]}"
    assert not expected, f"KPI rows missing from fct_kpis, e.g. {list(expected)[:5]}"
    return cases


def _store_state(store: FeedbackStore) -> tuple:
    frames = store.frames(("case_issues", "dispositions"))
    return tuple(frames[name].sort(frames[name].columns[0]).rows() for name in ("case_issues", "dispositions"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("loop") / "generated"
    generate(out, preset="demo", scale=0.1, months=3, seed=11, dirty=0.02)
    return out


def _import(loop: Loop, rows: list[dict], name: str, user: str, at: str, tmp: Path) -> str:
    path = tmp / name
    pl.DataFrame(rows).write_csv(path, include_bom=True)
    result = CliRunner().invoke(
        main,
        [
            "feedback",
            "import",
            str(path),
            "--user",
            user,
            "--as-of",
            at,
            "--data",
            str(loop.locations.data),
            "--warehouse",
            str(loop.locations.warehouse),
        ],
    )
    return result.output


def test_cases_statuses_and_k10_k12_equal_the_reference(generated, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFETYNET_FEEDBACK", str(tmp_path / "feedback" / "feedback.sqlite"))
    loop = Loop(generated, tmp_path)
    p1, p2, p3 = loop.periods[-3:]

    # Month 1 published; the county officer records one case on time, the city admin another late.
    loop.add_month(p1)
    loop.run(_publish_time(p1))
    assert_equal_to_truth(loop, _publish_time(p1))
    mine = loop.cases_of("370902", p1)
    officer = Viewer("officer_370902", "county_officer", "370902")
    t1 = (parse_as_of(_publish_time(p1)) + dt.timedelta(days=1)).isoformat()
    outcome = "已纳入低保" if mine[0]["kind"] == "warning" else "已停保或停发"
    result = case_data.record_disposition(
        loop.locations,
        officer,
        mine[0]["warning_id"],
        mine[0]["first_period"],
        t1[:10],
        outcome,
        None,
        as_of=parse_as_of(t1),
    )
    assert len(result.recorded) == 1, result.refused
    loop.remember(mine[0], t1, t1[:10], outcome, None, "officer_370902")
    # The same officer cannot record for another county's case, whatever the page sends.
    theirs = loop.cases_of("370911", p1)[0]
    refused = case_data.record_disposition(
        loop.locations,
        officer,
        theirs["warning_id"],
        theirs["first_period"],
        t1[:10],
        outcome,
        None,
        as_of=parse_as_of(t1),
    )
    assert refused.refused and not refused.recorded
    late = (parse_as_of(_publish_time(p1)) + dt.timedelta(days=20)).isoformat()
    other = loop.cases_of("370911", p1)[-1]
    outcome = "经核查数据有误"
    assert case_data.record_disposition(
        loop.locations,
        ADMIN,
        other["warning_id"],
        other["first_period"],
        late[:10],
        outcome,
        "核对后数据有误",
        as_of=parse_as_of(late),
    ).recorded
    loop.remember(other, late, late[:10], outcome, "核对后数据有误", "admin")

    # Month 2; a returned list comes back through `feedback import`, then again (unchanged).
    loop.add_month(p2)
    loop.run(_publish_time(p2))
    assert_equal_to_truth(loop, _publish_time(p2))
    back_at = (parse_as_of(_publish_time(p2)) + dt.timedelta(days=2)).isoformat()
    cases_911 = loop.cases_of("370911", p2)
    rows, expected = [], []
    for i, case in enumerate(cases_911[:4]):
        outcome = "经核查无问题" if case["kind"] == "verification" else "经核查不符合条件"
        checked = f"{case['first_period']}-15"
        rows.append(
            {
                "预警编号": case["warning_id"],
                "首次预警期": case["first_period"],
                "核查日期": checked,
                "处置结果": outcome,
                "处置说明": f"第{i}户",
            }
        )
        expected.append((case, checked, outcome, f"第{i}户"))
    rows.append(
        {
            "预警编号": "W01-000000000000",
            "首次预警期": p2,
            "核查日期": back_at[:10],
            "处置结果": "其他",
            "处置说明": "x",
        }
    )
    output = _import(loop, rows, "returned.csv", "officer_370911", back_at, tmp_path)
    assert "未知预警事项" in output and "第6行" in output, output
    for case, checked, outcome, note in expected:
        loop.remember(case, back_at, checked, outcome, note, "officer_370911")
    again = _import(loop, rows, "returned.csv", "officer_370911", back_at, tmp_path)
    assert "未变 unchanged 4" in again, again

    # Month 3, then a run months later with no new extract: re-checks fall due, deadlines pass.
    loop.add_month(p3)
    loop.run(_publish_time(p3))
    assert_equal_to_truth(loop, _publish_time(p3))
    final = (parse_as_of(_publish_time(p3)) + dt.timedelta(days=200)).isoformat()
    loop.run(final)
    cases = assert_equal_to_truth(loop, final)
    statuses = set(cases["status"])
    assert {"已处置", "已超期"} <= statuses, statuses
    assert cases["recheck"].any() or cases.filter(pl.col("status") == "已消除").height, "no re-check nor elimination"

    # Killing a run, rebuilding the warehouse and deleting it change no disposition and no issue time.
    store = FeedbackStore()
    before = _store_state(store)
    killed = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--data",
            str(loop.locations.data),
            "--warehouse",
            str(loop.locations.warehouse),
            "--full-refresh",
            "--as-of",
            final,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=os.environ.copy(),
    )
    time.sleep(12)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert _store_state(store) == before
    loop.run(final, full_refresh=True)
    assert _store_state(store) == before
    assert_equal_to_truth(loop, final)
    shutil.rmtree(loop.locations.warehouse)
    loop.run(final)
    assert _store_state(store) == before
    assert_equal_to_truth(loop, final)
