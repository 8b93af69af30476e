"""Presets of `safetynet generate`: sizes and shapes of the generated population."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoPreset:
    """A city followed month by month, with planted rule cases."""

    last_period: str = "2026-10"
    months: int = 12
    dibao_households: int = 2500  # at the start
    dibao_entries_per_month: int = 30
    dibao_exit_hazard: float = 0.011
    tekun_persons: int = 1500
    tekun_entries_per_month: int = 8
    tekun_exit_hazard: float = 0.008
    near_dibao_households: int = 600
    near_dibao_entries_per_month: int = 6
    monitoring_households: int = 1100
    monitoring_entries_per_month: int = 12
    other_card_holders: int = 2200
    temporary_payments_per_month: int = 70
    years: tuple[int, ...] = (2023, 2024, 2025, 2026)


@dataclass(frozen=True)
class ReportPreset:
    """September 2021 of one city, rural programmes only; the published KPIs come out exactly."""

    period: str = "2021-09"
    dibao_households: int = 121_828
    dibao_persons: int = 226_989  # covered, active, distinct
    rural_population: int = 5_404_500  # 226,989 / 5,404,500 = 4.20 %
    tekun_persons: int = 27_517
    tekun_unable: int = 10_000  # self_care partial or none
    tekun_unable_centralized: int = 5_730  # 57.3 %
    monitoring_persons: int = 30_144
    monitoring_in_dibao: int = 14_714
    monitoring_in_tekun: int = 192
    living_subsidy_persons: int = 103_499
    nursing_subsidy_persons: int = 68_096
    standards: dict = field(
        default_factory=lambda: {
            "effective_from": "2021-01-01",
            "dibao_urban": 657,
            "dibao_rural": 657,
            "tekun_basic": 854,
            "relapse_income_line": 6000,
        }
    )
    years: tuple[int, ...] = (2020, 2021)


PRESETS = {"demo": DemoPreset(), "report-2021": ReportPreset()}
