"""A bureau's server sends nothing out: the configuration SafetyNet writes turns off Dagster's telemetry
and its newsletter prompt, dbt's anonymous usage statistics, Great Expectations' analytics and
Streamlit's usage statistics."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from pipelines.cli import streamlit_command
from pipelines.dbt_cli import DBT_PROJECT_DIR, prepare_project
from pipelines.quality import gx
from pipelines.run import INSTANCE_CONFIG, dagster_instance
from pipelines.settings import Locations

REPO = Path(__file__).resolve().parents[2]


def test_the_dagster_instance_sends_no_telemetry_and_shows_no_newsletter(tmp_path):
    instance = dagster_instance(tmp_path / "warehouse")
    written = yaml.safe_load((tmp_path / "warehouse" / "dagster_home" / "dagster.yaml").read_text())
    assert written["telemetry"] == {"enabled": False} and written["nux"] == {"enabled": False}
    assert instance.telemetry_enabled is False and instance.nux_enabled is False
    assert written["concurrency"] == yaml.safe_load(INSTANCE_CONFIG)["concurrency"]


def test_an_instance_file_written_before_gets_the_settings_and_keeps_its_own(tmp_path):
    home = tmp_path / "warehouse" / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG + "run_monitoring:\n  enabled: true\n")
    instance = dagster_instance(tmp_path / "warehouse")
    written = yaml.safe_load((home / "dagster.yaml").read_text())
    assert written["run_monitoring"] == {"enabled": True}
    assert instance.telemetry_enabled is False and instance.nux_enabled is False
    before = (home / "dagster.yaml").read_text()
    dagster_instance(tmp_path / "warehouse")
    assert (home / "dagster.yaml").read_text() == before  # written once, not appended at every run


def test_dbt_sends_no_usage_statistics_in_the_project_and_the_warehouse_copy(tmp_path):
    for project in (DBT_PROJECT_DIR, prepare_project(Locations(REPO / "data", tmp_path / "warehouse"))):
        flags = yaml.safe_load((Path(project) / "dbt_project.yml").read_text())["flags"]
        assert flags["send_anonymous_usage_stats"] is False, project


def test_great_expectations_and_streamlit_send_nothing():
    gx.gx_module()
    assert os.environ["GX_ANALYTICS_ENABLED"] == "False"
    command = streamlit_command(8501)
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
