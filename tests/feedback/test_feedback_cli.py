"""`safetynet feedback import` and `safetynet feedback export` through click's CliRunner.
PYTEST_DONT_REWRITE (failures never show an id or a name).

The snapshot and the feedback store are the hand-built ones of tests/exports/test_case_columns.py; the
users file is written here (SAFETYNET_USERS). The command's output is checked never to hold an id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from dashboards.auth import hash_password
from pipelines.cli import main
from pipelines.exports.audit import read_downloads
from pipelines.exports.labels import CASE_HEADERS
from pipelines.feedback import record as r
from pipelines.feedback.store import FeedbackStore
from pipelines.publish import publish
from pipelines.settings import Locations
from tests.exports.conftest import NAMES, P_PREV, P, build_warehouse
from tests.exports.helpers import BOM, FULL_ID, has_full_id, read_csv, xlsx_header, xlsx_rows
from tests.exports.test_case_columns import NOW, V01, W01, W02, W04, W05, World, make_world

AS_OF = "2026-11-08T10:00"  # Beijing time: NOW
USERS = {"admin": ("city_admin", None), "officer_370911": ("county_officer", "370911"), "viewer": ("analyst", None)}


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password("a-long-enough-password")


@pytest.fixture
def world(tmp_path, monkeypatch, password_hash) -> World:
    lines = []
    for user, (role, county) in USERS.items():
        lines += [f"[users.{user}]", f'role = "{role}"']
        lines += [f'county = "{county}"'] if county else []
        lines += [f'password_hash = "{password_hash}"', ""]
    users = tmp_path / "users.toml"
    users.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("SAFETYNET_USERS", str(users))
    return make_world(tmp_path, monkeypatch)


def run(world: World, *args: str):
    where = ["--data", str(world.locations.data), "--warehouse", str(world.locations.warehouse)]
    result = CliRunner().invoke(main, ["feedback", *args, *where])
    assert FULL_ID.search(result.output) is None, "no ID number in the command's output"
    assert not any(name in result.output for name in NAMES if len(name) > 1), "no name in the command's output"
    return result


def returned_csv(path: Path, rows: list[list[str]]) -> Path:
    lines = ["预警编号,首次预警期,核查日期,处置结果,处置说明"]
    lines += [",".join(f'"{c}"' if "," in c else c for c in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


# One row per reason of record.py, in the order they are judged, for officer_370911 (county 370911:
# W04, W01, W02 are theirs; W05 is 370902's). Row 2 is valid; the last row is empty.
CRAFTED = [
    [W04, P_PREV, "2026-11-05", "已给予临时救助", ""],
    ["W99-000000000000", P, "2026-11-05", "其他", "无此预警"],
    [W05, P, "2026-11-05", "已纳入低保", ""],
    [W01, P, "2026-11-05", "已停保或停发", ""],
    [W02, P, "十一月五日", "已纳入低保", ""],
    [W02, P, "2026-11-09", "已纳入低保", ""],
    [W02, P, "2026-09-30", "已纳入低保", ""],
    [W02, P, "2026-11-05", "其他", ""],
    [W02, P, "2026-11-05", "其他", "长" * 501],
    [W01, P, "", "", ""],
]
REASONS = [
    (3, "W99-000000000000", r.UNKNOWN_CASE),
    (4, W05, r.OTHER_COUNTY),
    (5, W01, r.BAD_OUTCOME),
    (6, W02, r.BAD_DATE),
    (7, W02, r.FUTURE_DATE),
    (8, W02, r.EARLY_DATE),
    (9, W02, r.OTHER_WITHOUT_NOTE),
    (10, W02, r.LONG_NOTE),
]


def _dispositions(world: World):
    return world.store.frames(("dispositions",))["dispositions"]


def test_import_records_and_names_each_refused_row(world, tmp_path):
    file = returned_csv(tmp_path / "返回名单.csv", CRAFTED)
    refused = tmp_path / "refused.csv"
    result = run(world, "import", str(file), "--user", "officer_370911", "--as-of", AS_OF, "--refused", str(refused))
    assert result.exit_code == 1
    assert "已记录 recorded 1, 未变 unchanged 0, 拒收 refused 8" in result.output
    for row, warning_id, reason in REASONS:
        assert f"第{row}行 预警编号 {warning_id}: {reason}" in result.output, row
    assert refused.read_bytes().startswith(BOM)
    table = read_csv(refused)
    assert table.columns == ["行号", "预警编号", "首次预警期", "原因"]
    assert [(int(a), b, c) for a, b, _, c in table.iter_rows()] == REASONS
    records = _dispositions(world)
    assert records.height == 1
    assert records.row(0, named=True)["recorded_by"] == "officer_370911"
    assert records.row(0, named=True)["recorded_at"] == NOW  # --as-of, Beijing time
    assert records.row(0, named=True)["import_id"] is not None
    # the same file again: nothing new, the same refusals
    again = run(world, "import", str(file), "--user", "officer_370911", "--as-of", AS_OF)
    assert again.exit_code == 1
    assert "已记录 recorded 0, 未变 unchanged 1, 拒收 refused 8" in again.output
    assert _dispositions(world).height == 1


def test_import_of_a_clean_file_exits_0(world, tmp_path):
    file = returned_csv(
        tmp_path / "ok.csv", [[W05, P, "2026/11/7", "已落实照料服务", "协议已签"], [V01, P, "", "", ""]]
    )
    result = run(world, "import", str(file), "--user", "admin", "--as-of", AS_OF)
    assert result.exit_code == 0, "nothing refused"
    assert "已记录 recorded 1, 未变 unchanged 0, 拒收 refused 0" in result.output
    assert _dispositions(world)["case_id"].to_list() == [f"{W05}-{P}"]


def test_export_fill_in_xlsx_import(world, tmp_path):
    """The list as exported, filled in in a spreadsheet, imported: the round trip of product.md."""
    out = tmp_path / "warnings.xlsx"
    exported = CliRunner().invoke(
        main,
        ["export", "warnings", "--period", P, "--out", str(out), "--user", "admin"]
        + ["--data", str(world.locations.data), "--warehouse", str(world.locations.warehouse)],
    )
    assert exported.exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    header = xlsx_header(ws)
    for row in xlsx_rows(ws):
        if row[header.index("预警编号")].value == W04:
            row[header.index("核查日期")].value = dt.datetime(2026, 11, 6)
            row[header.index("处置结果")].value = "已纳入低保"
    wb.save(out)
    result = run(world, "import", str(out), "--user", "officer_370911", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "recorded 1," in result.output
    record = _dispositions(world).row(0, named=True)
    assert (record["case_id"], record["checked_on"], record["outcome"]) == (
        f"{W04}-{P_PREV}",
        dt.date(2026, 11, 6),
        "已纳入低保",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody"], "no such user"),
        (["--user", "viewer"], "analyst"),
        (["--user", "admin", "--as-of", "yesterday"], "--as-of"),
    ],
)
def test_import_refuses_to_start(world, tmp_path, args, message):
    file = returned_csv(tmp_path / "r.csv", CRAFTED[:1])
    result = run(world, "import", str(file), *args)
    assert result.exit_code == 2 and message in result.output
    assert _dispositions(world).height == 0


def test_import_of_an_unreadable_file(world, tmp_path):
    file = tmp_path / "r.csv"
    file.write_bytes("姓名,身份证号\n".encode())
    result = run(world, "import", str(file), "--user", "admin")
    assert result.exit_code == 2 and "预警编号" in result.output
    assert run(world, "import", str(tmp_path / "missing.csv"), "--user", "admin").exit_code == 2


def test_import_without_users_file(world, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFETYNET_USERS", str(tmp_path / "none.toml"))
    result = run(world, "import", str(returned_csv(tmp_path / "r.csv", CRAFTED[:1])), "--user", "admin")
    assert result.exit_code == 2 and "users" in result.output


def test_export_cases(world, tmp_path, audit_log):
    out = tmp_path / "cases.csv"
    result = run(world, "export", "--out", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0 and "7 行" in result.output
    assert out.read_bytes().startswith(BOM)
    table = read_csv(out)
    assert table.columns == list(CASE_HEADERS) and table.height == 7
    assert not has_full_id(out)
    statuses = dict(zip(table["预警编号"] + "-" + table["首次预警期"], table["处置状态"], strict=True))
    assert statuses[f"{W04}-{P_PREV}"] == "已超期" and statuses[f"{W02}-{P_PREV}"] == "已消除"
    assert run(world, "export", "--out", str(out), "--period", P_PREV, "--as-of", AS_OF).exit_code == 0
    assert read_csv(out).height == 3
    assert run(world, "export", "--out", str(out), "--county", "370902", "--unmasked").exit_code == 0
    assert read_csv(out).height == 3 and has_full_id(out)
    xlsx = tmp_path / "cases.xlsx"
    assert run(world, "export", "--out", str(xlsx), "--county", "370911").exit_code == 0
    ws = openpyxl.load_workbook(xlsx).active
    assert xlsx_header(ws) == list(CASE_HEADERS) and len(xlsx_rows(ws)) == 4
    log = read_downloads(audit_log)
    assert [(e["list"], e["channel"], e["rows"], e["masked"]) for e in log] == [
        ("cases", "cli", 7, True),
        ("cases", "cli", 3, True),
        ("cases", "cli", 3, False),
        ("cases", "cli", 4, True),
    ]


def test_export_errors(world, tmp_path):
    out = tmp_path / "cases.csv"
    assert run(world, "export", "--out", str(out), "--period", "2026-13").exit_code == 1
    assert run(world, "export", "--out", str(tmp_path / "cases.txt")).exit_code == 2
    assert run(world, "export", "--out", str(out), "--as-of", "soon").exit_code == 2
    old = Locations(data=tmp_path / "old" / "data", warehouse=tmp_path / "old" / "warehouse")
    build_warehouse(old.duckdb_path)  # a warehouse of before the case mart
    publish(old, "old-run")
    result = CliRunner().invoke(main, ["feedback", "export", "--out", str(out), "--warehouse", str(old.warehouse)])
    assert result.exit_code == 1 and "fct_cases" in result.output


def test_store_is_the_one_of_safetynet_feedback(world, tmp_path):
    file = returned_csv(tmp_path / "ok.csv", [[W05, P, "2026-11-07", "已落实照料服务", ""]])
    assert run(world, "import", str(file), "--user", "admin", "--as-of", AS_OF).exit_code == 0
    assert FeedbackStore(world.store_path).frames(("dispositions",))["dispositions"].height == 1
