"""config/checks.toml: severities and thresholds, and clear errors for what it does not know."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.quality import MART_CHECKS, RAW_CHECKS, CheckSettings, load_settings
from pipelines.quality.settings import DEFAULT_PATH


def test_the_repository_file_gives_the_documented_defaults(monkeypatch):
    monkeypatch.delenv("SAFETYNET_CHECKS", raising=False)
    settings = load_settings()
    assert DEFAULT_PATH.exists()
    assert settings == load_settings(DEFAULT_PATH)
    defaults = CheckSettings()
    for field in (
        "max_quarantine_share",
        "max_volume_drop",
        "min_rows_for_share",
        "min_rows_for_drift",
        "coverage_tables",
        "money_max",
        "integer_max",
        "earliest_date",
        "totals_tolerance",
        "results_kept",
    ):
        assert getattr(settings, field) == getattr(defaults, field), field
    assert "temporary_assistance" not in settings.coverage_tables
    assert {n: settings.severity_of(n, "dibao") for n in RAW_CHECKS} == {
        "contract": "error",
        "value_ranges": "warn",
        "quarantine_share": "error",
        "county_coverage": "error",
        "volume_drift": "warn",
    }
    marts = {f"{m}.{n}": settings.severity_of(n, m) for m, checks in MART_CHECKS.items() for n in checks}
    assert marts == {
        "fct_findings.contract": "error",
        "fct_cases.contract": "error",
        "fct_kpis.contract": "error",
        "fct_kpis.region_totals": "error",
        "fct_kpis.population_rates": "warn",
    }


def test_a_settings_file_changes_severities_and_thresholds(tmp_path, monkeypatch):
    path = tmp_path / "checks.toml"
    path.write_text(
        '[severity]\nvolume_drift = "error"\n"tekun.contract" = "warn"\n"fct_kpis.region_totals" = "warn"\n'
        '[thresholds]\nmax_volume_drop = 0.5\nearliest_date = 2000-01-01\ncoverage_tables = ["dibao"]\n',
        encoding="utf-8",
    )
    for settings in (load_settings(path), _via_env(monkeypatch, path)):
        assert settings.severity_of("volume_drift", "dibao") == "error"
        assert settings.severity_of("contract", "tekun") == "warn"
        assert settings.severity_of("contract", "dibao") == "error"
        assert settings.severity_of("region_totals", "fct_kpis") == "warn"
        assert settings.severity_of("contract", "fct_kpis") == "error"
        assert settings.max_volume_drop == 0.5
        assert settings.earliest_date == dt.date(2000, 1, 1)
        assert settings.coverage_tables == ("dibao",)
        assert settings.max_quarantine_share == 0.5  # untouched


def _via_env(monkeypatch, path):
    monkeypatch.setenv("SAFETYNET_CHECKS", str(path))
    return load_settings()


@pytest.mark.parametrize(
    "text, named",
    [
        ("[thresholds]\nmax_quarantine_shares = 0.4\n", "max_quarantine_shares"),
        ('[severity]\nvolume_drfit = "warn"\n', "volume_drfit"),
        ('[severity]\nvolume_drift = "fatal"\n', "fatal"),
        ("[limits]\nx = 1\n", "limits"),
        ('[thresholds]\ncoverage_tables = ["dibao", "pensions"]\n', "pensions"),
        ('[thresholds]\nmax_volume_drop = "a lot"\n', "max_volume_drop"),
    ],
)
def test_an_unknown_or_wrong_setting_is_an_error_naming_it(tmp_path, text, named):
    path = tmp_path / "checks.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=named):
        load_settings(path)


def test_a_bare_check_name_sets_the_raw_tables_only():
    settings = CheckSettings(severity={"contract": "warn"})
    assert settings.severity_of("contract", "near_dibao") == "warn"
    assert settings.severity_of("contract", "fct_kpis") == "error"
    assert settings.severity_of("volume_drift", "dibao") == "warn"  # default kept
