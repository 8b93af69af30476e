"""下载日志: the city admin reads every download (dashboard and command line); nobody else reads it, on the
page or through the data layer. Entries name users, lists and counts only."""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboards import data
from pipelines.exports.audit import download_entry, read_downloads, record_download
from pipelines.exports.export import EXPORT_TZ
from tests.dashboards.conftest import ADMIN, ANALYST, OFFICER


def _entry(user, kind, rows, masked, county, hour):
    return download_entry(
        user=user,
        channel="dashboard" if user != "ops" else "cli",
        kind=kind,
        period="2026-03",
        county=county,
        conditions="统计期=2026-03",
        rows=rows,
        masked=masked,
        fmt="xlsx",
        when=datetime(2026, 11, 20, hour, tzinfo=EXPORT_TZ),
    )


@pytest.fixture
def logged(audit_log):
    record_download(_entry(OFFICER.user, "warnings", 12, True, "370902", 9))
    record_download(_entry(ADMIN.user, "verifications", 40, False, None, 10))
    record_download(_entry("ops", "quarantine", 5, True, None, 11))
    return audit_log


def test_only_the_city_admin_reads_the_log(logged):
    log = data.audit_log(ADMIN)
    assert log.height == 3
    assert log["at"].to_list() == sorted(log["at"].to_list(), reverse=True)  # newest first
    for viewer in (OFFICER, ANALYST):
        with pytest.raises(data.AccessDenied):
            data.audit_log(viewer)


def test_the_page_is_offered_to_the_city_admin_only(run_app, logged, offered_pages):
    offered = offered_pages
    for viewer, expected in ((ADMIN, True), (OFFICER, False), (ANALYST, False)):
        offered.clear()
        at = run_app(viewer)
        assert not at.exception
        assert ("audit" in offered) is expected, viewer.role

    for viewer in (OFFICER, ANALYST):  # asked for by address: not theirs, the default page shows instead
        at = run_app(viewer, "audit")
        assert not at.exception and at.title[0].value == "总览"


def test_the_admin_sees_every_download_and_filters_them(run_app, logged):
    at = run_app(ADMIN, "audit")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "下载日志"
    table = at.dataframe[0].value
    assert len(table) == 3
    assert list(table["用户"]) == ["ops", ADMIN.user, OFFICER.user]
    assert list(table["名单"]) == ["隔离明细", "核查名单", "预警名单"]
    assert list(table["脱敏"]) == ["是", "否", "是"]
    assert list(table["渠道"]) == ["命令行", "看板", "看板"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["下载次数"] == "3" and metrics["未脱敏下载"] == "1" and metrics["下载行数合计"] == "57"

    at.selectbox(key="audit_user").set_value(OFFICER.user).run()
    table = at.dataframe[0].value
    assert list(table["用户"]) == [OFFICER.user] and list(table["县区"]) == ["370902"]
    at.selectbox(key="audit_user").set_value("全部").run()
    at.selectbox(key="audit_masked").set_value("未脱敏").run()
    assert list(at.dataframe[0].value["用户"]) == [ADMIN.user]
    assert len(read_downloads(logged)) == 3  # reading the log never writes it


def test_an_empty_log_says_so(run_app, audit_log):
    at = run_app(ADMIN, "audit")
    assert not at.exception and not at.dataframe
    assert any("尚无下载记录" in i.value for i in at.info)
