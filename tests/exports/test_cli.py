"""`safetynet export` through click's CliRunner. PYTEST_DONT_REWRITE (failures never show an id or a name)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.exports import HEADERS, KPI_NAMES
from tests.exports.conftest import P_PREV, P
from tests.exports.helpers import BOM, FULL_ID, has_full_id, open_sheet, read_csv, xlsx_header, xlsx_rows


def _run(locations, *args):
    result = CliRunner().invoke(
        main, ["export", *args, "--data", str(locations.data), "--warehouse", str(locations.warehouse)]
    )
    # the command's own output never holds an id, whatever happened
    assert FULL_ID.search(result.output) is None
    return result


@pytest.mark.parametrize("kind", ["warnings", "verifications", "kpis", "quarantine", "files"])
def test_cli_xlsx(locations, tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    result = _run(locations, kind, "--period", P, "--format", "xlsx", "--out", str(out), "--user", "tester")
    assert result.exit_code == 0
    ws = open_sheet(out)
    assert ws["A1"].value.startswith("导出人: tester  导出时间: ")
    assert xlsx_header(ws) == list(HEADERS[kind])
    assert f"{len(xlsx_rows(ws))} 行" in result.output
    assert not has_full_id(out)


def test_cli_csv_default_period_and_unmasked(locations, tmp_path):
    out = tmp_path / "w.csv"
    result = _run(locations, "warnings", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0
    assert out.read_bytes().startswith(BOM)
    df = read_csv(out)
    assert df.height == 4 and df["统计期"].unique().to_list() == [P]
    assert not has_full_id(out)
    result = _run(locations, "warnings", "--format", "csv", "--out", str(out), "--unmasked")
    assert result.exit_code == 0
    assert "未脱敏" in result.output
    assert has_full_id(out)


def test_cli_county_and_period(locations, tmp_path):
    out = tmp_path / "k.xlsx"
    result = _run(locations, "kpis", "--period", P, "--format", "xlsx", "--out", str(out), "--county", "370911")
    assert result.exit_code == 0
    ws = open_sheet(out)
    assert len(xlsx_rows(ws)) == 2 * len(KPI_NAMES)
    assert "县区=370911 岱岳区" in ws["A1"].value
    out = tmp_path / "q.csv"
    assert _run(locations, "quarantine", "--period", P_PREV, "--out", str(out)).exit_code == 0  # csv from suffix
    assert read_csv(out).height == 1


def test_cli_errors_are_clear(locations, tmp_path):
    out = tmp_path / "f.csv"
    result = _run(locations, "files", "--format", "csv", "--out", str(out), "--county", "370902")
    assert result.exit_code == 1 and "no county" in result.output
    result = _run(locations, "warnings", "--format", "csv", "--out", str(out), "--county", "12")
    assert result.exit_code == 1 and "--county" in result.output
    result = _run(locations, "warnings", "--out", str(tmp_path / "w.txt"))
    assert result.exit_code == 2 and "--format" in result.output
    result = _run(locations, "people", "--format", "csv", "--out", str(out))
    assert result.exit_code == 2
    result = CliRunner().invoke(
        main, ["export", "kpis", "--format", "csv", "--out", str(out), "--warehouse", str(tmp_path / "empty")]
    )
    assert result.exit_code == 1 and "safetynet run" in result.output
    assert not out.exists()


def test_cli_help():
    result = CliRunner().invoke(main, ["export", "--help"])
    assert result.exit_code == 0
    for option in ("--period", "--format", "--out", "--county", "--unmasked", "--data", "--warehouse", "--user"):
        assert option in result.output


def test_every_download_is_recorded_apart_from_the_warehouse(locations, tmp_path, audit_log):
    """Who, when, which list, filters, rows, masked or not: one line per download, no person's data."""
    from pipelines.exports.audit import read_downloads

    masked = _run(
        locations,
        "warnings",
        "--period",
        P,
        "--out",
        str(tmp_path / "a.xlsx"),
        "--user",
        "officer1",
        "--county",
        "370902",
    )
    unmasked = _run(
        locations, "verifications", "--period", P, "--out", str(tmp_path / "b.csv"), "--user", "admin", "--unmasked"
    )
    assert masked.exit_code == 0 and unmasked.exit_code == 0
    entries = read_downloads(audit_log)
    assert [(e["user"], e["list"], e["masked"], e["format"]) for e in entries] == [
        ("officer1", "warnings", True, "xlsx"),
        ("admin", "verifications", False, "csv"),
    ]
    assert entries[0]["county"] == "370902" and entries[0]["period"] == P
    assert "县区=370902" in entries[0]["conditions"]
    assert all(isinstance(e["rows"], int) and e["at"] for e in entries)
    assert FULL_ID.search((audit_log / "downloads.jsonl").read_text(encoding="utf-8")) is None
    assert not str(audit_log).startswith(str(locations.warehouse))
