"""`safetynet run` end to end: a generated dirty dataset ingested through Dagster agrees with its truth.

Rows are compared as whole typed rows (hashes in failure output, never an ID or a name).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.contract import TABLES
from pipelines.run import dagster_instance, run_pipeline
from pipelines.settings import Locations
from pipelines.status import describe_status


def _digest(frame: pl.DataFrame) -> list[int]:
    """Order-free fingerprint of a frame: its sorted row hashes (safe to print, fast on 0.6 M rows)."""
    return frame.select(sorted(frame.columns)).cast(pl.String).hash_rows(seed=1).sort().to_list()


@pytest.fixture(scope="module")
def ingested(dirty_dataset, tmp_path_factory):
    locations = Locations(dirty_dataset, tmp_path_factory.mktemp("warehouse"))
    summary = run_pipeline(locations)
    assert summary.ok, summary.describe()
    return locations, summary


def _query(locations: Locations, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(locations.duckdb_path), read_only=True) as con:
        return con.sql(sql).pl()


@pytest.mark.parametrize("table", list(TABLES))
def test_loaded_rows_equal_truth(ingested, table):
    locations, _ = ingested
    truth = pl.read_parquet(locations.data / "truth" / "loaded" / f"{table}.parquet")
    got = _query(locations, f"select * exclude (loaded_at) from raw.{table}")
    columns = [c for c in truth.columns if not c.startswith("_")]
    assert sorted(got.columns) == sorted(columns)
    assert got.height == truth.height
    assert _digest(got.select(columns)) == _digest(truth.select(columns))


def test_every_file_reconciles_as_truth_says(ingested):
    locations, _ = ingested
    truth = pl.read_csv(locations.data / "truth" / "files.csv", infer_schema=False)
    cols = [
        "period",
        "source",
        "table_name",
        "file",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "rows_duplicate",
        "rows_footer_blank",
    ]
    got = _query(locations, f"select {', '.join(cols)} from raw.files").cast(pl.String)
    assert got.sort("file").to_dicts() == truth.select(cols).sort("file").to_dicts()
    balance = got.cast({c: pl.Int64 for c in cols[5:]}).filter(
        pl.col("rows_read")
        != pl.col("rows_loaded") + pl.col("rows_quarantined") + pl.col("rows_duplicate") + pl.col("rows_footer_blank")
    )
    assert balance.height == 0
    assert (got["status"] == "rejected").any(), "the dirty dataset has files rejected whole"


def test_quarantine_equals_truth_row_by_row(ingested):
    locations, _ = ingested
    cols = ["period", "source", "table_name", "file", "row_number", "reason", "column_name"]
    truth = pl.read_csv(locations.data / "truth" / "quarantine.csv", infer_schema=False).select(cols)
    got = _query(locations, f"select {', '.join(cols)} from raw.quarantine").cast(pl.String)
    key = ["file", "row_number"]
    assert got.sort(key, nulls_last=True).to_dicts() == truth.sort(key, nulls_last=True).to_dicts()


def test_quality_counts_equal_truth(ingested):
    locations, _ = ingested
    truth = pl.read_csv(locations.data / "truth" / "quality_issues.csv", infer_schema=False)
    got = _query(
        locations,
        "select period, source, table_name, code, count(*)::varchar as count from raw.quality_issues group by all",
    )
    key = ["period", "table_name", "code"]
    assert got.sort(key).to_dicts() == truth.select(got.columns).sort(key).to_dicts()


def test_a_household_identified_after_the_period_loads_is_counted_and_publishes(ingested):
    """The generator plants in every period a monitored household whose 识别监测时间 lies a few days after
    the end of the month: it loads as read, counts as date_after_period at that column (one per member
    row), the value_ranges contract warns, and nothing is held back (the run above published)."""
    locations, summary = ingested
    after = _query(
        locations,
        "select period, source_file as file, source_row::integer as row_number from raw.monitoring "
        "where identified_date > last_day(strptime(period, '%Y-%m'))",
    )
    assert sorted(set(after["period"])) == sorted(summary.ingested)
    counted = _query(
        locations,
        "select period, file, row_number from raw.quality_issues "
        "where code = 'date_after_period' and table_name = 'monitoring' and column_name = '识别监测时间'",
    )
    assert counted.sort(counted.columns).to_dicts() == after.sort(after.columns).to_dicts()
    assert summary.published is not None and not summary.held_back
    assert any("monitoring value_ranges" in w for w in summary.warnings)


def test_second_run_reads_nothing_and_full_refresh_is_idempotent(ingested):
    locations, first = ingested
    before = {t: _digest(_query(locations, f"select * exclude (loaded_at) from raw.{t}")) for t in TABLES}
    again = run_pipeline(locations)
    assert again.ok and again.ingested == {}
    assert again.unchanged == sum(len(t) for t in first.ingested.values())
    full = run_pipeline(locations, full_refresh=True)
    assert full.ok and full.ingested == first.ingested
    after = {t: _digest(_query(locations, f"select * exclude (loaded_at) from raw.{t}")) for t in TABLES}
    assert after == before
    # The old rows of each period were replaced, not appended to: every file row comes from the last run.
    runs = _query(locations, "select distinct run_id from raw.files")["run_id"].to_list()
    assert runs == full.run_ids[:1]  # the ingestion run (the second one builds the warehouse)


def test_changed_file_is_read_again(ingested, tmp_path):
    locations, _ = ingested
    # A copy of the dataset in which one file of one period is touched: only that table-period reruns.
    import shutil

    data = tmp_path / "data"
    shutil.copytree(locations.data, data)
    copy = Locations(data, tmp_path / "warehouse")
    assert run_pipeline(copy).ok
    target = sorted((data / "raw" / "civil_affairs").glob("*/tekun*.csv"))[0]
    target.write_bytes(target.read_bytes() + b"\r\n")
    rerun = run_pipeline(copy)
    period = target.parent.name
    assert rerun.ingested == {period: ["tekun"]}


def test_status_lists_periods_and_runs(ingested):
    locations, _ = ingested
    text = describe_status(locations)
    periods = sorted(p.name for p in (locations.data / "raw" / "civil_affairs").iterdir())
    for p in periods:
        assert re.search(rf"{p}\s+complete", text)
    assert "run " in text and "OK" in text
    assert "Files belonging to no table" in text


def test_no_id_or_name_in_dagster_events_or_logs(ingested, capfd):
    locations, summary = ingested
    ids, names = set(), set()
    for table in TABLES:
        frame = pl.read_parquet(locations.data / "truth" / "loaded" / f"{table}.parquet")
        ids |= set(frame["person_id"].drop_nulls().to_list())
        names |= {n for n in frame["name"].drop_nulls().to_list() if len(n) >= 3}
    from dagster._serdes import serialize_value

    instance = dagster_instance(locations.warehouse)
    text = []
    for run_id in summary.run_ids:
        for entry in instance.all_logs(run_id):
            text.append(entry.user_message or "")
            if entry.dagster_event is not None:
                text.append(serialize_value(entry.dagster_event))
    blob = "\n".join(text) + capfd.readouterr().err
    assert len(blob) > 1000
    leaked_ids = [m for m in re.findall(r"\d{17}[\dX]", blob) if m in ids]
    assert not leaked_ids, f"{len(leaked_ids)} ID numbers in Dagster events"
    leaked_names = sum(1 for n in names if n in blob)
    assert leaked_names == 0, f"{leaked_names} names in Dagster events"


def _kind(data: bytes) -> str:
    """The format by content: xlsx, xls, an HTML table, or text (csv) by encoding and delimiter."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == bytes.fromhex("d0cf11e0a1b11ae1"):
        return "xls"
    if data[:2] == b"\xff\xfe":  # Excel's "Unicode 文本"
        text, kind = data[2:].decode("utf-16-le"), "csv-utf16"
    elif data.startswith(b"\xef\xbb\xbf"):
        text, kind = data[3:].decode("utf-8"), "csv-utf8-bom"
    else:
        try:
            text, kind = data.decode("utf-8"), "csv-utf8"
        except UnicodeDecodeError:
            text, kind = data.decode("gb18030"), "csv-gb18030"
    if text.lstrip().lower().startswith("<html"):  # a web system's table saved as .xls
        return "html"
    delimiter = max(",\t;", key=text.count)  # every row holds the width's delimiters; values few of them
    return kind + {",": "", "\t": "-tab", ";": "-semicolon"}[delimiter]


def test_generated_files_span_every_format_and_every_reason_is_quarantined(ingested):
    """The dirty dataset is made of real files of every kind, and ingestion finds every reason code."""
    from pipelines.contract.tables import QUARANTINE_REASONS

    locations, _ = ingested
    files = _query(locations, "select file, status from raw.files")
    kinds, mismatched = set(), 0
    for file, status in files.rows():
        if status != "loaded":
            continue
        kind = _kind((locations.data / file).read_bytes())
        kinds.add(kind)
        ext = Path(file).suffix.lower().lstrip(".")
        mismatched += ext != kind.split("-")[0]
    # the office formats too: Unicode text (UTF-16, tabs), semicolons, an HTML table saved as .xls
    assert {"xlsx", "xls", "csv-utf8", "csv-utf8-bom", "csv-gb18030", "csv-utf16-tab", "html"} <= kinds, kinds
    assert {k for k in kinds if k.endswith("-semicolon")}, kinds
    assert kinds <= {"xlsx", "xls", "html"} | {
        f"csv-{e}{d}" for e in ("utf8", "utf8-bom", "gb18030", "utf16") for d in ("", "-tab", "-semicolon")
    }, kinds
    assert mismatched > 0, "some files are read by content, whatever their extension says"
    errors = _query(
        locations, "select count(*) as n from raw.quarantine where raw_value in ('#VALUE!', '#N/A', '#REF!')"
    )
    assert errors["n"][0] > 0, "Excel error cells in xlsx files fail their column's check"
    reasons = set(_query(locations, "select distinct reason from raw.quarantine")["reason"].to_list())
    assert reasons == set(QUARANTINE_REASONS)
