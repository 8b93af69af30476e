"""Planted cases: rows that make every rule of rules.md fire, and near-misses that must not.

Planted rows carry `_planted = True`: the writer must neither corrupt nor remove them. Each case is a
small household or person, new to the population, shown in chosen periods. The truth is computed by the
reference evaluation, not from this list; the comments say what each case is meant to exercise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .population import make_members


def _d(x) -> dt.date:
    return np.datetime64(x, "D").astype(object)


class Planter:
    def __init__(self, w, state):
        self.w = w
        self.rng = w.rng
        self.P = len(w.periods)
        self.rows: dict[str, list[dict]] = {}
        v = w.vil
        self.rural = v.filter(~pl.col("urban"))
        self.urban = v.filter(pl.col("urban"))
        self.ref_no = 0
        self.base = np.datetime64(w.periods[0], "M").astype("datetime64[D]")  # fixed dates lie before it

    # ------------------------------------------------------------------ helpers
    def ok(self, *idx) -> list[int]:
        return [i for i in idx if 0 <= i < self.P]

    def village(self, urban=False, county6=None, exclude_county=None) -> dict:
        v = self.urban if urban else self.rural
        if county6 is not None:
            v = v.filter(pl.col("county6") == county6)
        if exclude_county is not None:
            v = v.filter(pl.col("county6") != exclude_county)
        return v.row(int(self.rng.integers(len(v))), named=True)

    def people(self, size: int, vil: dict, head_age: float = 50.0) -> list[dict]:
        m = make_members(
            self.rng,
            self.w.ids,
            np.array([size]),
            np.array([head_age]),
            np.array([vil["county6"]]),
            self.w.ref,
            head_not_first_p=0.0,
        )
        return m.sort("pos").to_dicts()

    def next_key(self) -> int:
        """A household key from the world's counter: household numbers never collide with the background."""
        return int(self.w.hh_keys(1)[0])

    def emit(self, table: str, p: int, rows: list[dict], key: int | None = None):
        key = self.next_key() if key is None else key
        for i, r in enumerate(rows):
            r = dict(r)
            r.update(period=self.w.periods[p], _planted=True, _hh=key, _ord=float(i))
            self.rows.setdefault(table, []).append(r)

    def std(self, vil: dict, p: int, urban: bool | None = None) -> int:
        u = vil["urban"] if urban is None else urban
        return int(self.w.std.dibao(np.array([vil["county6"]]), np.array([u]), p)[0])

    def param(self, rule_id: str, name: str, default):
        """A rule parameter of the city's warning_rules seed (else the default of rules.md)."""
        return self.w.rule_params.get(rule_id, {}).get(name, default)

    def end(self, p: int) -> np.datetime64:
        return self.w.ends[p]

    def ref(self, prefix: str, p: int, county6: int) -> str:
        """A reference of a planted row: "9" and a running number of 4 digits, apart from the background's.
        In a dataset generated in parts: the part's numbers (i + 1, i + 1 + parts, ...), 7 digits, apart
        from the background's numbers of all the parts together."""
        self.ref_no += 1
        head = f"{prefix}{county6}{self.w.periods[p].replace('-', '')}9"
        parts = self.w.parts
        if parts == 1:
            return f"{head}{self.ref_no:04d}"
        return f"{head}{(self.ref_no - 1) * parts + self.w.part + 1:07d}"

    # ------------------------------------------------------------------ tables
    def dibao(
        self,
        ppl,
        vil,
        periods,
        *,
        covered=None,
        relations=None,
        status=lambda p: "active",
        income=None,
        benefit=None,
        size=None,
        key=None,
        approval=None,
    ):
        """A dibao household shown in `periods`; income/benefit: callables (p, std, size) -> cents;
        `approval`: 审批日期 (default: fixed, long before the first period)."""
        key = key or self.next_key()
        covered = covered or [True] * len(ppl)
        relations = relations or [m["relation"] for m in ppl]
        size = size if size is not None else sum(covered)
        hid = f"{vil['region_code']}{key:05d}"
        for p in periods:
            s = self.std(vil, p)
            inc = income(p, s, size) if income else s * 40 // 100 // 100 * 100
            ben = benefit(p, s, size) if benefit else (s - inc) * size
            rows = [
                dict(
                    region_code=vil["region_code"],
                    household_id=hid,
                    name=m["name"],
                    person_id=m["person_id"],
                    relation=rel,
                    is_covered=c,
                    dibao_category="urban" if vil["urban"] else "rural",
                    household_size=size,
                    monthly_income_per_capita=inc,
                    monthly_benefit=ben,
                    approval_date=_d(self.base - 503 if approval is None else approval),
                    status=status(p),
                )
                for m, c, rel in zip(ppl, covered, relations)
            ]
            self.emit("dibao", p, rows, key)
        return hid

    def tekun(
        self,
        person,
        vil,
        periods,
        *,
        care_mode="dispersed",
        self_care="none",
        agreement=lambda p: True,
        status=lambda p: "active",
    ):
        key = self.next_key()
        for p in periods:
            basic = int(self.w.std.get("tekun_basic", np.array([vil["county6"]]), p)[0])
            fee = {"full": 10, "partial": 35, "none": 60}[self_care] * basic // 100 // 100 * 100
            self.emit(
                "tekun",
                p,
                [
                    dict(
                        region_code=vil["region_code"],
                        name=person["name"],
                        person_id=person["person_id"],
                        care_mode=care_mode,
                        self_care=self_care,
                        monthly_basic_living=basic,
                        monthly_care_fee=fee,
                        has_care_agreement=agreement(p),
                        recognition_date=_d(self.base - 911),
                        status=status(p),
                    )
                ],
                key,
            )

    def monitoring(
        self,
        ppl,
        vil,
        periods,
        *,
        mtype="unstable_lifted",
        cause="illness",
        ident=None,
        eliminated=lambda p: False,
        elim_date=None,
        income=lambda p: 1500000,
        relations=None,
    ):
        key = self.next_key()
        ident = ident or str(self.base - 569)
        relations = relations or [m["relation"] for m in ppl]
        hid = f"{vil['region_code'][:9]}M{key:06d}"
        for p in periods:
            el = eliminated(p)
            rows = [
                dict(
                    county_name=vil["county_name"],
                    township_name=vil["township_name"],
                    village_name=vil["village_name"],
                    household_id=hid,
                    name=m["name"],
                    person_id=m["person_id"],
                    relation=rel,
                    monitoring_type=mtype,
                    risk_cause=cause,
                    identified_date=_d(ident),
                    risk_eliminated=el,
                    eliminated_date=_d(elim_date(p)) if el else None,
                    annual_income_per_capita=int(income(p)),
                    region_code=vil["region_code"],
                )
                for m, rel in zip(ppl, relations)
            ]
            self.emit("monitoring", p, rows, key)

    def near(self, ppl, vil, periods, *, income, family_type="near_dibao", relations=None):
        key = self.next_key()
        relations = relations or [m["relation"] for m in ppl]
        hid = f"{vil['region_code']}B{key:05d}"
        for p in periods:
            rows = [
                dict(
                    region_code=vil["region_code"],
                    household_id=hid,
                    name=m["name"],
                    person_id=m["person_id"],
                    relation=rel,
                    family_type=family_type,
                    monthly_income_per_capita=int(income(p)),
                    recognition_date=_d(self.base - 421),
                )
                for m, rel in zip(ppl, relations)
            ]
            self.emit("near_dibao", p, rows, key)

    def card(self, person, vil, periods, grade, dtype="physical", status=lambda p: "valid"):
        digit = ["visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"].index(dtype) + 1
        key = self.next_key()
        for p in periods:
            self.emit(
                "disability_cards",
                p,
                [
                    dict(
                        region_code=vil["region_code"],
                        name=person["name"],
                        disability_card_no=f"{person['person_id']}{digit}{grade}",
                        disability_type=dtype,
                        disability_grade=grade,
                        issue_date=_d(self.base - 1290),
                        card_status=status(p),
                        person_id=person["person_id"],
                    )
                ],
                key,
            )

    def subsidy(self, person, vil, p, typ, amount=None, n=1):
        amount = amount or (12000 if typ == "living_subsidy" else 15000)
        for _ in range(n):
            self.emit(
                "disability_subsidies",
                p,
                [
                    dict(
                        region_code=vil["region_code"],
                        name=person["name"],
                        person_id=person["person_id"],
                        subsidy_type=typ,
                        payment_month=self.w.periods[p],
                        amount=amount,
                        payment_reference=self.ref("BT", p, vil["county6"]),
                    )
                ],
            )

    def temp(self, person, vil, p, date, typ="emergency", amount=300000, reason="突发严重困难"):
        assert self.w.periods[p] == str(np.datetime64(date, "M"))
        self.emit(
            "temporary_assistance",
            p,
            [
                dict(
                    region_code=vil["region_code"],
                    name=person["name"],
                    person_id=person["person_id"],
                    assistance_type=typ,
                    amount=amount,
                    payment_date=_d(date),
                    reason=reason,
                    payment_reference=self.ref("LS", p, vil["county6"]),
                )
            ],
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        out = {}
        for t, rows in self.rows.items():
            df = pl.DataFrame(rows, infer_schema_length=None)
            out[t] = df
        return out


def plant_all(w, state):
    from .planted_cases import CASES

    pt = Planter(w, state)
    for case in CASES:
        case(pt)
    for t, df in pt.frames().items():
        w.add(t, df)
