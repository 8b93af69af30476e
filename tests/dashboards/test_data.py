"""The dashboards' data-access layer: scoping enforced where data is read, whatever a page asks.

Uses the hand-made published warehouse of the export tests (two counties, invented people).
PYTEST_DONT_REWRITE: assertions compare counts and county codes; nothing prints a person.
"""

from __future__ import annotations

import polars as pl
import pytest

from dashboards import data
from dashboards.auth import Viewer
from pipelines.exports.audit import read_downloads
from pipelines.settings import Locations
from tests.exports.conftest import C1, C2, IDS
from tests.exports.helpers import has_full_id

ADMIN = Viewer("admin", "city_admin", None)
ANALYST = Viewer("analyst", "analyst", None)
OFFICER_1 = Viewer("officer_370902", "county_officer", C1[:6])
OFFICER_2 = Viewer("officer_370911", "county_officer", C2[:6])


def _counties(frame: pl.DataFrame) -> set[str]:
    return {code[:6] for code in frame["行政区划代码"].to_list()}


@pytest.mark.parametrize("kind", ["warnings", "verifications"])
def test_a_county_officer_reads_only_their_county(locations, kind):
    for officer in (OFFICER_1, OFFICER_2):
        got = data.read_scoped_list(locations, officer, kind)
        assert _counties(got.frame) <= {officer.county}
        assert got.county == officer.county and got.masked
    everyone = data.read_scoped_list(locations, ADMIN, kind).rows
    assert everyone == sum(data.read_scoped_list(locations, o, kind).rows for o in (OFFICER_1, OFFICER_2))


def test_another_county_or_unmasked_is_refused_not_narrowed(locations):
    with pytest.raises(data.AccessDenied):
        data.read_scoped_list(locations, OFFICER_1, "warnings", county=C2[:6])
    with pytest.raises(data.AccessDenied):
        data.read_scoped_list(locations, OFFICER_1, "warnings", unmasked=True)
    unmasked = data.read_scoped_list(locations, ADMIN, "warnings", unmasked=True)
    assert not unmasked.masked and set(unmasked.frame["身份证号"].to_list()) & set(IDS)


@pytest.mark.parametrize("kind", ["warnings", "verifications", "quarantine"])
def test_the_analyst_reads_no_list(locations, kind):
    with pytest.raises(data.AccessDenied):
        data.read_scoped_list(locations, ANALYST, kind)


def test_aggregates_follow_the_scope(locations):
    all_kpis = data.kpis(locations, ANALYST)
    assert {"city", "county", "township"} == set(all_kpis["level"].to_list())
    mine = data.kpis(locations, OFFICER_1)
    others = mine.filter((pl.col("level") != "city") & (pl.col("county_code") != C1))
    assert mine.height > 0 and others.height == 0
    assert mine.filter(pl.col("level") == "city").height > 0  # the city's totals, for comparison
    counts = data.finding_counts(locations, OFFICER_2)
    assert set(counts["county_code"].to_list()) == {C2}
    assert data.finding_counts(locations, ADMIN)["findings"].sum() == 7


def test_download_is_the_shown_list_and_is_recorded(locations, tmp_path, audit_log):
    shown = data.filter_list(data.read_scoped_list(locations, OFFICER_2, "warnings"), {"预警等级": "红"})
    assert shown.rows == 1
    body = data.download(locations, OFFICER_2, shown, "csv", filters={"预警等级": "红"})
    out = tmp_path / "list.csv"
    out.write_bytes(body)
    assert not has_full_id(out)
    assert body.decode("utf-8-sig").count("\n") == 2  # header and the one red warning
    entry = read_downloads(audit_log)[-1]
    assert entry["user"] == OFFICER_2.user and entry["channel"] == "dashboard"
    assert entry["rows"] == 1 and entry["masked"] is True and "预警等级=红" in entry["conditions"]


def test_nothing_published_is_said_plainly(tmp_path):
    with pytest.raises(data.NotPublished):
        data.kpis(Locations(tmp_path / "data", tmp_path / "warehouse"), ANALYST)
