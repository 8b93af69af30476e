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
    # The four departments that joined later (departments.py, planted_departments.py). Off: a city that has
    # never received them, and the seeds and raw files are byte for byte those of the generator before they
    # were added (with `sized_population` off too).
    departments: bool = True
    # Medical insurance joins in the middle of the months: its first period is the one at index
    # months // 2 (the 7th of 12); the other three departments are on file from the first month.
    medical_joins_at: float = 0.5
    # household_changes: deaths and moves registered per month outside the programmes, and of recipients
    deaths_per_month: int = 70
    moves_per_month: int = 50
    dibao_deaths_per_month: int = 3
    tekun_deaths_per_month: int = 3
    dibao_moves_per_month: int = 3
    # social_insurance_payments: retirees (the three pension types), the unemployed of a month, dibao
    # households with a pensioner, near-dibao members paid unemployment benefit
    pensioners: int = 1900
    pensioners_entries_per_month: int = 12
    unemployed: int = 110
    dibao_pension_households: float = 0.02  # share of the dibao households
    near_dibao_unemployed: int = 10
    # payroll: staff of public bodies; a handful are dibao members
    payroll_staff: int = 1100
    payroll_entries_per_month: int = 8
    payroll_dibao_members: int = 6
    # medical_settlements per month; large out-of-pocket bills among the uncovered
    medical_settlements_per_month: int = 1000
    medical_large_bills_per_month: int = 8
    # region_population sized to the people: 低保覆盖率 (K02) a few per cent. Off: the populations of a large
    # city drawn as before (550 000–1 450 000 per county), whatever the scale.
    sized_population: bool = True


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
