"""Planted cases of the rules reading the four departments (W09, W10, V05–V09): one function per rule, each
case a small household or person new to the population (planted.py), firing in several periods, with
near-misses at every edge of rules.md — a death on the last day of P, a death dated after the end of P, a
payment in the month of death and the month after, a move before, on and after 审批日期, a move within the
county, pensions per head exactly at the standard and one cent above, out-of-pocket exactly at the amount
and one cent below, a window month not on file (medical insurance joins at period index `m0`), temporary
assistance inside the window. The city's parameters are followed (`warning_rules.csv`: W09 window_months
and amount, V05 grace_days). Periods are indices into the dataset's periods; cases that need more periods
than the dataset has are shortened or skipped. The truth is computed by the reference evaluation, not
from this list; the comments say what each case is meant to exercise.
"""

from __future__ import annotations

import numpy as np

from .planted import Planter, _d

UNIT = "人力资源和社会保障局"


class DeptPlanter(Planter):
    def __init__(self, w, state, m0: int):
        super().__init__(w, state)
        self.m0 = m0
        # payment references of planted.py's cases count from 1 in the same counties and periods
        self.ref_no = 5000

    def start(self, p: int) -> np.datetime64:
        return np.datetime64(self.w.periods[p], "M").astype("datetime64[D]")

    def all(self) -> list[int]:
        return list(range(self.P))

    def medical_on_file(self, *idx) -> bool:
        return all(self.m0 <= i < self.P for i in idx)

    @staticmethod
    def county(vil: dict) -> str:
        return f"{vil['county6']}000000"

    def change(self, person, vil, p: int, typ: str, date, dest: str | None = None):
        """A household change registered in period p (its 变动日期 may lie before or after P)."""
        if not 0 <= p < self.P:
            return
        self.emit(
            "household_changes",
            p,
            [
                dict(
                    region_code=vil["region_code"],
                    name=person["name"],
                    person_id=person["person_id"],
                    change_type=typ,
                    change_date=_d(date),
                    destination_region_code=dest,
                    registration_reference=self.ref("HJ", p, vil["county6"]),
                )
            ],
        )

    def insurance(self, person, vil, periods, typ: str, amount):
        """A social insurance payment in each of `periods`; amount: cents, or a callable p -> cents."""
        for p in periods:
            self.emit(
                "social_insurance_payments",
                p,
                [
                    dict(
                        region_code=self.county(vil),
                        name=person["name"],
                        person_id=person["person_id"],
                        benefit_type=typ,
                        payment_month=self.w.periods[p],
                        amount=int(amount(p) if callable(amount) else amount),
                    )
                ],
            )

    def payroll(self, person, vil, periods, category: str, salary: int, unit: str = "教育和体育局"):
        for p in periods:
            self.emit(
                "payroll",
                p,
                [
                    dict(
                        region_code=self.county(vil),
                        employer=vil["county_name"] + unit,
                        name=person["name"],
                        person_id=person["person_id"],
                        staff_category=category,
                        monthly_salary=salary,
                    )
                ],
            )

    def medical(self, person, vil, p: int, oop: int, total: int | None = None, visit: str = "inpatient", day: int = 9):
        """A settlement in period p with 个人自付 `oop` (cents)."""
        if not self.medical_on_file(p):
            return
        self.emit(
            "medical_settlements",
            p,
            [
                dict(
                    region_code=self.county(vil),
                    name=person["name"],
                    person_id=person["person_id"],
                    visit_type=visit,
                    settlement_date=_d(min(self.start(p) + day, self.end(p))),
                    total_cost=int(total if total is not None else max(oop * 3, oop + 100000)),
                    out_of_pocket=int(oop),
                    settlement_reference=self.ref("YB", p, vil["county6"]),
                )
            ],
        )

    def elsewhere(self, vil) -> str:
        """A village of another county of the city."""
        return self.village(exclude_county=vil["county6"])["region_code"]


def _until(last: int, after: str = "stopped"):
    return lambda q: "active" if q <= last else after


# ---------------------------------------------------------------------------------------------- V05
def v05(pt: DeptPlanter):
    P = pt.P
    g = int(pt.param("V05", "grace_days", 0))
    # fires at p and p+1: dies grace_days before the end of P (grace 0: its last day); stopped from p+2
    p = min(3, P - 1)
    v = pt.village()
    a = pt.people(1, v, 81)
    pt.dibao(a, v, pt.ok(*range(0, p + 4)), status=_until(p + 1))
    pt.change(a[0], v, p, "death", pt.end(p) - g)
    # not at p, fires at p+1 and p+2: one day later (grace 0: the day after the end of P, registered in P)
    p = min(5, P - 1)
    v = pt.village(urban=True)
    a = pt.people(1, v, 74)
    pt.dibao(a, v, pt.ok(*range(0, p + 4)), status=_until(p + 2))
    pt.change(a[0], v, p, "death", pt.end(p) - g + 1)
    # fires at p and p+1: a tekun person whose death (three months before) is registered late
    p = min(7, P - 1)
    v = pt.village()
    t = pt.people(1, v, 86)[0]
    pt.tekun(
        t, v, pt.ok(*range(0, p + 3)), care_mode="centralized", self_care="full", status=_until(p + 1, "terminated")
    )
    pt.change(t, v, p, "death", pt.start(p) - 95)
    # fires 1–3: registered twice, the second with an earlier date (the earliest counts from then on)
    p = min(1, P - 1)
    v = pt.village()
    a = pt.people(1, v, 90)
    pt.dibao(a, v, pt.ok(*range(0, p + 4)), status=_until(p + 2))
    pt.change(a[0], v, p, "death", pt.start(p) + 19)
    pt.change(a[0], v, p + 1, "death", pt.start(p) + 17)
    # near-miss: the member who dies is not covered
    p = min(2, P - 1)
    v = pt.village()
    ppl = pt.people(3, v, 66)
    pt.dibao(ppl, v, pt.all(), covered=[True, True, False])
    pt.change(ppl[2], v, p, "death", pt.start(p) + 4)
    # near-miss: the household is stopped
    p = min(4, P - 1)
    v = pt.village()
    a = pt.people(1, v, 79)
    pt.dibao(a, v, pt.all(), status=lambda q: "stopped")
    pt.change(a[0], v, p, "death", pt.start(p) + 2)
    # near-miss: a covered person who moved within the county (no death; no V07)
    p = min(6, P - 1)
    v = pt.village()
    a = pt.people(1, v, 45)
    pt.dibao(a, v, pt.all())
    pt.change(a[0], v, p, "move_out", pt.start(p) + 11, pt.village(county6=v["county6"])["region_code"])


# ---------------------------------------------------------------------------------------------- V06
def v06(pt: DeptPlanter):
    P = pt.P
    # a nursing subsidy paid in the month of death (no V06) and in the month after (V06 at p+1)
    for p in pt.ok(4, 9):
        v = pt.village()
        a = pt.people(1, v, 58)[0]
        pt.card(
            a, v, pt.ok(*range(0, p + 3)), 1, "physical", status=lambda q, p=p: "valid" if q <= p + 1 else "cancelled"
        )
        for q in pt.ok(*range(0, p + 2)):
            pt.subsidy(a, v, q, "nursing_subsidy", 15000)
        pt.change(a, v, p, "death", pt.start(p) + 9)
    # temporary assistance on the day of death, the last of P (no V06), and the next day (V06 at p+1)
    p = min(7, P - 2)
    if p >= 0:
        v = pt.village()
        a = pt.people(1, v, 70)[0]
        pt.change(a, v, p, "death", pt.end(p))
        pt.temp(a, v, p, str(pt.end(p)), typ="expenditure", amount=200000, reason="丧葬困难")
        pt.temp(a, v, p + 1, str(pt.end(p) + 1), typ="expenditure", amount=200000, reason="丧葬困难")
    # a death registered three months late: the payments after it are V06 only from the registration on
    p = min(5, P - 1)
    v = pt.village()
    a = pt.people(1, v, 49)[0]
    pt.card(a, v, pt.ok(*range(0, p + 2)), 2, "intellectual", status=lambda q: "valid" if q <= p else "cancelled")
    for q in pt.ok(*range(0, p + 1)):
        pt.subsidy(a, v, q, "nursing_subsidy", 10000)
    pt.change(a, v, p, "death", pt.start(max(p - 3, 0)) + 4)
    # near-miss: paid after moving away (no death)
    p = min(2, P - 1)
    v = pt.village()
    a = pt.people(1, v, 35)[0]
    pt.card(a, v, pt.all(), 1, "visual")
    for q in range(P):
        pt.subsidy(a, v, q, "nursing_subsidy", 15000)
    pt.change(a, v, p, "move_out", pt.start(p) + 6, pt.elsewhere(v))


# ---------------------------------------------------------------------------------------------- V07
def v07(pt: DeptPlanter):
    P = pt.P
    # near-miss: moved out of the county the day before 审批日期 (registered the month after)
    p = min(2, P - 1)
    v = pt.village()
    a = pt.people(1, v, 52)
    approval = pt.start(p) + 14
    pt.dibao(a, v, pt.ok(*range(p, P)), approval=approval)
    pt.change(a[0], v, p + 1, "move_out", approval - 1, pt.elsewhere(v))
    # fires p+1 .. p+3: moved on 审批日期 (≤), registered the month after; the roll stops it at p+4
    p = min(3, P - 1)
    v = pt.village()
    a = pt.people(1, v, 44)
    approval = pt.start(p) + 9
    pt.dibao(a, v, pt.ok(*range(p, p + 6)), approval=approval, status=_until(p + 3))
    pt.change(a[0], v, p + 1, "move_out", approval, pt.elsewhere(v))
    # fires p, p+1: moved after approval to elsewhere in China (any 12-digit code)
    p = min(8, P - 1)
    v = pt.village(urban=True)
    a = pt.people(1, v, 38)
    pt.dibao(a, v, pt.ok(*range(0, p + 3)), status=_until(p + 1))
    pt.change(a[0], v, p, "move_out", pt.start(p) + 4, "440106003012")
    # near-miss: moved to the county itself (its 12-digit code)
    p = min(5, P - 1)
    v = pt.village()
    a = pt.people(1, v, 61)
    pt.dibao(a, v, pt.all())
    pt.change(a[0], v, p, "move_out", pt.start(p) + 2, pt.county(v))
    # fires p, p+1: active dibao rows in two counties, moved to the second one: the first row qualifies
    # (and V02 fires)
    p = min(9, P - 1)
    v = pt.village()
    a = pt.people(1, v, 47)
    pt.dibao(a, v, pt.all())
    x = pt.village(exclude_county=v["county6"])
    pt.dibao(a, x, pt.ok(p, p + 1), approval=pt.start(p) + 1)
    pt.change(a[0], v, p, "move_out", pt.start(p) + 2, x["region_code"])
    # fires p, p+1, then not: moved out of the county, then a later move within it (the latest counts)
    p = min(1, P - 1)
    v = pt.village()
    a = pt.people(1, v, 36)
    pt.dibao(a, v, pt.all())
    pt.change(a[0], v, p, "move_out", pt.start(p) + 5, pt.elsewhere(v))
    if p + 2 < P:
        pt.change(a[0], v, p + 2, "move_out", pt.start(p + 2) + 3, pt.village(county6=v["county6"])["region_code"])
    # near-miss: the member who moves out of the county is not covered
    p = min(4, P - 1)
    v = pt.village()
    ppl = pt.people(2, v, 57)
    pt.dibao(ppl, v, pt.all(), covered=[True, False])
    pt.change(ppl[1], v, p, "move_out", pt.start(p) + 8, pt.elsewhere(v))


# ---------------------------------------------------------------------------------------------- V08
def v08(pt: DeptPlanter):
    P = pt.P
    # fires every period: a member not covered, on the payroll under two categories (在编在职|编外聘用)
    v = pt.village()
    ppl = pt.people(3, v, 50)
    pt.dibao(ppl, v, pt.all(), covered=[True, False, True])
    pt.payroll(ppl[1], v, pt.all(), "established", 520000)
    pt.payroll(ppl[1], v, pt.all(), "contracted", 180000, unit="人民医院")
    # fires 3–5: a covered member, 编外聘用
    v = pt.village()
    ppl = pt.people(2, v, 41)
    pt.dibao(ppl, v, pt.all())
    pt.payroll(ppl[0], v, pt.ok(3, 4, 5), "contracted", 260000, unit="市场监督管理局")
    # fires 6–8: a retired civil servant (离退休) in a household covering another member
    v = pt.village(urban=True)
    ppl = pt.people(2, v, 68)
    pt.dibao(ppl, v, pt.all(), covered=[False, True], size=1)
    pt.payroll(ppl[0], v, pt.ok(6, 7, 8), "retired", 480000, unit="财政局")
    # near-miss: on the payroll, the dibao household stopped
    v = pt.village()
    ppl = pt.people(2, v, 45)
    pt.dibao(ppl, v, pt.all(), status=lambda q: "stopped")
    pt.payroll(ppl[0], v, pt.all(), "established", 610000, unit="农业农村局")
    # near-miss: off the payroll before the household comes onto the roll
    v = pt.village()
    ppl = pt.people(2, v, 39)
    pt.dibao(ppl, v, pt.ok(*range(3, P)))
    pt.payroll(ppl[1], v, pt.ok(0, 1, 2), "contracted", 230000, unit="卫生健康局")


# ---------------------------------------------------------------------------------------------- V09
def v09(pt: DeptPlanter):
    # near-miss: pensions per head exactly the standard (3 persons): not above
    v = pt.village()
    ppl = pt.people(3, v, 72)
    pt.dibao(ppl, v, pt.all())
    pt.insurance(ppl[0], v, pt.all(), "employee_pension", lambda p: 2 * pt.std(v, p) - 12345)
    pt.insurance(ppl[1], v, pt.all(), "survivor_benefit", lambda p: pt.std(v, p) + 12345)
    # fires every period: one cent above (3 persons): the quotient is the standard + 0.00333…, its
    # evidence rounds to the standard itself
    v = pt.village(urban=True)
    ppl = pt.people(3, v, 70)
    pt.dibao(ppl, v, pt.all())
    pt.insurance(ppl[0], v, pt.all(), "public_sector_pension", lambda p: 3 * pt.std(v, p) + 1 - 50000)
    pt.insurance(ppl[1], v, pt.all(), "employee_pension", 50000)
    # fires 2–6: one member covered (保障人口数 1), the pension drawn by a member who is not covered
    v = pt.village()
    ppl = pt.people(2, v, 75)
    pt.dibao(ppl, v, pt.all(), covered=[True, False], size=1)
    pt.insurance(ppl[1], v, pt.ok(2, 3, 4, 5, 6), "employee_pension", lambda p: pt.std(v, p) * 3 // 2)
    # near-miss: unemployment benefit is no pension
    v = pt.village()
    ppl = pt.people(2, v, 48)
    pt.dibao(ppl, v, pt.all())
    pt.insurance(ppl[1], v, pt.all(), "unemployment_benefit", lambda p: 3 * pt.std(v, p))
    # near-misses: large pensions, but no member covered / the household stopped
    v = pt.village()
    ppl = pt.people(2, v, 77)
    pt.dibao(ppl, v, pt.all(), covered=[False, False], size=1)
    pt.insurance(ppl[0], v, pt.all(), "employee_pension", lambda p: 5 * pt.std(v, p))
    v = pt.village()
    ppl = pt.people(1, v, 80)
    pt.dibao(ppl, v, pt.ok(4, 5, 6), status=lambda q: "stopped")
    pt.insurance(ppl[0], v, pt.all(), "survivor_benefit", lambda p: 2 * pt.std(v, p))


# ---------------------------------------------------------------------------------------------- W09
def w09(pt: DeptPlanter):
    P, m0 = pt.P, pt.m0
    amount = int(round(float(pt.param("W09", "amount", 20000)) * 100))
    window = int(pt.param("W09", "window_months", 3))
    half = amount // 2
    # fires at m0+2 (exactly the amount over two months) and at m0+window (a settlement with 个人自付 0 is
    # a settlement in P; the window still reaches back to m0+1)
    v = pt.village()
    a = pt.people(1, v, 55)[0]
    if window >= 2 and pt.medical_on_file(m0 + 2):
        pt.medical(a, v, m0 + 1, amount - half)
        pt.medical(a, v, m0 + 2, half, visit="chronic_outpatient")
        if m0 + window > m0 + 2:
            pt.medical(a, v, m0 + window, 0, total=15000, visit="outpatient")
    # near-miss: one cent below
    v = pt.village()
    a = pt.people(1, v, 60)[0]
    if window >= 2 and pt.medical_on_file(m0 + 2):
        pt.medical(a, v, m0 + 1, amount - half)
        pt.medical(a, v, m0 + 2, half - 1, visit="chronic_outpatient")
    # fires at m0, medical insurance's first month: the window's earlier months are not on file
    v = pt.village(urban=True)
    a = pt.people(1, v, 63)[0]
    pt.medical(a, v, m0, amount)
    # fires at m0+1 only: half in the first month on file, the rest the next
    v = pt.village()
    a = pt.people(1, v, 46)[0]
    if window >= 2 and pt.medical_on_file(m0 + 1):
        pt.medical(a, v, m0, half, visit="chronic_outpatient")
        pt.medical(a, v, m0 + 1, amount - half)
    # a window month without medical data has a payment file: assistance paid at m0−1 keeps the person off
    # while m0−1 is in the window (m0 .. m0+window−2), then it fires (m0+window−1) on a follow-up of 0
    if m0 >= 1:
        v = pt.village()
        a = pt.people(1, v, 52)[0]
        pt.temp(a, v, m0 - 1, str(pt.start(m0 - 1) + 20), typ="expenditure", reason="因病住院医疗费用负担重")
        pt.medical(a, v, m0, 2 * amount)
        for q in range(m0 + 1, m0 + window):
            pt.medical(a, v, q, 0, total=8000, visit="outpatient")
    # temporary assistance inside the window: fires at p, off at p+1 (paid then) and p+2 (still in the window)
    p = m0 + 3
    if pt.medical_on_file(p):
        v = pt.village()
        a = pt.people(1, v, 47)[0]
        pt.medical(a, v, p, amount + half)
        if pt.medical_on_file(p + 1):
            pt.temp(a, v, p + 1, str(pt.start(p + 1) + 3), typ="expenditure", reason="因病住院医疗费用负担重")
            pt.medical(a, v, p + 1, 30000, total=120000, visit="chronic_outpatient")
        pt.medical(a, v, p + 2, 20000, total=90000, visit="outpatient")
    # near-misses: covered people with large bills (a covered dibao member, a tekun person)
    if pt.medical_on_file(m0 + 1):
        v = pt.village()
        ppl = pt.people(2, v, 66)
        pt.dibao(ppl, v, pt.all())
        pt.medical(ppl[0], v, m0 + 1, 3 * amount)
        v = pt.village()
        t = pt.people(1, v, 83)[0]
        pt.tekun(t, v, pt.all(), care_mode="centralized", self_care="full")
        pt.medical(t, v, m0 + 1, 3 * amount)
    # fires: a member of a dibao household who is not covered
    p = min(m0 + 2, P - 1)
    v = pt.village()
    ppl = pt.people(3, v, 58)
    pt.dibao(ppl, v, pt.all(), covered=[True, True, False])
    pt.medical(ppl[2], v, p, amount + 100000)
    # near-miss: the bills lie a window apart: the first falls out of the window
    if pt.medical_on_file(m0 + window):
        v = pt.village()
        a = pt.people(1, v, 69)[0]
        pt.medical(a, v, m0, amount * 6 // 10)
        pt.medical(a, v, m0 + window, amount * 6 // 10)


# ---------------------------------------------------------------------------------------------- W10
def w10(pt: DeptPlanter):
    def income(v):
        return lambda p: pt.std(v, p) * 6 // 5  # above the standard: no W08

    # fires 1–4 (one member paid 失业保险金) and 6–7 (two members)
    v = pt.village()
    ppl = pt.people(3, v, 48)
    pt.near(ppl, v, pt.all(), income=income(v))
    pt.insurance(ppl[2], v, pt.ok(1, 2, 3, 4, 6, 7), "unemployment_benefit", 167400)
    pt.insurance(ppl[1], v, pt.ok(6, 7), "unemployment_benefit", 167400)
    # near-miss: a member is covered by dibao
    v = pt.village()
    ppl = pt.people(2, v, 52)
    pt.near(ppl, v, pt.all(), income=income(v))
    pt.dibao(ppl[:1], v, pt.all())
    pt.insurance(ppl[1], v, pt.all(), "unemployment_benefit", 171000)
    # near-miss: a pension, not unemployment benefit
    v = pt.village()
    ppl = pt.people(2, v, 63)
    pt.near(ppl, v, pt.all(), income=income(v))
    pt.insurance(ppl[0], v, pt.all(), "employee_pension", 210000)
    # near-miss: paid only after the household left the register
    v = pt.village()
    ppl = pt.people(2, v, 44)
    pt.near(ppl, v, pt.ok(0, 1, 2, 3, 4, 5), income=income(v))
    pt.insurance(ppl[1], v, pt.ok(6, 7, 8), "unemployment_benefit", 167400)
    # fires 8–9: a 刚性支出困难家庭 (either 家庭类型)
    v = pt.village(urban=True)
    ppl = pt.people(2, v, 39)
    pt.near(ppl, v, pt.all(), income=lambda p: pt.std(v, p) * 2, family_type="expenditure_hardship")
    pt.insurance(ppl[0], v, pt.ok(8, 9), "unemployment_benefit", 181800)


CASES = [v05, v06, v07, v08, v09, w09, w10]


def plant_departments(w, state, m0: int) -> None:
    pt = DeptPlanter(w, state, m0)
    for case in CASES:
        case(pt)
    for t, df in pt.frames().items():
        w.add(t, df)
