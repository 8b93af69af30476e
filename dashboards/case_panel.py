"""The list pages' part of closing the loop: the filter by 处置状态, the disposition form for one finding,
the upload of a returned list, and a case's record history (product.md, "Disposition").

Offered to the roles that read lists (county officer, city admin); what may be written is decided by the
write path from the store (`dashboards.cases` → `pipelines.feedback.record`), not here. After a record or
an upload the page runs again, so the list above shows the new status at once; the outcome is kept in
the session for that run.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import polars as pl
import streamlit as st

from dashboards import cases, session
from dashboards.auth import Viewer
from pipelines.exports import ExportedList
from pipelines.exports.labels import FINDING_KIND
from pipelines.exports.writers import write_csv
from pipelines.feedback.clock import beijing_date, beijing_text_expr, utc_now
from pipelines.feedback.outcomes import MAX_NOTE, OTHER, OUTCOMES, RECHECK_DUE
from pipelines.settings import Locations

ALL = "全部"
STATUS = "处置状态"
STATUS_OPTIONS = (ALL, *cases.STATUS_FILTERS)
HISTORY_HEADERS = {
    "recorded_at": "记录时间",
    "recorded_by": "记录人",
    "checked_on": "核查日期",
    "outcome": "处置结果",
    "note": "处置说明",
    "file_name": "来源文件",
}


def filter_status(exported: ExportedList, status: str | None) -> ExportedList:
    """The list narrowed by 处置状态: 待处置 / 已超期 also when due for a re-check, 复核到期 only those."""
    if status in (None, ALL) or STATUS not in exported.frame.columns:
        return exported
    column = pl.col(STATUS).fill_null("")
    condition = (
        column.str.contains(RECHECK_DUE, literal=True) if status == RECHECK_DUE else column.str.starts_with(status)
    )
    return replace(exported, frame=exported.frame.filter(condition))


def status_style(value: object) -> str:
    text = str(value or "")
    if text.startswith("已超期"):
        return "color: #d62728; font-weight: bold"
    return "color: #ff7f0e" if RECHECK_DUE in text else ""


def _flash(key: str, kind: str, text: str, refused: pl.DataFrame | None = None) -> None:
    st.session_state[key] = {"kind": kind, "text": text, "refused": refused}


def _show_flash(key: str) -> None:
    flash = st.session_state.pop(key, None)
    if not flash:
        return
    getattr(st, flash["kind"])(flash["text"])
    refused = flash["refused"]
    if refused is not None and refused.height:
        st.dataframe(refused.to_pandas(), hide_index=True, width="stretch")
        buffer = io.BytesIO()
        write_csv(refused, buffer)
        st.download_button(
            "下载拒收行 CSV",
            data=buffer.getvalue(),
            file_name="拒收行.csv",
            mime="text/csv",
            key=f"{key}_refused_csv",
            on_click="ignore",
            icon=":material/download:",
        )


def render(locations: Locations, viewer: Viewer, kind: str, shown: ExportedList) -> None:
    """处置登记 (one finding), 处置记录 (its history) and 批量回填 (a returned list) for the list shown."""
    if not viewer.can_see_lists:
        return
    st.subheader("处置登记")
    _show_flash(f"{kind}_case_flash")
    frame = shown.frame
    if frame.height == 0 or STATUS not in frame.columns:
        st.caption("名单为空，或已发布的数据中还没有预警事项。")
    else:
        _form(locations, viewer, kind, frame)
    _upload(locations, viewer, kind)


def _form(locations: Locations, viewer: Viewer, kind: str, frame: pl.DataFrame) -> None:
    rows = {
        f"{r['预警编号']}-{r['首次预警期']}": r
        for r in frame.select("预警编号", "首次预警期", "规则名称", "姓名", STATUS, "处置期限").iter_rows(named=True)
    }
    case_id = st.selectbox(
        "选择预警事项",
        list(rows),
        index=None,
        key=f"{kind}_case",
        # no status in the label: a record changes it, and the shown choice would keep the old one
        format_func=lambda c: " · ".join(str(x) for x in (c, rows[c]["规则名称"], rows[c]["姓名"]) if x),
        placeholder="选择一条以登记处置或查看处置记录",
    )
    if case_id is None:
        return
    row = rows[case_id]
    st.caption(f"处置状态：{row[STATUS] or '—'} · 处置期限：{row['处置期限'] or '—'}")
    _history(viewer, case_id)
    today = beijing_date(utc_now())
    first_day = dt.date.fromisoformat(row["首次预警期"] + "-01")
    with st.form(f"{kind}_disposition", clear_on_submit=True):
        cols = st.columns([1, 2])
        checked_on = cols[0].date_input(
            "核查日期", value=today, min_value=min(first_day, today), max_value=today, format="YYYY-MM-DD"
        )
        outcome = cols[1].selectbox("处置结果", OUTCOMES[FINDING_KIND[kind]], index=None, placeholder="选择处置结果")
        note = st.text_area("处置说明", max_chars=MAX_NOTE, help=f"选择“{OTHER}”时必填；不超过 {MAX_NOTE} 字")
        submitted = st.form_submit_button("提交处置", type="primary")
    if submitted:
        result = cases.record_disposition(
            locations, viewer, row["预警编号"], row["首次预警期"], checked_on, outcome, note or None
        )
        flash = f"{kind}_case_flash"
        if result.refused:
            _flash(flash, "error", f"未记录 {case_id}：{result.refused[0].reason}")
        elif result.unchanged:
            _flash(flash, "info", f"{case_id}：与已有记录相同，未重复记录 unchanged")
        else:
            _flash(flash, "success", f"已记录 {case_id} 的处置：{outcome}")
        st.rerun()


def _history(viewer: Viewer, case_id: str) -> None:
    try:
        history = session.case_history(viewer, case_id)
    except (cases.AccessDenied, LookupError) as exc:
        st.caption(str(exc))
        return
    with st.expander(f"处置记录（{history.height} 条）", expanded=False):
        st.dataframe(history_table(history).to_pandas(), hide_index=True, width="stretch")


def history_table(history: pl.DataFrame) -> pl.DataFrame:
    """A case's records as shown: Beijing time of each record, oldest first, Chinese headers; a record made
    on a page (not from a returned list) says so."""
    return (
        history.with_columns(
            recorded_at=beijing_text_expr("recorded_at"),
            checked_on=pl.col("checked_on").dt.strftime("%Y-%m-%d"),
            file_name=pl.col("file_name").fill_null("看板登记"),
        )
        .select(list(HISTORY_HEADERS))
        .rename(HISTORY_HEADERS)
    )


def _upload(locations: Locations, viewer: Viewer, kind: str) -> None:
    st.subheader("批量回填")
    st.caption(
        "上传填好核查日期、处置结果、处置说明的名单（本页导出的 XLSX，或同列的 CSV）；按预警编号和首次预警期对应。"
    )
    _show_flash(f"{kind}_upload_flash")
    generation = st.session_state.get(f"{kind}_upload_generation", 0)  # a new key empties the uploader
    upload = st.file_uploader("上传回填名单（XLSX 或 CSV）", type=["xlsx", "csv"], key=f"{kind}_upload_{generation}")
    if upload is None or not st.button("导入回填名单", key=f"{kind}_import", type="primary"):
        return
    flash = f"{kind}_upload_flash"
    try:
        result = cases.upload_returned(locations, viewer, upload.name, upload.getvalue())
    except ValueError as exc:  # an unreadable file: the message names the file and the problem only
        _flash(flash, "error", f"无法读取 {upload.name}：{exc}")
    else:
        counts = (
            f"{upload.name}：已记录 {len(result.recorded)} 行，未变 {len(result.unchanged)} 行，"
            f"拒收 {len(result.refused)} 行" + (f"，空行 {result.empty} 行" if result.empty else "")
        )
        _flash(flash, "warning" if result.refused else "success", counts, cases.refused_table(result))
        st.session_state[f"{kind}_upload_generation"] = generation + 1
    st.rerun()
