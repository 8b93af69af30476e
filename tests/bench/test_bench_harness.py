"""The benchmark harness's pieces, on small inputs. Nothing here depends on how long anything takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from pipelines.bench import datasets as D
from pipelines.bench.floor import load_floor
from pipelines.bench.measure import median, peak_between, run_measured, tree_rss
from pipelines.bench.report import END, START, render_section, replace_section, summarise, write_chart
from pipelines.bench.stages import Step, other_parts, split_stages, subtract
from pipelines.generate import generate
from pipelines.ingest.discover import discover
from pipelines.ingest.read import Unreadable, read_file

MB = 2**20

# A parent that starts a child holding 64 MB, says "ready" once the child holds it, and waits for stdin.
TREE = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c",
    "import sys; b = bytes(range(256)) * (256 * 1024); print('held', flush=True); sys.stdin.read()"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
child.stdout.readline()
print("ready", flush=True)
sys.stdin.read()
child.stdin.close()
child.wait()
"""


def test_tree_rss_counts_the_children():
    parent = subprocess.Popen([sys.executable, "-c", TREE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "ready"
        process = psutil.Process(parent.pid)
        whole = tree_rss(process)
        alone = process.memory_info().rss
        assert whole > alone
        assert whole >= 64 * MB
    finally:
        parent.stdin.close()
        parent.wait()


def test_run_measured_reports_a_positive_peak_and_the_exit_code(tmp_path):
    m = run_measured([sys.executable, "-c", "print('hello')"], log=tmp_path / "out.log")
    assert m.ok and m.peak_rss > 0 and m.seconds > 0
    assert (tmp_path / "out.log").read_text().strip() == "hello"
    failed = run_measured([sys.executable, "-c", "raise SystemExit(3)"])
    assert failed.returncode == 3 and not failed.ok


def test_median():
    assert median([3, 1, 2]) == 2
    assert median([4, None, 2]) == 3
    assert median([]) is None and median([None]) is None


def test_peak_between_and_subtract():
    samples = [(1.0, 10), (2.0, 50), (3.0, 20), (4.0, 90)]
    assert peak_between(samples, [(0.5, 2.5)]) == 50
    assert peak_between(samples, [(2.5, 3.5), (3.9, 4.1)]) == 90
    assert peak_between(samples, [(5.0, 6.0)]) is None
    assert subtract([(0.0, 10.0)], [(2.0, 3.0), (5.0, 6.0)]) == [(0.0, 2.0), (3.0, 5.0), (6.0, 10.0)]
    assert subtract([(0.0, 1.0)], [(2.0, 3.0)]) == [(0.0, 1.0)]


def test_split_stages_from_given_figures():
    # A 20 s run from t=100: two ingestion steps holding a 1 s raw check each, dbt, a mart check, publish.
    steps = [
        Step("raw__dibao", 102.0, 106.0),
        Step("raw__tekun", 106.0, 108.0),
        Step("warehouse_models", 110.0, 116.0),
        Step("fct_kpis_contracts", 116.0, 117.0),
        Step("published_snapshot", 117.0, 117.5),
    ]
    checks = [(105.0, 106.0), (107.0, 108.0)]
    samples = [(101.0, 100), (103.0, 300), (105.5, 400), (112.0, 900), (117.2, 500), (119.0, 200)]
    f = split_stages(steps, checks, samples, started=100.0, seconds=20.0)
    assert f["ingestion"] == {"seconds": 4.0, "peak_rss": 300}
    assert f["checks"] == {"seconds": 3.0, "peak_rss": 400}
    assert f["dbt"] == {"seconds": 6.0, "peak_rss": 900}
    assert f["publish"] == {"seconds": 0.5, "peak_rss": 500}
    assert f["other"]["seconds"] == pytest.approx(6.5)
    assert f["other"]["peak_rss"] == 200
    assert f["total"] == {"seconds": 20.0, "peak_rss": 900}
    parts = other_parts(steps, [(101.5, 108.5), (109.0, 118.0)], 100.0, 20.0, imported=101.0, finished=119.0, other=6.5)
    # runs: 7 + 9 = 16 s, steps inside them 13.5 s
    assert parts == pytest.approx({"startup": 1.0, "dagster": 2.5, "exit": 1.0, "plan": 2.0})


def _results() -> dict:
    def run(total, peak):
        return {
            "ok": True,
            "seconds": total,
            "peak_rss": peak,
            "rows": 600_000,
            "files": 40,
            "stages": {
                "ingestion": {"seconds": 12.0, "peak_rss": 600 * MB},
                "dbt": {"seconds": 24.0, "peak_rss": 900 * MB},
                "checks": {"seconds": 9.0, "peak_rss": 700 * MB},
                "publish": {"seconds": 0.5, "peak_rss": 650 * MB},
                "other": {"seconds": total - 45.5, "peak_rss": 500 * MB},
                "total": {"seconds": total, "peak_rss": peak},
            },
            "other_parts": {"startup": 1.5, "plan": 3.0, "dagster": 4.0, "exit": 1.5},
            "dbt": {
                "kinds": {
                    "model": {"count": 43, "seconds": 10.0},
                    "test": {"count": 259, "seconds": 16.0},
                    "seed": {"count": 4, "seconds": 0.5},
                }
            },
        }

    floor = {"seconds": 2.0, "load_seconds": 1.7, "peak_rss": 300 * MB, "rows": 600_100, "files": 40, "skipped": 3}
    return {
        "measured_at": "2026-01-02T03:04:05+08:00",
        "machine": {
            "cores": 2,
            "cpu": "Test CPU",
            "memory_gb": 24.0,
            "python": "3.11.7",
            "load_average": [0.1, 0.2, 0.3],
            "versions": {"duckdb": "2.0.0"},
        },
        "repeat": 3,
        "cases": [
            {
                "key": "x1",
                "label": "×1, 1 month",
                "dataset": "safetynet generate ...",
                "floor": [floor, {**floor, "seconds": 2.2}, {**floor, "seconds": 1.8}],
                "runs": [run(55.0, 1000 * MB), run(56.0, 1100 * MB), run(54.0, 900 * MB)],
            }
        ],
    }


def test_report_renders_medians_and_ratios_to_the_floor(tmp_path):
    results = _results()
    s = summarise(results["cases"][0])
    assert s["stages"]["total"]["seconds"] == 55.0 and s["floor"]["seconds"] == 2.0
    text = render_section(results)
    assert text.startswith(START) and text.endswith(END)
    assert "| ×1, 1 month | 600,000 | 2.0 s | 55.0 s (55.0 / 56.0 / 54.0) | 27.5 | 11,000 | 0.98 GB | 0.29 GB |" in text
    assert "| | dbt build | 24.0 s | 12.0 | 25,000 | 0.88 GB |" in text
    assert "| | publish | 0.50 s | 0.2 | 1,200,000 | 0.63 GB |" in text
    assert "2 cores (Test CPU), 24.0 GB" in text
    chart = tmp_path / "bench.png"
    write_chart(results, chart)
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_replace_section_keeps_the_hand_written_text():
    old = f"# Benchmarks\n\nby hand, above\n\n{START}\nold table\n{END}\n\n## How to reproduce\nby hand, below\n"
    new = replace_section(old, f"{START}\nnew table\n{END}")
    assert (
        new == f"# Benchmarks\n\nby hand, above\n\n{START}\nnew table\n{END}\n\n## How to reproduce\nby hand, below\n"
    )
    assert replace_section(new, f"{START}\nnew table\n{END}") == new
    appended = replace_section("# Benchmarks\nby hand\n", f"{START}\nx\n{END}")
    assert appended == f"# Benchmarks\nby hand\n\n{START}\nx\n{END}\n"


def test_cases_parse():
    cases = D.parse_cases("demo, x1,x0.5,x16,incremental", incremental_scale=0.1)
    assert [c.key for c in cases] == ["demo", "x1", "x0.5", "x16", "incremental"]
    assert [c.small for c in cases] == [True, True, True, False, False]
    assert cases[1].dataset.generate_args() == [
        "--preset",
        "demo",
        "--scale",
        "32",
        "--seed",
        "0",
        "--no-reference",
        "--months",
        "1",
    ]
    # a province: sixteen populations of the city at ×1, generated one after the other
    assert cases[3].dataset.generate_args()[-2:] == ["--parts", "16"] and cases[3].dataset.scale == 512
    assert cases[4].dataset.months == 13 and cases[4].dataset.scale == pytest.approx(3.2)
    with pytest.raises(ValueError):
        D.parse_cases("x-1")
    with pytest.raises(ValueError):
        D.parse_cases("province")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "data"
    generate(out, preset="demo", scale=0.2, months=2, seed=5)
    return out


def test_floor_loads_the_same_row_counts_as_the_raw_files(tiny, tmp_path):
    result = load_floor(tiny, tmp_path / "floor.duckdb")
    files = discover(tiny).files
    expected = {}
    for f in files:
        try:
            expected[f.path] = read_file(tiny / f.path).frame.height
        except Unreadable:
            expected[f.path] = None
    assert result.files == len(files) and result.per_file == expected
    assert result.loaded == sum(n is not None for n in expected.values()) > 0
    assert result.rows == sum(n for n in expected.values() if n)
    assert {"csv", "xlsx", "xls"} <= {Path(p).suffix.lower().lstrip(".") for p, n in expected.items() if n}


def test_floor_of_some_periods_and_a_month_added_to_a_view(tiny, tmp_path):
    periods = D.period_folders(tiny)
    assert len(periods) == 2
    view = tmp_path / "view"
    D.link_periods(tiny, view, periods[:1])
    assert D.period_folders(view) == periods[:1]
    first = load_floor(view, tmp_path / "a.duckdb")
    assert first.rows == load_floor(tiny, tmp_path / "b.duckdb", periods[:1]).rows > 0
    D.link_periods(tiny, view, periods[1:], fresh=False)
    assert D.period_folders(view) == periods
    assert load_floor(view, tmp_path / "c.duckdb").rows == load_floor(tiny, tmp_path / "d.duckdb").rows


def test_ensure_dataset_reuses_what_is_there(tmp_path):
    dataset = D.Dataset("tiny", "demo", 0.1, 1)
    folder = tmp_path / "data" / "tiny"
    (folder / "raw").mkdir(parents=True)
    marker = {"name": "tiny", "preset": "demo", "scale": 0.1, "months": 1, "seed": 0, "parts": 1}
    (folder / D.MARKER).write_text(json.dumps(marker))
    assert D.ensure_dataset(dataset, tmp_path) == folder  # reused: nothing generated
    assert not (folder / "seeds").exists()
