"""What users read in an export: headers, Chinese labels of codes, indicator names. One place."""

from __future__ import annotations

from pipelines.contract.tables import CARD_NO, FILE_STATUS, PERSON_ID, SOURCE_TITLES, TABLES
from pipelines.ingest.discover import table_for_filename

EXPORT_KINDS = ("warnings", "verifications", "kpis", "quarantine", "files")

# product.md, "Exports": headers in this order.
FINDING_FACT_HEADERS = (
    "统计期",
    "预警编号",
    "规则编号",
    "规则名称",
    "类型",
    "预警等级",
    "县区",
    "乡镇街道",
    "村社区",
    "行政区划代码",
    "姓名",
    "身份证号",
    "家庭编号",
    "涉及人数",
    "指标值",
    "阈值",
    "首次预警期",
    "持续月数",
    "数据来源",
)
# product.md, "Exports": the case's state as of the export, after the finding's columns. The last three are
# what an officer fills in; the same file, filled in, is what `safetynet feedback import` reads back.
CHECKED_ON, OUTCOME, NOTE = "核查日期", "处置结果", "处置说明"
INPUT_HEADERS = (CHECKED_ON, OUTCOME, NOTE)
CASE_STATE_HEADERS = ("处置状态", "下发日期", "处置期限", *INPUT_HEADERS)
# The columns of a warning or verification list: the finding's, then its case's state.
FINDING_HEADERS = FINDING_FACT_HEADERS + CASE_STATE_HEADERS
KPI_HEADERS = ("统计期", "行政区划代码", "区域名称", "层级", "指标编号", "指标名称", "值")
QUARANTINE_HEADERS = ("统计期", "来源", "表", "文件", "行号", "原因", "列", "原始值")
FILE_HEADERS = (
    "统计期",
    "来源",
    "表",
    "文件",
    "状态",
    "读取行数",
    "入库行数",
    "隔离行数",
    "重复行数",
    "表尾空行数",
)
# product.md, "The case export" (`safetynet feedback export`): one row per case, in this order.
CASE_HEADERS = (
    "预警编号",
    "首次预警期",
    "规则编号",
    "规则名称",
    "类型",
    "预警等级",
    "县区",
    "乡镇街道",
    "行政区划代码",
    "姓名",
    "身份证号",
    "处置状态",
    "处置时效",
    "复核到期",
    "下发日期",
    "处置期限",
    *INPUT_HEADERS,
    "记录数",
    "最近记录人",
    "最近记录时间",
)
CASES_TITLE = "预警事项"
HEADERS = {
    "warnings": FINDING_HEADERS,
    "verifications": FINDING_HEADERS,
    "kpis": KPI_HEADERS,
    "quarantine": QUARANTINE_HEADERS,
    "files": FILE_HEADERS,
}
# Worksheet names (≤ 31 characters) and the list's name in the export line / audit.
TITLES = {
    "warnings": "预警名单",
    "verifications": "核查名单",
    "kpis": "监测指标",
    "quarantine": "隔离明细",
    "files": "文件对账",
}
# Columns written as text in XLSX whatever they hold (ids and every code). Everything that is a string
# is written with write_string anyway; this set is what the tests check and what may never be numeric.
TEXT_COLUMNS = frozenset(
    {
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
)
# The column of each list that holds the person's id (masked by default).
ID_COLUMN = {"warnings": "身份证号", "verifications": "身份证号", "quarantine": "原始值"}

KIND_LABELS = {"warning": "预警", "verification": "核查"}
FINDING_KIND = {"warnings": "warning", "verifications": "verification"}
SEVERITY_LABELS = {"red": "红", "orange": "橙", "yellow": "黄"}
SEVERITY_ORDER = {"red": 0, "orange": 1, "yellow": 2}
LEVEL_LABELS = {"city": "市", "county": "县区", "township": "乡镇街道"}
LEVEL_ORDER = {"city": 0, "county": 1, "township": 2}
SOURCE_LABELS = dict(SOURCE_TITLES)  # 民政, 乡村振兴, 残联, 公安, 人社, 财政, 医保
TABLE_TITLES = {name: t.title for name, t in TABLES.items()}
FILE_STATUS_LABELS = dict(FILE_STATUS)

# The 23 indicator ids of product.md with their names (domain.md, "KPIs"), in the order of product.md.
KPI_NAMES = {
    "K01_persons": "低保人数",
    "K01_households": "低保户数",
    "K02_rate": "低保覆盖率",
    "K02_rural_rate": "农村低保覆盖率",
    "K02_urban_rate": "城市低保覆盖率",
    "K03_persons": "特困人数",
    "K03_centralized_rate": "特困人员集中供养率",
    "K04_rate": "生活不能自理特困人员集中供养率",
    "K05_persons": "防止返贫监测对象人数",
    "K05_in_dibao": "监测对象纳入低保人数",
    "K05_in_tekun": "监测对象纳入特困人数",
    "K05_rate": "监测对象纳入率",
    "K06_living_persons": "困难残疾人生活补贴人数",
    "K06_nursing_persons": "重度残疾人护理补贴人数",
    "K06_living_amount": "困难残疾人生活补贴金额(元)",
    "K06_nursing_amount": "重度残疾人护理补贴金额(元)",
    "K06_nursing_coverage": "重度残疾人护理补贴覆盖率",
    "K07_amount": "救助资金(元)",
    "K08_open": "预警数",
    "K08_new": "新增预警数",
    "K09_dibao_urban": "城市低保标准(元/人·月)",
    "K09_dibao_rural": "农村低保标准(元/人·月)",
    "K09_tekun_basic": "特困人员基本生活标准(元/人·月)",
    # K10–K12 (domain.md): the cases of the period as of the snapshot's time
    "K10_cases": "预警事项数",
    "K10_disposed": "已处置数",
    "K10_rate": "处置率",
    "K11_overdue": "超期未处置数",
    "K11_late": "超期处置数",
    "K12_days_median": "处置时长中位数(天)",
}
KPI_ORDER = {k: i for i, k in enumerate(KPI_NAMES)}

# Quarantine columns whose raw value is masked as an id / as a name (contract headers, aliases too).
ID_HEADERS = frozenset(
    h for t in TABLES.values() for c in t.columns if c.kind in (PERSON_ID, CARD_NO) for h in c.headers
)
NAME_HEADERS = frozenset(h for t in TABLES.values() for c in t.columns if c.name == "name" for h in c.headers)
# Headers under which a raw row holds the village code (or the county code of a department that does not
# know villages) / the county name (for --county on quarantine).
REGION_CODE_HEADERS = frozenset(
    h for t in TABLES.values() for c in t.columns if c.name == "region_code" for h in c.headers
)
COUNTY_NAME_HEADERS = frozenset(
    h for t in TABLES.values() for c in t.columns if c.name == "county_name" for h in c.headers
)


def describe_sources(source_rows: str | None) -> str | None:
    """`raw/civil_affairs/2026-10/dibao_370902.xlsx:12;…:13` → `低保对象名册(民政) raw/…/dibao_370902.xlsx:12,13`.

    Rows are grouped by file in the order given; groups are joined by `; `.
    """
    if not source_rows:
        return None
    groups: dict[str, list[str]] = {}
    for item in source_rows.split(";"):
        item = item.strip()
        if not item:
            continue
        path, sep, row = item.rpartition(":")
        if not sep:
            path, row = item, ""
        groups.setdefault(path, [])
        if row:
            groups[path].append(row)
    parts = []
    for path, rows in groups.items():
        segments = path.split("/")
        source = SOURCE_LABELS.get(segments[1], segments[1]) if len(segments) > 1 else ""
        table = table_for_filename(segments[-1], segments[1] if len(segments) > 1 else None)
        title = TABLE_TITLES.get(table, table or "")
        label = f"{title}({source})" if title and source else (title or source)
        located = f"{path}:{','.join(rows)}" if rows else path
        parts.append(f"{label} {located}".strip())
    return "; ".join(parts)
