"""Reference evaluation of the KPIs of domain.md (K01–K09), per period, for the city, every county and
every township of the regions seed. Plain Python over the rows of one period; see reference.py.

A row counts in its village's township (first 9 digits of the region code, zero-padded), its county
(first 6 digits) and the city (the seed's `city` row). Counts are of distinct `person_id` (households:
distinct 家庭编号) per region, so a person on the rolls of two counties counts in each and once in the
city. Rates are Float64 fractions, null when the denominator is 0 or the population is unknown.
Amounts are summed exactly as decimals and then given as Float64.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import polars as pl

from pipelines.generate.reference import PeriodData, as_bool, county_of, money, text, township_of

KPI_SCHEMA = {
    "period": pl.String,
    "region_code": pl.String,
    "level": pl.String,
    "indicator_id": pl.String,
    "value": pl.Float64,
}
INDICATORS = (
    "K01_persons",
    "K01_households",
    "K02_rate",
    "K02_rural_rate",
    "K02_urban_rate",
    "K03_persons",
    "K03_centralized_rate",
    "K04_rate",
    "K05_persons",
    "K05_in_dibao",
    "K05_in_tekun",
    "K05_rate",
    "K06_living_persons",
    "K06_nursing_persons",
    "K06_living_amount",
    "K06_nursing_amount",
    "K06_nursing_coverage",
    "K07_amount",
    "K08_open",
    "K08_new",
    "K09_dibao_urban",
    "K09_dibao_rural",
    "K09_tekun_basic",
)


class Geography:
    """The city, its counties and townships (regions seed)."""

    def __init__(self, regions: dict[str, dict]):
        levels = {code: r.get("level") for code, r in regions.items()}
        cities = sorted(code for code, level in levels.items() if level == "city")
        self.counties = sorted(code for code, level in levels.items() if level == "county")
        self.townships = sorted(code for code, level in levels.items() if level == "township")
        if cities:
            self.city = cities[0]
        else:  # tolerate a seed without its city row: the prefix of the counties
            self.city = (self.counties[0][:4] if self.counties else "0000") + "00000000"
        self._regions_of: dict[str, tuple[str, str, str]] = {}

    def regions_of(self, region_code: str) -> tuple[str, str, str]:
        """The township, county and city a village's row counts in."""
        if region_code not in self._regions_of:
            self._regions_of[region_code] = (
                township_of(region_code),
                county_of(region_code),
                self.city,
            )
        return self._regions_of[region_code]

    def all(self) -> list[tuple[str, str]]:
        return (
            [(self.city, "city")] + [(c, "county") for c in self.counties] + [(t, "township") for t in self.townships]
        )


class Distinct:
    """Distinct keys (person_id, household number, warning_id) per region."""

    def __init__(self, geo: Geography):
        self.geo, self.keys = geo, defaultdict(set)

    def add(self, region_code: str, key: str) -> None:
        for region in self.geo.regions_of(region_code):
            self.keys[region].add(key)

    def __call__(self, region: str) -> float:
        return float(len(self.keys.get(region, ())))


class Total:
    """Exact decimal sums per region."""

    def __init__(self, geo: Geography):
        self.geo, self.sums = geo, defaultdict(Decimal)

    def add(self, region_code: str, amount) -> None:
        for region in self.geo.regions_of(region_code):
            self.sums[region] += money(amount)

    def __call__(self, region: str) -> float:
        return float(self.sums.get(region, Decimal(0)))


def rate(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def population(p: PeriodData, geo: Geography, region: str, column: str) -> float | None:
    """Registered population of P's year, else of the latest earlier year on file; the city is the
    sum of its counties when the seed has no row for it."""
    year = int(p.period[:4])
    years = p.seeds.population.get(region, {})
    usable = [y for y in years if y <= year]
    if usable:
        value = text(years[max(usable)].get(column))
        return float(value) if value is not None else None
    if region == geo.city:
        parts = [population(p, geo, county, column) for county in geo.counties]
        parts = [x for x in parts if x is not None]
        return float(sum(parts)) if parts else None
    return None


def kpis_of_period(p: PeriodData, findings: list[dict]) -> list[dict]:
    geo = Geography(p.seeds.regions)
    period = p.period

    # K01, K02: dibao_active persons by the region of their row; households with an active member
    dibao_households = p.households("dibao")
    k01_persons, k01_households = Distinct(geo), Distinct(geo)
    rural_persons, urban_persons = Distinct(geo), Distinct(geo)
    k07 = Total(geo)
    for hh in dibao_households.values():
        active = [r for r in hh.members if r["status"] == "active" and as_bool(r["is_covered"])]
        category = hh.row["dibao_category"]  # a household column: from the head's row
        for r in active:
            k01_persons.add(r["region_code"], r["person_id"])
            (rural_persons if category == "rural" else urban_persons).add(r["region_code"], r["person_id"])
        if active:
            k01_households.add(hh.row["region_code"], hh.household_id)
            k07.add(hh.row["region_code"], hh.row["monthly_benefit"])

    # K03, K04: tekun_active persons
    k03_persons, k03_centralized = Distinct(geo), Distinct(geo)
    k04_unable, k04_centralized = Distinct(geo), Distinct(geo)
    for r in p.data.of("tekun", period):
        if r["status"] != "active":
            continue
        k03_persons.add(r["region_code"], r["person_id"])
        centralized = r["care_mode"] == "centralized"
        if centralized:
            k03_centralized.add(r["region_code"], r["person_id"])
        if r["self_care"] in ("partial", "none"):
            k04_unable.add(r["region_code"], r["person_id"])
            if centralized:
                k04_centralized.add(r["region_code"], r["person_id"])
        k07.add(r["region_code"], money(r["monthly_basic_living"]) + money(r["monthly_care_fee"]))

    # K05: monitored persons (all rows), and those in dibao_active / tekun_active anywhere in the city
    k05_persons, k05_dibao, k05_tekun, k05_either = (Distinct(geo) for _ in range(4))
    for r in p.data.of("monitoring", period):
        person, region = r["person_id"], r["region_code"]
        k05_persons.add(region, person)
        if person in p.dibao_active:
            k05_dibao.add(region, person)
        if person in p.tekun_active:
            k05_tekun.add(region, person)
        if person in p.covered:
            k05_either.add(region, person)

    # K06: the two subsidies paid in P; nursing coverage of valid grade 1–2 card holders
    paid_persons = {"living_subsidy": Distinct(geo), "nursing_subsidy": Distinct(geo)}
    paid_amount = {"living_subsidy": Total(geo), "nursing_subsidy": Total(geo)}
    for r in p.data.of("disability_subsidies", period):
        paid_persons[r["subsidy_type"]].add(r["region_code"], r["person_id"])
        paid_amount[r["subsidy_type"]].add(r["region_code"], r["amount"])
        k07.add(r["region_code"], r["amount"])
    severe, severe_paid = Distinct(geo), Distinct(geo)
    for r in p.data.of("disability_cards", period):
        if r["card_status"] == "valid" and int(r["disability_grade"]) in (1, 2):
            severe.add(r["region_code"], r["person_id"])
            if r["person_id"] in p.paid["nursing_subsidy"]:
                severe_paid.add(r["region_code"], r["person_id"])

    # K07: temporary assistance of P (the rest is added above)
    for r in p.data.of("temporary_assistance", period):
        k07.add(r["region_code"], r["amount"])

    # K08: early-warning findings of P by the finding's region
    k08_open, k08_new = Distinct(geo), Distinct(geo)
    for f in findings:
        if f["kind"] == "warning":
            k08_open.add(f["region_code"], f["warning_id"])
            if f["consecutive_periods"] == 1:
                k08_new.add(f["region_code"], f["warning_id"])

    out = []
    for region, level in geo.all():
        total_pop = population(p, geo, region, "population_total")
        rural_pop = population(p, geo, region, "population_rural")
        urban_pop = population(p, geo, region, "population_urban")
        values = {
            "K01_persons": k01_persons(region),
            "K01_households": k01_households(region),
            "K02_rate": rate(k01_persons(region), total_pop),
            "K02_rural_rate": rate(rural_persons(region), rural_pop),
            "K02_urban_rate": rate(urban_persons(region), urban_pop),
            "K03_persons": k03_persons(region),
            "K03_centralized_rate": rate(k03_centralized(region), k03_persons(region)),
            "K04_rate": rate(k04_centralized(region), k04_unable(region)),
            "K05_persons": k05_persons(region),
            "K05_in_dibao": k05_dibao(region),
            "K05_in_tekun": k05_tekun(region),
            "K05_rate": rate(k05_either(region), k05_persons(region)),
            "K06_living_persons": paid_persons["living_subsidy"](region),
            "K06_nursing_persons": paid_persons["nursing_subsidy"](region),
            "K06_living_amount": paid_amount["living_subsidy"](region),
            "K06_nursing_amount": paid_amount["nursing_subsidy"](region),
            "K06_nursing_coverage": rate(severe_paid(region), severe(region)),
            "K07_amount": k07(region),
            "K08_open": k08_open(region),
            "K08_new": k08_new(region),
        }
        if level != "city":  # K09: standards in force of the county (a township: its county's)
            standard = p.seeds.standard(county_of(region), period) or {}
            for indicator, column in (
                ("K09_dibao_urban", "dibao_urban"),
                ("K09_dibao_rural", "dibao_rural"),
                ("K09_tekun_basic", "tekun_basic"),
            ):
                value = standard.get(column)
                values[indicator] = float(value) if value is not None else None
        for indicator in INDICATORS:
            if indicator in values:
                out.append(
                    {
                        "period": period,
                        "region_code": region,
                        "level": level,
                        "indicator_id": indicator,
                        "value": values[indicator],
                    }
                )
    return out
