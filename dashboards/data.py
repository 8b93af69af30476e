"""The one door the dashboards read through: the published snapshot, short-lived read-only connections,
and the viewer's scope applied where the data is read.

- Nothing here opens the working warehouse: only the snapshot named by `published/current.json`, read-only,
  for the length of one query, so a dashboard never sees half a build and never blocks a run.
- Scope: an `analyst` reads aggregates only (KPIs, counts); a `county_officer` reads the lists and
  aggregates of their own county (and the city's totals for comparison), masked; a `city_admin` reads
  everything and may ask for unmasked lists. A request outside the scope raises `AccessDenied`, it is not
  silently narrowed: a page that asks for another county has a bug worth seeing.
- Lists are the export code's lists (`pipelines.exports`): what a page shows is what a download holds.
  Every download is recorded in the audit log.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import publish
from pipelines.contract.rules import RULES
from pipelines.contract.tables import BOOL, ENUM, TABLES
from pipelines.exports import ExportedList, read_list, write_list
from pipelines.exports.audit import download_entry, read_downloads, record_download
from pipelines.exports.export import EXPORT_TZ
from pipelines.exports.labels import (
    FILE_STATUS_LABELS,
    KIND_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    TABLE_TITLES,
)
from pipelines.exports.lists import quarantine_counties
from pipelines.exports.masking import mask_id_expr, mask_name_expr, scrub_ids_expr
from pipelines.settings import Locations

LIST_KINDS = ("warnings", "verifications", "quarantine")  # lists of persons: never for the analyst role


class AccessDenied(Exception):
    """The viewer's role or county does not allow this read. The message names no person."""


class NotPublished(Exception):
    """No snapshot is published yet: the pipeline has not completed a run that passed its checks."""


def snapshot(locations: Locations) -> publish.Snapshot:
    current = publish.current(locations)
    if current is None:
        raise NotPublished("尚无已发布的数据 nothing is published yet: run `safetynet run` first")
    return current


@contextmanager
def connect(locations: Locations):
    """A read-only connection to the snapshot in service, for one query."""
    con = duckdb.connect(str(snapshot(locations).path(locations)), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _frame(con, sql: str, params: list | None = None) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params or []).to_arrow_table())


def query(locations: Locations, sql: str, params: list | None = None) -> pl.DataFrame:
    with connect(locations) as con:
        return _frame(con, sql, params)


def _region_scope(viewer, alias: str = "r") -> tuple[str, list]:
    """SQL condition on dim_region (aliased `alias`) limiting aggregates to the viewer's regions."""
    if viewer.role != "county_officer":
        return "true", []
    county = viewer.county + "000000"
    return f"({alias}.level = 'city' or {alias}.county_code = ?)", [county]


def list_county(viewer, kind: str, county: str | None) -> str | None:
    """The county (6 digits) a list must be read for, or None for all: raises when not allowed."""
    if kind in LIST_KINDS and not viewer.can_see_lists:
        raise AccessDenied("名单仅对区县及市级用户开放 lists are not open to the analyst role")
    county = county[:6] if county else None
    if viewer.role == "county_officer":
        if county not in (None, viewer.county):
            raise AccessDenied("只能查看本区县 a county officer reads their own county only")
        return viewer.county
    return county


def read_scoped_list(
    locations: Locations,
    viewer,
    kind: str,
    period: str | None = None,
    county: str | None = None,
    unmasked: bool = False,
) -> ExportedList:
    """A list as exported, within the viewer's scope; masked unless the role allows and it is asked."""
    if unmasked and not viewer.can_unmask:
        raise AccessDenied("仅市级管理员可查看未脱敏名单 only a city_admin may read unmasked lists")
    scoped = list_county(viewer, kind, county)
    return read_list(kind, snapshot(locations).path(locations), period, scoped, unmasked)


def filter_list(exported: ExportedList, filters: dict[str, object]) -> ExportedList:
    """The list narrowed by column filters (header -> value or list of values), e.g. 乡镇街道, 规则编号."""
    frame = exported.frame
    for header, value in filters.items():
        if value in (None, "", [], ()):
            continue
        values = value if isinstance(value, (list, tuple, set)) else [value]
        frame = frame.filter(pl.col(header).cast(pl.String).is_in([str(v) for v in values]))
    return replace(exported, frame=frame)


def download(
    locations: Locations, viewer, exported: ExportedList, fmt: str, filters: dict[str, object] | None = None
) -> bytes:
    """The bytes of a list as shown (already scoped and filtered), recorded in the download log."""
    if exported.kind in LIST_KINDS:
        list_county(viewer, exported.kind, exported.county)  # the list must still be the viewer's
    if not exported.masked and not viewer.can_unmask:
        raise AccessDenied("仅市级管理员可导出未脱敏名单 only a city_admin may export unmasked lists")
    when = datetime.now(EXPORT_TZ)
    buffer = io.BytesIO()
    rows = write_list(exported, fmt, buffer, user=viewer.user, when=when)
    conditions = exported.conditions()
    extra = ", ".join(f"{k}={v}" for k, v in (filters or {}).items() if v not in (None, "", [], ()))
    record_download(
        download_entry(
            user=viewer.user,
            channel="dashboard",
            kind=exported.kind,
            period=exported.period,
            county=exported.county,
            conditions=conditions + (f", {extra}" if extra else ""),
            rows=rows,
            masked=exported.masked,
            fmt=fmt,
            when=when,
        )
    )
    return buffer.getvalue()


AUDIT_COLUMNS = {
    "at": "时间",
    "user": "用户",
    "channel": "渠道",
    "list": "名单",
    "period": "统计期",
    "county": "县区",
    "conditions": "条件",
    "rows": "行数",
    "masked": "脱敏",
    "format": "格式",
}
AUDIT_CHANNELS = {"dashboard": "看板", "cli": "命令行"}


def audit_log(viewer, folder: Path | None = None) -> pl.DataFrame:
    """The download log, newest first (one row per download: who, when, which list, conditions, rows,
    masked or not), for the viewers who may read it (the city admin). It holds no person's data."""
    if not viewer.can_read_download_log:
        raise AccessDenied("仅市级管理员可查看下载日志 only a city_admin may read the download log")
    schema = {k: {"rows": pl.Int64, "masked": pl.Boolean}.get(k, pl.String) for k in AUDIT_COLUMNS}
    entries = [{k: entry.get(k) for k in schema} for entry in read_downloads(folder)]
    return pl.DataFrame(entries, schema=schema).sort("at", descending=True, maintain_order=True)


def kpis(locations: Locations, viewer, periods: list[str] | None = None) -> pl.DataFrame:
    """KPIs with their region's name, level and parent, within the viewer's regions."""
    scope, params = _region_scope(viewer)
    period_filter = ""
    if periods:
        period_filter = f" and k.period in ({', '.join('?' * len(periods))})"
        params = params + list(periods)
    return query(
        locations,
        f"""
        select k.period, k.region_code, r.name as region_name, k.level, r.parent_code, r.county_code,
               k.indicator_id, k.value
        from main_marts.fct_kpis k join main_marts.dim_region r using (region_code)
        where {scope}{period_filter}
        order by k.period, k.level, k.region_code, k.indicator_id
    """,
        params,
    )


def finding_counts(locations: Locations, viewer) -> pl.DataFrame:
    """Findings counted by period, county, kind, severity and rule: aggregates every role may read."""
    scope, params = _region_scope(viewer)
    return query(
        locations,
        f"""
        select f.period, r.region_code as county_code, r.name as county_name, f.kind, f.severity,
               f.rule_id, count(*) as findings,
               count(*) filter (where f.consecutive_periods = 1) as new_findings
        from main_marts.fct_findings f
        join main_marts.dim_region r on r.region_code = substr(f.region_code, 1, 6) || '000000'
        where {scope}
        group by all order by all
    """,
        params,
    )


def data_docs(locations: Locations) -> Path | None:
    from pipelines.quality import data_docs_index

    index = data_docs_index(locations)
    return index if index.exists() else None


# --- 数据质量 / 标准与规则 (pages quality.py and standards.py) -----------------------------------------
# Aggregates only: counts of files, rows, quarantine reasons and quality issues, contract results, the
# standards and the rule catalogue. Every role may read them. A county officer's quarantine counts are
# those of their own county: raw.quarantine has no county column, so a row's county is read from its raw
# row (a 12-digit region code under a region-code header, or, in the monitoring extract, the county name,
# the same test as the quarantine export's --county); a row without either (a file rejected whole, an
# unreadable code) counts under 区县不明, which only the city-wide roles see. Files, row totals and quality
# issues are counts per file and code, shown city-wide to every role.

UNKNOWN_COUNTY = "区县不明"

QUARANTINE_REASON_LABELS = {
    "missing_columns": "缺少必需列(整体拒收)",
    "file_unreadable": "文件无法读取(整体拒收)",
    "file_encrypted": "文件有密码保护(整体拒收)",
    "id_missing": "身份证号缺失",
    "id_mangled": "身份证号被Excel转为数字",
    "id_format": "身份证号格式错误",
    "id_checksum": "身份证号校验位错误",
    "id_birthdate": "身份证号出生日期无效",
    "card_format": "残疾人证号格式错误",
    "value_missing": "必填值缺失",
    "integer_format": "整数格式错误",
    "date_format": "日期格式错误",
    "amount_negative": "金额为负",
    "amount_format": "金额格式错误",
    "enum_value": "取值不在允许范围",
    "region_unknown": "行政区划代码不存在",
    "region_unmatched": "区划名称无法匹配",
    "region_ambiguous": "区划名称匹配不唯一",
    "period_mismatch": "统计期不符",
}
QUALITY_CODE_LABELS = {
    "card_mismatch": "残疾人证号与身份证号不一致",
    "reference_conflict": "参照信息冲突",
    "household_inconsistent": "家庭信息不一致",
    "elimination_inconsistent": "风险消除信息不一致",
    "household_no_head": "家庭无户主",
    "household_several_heads": "家庭有多名户主",
    "date_after_period": "日期晚于统计期末(已入库)",
}
FILE_COUNT_COLUMNS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "rows_footer_blank")


def _labelled(df: pl.DataFrame, column: str, labels: dict, into: str | None = None) -> pl.DataFrame:
    return df.with_columns(
        pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String).alias(into or column)
    )


def file_stats(locations: Locations, viewer) -> pl.DataFrame:
    """One row per ingested file (raw.files): period, source, table, file, status, row counts, loaded_at;
    source, table and status with their Chinese labels in *_label columns."""
    df = query(
        locations,
        f"""
        select period, source, table_name, file, status, reason,
               {", ".join(f"cast({c} as bigint) as {c}" for c in FILE_COUNT_COLUMNS)}, loaded_at
        from raw.files order by period, source, table_name, file
    """,
    )
    df = _labelled(df, "source", SOURCE_LABELS, "source_label")
    df = _labelled(df, "table_name", TABLE_TITLES, "table_label")
    df = _labelled(df, "status", FILE_STATUS_LABELS, "status_label")
    return _labelled(df, "reason", QUARANTINE_REASON_LABELS, "reason_label")


def quarantine_counts(locations: Locations, viewer) -> pl.DataFrame:
    """Quarantined rows counted by period, source, table, reason and county (6 digits or 区县不明), with
    the reason's Chinese label. No raw value leaves this function. County officer: their county only."""
    with connect(locations) as con:
        raw = _frame(con, "select period, source, table_name, reason, raw_row from raw.quarantine")
        counties = con.execute("select region_code, name from main_marts.dim_region where level = 'county'").fetchall()
    # The same reading of a row's county as the quarantine export's --county (cached per snapshot).
    county = [c or UNKNOWN_COUNTY for c in quarantine_counties(raw["raw_row"].to_list(), counties)]
    df = raw.drop("raw_row").with_columns(county=pl.Series(county, dtype=pl.String))
    if viewer.role == "county_officer":
        df = df.filter(pl.col("county") == viewer.county)
    df = (
        df.group_by(["period", "source", "table_name", "reason", "county"])
        .len("rows")
        .with_columns(pl.col("rows").cast(pl.Int64))
        .sort(["period", "source", "table_name", "reason", "county"])
    )
    return _labelled(df, "reason", QUARANTINE_REASON_LABELS, "reason_label")


def quality_issue_counts(locations: Locations, viewer) -> pl.DataFrame:
    """raw.quality_issues counted by period, source, table and code, with the code's Chinese label."""
    df = query(
        locations,
        """
        select period, source, table_name, code, count(*) as issues
        from raw.quality_issues group by all order by all
    """,
    )
    return _labelled(df, "code", QUALITY_CODE_LABELS, "code_label")


def data_last_changed(locations: Locations):
    """When the data last changed: the latest loaded_at of raw.files (None when nothing was ingested)."""
    return query(locations, "select max(loaded_at) as t from raw.files")["t"][0]


def held_back_table(snapshot: publish.Snapshot) -> pl.DataFrame:
    """The breaches that held periods back when the snapshot was published: period, table (Chinese
    title), checks and what to do. Tables and check names only."""
    from pipelines.quality.settings import breach_actions

    rows = [
        {
            "period": b["period"],
            "table": TABLES[b["table"]].title if b["table"] in TABLES else b["table"],
            "checks": b["checks"],
            "todo": breach_actions(b["checks"]),
        }
        for b in snapshot.held_back
    ]
    return pl.DataFrame(rows, schema={"period": pl.String, "table": pl.String, "checks": pl.String, "todo": pl.String})


def contract_results(locations: Locations) -> pl.DataFrame:
    """The newest result of every data contract (suite, status, periods, evaluated / failed, page)."""
    from pipelines.quality import latest_results

    rows = [
        {
            "suite": r.suite,
            "status": r.status,
            "success": r.success,
            "periods": r.periods,
            "run_time": r.run_time,
            "evaluated": r.evaluated,
            "failed": r.failed,
            "page": str(r.page),
        }
        for r in latest_results(locations)
    ]
    schema = {
        "suite": pl.String,
        "status": pl.String,
        "success": pl.Boolean,
        "periods": pl.String,
        "run_time": pl.String,
        "evaluated": pl.Int64,
        "failed": pl.Int64,
        "page": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def quality_summary(locations: Locations, viewer) -> dict:
    """Everything the 数据质量 page shows: files, quarantine and quality-issue counts, when the data last
    changed, the contracts' newest results."""
    return {
        "files": file_stats(locations, viewer),
        "quarantine": quarantine_counts(locations, viewer),
        "issues": quality_issue_counts(locations, viewer),
        "last_changed": data_last_changed(locations),
        "contracts": contract_results(locations),
    }


def standards_periods(locations: Locations) -> list[str]:
    df = query(locations, "select distinct period from main_intermediate.int_standards_in_force order by 1")
    return df["period"].to_list()


def standards_in_force(locations: Locations, viewer, period: str | None = None) -> pl.DataFrame:
    """Standards in force per county (int_standards_in_force) with the county's name; one period, or the
    latest when None. County officer: their county only."""
    scope, params = "true", []
    if viewer.role == "county_officer":
        scope, params = "s.county_code = ?", [viewer.county + "000000"]
    return query(
        locations,
        f"""
        select s.period, s.county_code, r.name as county_name, s.effective_from, s.dibao_urban,
               s.dibao_rural, s.tekun_basic, s.near_dibao_multiplier, s.relapse_income_line
        from main_intermediate.int_standards_in_force s
        left join main_marts.dim_region r on r.region_code = s.county_code
        where s.period = coalesce(?::varchar, (select max(period) from main_intermediate.int_standards_in_force))
          and {scope}
        order by s.county_code
    """,
        [period] + params,
    )


def rule_catalogue(locations: Locations, viewer) -> pl.DataFrame:
    """The rule catalogue as in force (int_rule_parameters) with Chinese kind and severity labels, the
    tables each rule reads, and the departments it waits for: those whose tables are not expected in the
    latest complete period (rules.md: such a rule is not evaluated; 未接入)."""
    df = query(
        locations,
        """
        select rule_id, rule_name, kind, severity, enabled, params, deadline_days, within_days,
               cast(drop_ratio as double) as drop_ratio, array_to_string(self_care_levels, ',') as self_care_levels,
               window_months, cast(amount as varchar) as amount, grace_days
        from main_intermediate.int_rule_parameters order by kind desc, rule_id
    """,
    )
    latest = query(
        locations,
        """
        select period, expected_tables from main_intermediate.int_periods
        where is_complete order by period desc limit 1
    """,
    )
    expected = set(latest["expected_tables"][0]) if latest.height else set()
    df = _labelled(df, "kind", KIND_LABELS, "kind_label")
    df = _labelled(df, "severity", SEVERITY_LABELS, "severity_label")
    # the tables each rule reads, by their Chinese titles, from the rule catalogue
    sources = {r.id: "、".join(TABLES[t].title for t in r.tables) for r in RULES.values()}
    waiting = {r.id: _waiting_for(r.tables, expected) for r in RULES.values()}
    return df.with_columns(
        parameter=_rule_parameter_text(),
        tables_label=pl.col("rule_id").replace_strict(sources, default=None, return_dtype=pl.String),
        waiting_for=pl.col("rule_id").replace_strict(waiting, default=None, return_dtype=pl.String),
        latest_period=pl.lit(latest["period"][0] if latest.height else None, dtype=pl.String),
    )


def _waiting_for(tables: tuple[str, ...], expected: set[str]) -> str | None:
    """未接入：公安、医保 — the departments of the tables not expected; None when all are."""
    departments = dict.fromkeys(SOURCE_LABELS[TABLES[t].source] for t in tables if t not in expected)
    return "未接入：" + "、".join(departments) if departments else None


# The parameters each rule reads (rules.md, "Parameters"); the others have none.
RULE_PARAMETER = {
    "W04": "within_days",
    "W05": "self_care_levels",
    "W07": "drop_ratio",
    "W09": "window_months",
    "V05": "grace_days",
}


def _rule_parameter_text() -> pl.Expr:
    """The parameter a rule uses, in force, in words: 认定后 30 天内, 生活自理能力：全失能, 收入降幅 ≥ 30%,
    近 3 个月个人自付 ≥ 20000 元, 死亡 0 天后."""
    labels = {stored: label for label, stored in TABLES["tekun"].column("self_care").values.items()}
    levels = pl.col("self_care_levels").str.split(",").list.eval(pl.element().replace(labels)).list.join("、")
    by_rule = {
        "within_days": pl.format("认定后 {} 天内", pl.col("within_days")),
        "self_care_levels": pl.concat_str(pl.lit("生活自理能力："), levels),
        "drop_ratio": pl.format("收入降幅 ≥ {}%", (pl.col("drop_ratio") * 100).round(1)),
        "window_months": pl.format("近 {} 个月个人自付 ≥ {} 元", pl.col("window_months"), pl.col("amount")),
        "grace_days": pl.format("死亡 {} 天后仍在保", pl.col("grace_days")),
    }
    expr = pl.lit(None, dtype=pl.String)
    for rule_id, parameter in RULE_PARAMETER.items():
        expr = pl.when(pl.col("rule_id") == rule_id).then(by_rule[parameter]).otherwise(expr)
    return expr


# --- 预警名单 / 核查名单 pages: filter options, new or persisting, a household's detail ------------------

LIST_STATUS_NEW = "新增"  # 持续月数 = 1
LIST_STATUS_PERSISTING = "持续"  # 持续月数 > 1
# Every department's person tables, in the order a household's detail shows them (staging views).
HOUSEHOLD_DETAIL_TABLES = (
    "dibao",
    "near_dibao",
    "monitoring",
    "tekun",
    "temporary_assistance",
    "disability_cards",
    "disability_subsidies",
    "household_changes",
    "social_insurance_payments",
    "payroll",
    "medical_settlements",
)
HOUSEHOLD_MEMBER_TABLES = tuple(n for n in HOUSEHOLD_DETAIL_TABLES if TABLES[n].household_key)  # household_id
_HOUSEHOLD_EXTRA_HEADERS = {
    "period": "统计期",
    "county_code": "县区代码",
    "township_code": "乡镇街道代码",
    "source_ref": "来源(文件:行)",
    "region_code": "行政区划代码",
    "person_id": "身份证号",
}


def list_filter_options(locations: Locations, viewer, kind: str) -> dict:
    """What a list page offers: `periods` (latest first, as `read_list` defaults to the latest) and
    `counties` (6-digit code -> name) within the viewer's scope. Raises AccessDenied for the analyst."""
    county = list_county(viewer, kind, None)
    periods = query(locations, "select distinct period from main_marts.fct_findings order by period desc")
    where, params = "", []
    if county is not None:
        where, params = " and region_code = ?", [county + "000000"]
    counties = query(
        locations,
        f"""
        select region_code, name from main_marts.dim_region where level = 'county'{where} order by region_code
    """,
        params,
    )
    return {"periods": periods["period"].to_list(), "counties": {code[:6]: name for code, name in counties.iter_rows()}}


def filter_new_or_persisting(exported: ExportedList, status: str | None) -> ExportedList:
    """The list narrowed to new findings (持续月数 = 1, `新增`) or persisting ones (> 1, `持续`); None: all."""
    if status in (None, "", "全部"):
        return exported
    months = pl.col("持续月数").cast(pl.Int64)
    if status == LIST_STATUS_NEW:
        condition = months == 1
    elif status == LIST_STATUS_PERSISTING:
        condition = months > 1
    else:
        raise ValueError(f"status: {LIST_STATUS_NEW!r}, {LIST_STATUS_PERSISTING!r} or None")
    return replace(exported, frame=exported.frame.filter(condition))


def _household_source_rows(value: str | None) -> str | None:
    """`a.xlsx:12;b.csv:3` → `a.xlsx:12; b.csv:3` (each item a file:row)."""
    if not value:
        return None
    return "; ".join(item.strip() for item in value.split(";") if item.strip())


def _household_labelled(frame: pl.DataFrame, table) -> pl.DataFrame:
    """Stored enum / bool values back to their Chinese labels, and the contract's Chinese headers."""
    exprs = []
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        if column.kind == ENUM and column.values:
            mapping = {}
            for label, stored in column.values.items():
                stored = stored[0] if isinstance(stored, tuple) else stored
                mapping[str(stored)] = label
            exprs.append(
                pl.col(column.name).cast(pl.String).replace_strict(mapping, default=pl.col(column.name).cast(pl.String))
            )
        elif column.kind == BOOL:
            exprs.append(
                pl.col(column.name).replace_strict({True: "是", False: "否"}, default=None, return_dtype=pl.String)
            )
    if exprs:
        frame = frame.with_columns(exprs)
    headers = {c.name: c.header for c in table.columns if c.name in frame.columns}
    headers.update({k: v for k, v in _HOUSEHOLD_EXTRA_HEADERS.items() if k in frame.columns})
    return frame.rename(headers)


def household_detail(
    locations: Locations, viewer, period: str, warning_id: str, unmasked: bool = False
) -> dict[str, pl.DataFrame]:
    """A finding's household: its members, the findings for them over time (with their evidence as
    file:row), and every department's rows for them over time (from the staging views).

    Keys: `家庭成员`, `预警与核查记录`, then one per department table (`低保对象名册（民政）`, …). Raises
    AccessDenied for the analyst, for a finding outside a county officer's county, and for unmasked without
    the right; LookupError when there is no such finding. IDs and names are masked unless `unmasked`. A
    county officer sees the department rows of their own county only.
    """
    if not viewer.can_see_lists:
        raise AccessDenied("家庭详情仅对区县及市级用户开放 household details are not open to the analyst role")
    if unmasked and not viewer.can_unmask:
        raise AccessDenied("仅市级管理员可查看未脱敏信息 only a city_admin may read unmasked details")
    officer_county = viewer.county if viewer.role == "county_officer" else None

    with connect(locations) as con:
        found = con.execute(
            """
            select household_id, subject_person_id, substr(region_code, 1, 6)
            from main_marts.fct_findings where period = ? and warning_id = ?
        """,
            [period, warning_id],
        ).fetchall()
        if not found:
            raise LookupError(f"no finding {warning_id} in {period}")
        household, subject, county6 = found[0]
        if officer_county is not None and county6 != officer_county:
            raise AccessDenied("只能查看本区县 a county officer reads their own county only")

        persons: set[str] = {subject} if subject else set()
        if household:
            for name in HOUSEHOLD_MEMBER_TABLES:
                view = f"main_staging.stg_{TABLES[name].source}__{name}"
                persons |= {
                    r[0]
                    for r in con.execute(
                        f"select distinct person_id from {view} where household_id = ? and person_id is not null",
                        [household],
                    ).fetchall()
                }
        person_list = sorted(persons)
        county_where, county_params = "", []
        if officer_county is not None:
            county_where, county_params = " and substr(region_code, 1, 6) = ?", [officer_county]

        findings = _frame(
            con,
            f"""
            select period, warning_id, rule_id, rule_name, kind, severity, subject_name, subject_person_id,
                   household_id, value, threshold, first_period, consecutive_periods, source_rows
            from main_marts.fct_findings
            where (household_id = ? or list_contains(?, subject_person_id)){county_where}
            order by period, warning_id
        """,
            [household, person_list, *county_params],
        )

        departments: dict[str, pl.DataFrame] = {}
        for name in HOUSEHOLD_DETAIL_TABLES:
            table = TABLES[name]
            view = f"main_staging.stg_{table.source}__{name}"
            departments[name] = _frame(
                con,
                f"""
                select * exclude (loaded_at, source_file, source_row)
                from {view}
                where list_contains(?, person_id){county_where}
                order by period, person_id
            """,
                [person_list, *county_params],
            )

    def masked_ids(
        df: pl.DataFrame, id_cols: tuple[str, ...], name_cols: tuple[str, ...], keep: tuple[str, ...]
    ) -> pl.DataFrame:
        if unmasked or df.height == 0:
            return df
        exprs = [mask_id_expr(pl.col(c).cast(pl.String)).alias(c) for c in id_cols if c in df.columns]
        exprs += [mask_name_expr(pl.col(c).cast(pl.String)).alias(c) for c in name_cols if c in df.columns]
        # Any other free text is scrubbed of id-like runs (codes and references are kept as they are).
        exprs += [
            scrub_ids_expr(pl.col(c)).alias(c)
            for c, dtype in df.schema.items()
            if dtype == pl.String and c not in id_cols + name_cols + keep
        ]
        return df.with_columns(exprs)

    # Members: who appears where, over which periods (before masking, grouped by the full id).
    member_rows = []
    for name, df in departments.items():
        if df.height:
            member_rows.append(
                df.select(
                    "person_id",
                    pl.col("name").cast(pl.String),
                    pl.col("period").cast(pl.String),
                    pl.lit(TABLES[name].title).alias("table_title"),
                )
            )
    if member_rows:
        members = (
            pl.concat(member_rows)
            .group_by("person_id")
            .agg(
                pl.col("name").drop_nulls().first(),
                pl.col("table_title").unique(maintain_order=True).str.join("、").alias("tables"),
                pl.col("period").min().alias("first"),
                pl.col("period").max().alias("last"),
            )
            .sort("person_id")
        )
    else:
        members = pl.DataFrame(
            schema={
                "person_id": pl.String,
                "name": pl.String,
                "tables": pl.String,
                "first": pl.String,
                "last": pl.String,
            }
        )
    members = masked_ids(members, ("person_id",), ("name",), ("first", "last", "tables"))
    members = members.select(
        pl.col("name").alias("姓名"),
        pl.col("person_id").alias("身份证号"),
        pl.col("tables").alias("出现于"),
        pl.col("first").alias("最早统计期"),
        pl.col("last").alias("最近统计期"),
    )

    findings = findings.with_columns(
        kind=pl.col("kind").replace_strict(KIND_LABELS, default=pl.col("kind")),
        severity=pl.col("severity").replace_strict(SEVERITY_LABELS, default=pl.col("severity")),
        source_rows=pl.col("source_rows").map_elements(_household_source_rows, return_dtype=pl.String),
        value=pl.col("value").cast(pl.String),
        threshold=pl.col("threshold").cast(pl.String),
    )
    findings = masked_ids(
        findings,
        ("subject_person_id",),
        ("subject_name",),
        (
            "period",
            "warning_id",
            "rule_id",
            "rule_name",
            "kind",
            "severity",
            "household_id",
            "value",
            "threshold",
            "first_period",
            "source_rows",
        ),
    )
    findings = findings.rename(
        {
            "period": "统计期",
            "warning_id": "预警编号",
            "rule_id": "规则编号",
            "rule_name": "规则名称",
            "kind": "类型",
            "severity": "预警等级",
            "subject_name": "姓名",
            "subject_person_id": "身份证号",
            "household_id": "家庭编号",
            "value": "指标值",
            "threshold": "阈值",
            "first_period": "首次预警期",
            "consecutive_periods": "持续月数",
            "source_rows": "证据(文件:行)",
        }
    )

    detail: dict[str, pl.DataFrame] = {"家庭成员": members, "预警与核查记录": findings}
    for name, df in departments.items():
        table = TABLES[name]
        df = masked_ids(
            df,
            ("person_id", "disability_card_no"),
            ("name",),
            (
                "period",
                "region_code",
                "county_code",
                "township_code",
                "household_id",
                "source_ref",
                "county_name",
                "township_name",
                "village_name",
            ),
        )
        title = f"{table.title}（{SOURCE_LABELS.get(table.source, table.source)}）"
        detail[title] = _household_labelled(df, table)
    return detail
