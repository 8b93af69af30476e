"""Every list in both formats, read back. PYTEST_DONT_REWRITE (failures never show an id or a name).

Asserts are on counts, headers, booleans and cell types; no test prints a person's id or name.
"""

from __future__ import annotations

import io
import re

import pytest

from pipelines.exports import HEADERS, KPI_NAMES, ExportError, export_list, read_list
from tests.exports.conftest import C1, IDS, KPI_REGIONS, NAMES, P_PREV, P, kpi_value
from tests.exports.helpers import (
    BOM,
    column_cells,
    file_text,
    has_full_id,
    open_sheet,
    read_csv,
    xlsx_header,
    xlsx_rows,
)

KINDS = ("warnings", "verifications", "kpis", "quarantine", "files")
ROWS = {"warnings": 4, "verifications": 2, "kpis": 5 * len(KPI_NAMES), "quarantine": 8, "files": 4}
CODE_COLUMNS = {
    "统计期",
    "预警编号",
    "规则编号",
    "行政区划代码",
    "身份证号",
    "家庭编号",
    "首次预警期",
    "指标编号",
    "文件",
    "原始值",
    "指标值",
    "阈值",
}
LINE = re.compile(r"^导出人: tester  导出时间: \d{4}-\d{2}-\d{2} \d{2}:\d{2}  条件: (.*)$")


def _export(locations, tmp_path, kind, fmt, **kw):
    out = tmp_path / f"{kind}.{fmt}"
    rows = export_list(kind, locations, kw.pop("period", None), fmt, out, user="tester", **kw)
    return out, rows


@pytest.mark.parametrize("kind", KINDS)
def test_csv_bom_header_and_rows(locations, tmp_path, kind):
    out, rows = _export(locations, tmp_path, kind, "csv")
    assert rows == ROWS[kind]
    assert out.read_bytes().startswith(BOM)
    first_line = out.read_bytes()[len(BOM) :].split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    assert first_line == ",".join(HEADERS[kind])
    df = read_csv(out)
    assert df.columns == list(HEADERS[kind])
    assert df.height == rows
    assert df["统计期"].unique().to_list() == [P]


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_layout(locations, tmp_path, kind):
    out, rows = _export(locations, tmp_path, kind, "xlsx")
    assert rows == ROWS[kind]
    ws = open_sheet(out)
    line = LINE.match(ws["A1"].value or "")
    assert line is not None
    assert line.group(1) == f"统计期={P}, 县区=全部, 脱敏=是"
    assert xlsx_header(ws) == list(HEADERS[kind])
    assert ws.freeze_panes == "A3"
    last_col = ws.cell(row=2, column=len(HEADERS[kind])).column_letter
    assert ws.auto_filter.ref == f"A2:{last_col}{2 + rows}"
    assert len(xlsx_rows(ws)) == rows
    for header in CODE_COLUMNS & set(HEADERS[kind]):
        cells = [c for c in column_cells(ws, header) if c.value is not None]
        assert all(c.data_type == "s" and isinstance(c.value, str) for c in cells), header
    # widths fitted: every column at least as wide as its header counted with CJK characters double
    for idx, header in enumerate(HEADERS[kind], start=1):
        letter = ws.cell(row=2, column=idx).column_letter
        width = ws.column_dimensions[letter].width
        assert width >= 2 * len(header), header


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", KINDS)
def test_default_exports_hold_no_full_id(locations, tmp_path, kind, fmt):
    out, _ = _export(locations, tmp_path, kind, fmt)
    assert not has_full_id(out)
    text = file_text(out)
    assert not any(name in text for name in NAMES if len(name) > 1)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["warnings", "verifications", "quarantine"])
def test_unmasked_exports_show_ids_and_names(locations, tmp_path, kind, fmt):
    out, _ = _export(locations, tmp_path, kind, fmt, unmasked=True)
    assert has_full_id(out)
    text = file_text(out)
    assert sum(pid in text for pid in IDS) >= 2
    if kind != "quarantine":
        assert any(name in text for name in NAMES)
    if fmt == "xlsx":
        assert open_sheet(out)["A1"].value.endswith("脱敏=否")


def test_finding_labels_and_order(locations, tmp_path):
    out, _ = _export(locations, tmp_path, "warnings", "csv")
    df = read_csv(out)
    assert df["预警等级"].to_list() == ["红", "橙", "橙", "黄"]
    assert df["类型"].unique().to_list() == ["预警"]
    assert df["县区"].to_list()[1:3] == ["泰山区", "岱岳区"]  # same severity: county code order
    assert df["规则名称"].to_list()[0] == "突发严重困难户未获临时救助"
    masked = df["身份证号"].to_list()
    assert all(len(v) == 18 and v[6:14] == "*" * 8 for v in masked)
    sources = df["数据来源"].to_list()
    assert sources[0].startswith("防止返贫监测对象(乡村振兴) raw/rural_revitalisation/2026-10/monitoring_370911.xlsx:")
    assert sources[0].endswith(":7,8,9,10")
    ver = read_csv(_export(locations, tmp_path, "verifications", "csv")[0])
    assert ver["类型"].unique().to_list() == ["核查"]
    assert "; 特困人员名册(民政) raw/civil_affairs/2026-10/tekun_370902.xlsx:4" in ver["数据来源"][0]
    assert ver["持续月数"].to_list() == ["1", "2"]


def test_xlsx_numbers_stay_numbers(locations, tmp_path):
    ws = open_sheet(_export(locations, tmp_path, "warnings", "xlsx")[0])
    assert all(isinstance(c.value, int) for c in column_cells(ws, "涉及人数"))
    assert all(c.value is None for c in column_cells(ws, "家庭编号")[1:2])  # person rule: empty
    files = open_sheet(_export(locations, tmp_path, "files", "xlsx")[0])
    assert [c.value for c in column_cells(files, "读取行数")] == [120, 0, 40, 60]
    assert [c.value for c in column_cells(files, "状态")] == ["已入库", "整体拒收", "已入库", "已入库"]


def test_kpis_names_levels_and_precision(locations, tmp_path):
    csv = read_csv(_export(locations, tmp_path, "kpis", "csv")[0])
    assert set(csv["层级"].unique().to_list()) == {"市", "县区", "乡镇街道"}
    assert csv["层级"].to_list()[0] == "市"
    assert csv["指标编号"].to_list()[: len(KPI_NAMES)] == list(KPI_NAMES)
    assert csv["指标名称"].null_count() == 0
    rates = csv.filter(csv["指标编号"] == "K02_rate")["值"].to_list()
    assert rates == [repr(1 / 3)] * 5
    assert csv["值"].null_count() == 1  # the rate with denominator 0 stays empty
    small = csv.filter(csv["指标编号"] == "K04_rate")["值"].to_list()
    assert all(float(v) == 1 / 22 for v in small)  # exact, in a form that never looks like an id
    ws = open_sheet(_export(locations, tmp_path, "kpis", "xlsx")[0])
    values = [c.value for c in column_cells(ws, "值")]
    expected = [kpi_value(k, code) for code, _ in KPI_REGIONS for k in KPI_NAMES]
    assert values == expected  # exact doubles, in region then indicator order
    rate_ids = [k for k in KPI_NAMES if k.endswith(("rate", "coverage")) and k != "K04_rate"]
    assert values.count(1 / 3) == len(rate_ids) * 5 - 1
    assert values.count(1 / 22) == 5


def test_quarantine_masking_by_column(locations, tmp_path):
    df = read_csv(_export(locations, tmp_path, "quarantine", "csv")[0])
    by_column = dict(zip(df["列"].fill_null("").to_list(), df["原始值"].to_list()))
    assert by_column["身份证号"][6:14] == "********"
    assert by_column["残疾人证号"][6:16] == "*" * 10
    assert by_column["证件号码"][6:14] == "********"
    assert by_column["姓名"] == "欧阳**"
    assert by_column["审批日期"] == "2026-13-45"  # other columns keep their text
    assert by_column["与户主关系"].startswith("见") and "********" in by_column["与户主关系"]
    assert by_column[""] == "身份证号、姓名"  # a file rejected whole: the missing headers
    assert df["行号"].to_list()[:5] == ["7", "9", "11", "13", "15"]
    assert df["来源"].unique().sort().to_list() == ["乡村振兴", "残联", "民政"]


def test_explicit_period(locations, tmp_path):
    counts = {kind: export_list(kind, locations, P_PREV, "csv", tmp_path / f"{kind}.csv") for kind in KINDS}
    assert counts == {"warnings": 1, "verifications": 0, "kpis": 1, "quarantine": 1, "files": 1}
    empty = read_csv(tmp_path / "verifications.csv")
    assert empty.columns == list(HEADERS["verifications"]) and empty.height == 0


@pytest.mark.parametrize("county", ["370902", C1])
def test_county_filter(locations, tmp_path, county):
    counts = {
        kind: export_list(kind, locations, None, "xlsx", tmp_path / f"{kind}.xlsx", county=county)
        for kind in ("warnings", "verifications", "kpis", "quarantine")
    }
    assert counts == {"warnings": 1, "verifications": 2, "kpis": 2 * len(KPI_NAMES), "quarantine": 4}
    ws = open_sheet(tmp_path / "kpis.xlsx")
    assert ws["A1"].value.endswith("县区=370902 泰山区, 脱敏=是")
    codes = {c.value for c in column_cells(ws, "行政区划代码")}
    assert codes == {C1, "370902001000"}
    ws = open_sheet(tmp_path / "warnings.xlsx")
    assert all(c.value.startswith("370902") for c in column_cells(ws, "行政区划代码"))


def test_county_filter_quarantine_by_name_and_code(locations, tmp_path):
    df = read_list("quarantine", locations, county="370911").frame
    assert df.height == 2
    assert sorted(df["列"].to_list()) == ["残疾人证号", "证件号码"]


def test_bad_options(locations, tmp_path):
    out = tmp_path / "x.csv"
    with pytest.raises(ExportError, match="no county"):
        export_list("files", locations, None, "csv", out, county="370902")
    with pytest.raises(ExportError, match="--county"):
        export_list("warnings", locations, None, "csv", out, county="3709")
    with pytest.raises(ExportError, match="--county"):
        export_list("warnings", locations, None, "csv", out, county="370902001000")  # a township
    with pytest.raises(ExportError, match="not a county"):
        export_list("warnings", locations, None, "csv", out, county="370999")
    with pytest.raises(ExportError, match="--period"):
        export_list("warnings", locations, "2026-13", "csv", out)
    with pytest.raises(ExportError, match="--format"):
        export_list("warnings", locations, None, "pdf", out)
    with pytest.raises(ExportError, match="unknown list"):
        export_list("people", locations, None, "csv", out)
    with pytest.raises(ExportError, match="safetynet run"):
        export_list("warnings", tmp_path / "none.duckdb", None, "csv", out)
    assert not out.exists()


def test_to_a_buffer_for_downloads(locations):
    for fmt in ("csv", "xlsx"):
        buffer = io.BytesIO()
        assert export_list("warnings", locations, None, fmt, buffer, user="tester") == 4
        data = buffer.getvalue()
        assert data.startswith(BOM if fmt == "csv" else b"PK")


def test_default_user_in_export_line(locations, tmp_path):
    out = tmp_path / "w.xlsx"
    export_list("warnings", locations, None, "xlsx", out)
    line = open_sheet(out)["A1"].value
    assert line.startswith("导出人: ") and not line.startswith("导出人:  ")


def test_number_text_round_trips_without_long_digit_runs():
    from pipelines.exports.writers import number_text

    for value in (1 / 22, -1 / 22, 1 / 3, 0.1 + 0.2, 2.0, 1e-7, 123456.78, 0.0, 657.0, 5):
        text = number_text(value)
        assert float(text) == value
        assert re.search(r"\d{18}", text) is None
