"""The planted cases, one function per rule (see planted.py). Periods are indices into the dataset's
periods; cases needing more periods than the dataset has are shortened or skipped."""

from __future__ import annotations

import numpy as np


def _all(pt):
    return list(range(pt.P))


def _rural_std(pt, vil, p):
    return pt.std(vil, p, urban=False)


# ---------------------------------------------------------------------------------------------- W01
def w01(pt):
    P = pt.P
    v = pt.village()
    # fires in every period: monthly income one cent (per year) under the standard
    pt.monitoring(pt.people(3, v), v, _all(pt), income=lambda p: 12 * _rural_std(pt, v, p) - 1)
    # near-miss: exactly the standard (strict <)
    v = pt.village()
    pt.monitoring(pt.people(2, v), v, _all(pt), income=lambda p: 12 * _rural_std(pt, v, p))
    # stops and restarts: below in 1-3, above in 4-5, below from 6
    v = pt.village()
    below = set(pt.ok(1, 2, 3, *range(6, P)))
    pt.monitoring(
        pt.people(4, v), v, _all(pt), income=lambda p: 12 * _rural_std(pt, v, p) - (10000 if p in below else -300000)
    )
    # near-miss: below, but a member is a covered dibao person
    v = pt.village()
    ppl = pt.people(2, v)
    pt.dibao(ppl, v, _all(pt))
    pt.monitoring(ppl, v, _all(pt), income=lambda p: 500000)
    # near-miss: below, but the risk is eliminated
    v = pt.village()
    pt.monitoring(
        pt.people(2, v),
        v,
        _all(pt),
        income=lambda p: 600000,
        eliminated=lambda p: True,
        elim_date=lambda p: str(pt.base - 123),
    )
    # fires: a household without a head (subject: the smallest person id)
    v = pt.village()
    ppl = pt.people(3, v)
    pt.monitoring(ppl, v, pt.ok(2, 3, 4), relations=["spouse", "child", "child"], income=lambda p: 700000)


# ---------------------------------------------------------------------------------------------- W02
def w02(pt):
    P = pt.P
    v = pt.village()
    a = pt.people(1, v, 45)[0]
    pt.card(a, v, _all(pt), 1, "physical")  # grade 1, never paid the nursing subsidy: every period
    v = pt.village()
    b = pt.people(1, v, 60)[0]
    pt.card(b, v, _all(pt), 2, "intellectual")
    unpaid = set(pt.ok(3, 4, 7))  # fires 3-4, stops, restarts at 7
    for p in range(P):
        if p not in unpaid:
            pt.subsidy(b, v, p, "nursing_subsidy", 10000)
    v = pt.village()
    c = pt.people(1, v, 50)[0]
    pt.card(c, v, _all(pt), 3, "hearing")  # near-miss: grade 3 needs no nursing subsidy
    v = pt.village()
    d = pt.people(1, v, 70)[0]
    pt.card(d, v, _all(pt), 1, "visual", status=lambda p: "cancelled")  # near-miss: cancelled card


# ---------------------------------------------------------------------------------------------- W03
def w03(pt):
    P = pt.P
    v = pt.village()
    ppl = pt.people(3, v, 50)
    pt.dibao(ppl, v, _all(pt), covered=[True, True, False])
    unpaid = set(pt.ok(2, 3, 4, 5))
    pt.card(ppl[2], v, _all(pt), 4, "physical")  # a member who is not covered still counts
    for p in range(P):
        if p not in unpaid:
            pt.subsidy(ppl[2], v, p, "living_subsidy", 8000)
    # near-miss: a tekun person who is a (not covered) member of a dibao household, no living subsidy
    v = pt.village()
    ppl = pt.people(2, v, 62)
    pt.dibao(ppl, v, _all(pt), covered=[True, False])
    pt.tekun(ppl[1], v, _all(pt), self_care="partial", agreement=lambda p: True)
    pt.card(ppl[1], v, _all(pt), 3, "mental")
    # near-miss: a card holder in a stopped dibao household
    v = pt.village()
    ppl = pt.people(2, v, 55)
    pt.dibao(ppl, v, _all(pt), status=lambda p: "stopped")
    pt.card(ppl[0], v, _all(pt), 4, "speech")


# ---------------------------------------------------------------------------------------------- W04
def _days(pt, p):
    return int(str(pt.end(p))[-2:])


def w04(pt):
    P = pt.P
    S = "sudden_hardship"
    # fires: identified on the 10th, no assistance at all
    p = min(5, P - 1)
    v = pt.village()
    d = str(np.datetime64(pt.w.periods[p]).astype("datetime64[D]") + 9)
    pt.monitoring(pt.people(3, v), v, list(range(p, P)), mtype=S, cause="accident", ident=d)
    # fires: identified exactly within_days before the end of P (30: the 1st of a 31-day month);
    # near-miss: one day earlier
    within = int(pt.param("W04", "within_days", 30))
    m31 = [q for q in range(1, P) if _days(pt, q) == 31]
    if m31:
        q = m31[len(m31) // 2]
        first = str(pt.end(q) - within)
        v = pt.village()
        pt.monitoring(pt.people(2, v), v, list(range(q, P)), mtype=S, cause="disaster", ident=first)
        v = pt.village()
        before = str(pt.end(q) - within - 1)
        pt.monitoring(pt.people(2, v), v, list(range(q, P)), mtype=S, cause="illness", ident=before)
    # fires: paid the day before identification (does not count)
    p = min(6, P - 1)
    v = pt.village()
    ppl = pt.people(2, v)
    d = np.datetime64(pt.w.periods[p]).astype("datetime64[D]") + 9
    pt.monitoring(ppl, v, list(range(p, P)), mtype=S, cause="accident", ident=str(d))
    pt.temp(ppl[0], v, p, str(d - 1))
    # near-miss: identified on the last day of P-1, paid that day in P-1's file, P has 30 days
    for q in [q for q in range(1, P) if _days(pt, q) in (28, 30)][:2]:
        v = pt.village()
        ppl = pt.people(3, v)
        end = pt.end(q)
        d = end - 30
        pt.monitoring(ppl, v, list(range(q - 1, P)), mtype=S, cause="disaster", ident=str(d))
        assert str(np.datetime64(d, "M")) == pt.w.periods[q - 1]
        pt.temp(ppl[1], v, q - 1, str(min(d + 1, pt.end(q - 1))))
    # near-miss: paid to a member other than the head, on the day of identification
    p = min(3, P - 1)
    v = pt.village()
    ppl = pt.people(4, v)
    d = np.datetime64(pt.w.periods[p]).astype("datetime64[D]") + 14
    pt.monitoring(ppl, v, list(range(p, P)), mtype=S, cause="illness", ident=str(d))
    pt.temp(ppl[2], v, p, str(d), typ="expenditure")
    # near-miss: risk already eliminated
    p = min(4, P - 1)
    v = pt.village()
    d = np.datetime64(pt.w.periods[p]).astype("datetime64[D]") + 2
    pt.monitoring(
        pt.people(2, v),
        v,
        list(range(p, P)),
        mtype=S,
        cause="accident",
        ident=str(d),
        eliminated=lambda q: True,
        elim_date=lambda q: str(d + 20),
    )


# ---------------------------------------------------------------------------------------------- W05
def w05(pt):
    P = pt.P
    v = pt.village()
    pt.tekun(pt.people(1, v, 82)[0], v, _all(pt), agreement=lambda p: False)  # every period
    v = pt.village()
    signed = set(pt.ok(5, 6, 7))
    pt.tekun(pt.people(1, v, 77)[0], v, pt.ok(*range(2, P)), agreement=lambda p: p in signed)  # 2-4, 8-
    v = pt.village()
    pt.tekun(pt.people(1, v, 70)[0], v, _all(pt), self_care="partial", agreement=lambda p: False)  # near-miss
    v = pt.village()
    pt.tekun(pt.people(1, v, 88)[0], v, _all(pt), care_mode="centralized", agreement=lambda p: False)  # near
    v = pt.village()
    pt.tekun(
        pt.people(1, v, 91)[0], v, pt.ok(0, 1, 2), agreement=lambda p: False, status=lambda p: "terminated"
    )  # near-miss: no longer supported


# ---------------------------------------------------------------------------------------------- W06
def w06(pt):
    P = pt.P
    inc = lambda p: 1800000  # noqa: E731
    v = pt.village()
    pt.monitoring(
        pt.people(3, v), v, _all(pt), eliminated=lambda p: p <= 2, elim_date=lambda p: str(pt.base - 11), income=inc
    )  # fires at 3
    v = pt.village()
    e = str(pt.end(min(3, P - 1)) - 5)
    pt.monitoring(
        pt.people(2, v),
        v,
        pt.ok(0, 1, 2, 3, 4, *range(6, P)),
        eliminated=lambda p: p in (3, 4),
        elim_date=lambda p: e,
        income=inc,
    )  # absent at 5, fires at 6
    v = pt.village()
    e = str(pt.end(min(6, P - 1)) - 3)
    pt.monitoring(
        pt.people(3, v),
        v,
        _all(pt),
        eliminated=lambda p: p in (6, 8),
        elim_date=lambda p: e,
        income=inc,
        mtype="edge_vulnerable",
    )  # fires at 7 and 9
    v = pt.village()
    pt.monitoring(
        pt.people(2, v), v, _all(pt), eliminated=lambda p: p >= 4, elim_date=lambda p: e, income=inc
    )  # near-miss: eliminated and stays so


# ---------------------------------------------------------------------------------------------- W07
def w07(pt):
    P = pt.P
    # the boundary of the city's drop_ratio (0.30: 20,000.00 → 14,000.00), in cents
    low = 2000000 - int(round(2000000 * float(pt.param("W07", "drop_ratio", 0.30))))
    v = pt.village()
    pt.monitoring(pt.people(3, v), v, _all(pt), income=lambda p: 2000000 if p < 4 else low)  # ≤: fires at 4
    v = pt.village()
    pt.monitoring(pt.people(2, v), v, _all(pt), income=lambda p: 2000000 if p < 4 else low + 1)  # near-miss
    v = pt.village()
    pt.monitoring(
        pt.people(2, v), v, pt.ok(0, 1, 2, *range(4, P)), income=lambda p: 2000000 if p < 3 else 1000000
    )  # drop across a missing month: no
    v = pt.village()
    pt.monitoring(
        pt.people(4, v), v, _all(pt), income=lambda p: 3000000 if p < 6 else (1950000 if p == 6 else 1267500)
    )  # fires 6 and 7


# ---------------------------------------------------------------------------------------------- W08
def w08(pt):
    P = pt.P
    v = pt.village()
    pt.near(pt.people(3, v), v, _all(pt), income=lambda p: pt.std(v, p) - 1)  # fires every period
    v = pt.village()
    pt.near(pt.people(2, v), v, _all(pt), income=lambda p: pt.std(v, p))  # near-miss: equal
    u = pt.village(urban=True)
    pt.near(
        pt.people(2, u),
        u,
        _all(pt),
        family_type="expenditure_hardship",
        income=lambda p: pt.std(u, p, urban=False) + 5000,
    )  # urban standard applies: fires
    v = pt.village()
    ppl = pt.people(3, v)
    pt.near(ppl, v, _all(pt), income=lambda p: pt.std(v, p) - 10000)  # near-miss: a member covered
    pt.dibao(ppl[:1], v, _all(pt))
    v = pt.village()
    below = set(pt.ok(1, 2, 4, 5))
    pt.near(
        pt.people(2, v), v, pt.ok(*range(1, P)), income=lambda p: pt.std(v, p) - (2000 if p in below else -2000)
    )  # 1-2, stop, 4-5
    v = pt.village()
    ppl = pt.people(3, v)
    pt.near(
        ppl, v, pt.ok(3, 4, 5), income=lambda p: pt.std(v, p) - 5000, relations=["head", "head", "child"]
    )  # two heads: subject is the smallest person id


# ---------------------------------------------------------------------------------------------- V01-V04
def v01(pt):
    v = pt.village()
    ppl = pt.people(2, v, 66)
    pt.dibao(ppl, v, _all(pt))
    pt.tekun(ppl[0], v, pt.ok(3, 4, 5), self_care="full")  # fires 3-5
    v = pt.village()
    a = pt.people(1, v, 75)[0]
    pt.dibao([a], v, _all(pt))
    pt.tekun(a, v, pt.ok(1, 2), status=lambda p: "terminated", self_care="full")  # near-miss


def v02(pt):
    v = pt.village()
    ppl = pt.people(2, v, 52)
    pt.dibao(ppl, v, _all(pt))
    w = pt.village(exclude_county=v["county6"])
    pt.dibao(ppl[:1], w, pt.ok(5, 6, 7, 8))  # a second county, 在保: fires 5-8
    x = pt.village(county6=v["county6"])
    pt.dibao(ppl[1:], x, pt.ok(2, 3))  # same county twice: not V02
    v = pt.village()
    ppl = pt.people(1, v, 47)
    pt.dibao(ppl, v, _all(pt))
    w = pt.village(exclude_county=v["county6"])
    pt.dibao(ppl, w, _all(pt), status=lambda p: "stopped")  # near-miss: the other is stopped


def v03(pt):
    P = pt.P
    v = pt.village()
    ppl = pt.people(2, v, 58)
    pt.dibao(ppl, v, _all(pt))
    pt.card(ppl[0], v, _all(pt), 3, "physical")
    twice = set(pt.ok(3, 8))
    for p in range(P):
        pt.subsidy(ppl[0], v, p, "living_subsidy", 8000, n=2 if p in twice else 1)
    v = pt.village()
    a = pt.people(1, v, 40)[0]
    pt.dibao([a], v, _all(pt))
    pt.card(a, v, _all(pt), 1, "multiple")
    for p in range(P):  # near-miss: one payment of each type
        pt.subsidy(a, v, p, "living_subsidy", 12000)
        pt.subsidy(a, v, p, "nursing_subsidy", 15000)


def v04(pt):
    v = pt.village()
    pt.dibao(
        pt.people(2, v), v, _all(pt), benefit=lambda p, s, n: s * n + 1, income=lambda p, s, n: 0
    )  # near-miss: +0.01
    v = pt.village(urban=True)
    pt.dibao(pt.people(1, v), v, _all(pt), benefit=lambda p, s, n: s * n + 2, income=lambda p, s, n: 0)  # fires: +0.02
    v = pt.village()
    pt.dibao(
        pt.people(3, v),
        v,
        pt.ok(4, 5, 6),
        benefit=lambda p, s, n: s * n + 2,
        income=lambda p, s, n: 0,
        status=lambda p: "stopped",
    )  # near-miss: stopped household


def households(pt):
    """Households without a head, with two heads, and one whose covered member is absent."""
    v = pt.village()
    pt.dibao(pt.people(3, v), v, _all(pt), relations=["spouse", "child", "child"])
    v = pt.village()
    pt.dibao(
        pt.people(3, v),
        v,
        _all(pt),
        relations=["head", "head", "child"],
        benefit=lambda p, s, n: s * n + 2,
        income=lambda p, s, n: 0,
    )  # V04 on the smallest id
    v = pt.village()
    pt.dibao(pt.people(2, v), v, _all(pt), covered=[False, False], size=1)  # the covered member is absent


CASES = [w01, w02, w03, w04, w05, w06, w07, w08, v01, v02, v03, v04, households]
