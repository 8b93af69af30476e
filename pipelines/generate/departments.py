"""The four departments that joined later, month by month (公安, 人社, 财政, 医保), and their overlaps with the
programmes' people. Planted cases of their rules: planted_departments.py.

- `household_changes` (公安): deaths and moves registered each month — mostly of people outside the
  programmes (among them retirees whose pension then stops), some registered late (变动日期 months before
  the period), a few moves entered ahead (after the end of the period); and a small monthly share of dibao
  households of one person and tekun persons who die or move out of the county, whom the roster stops one
  or two months after the registration (shown 停保 / 终止 for two months, then gone), with their disability
  card cancelled and subsidies stopped at the same time: V05 / V07 fire for a month or so, V06 now and
  then. Moves go within the county, to another county of the city or elsewhere in China (any 12-digit code).
- `social_insurance_payments` (人社): retirees' pensions (职工基本养老金, 机关事业单位养老金, 遗属补助), raised
  each January; unemployment benefit (失业保险金) for spells of 3–12 months, some to members of the
  near-dibao register (W10); and dibao households with a pensioner whose pension per head is around the
  dibao standard (V09 for the part above it).
- `payroll` (财政): staff of public bodies of the city's counties and townships (在编在职, 编外聘用, 离退休),
  entries and exits; a handful of dibao members (V08).
- `medical_settlements` (医保): outpatient, chronic and inpatient settlements of many people, programme
  members among them; a few large bills a month among the uncovered (W09 where the window adds up, unless
  a 支出型 temporary assistance follows, which some get) and among the covered. Medical insurance joins in
  the middle of the months (`DemoPreset.medical_joins_at`): no file of it before.

Everything is drawn from random streams of its own (`np.random.default_rng([seed, k])`) after the
programmes and their planted cases were built, with an id factory that knows every id issued: with the
departments off, the dataset is the one built before they existed. Money in cents, vectorised per period.
"""

from __future__ import annotations

import copy

import numpy as np
import polars as pl

from .demo import World, isin
from .population import NEVER, make_persons, random_dates, spells
from .presets import DemoPreset

STREAM = 31  # the background's random stream: default_rng([seed, STREAM]); planted cases: STREAM + 1
PENSION_TYPES = (["employee_pension", "public_sector_pension", "survivor_benefit"], [0.72, 0.18, 0.10])
STAFF = (["established", "contracted", "retired"], [0.62, 0.26, 0.12])
VISITS = (["outpatient", "chronic_outpatient", "inpatient"], [0.68, 0.22, 0.10])
COUNTY_UNITS = (
    "教育和体育局",
    "卫生健康局",
    "人民医院",
    "中医医院",
    "第一中学",
    "实验小学",
    "财政局",
    "民政局",
    "公安局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "农业农村局",
    "市场监督管理局",
    "人力资源和社会保障局",
    "职业中等专业学校",
)
TOWN_UNITS = ("人民政府", "中心小学", "卫生院", "中学")
# destinations elsewhere in China besides the city's `other_codes`: where people move for work
FAR_CODES = (110105, 310115, 440106, 440305, 320506, 330106, 410105, 120104, 210202, 370212)
UNEMPLOYMENT_CENTS = (167400, 181800, 171000)  # 90 % of a minimum wage, by county


def fork(w: World, seed: int, stream: int) -> World:
    """A world drawing from its own stream, sharing the frames, knowing every id issued and going on from
    the household counter."""
    f = copy.copy(w)
    f.rng = np.random.default_rng([seed, stream])
    f.ids = w.ids.fork(f.rng)
    return f


def _cents(x) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 100).astype(np.int64)


def county_reference(prefix: str, width: int, infix: str = "", w: World | None = None) -> pl.Expr:
    """A reference number as offices write them: prefix, county (6 digits), YYYYMM, then the row's
    running number within its county and month (rows in the frame's order; in a dataset generated in parts,
    the part's numbers: `World.numbers`)."""
    county = pl.col("region_code").str.slice(0, 6)
    numbers = pl.int_range(1, pl.len() + 1) if w is None else w.numbers()
    return pl.format(
        prefix + "{}{}" + infix + "{}",
        county,
        pl.col("period").str.replace("-", ""),
        numbers.over("period", county).cast(pl.String).str.zfill(width),
    )


class Departments:
    def __init__(self, w: World, cfg: DemoPreset, scale: float, state: dict, m0: int):
        self.w = w
        self.cfg = cfg
        self.scale = scale
        self.state = state
        self.rng = w.rng
        self.P = len(w.periods)
        self.m0 = m0
        self.starts = np.array([np.datetime64(p, "M").astype("datetime64[D]") for p in w.periods])
        self.ends = np.array(w.ends, dtype="datetime64[D]")
        years = np.array([int(p[:4]) for p in w.periods])
        self.raise_factor = 1.025 ** (years - years[0])  # pensions and salaries: raised each January
        v = w.vil.sort("county6", "region_code")
        self.vil_codes = v["region_code"].to_numpy().astype(str)
        self.vil_c6 = v["county6"].to_numpy()
        self.counties = np.unique(self.vil_c6)
        self.far = np.unique(np.concatenate([np.asarray(w.ids.other_codes, dtype=np.int64), FAR_CODES]))
        self.exits: list[dict] = []  # household_changes rows (arrays), per kind of event
        self.gone: set[str] = set()  # programme people who die or move out: no medical bills drawn for them

    def n(self, x: float) -> int:
        return int(self.rng.poisson(x * self.scale))

    def S(self, x: float) -> int:
        return max(1, int(round(x * self.scale)))

    # ------------------------------------------------------------------------------------------ places
    def destinations(self, county6: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """12-digit codes: kind 0 a village of the same county, 1 a village of another county of the city,
        2 elsewhere in China (a county of `far`, its township and village digits, or 000000)."""
        rng = self.rng
        k = len(county6)
        ci = np.searchsorted(self.counties, county6)
        other = rng.integers(0, max(1, len(self.counties) - 1), k)
        other = np.where(other >= ci, other + 1, other) % len(self.counties)
        target = np.where(kind == 1, self.counties[other], county6)
        lo = np.searchsorted(self.vil_c6, target, side="left")
        hi = np.searchsorted(self.vil_c6, target, side="right")
        pick = self.vil_codes[np.minimum(lo + (rng.random(k) * (hi - lo)).astype(np.int64), len(self.vil_codes) - 1)]
        far = self.far[rng.integers(0, len(self.far), k)].astype(str)
        tail = np.char.add(
            np.char.zfill(rng.integers(1, 25, k).astype(str), 3), np.char.zfill(rng.integers(1, 40, k).astype(str), 3)
        )
        tail = np.where(rng.random(k) < 0.2, "000000", tail)
        return np.where(kind == 2, np.char.add(far, tail), pick).astype(str)

    def new_people(self, k: int, lo: float, hi: float, urban_weight: float = 1.0):
        """k persons outside the programmes: (persons frame, their villages frame)."""
        vil = self.w.pick_villages(k, urban_weight=urban_weight)
        ppl = make_persons(self.rng, self.w.ids, self.rng.uniform(lo, hi, k), vil["county6"].to_numpy(), self.w.ref)
        return ppl, vil

    def add_exits(self, person_id, name, region, kind, date, reg, dest):
        self.exits.append(
            dict(
                person_id=np.asarray(person_id, dtype=str),
                name=np.asarray(name, dtype=str),
                region_code=np.asarray(region, dtype=str),
                change_type=np.asarray(kind, dtype=str),
                change_date=np.asarray(date, dtype="datetime64[D]"),
                reg=np.asarray(reg, dtype=np.int64),
                destination_region_code=np.asarray(dest, dtype=object),
            )
        )

    def registration(self, p: np.ndarray, late_share: float) -> np.ndarray:
        """The period registering an event of period p: p, or the next one for `late_share` of them."""
        return np.minimum(p + (self.rng.random(len(p)) < late_share), self.P - 1)

    # ------------------------------------------------------------------------------------------ programmes
    def programme_exits(self, reserved_hh: np.ndarray):
        """Deaths and moves of dibao households of one person and of tekun persons; the rosters stop them."""
        rng, P = self.rng, self.P
        d, t = self.state["dibao"], self.state["tekun"]
        mem = d["mem"]
        hh = mem["hh"].to_numpy()
        first_row = np.searchsorted(hh, np.arange(d["n"]))
        single = np.bincount(hh, minlength=d["n"]) == 1
        monitored = set(self.state["monitoring"]["mem"]["person_id"].to_list())
        carded = self.state["cards"]["cards"]["person_id"].to_numpy().astype(str)
        pids = mem["person_id"].to_numpy().astype(str)
        mon_hh = np.bincount(hh, weights=isin(pids, list(monitored)), minlength=d["n"]) > 0
        card_hh = np.bincount(hh, weights=isin(pids, carded), minlength=d["n"]) > 0
        ok = single & ~mon_hh & ~reserved_hh & d["covered"][first_row]
        used = np.zeros(d["n"], bool)
        tp = t["ppl"]["person_id"].to_numpy().astype(str)
        t_ok = ~isin(tp, list(monitored))
        t_used = np.zeros(t["n"], bool)
        dibao_stops, tekun_stops, card_stops = [], [], []
        for p in range(P):
            active = (d["s"] <= p) & (d["e"] > p + 3) & (d["until"] > p)
            # deaths in dibao
            for kind, count, pool in (
                ("death", self.n(self.cfg.dibao_deaths_per_month), ok & active & ~used),
                ("move_out", self.n(self.cfg.dibao_moves_per_month), ok & active & ~used & ~card_hh),
            ):
                cand = np.flatnonzero(pool)
                pick = np.sort(rng.choice(cand, min(count, len(cand)), replace=False))
                used[pick] = True
                k = len(pick)
                if not k:
                    continue
                rows = first_row[pick]
                date = random_dates(rng, self.starts[p], self.ends[p], k)
                reg = self.registration(np.full(k, p), 0.15)
                stop = reg + 1 + (rng.random(k) < 0.3)
                c6 = d["c6"][pick]
                region = d["vil"]["region_code"].to_numpy()[pick]
                if kind == "death":
                    dest = np.full(k, None, dtype=object)
                    leaves = np.ones(k, bool)
                else:
                    where = rng.choice(3, k, p=[0.35, 0.40, 0.25])
                    dest = self.destinations(c6, where).astype(object)
                    leaves = where > 0  # within the county the household stays on the roll
                self.add_exits(pids[rows], mem["name"].to_numpy()[rows], region, np.full(k, kind), date, reg, dest)
                self.gone.update(pids[rows].tolist())
                dibao_stops.append((d["hid"][pick][leaves], stop[leaves]))
                if kind == "death":
                    card_stops.append((pids[rows], stop))
            # deaths among tekun persons
            t_active = (t["s"] <= p) & (t["e"] > p + 3) & (t["until"] > p)
            cand = np.flatnonzero(t_ok & t_active & ~t_used)
            pick = np.sort(rng.choice(cand, min(self.n(self.cfg.tekun_deaths_per_month), len(cand)), replace=False))
            t_used[pick] = True
            k = len(pick)
            if k:
                date = random_dates(rng, self.starts[p], self.ends[p], k)
                reg = self.registration(np.full(k, p), 0.15)
                stop = reg + 1 + (rng.random(k) < 0.3)
                self.add_exits(
                    tp[pick],
                    t["ppl"]["name"].to_numpy()[pick],
                    t["vil"]["region_code"].to_numpy()[pick],
                    np.full(k, "death"),
                    date,
                    reg,
                    np.full(k, None, dtype=object),
                )
                self.gone.update(tp[pick].tolist())
                tekun_stops.append((tp[pick], stop))
                card_stops.append((tp[pick], stop))
        w = self.w
        _stop(w, "dibao", "household_id", _stops(w.periods, dibao_stops), "status", "stopped")
        _stop(w, "tekun", "person_id", _stops(w.periods, tekun_stops), "status", "terminated")
        cards = _stops(w.periods, card_stops)
        _stop(w, "disability_cards", "person_id", cards, "card_status", "cancelled")
        # the subsidies stop when the card is cancelled
        _stop(w, "disability_subsidies", "person_id", cards.with_columns(_act=pl.lit("drop")), None, None)

    # ------------------------------------------------------------------------------------------ 人社
    def social_insurance(self):
        rng, P, cfg = self.rng, self.P, self.cfg
        out = []
        # retirees: a pension each month until they die (their death is registered)
        n0 = self.S(cfg.pensioners)
        n = n0 + self.S(cfg.pensioners_entries_per_month) * (P - 1)
        s, e, until = spells(rng, n, P, n0, 0.0025, linger=(0, 0))
        ppl, vil = self.new_people(n, 60, 92)
        typ = rng.choice(np.array(PENSION_TYPES[0]), n, p=PENSION_TYPES[1])
        base = np.select(
            [typ == "employee_pension", typ == "public_sector_pension"],
            [rng.uniform(1800, 4200, n), rng.uniform(4500, 8500, n)],
            rng.uniform(500, 1400, n),
        )
        c6 = vil["county6"].to_numpy()
        for p in range(P):
            vis = (s <= p) & (p < until)
            out.append(self._payments(p, ppl, c6, vis, typ, _cents(base * self.raise_factor[p])))
        died = np.flatnonzero(e < NEVER)
        if len(died):
            p = e[died] - 1
            self.add_exits(
                ppl["person_id"].to_numpy()[died],
                ppl["name"].to_numpy()[died],
                vil["region_code"].to_numpy()[died],
                np.full(len(died), "death"),
                random_dates(rng, self.starts[p], self.ends[p], len(died)),
                self.registration(p, 0.2),
                np.full(len(died), None, dtype=object),
            )
        # the unemployed: spells of 3–12 months
        n0 = self.S(cfg.unemployed)
        n = n0 + self.S(cfg.unemployed / 7) * (P - 1)
        s = np.full(n, -1)
        s[n0:] = rng.integers(1, max(2, P), n - n0)
        until = np.where(s < 0, rng.integers(1, 12, n), s + rng.integers(3, 13, n))
        ppl, vil = self.new_people(n, 22, 58, urban_weight=1.5)
        c6 = vil["county6"].to_numpy()
        amount = np.array(UNEMPLOYMENT_CENTS)[np.searchsorted(self.counties, c6) % len(UNEMPLOYMENT_CENTS)]
        for p in range(P):
            vis = (s <= p) & (p < until)
            out.append(self._payments(p, ppl, c6, vis, np.full(n, "unemployment_benefit"), amount))
        # members of the near-dibao register paid unemployment benefit (W10)
        nd = self.state["near_dibao"]
        reg = pl.concat(
            [f.filter(~pl.col("_planted")).select("period", "person_id") for f in self.w.frames["near_dibao"]]
        )
        age = dict(zip(nd["mem"]["person_id"].to_list(), nd["mem"]["age"].to_list()))
        span = (
            reg.with_columns(pl.col("period").replace_strict({q: i for i, q in enumerate(self.w.periods)}).alias("i"))
            .group_by("person_id")
            .agg(pl.col("i").min().alias("a"), pl.col("i").max().alias("b"))
            .sort("person_id")
        )
        span = span.filter(pl.col("person_id").replace_strict(age, default=0.0).is_between(20, 58))
        k = min(self.S(cfg.near_dibao_unemployed), span.height)
        if k:
            pick = span[np.sort(rng.choice(span.height, k, replace=False))]
            a, b = pick["a"].to_numpy(), pick["b"].to_numpy()
            start = a + (rng.random(k) * (b - a + 1)).astype(np.int64)
            stop = np.minimum(start + rng.integers(2, 7, k), P)
            mem = nd["mem"]
            idx = (
                pl.DataFrame({"person_id": pick["person_id"]})
                .join(
                    mem.with_row_index("r").select("person_id", "r"), on="person_id", how="left", maintain_order="left"
                )["r"]
                .to_numpy()
            )
            ppl = mem[idx]
            c6 = nd["vil"]["county6"].to_numpy()[mem["hh"].to_numpy()[idx]]
            amount = np.array(UNEMPLOYMENT_CENTS)[np.searchsorted(self.counties, c6) % len(UNEMPLOYMENT_CENTS)]
            for p in range(P):
                vis = (start <= p) & (p < stop)
                out.append(self._payments(p, ppl, c6, vis, np.full(k, "unemployment_benefit"), amount))
        # dibao households with a pensioner, the pension per head around the dibao standard (V09 above it)
        d = self.state["dibao"]
        mem = d["mem"]
        hh = mem["hh"].to_numpy()
        age = mem["age"].to_numpy()
        oldest = pl.DataFrame({"hh": hh, "age": age}).with_row_index("r").sort("hh", "age", descending=[False, True])
        oldest = oldest.unique("hh", keep="first").sort("hh")
        cand = oldest.filter(pl.col("age") >= 60)
        k = min(len(cand), int(round(cfg.dibao_pension_households * d["n"])))
        reserved = np.zeros(d["n"], bool)
        if k:
            pick = np.sort(rng.choice(cand.height, k, replace=False))
            h = cand["hh"].to_numpy()[pick]
            r = cand["r"].to_numpy()[pick]
            reserved[h] = True
            std0 = self.w.std.dibao(d["c6"][h], d["urban"][h], 0)
            base = std0 * d["size"][h] * rng.uniform(0.5, 1.12, k) + rng.integers(0, 100, k)
            typ = rng.choice(np.array(["employee_pension", "survivor_benefit"]), k, p=[0.75, 0.25])
            for p in range(P):
                out.append(
                    self._payments(
                        p, mem[r], d["c6"][h], np.ones(k, bool), typ, (base * self.raise_factor[p]).astype(np.int64)
                    )
                )
        df = pl.concat(out)
        self.w.add("social_insurance_payments", self._keys(df))
        return reserved

    def _payments(self, p, ppl: pl.DataFrame, c6, vis, typ, amount) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "region_code": np.char.add(np.asarray(c6)[vis].astype(str), "000000"),
                "name": ppl["name"].filter(pl.Series(vis)),
                "person_id": ppl["person_id"].filter(pl.Series(vis)),
                "benefit_type": np.asarray(typ)[vis],
                "payment_month": np.full(int(vis.sum()), self.w.periods[p]),
                "amount": np.asarray(amount)[vis],
                "period": np.full(int(vis.sum()), self.w.periods[p]),
            },
            schema_overrides={"amount": pl.Int64},
        )

    def _keys(self, df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(_hh=pl.Series(self.w.hh_keys(df.height)), _ord=pl.lit(0.0), _planted=pl.lit(False))

    # ------------------------------------------------------------------------------------------ 财政
    def employers(self, c6: np.ndarray) -> np.ndarray:
        """A public body of each county: a county bureau, school or hospital, or a township's."""
        rng = self.rng
        out = np.empty(len(c6), dtype=object)
        v = self.w.vil
        for c in np.unique(c6):
            sel = np.flatnonzero(c6 == c)
            rows = v.filter(pl.col("county6") == c)
            cname = rows["county_name"][0]
            towns = np.unique(rows["township_name"].to_numpy().astype(str))
            units = [cname + u for u in COUNTY_UNITS] + [t + u for t in towns for u in TOWN_UNITS]
            out[sel] = np.array(units, dtype=object)[rng.integers(0, len(units), len(sel))]
        return out.astype(str)

    def payroll(self):
        rng, P, cfg = self.rng, self.P, self.cfg
        n0 = self.S(cfg.payroll_staff)
        n = n0 + self.S(cfg.payroll_entries_per_month) * (P - 1)
        s, _e, until = spells(rng, n, P, n0, 0.004, linger=(0, 0))
        cat = rng.choice(np.array(STAFF[0]), n, p=STAFF[1])
        age = np.where(cat == "retired", rng.uniform(60, 80, n), rng.uniform(22, 59, n))
        vil = self.w.pick_villages(n, urban_weight=2.0)
        c6 = vil["county6"].to_numpy()
        ppl = make_persons(rng, self.w.ids, age, c6, self.w.ref)
        salary = np.select(
            [cat == "established", cat == "contracted"],
            [rng.uniform(4200, 9500, n), rng.uniform(2300, 4200, n)],
            rng.uniform(3500, 7200, n),
        )
        salary = np.round(salary) + np.where(rng.random(n) < 0.3, 0.5, 0.0)
        employer = self.employers(c6)
        # a handful of adult dibao members (not the head) on the payroll for a stretch of months from one in
        # which their household is on the roll (V08)
        d = self.state["dibao"]
        mem = d["mem"]
        adults = mem.with_row_index("r").filter((pl.col("pos") > 0) & pl.col("age").is_between(22, 55))
        index = {q: i for i, q in enumerate(self.w.periods)}
        on_roll = (
            pl.concat(
                [
                    f.filter(~pl.col("_planted") & (pl.col("status") == "active")).select("period", "person_id")
                    for f in self.w.frames["dibao"]
                ]
            )
            .join(adults.select("person_id", "r"), on="person_id")
            .with_columns(pl.col("period").replace_strict(index, return_dtype=pl.Int64).alias("i"))
            .group_by("r")
            .agg(pl.col("i").min().alias("first"), pl.col("i").max().alias("last"))
            .sort("r")
        )
        k = min(self.S(cfg.payroll_dibao_members), on_roll.height)
        pick = on_roll[np.sort(rng.choice(on_roll.height, k, replace=False))]
        rows = pick["r"].to_numpy()
        h = mem["hh"].to_numpy()[rows]
        first, last = pick["first"].to_numpy(), pick["last"].to_numpy()
        a = first + (rng.random(k) * (last - first + 1)).astype(np.int64)
        b = np.minimum(P, a + rng.integers(2, max(3, P + 1), k))
        dcat = rng.choice(np.array(["contracted", "established"]), k, p=[0.7, 0.3])
        dsal = np.where(dcat == "contracted", rng.uniform(2300, 3200, k), rng.uniform(4200, 5500, k)).round()
        all_ppl = pl.concat([ppl.select("person_id", "name"), mem[rows].select("person_id", "name")])
        all_c6 = np.concatenate([c6, d["c6"][h]])
        all_cat = np.concatenate([cat, dcat])
        all_sal = np.concatenate([salary, dsal])
        all_emp = np.concatenate([employer, self.employers(d["c6"][h])])
        lo, hi = np.concatenate([s, a]), np.concatenate([until, b])
        raised = all_cat != "retired"
        out = []
        for p in range(P):
            vis = (lo <= p) & (p < hi)
            pay = all_sal * np.where(raised, self.raise_factor[p], 1.0)
            out.append(
                pl.DataFrame(
                    {
                        "region_code": np.char.add(all_c6[vis].astype(str), "000000"),
                        "employer": all_emp[vis],
                        "name": all_ppl["name"].filter(pl.Series(vis)),
                        "person_id": all_ppl["person_id"].filter(pl.Series(vis)),
                        "staff_category": all_cat[vis],
                        "monthly_salary": _cents(pay[vis]),
                        "period": np.full(int(vis.sum()), self.w.periods[p]),
                    }
                )
            )
        self.w.add("payroll", self._keys(pl.concat(out)))

    # ------------------------------------------------------------------------------------------ 公安
    def outside_exits(self):
        """Deaths and moves of people outside the programmes; some registered late, a few moves ahead."""
        rng, P, cfg = self.rng, self.P, self.cfg
        for kind, per_month, ages in (
            ("death", cfg.deaths_per_month, (55, 98)),
            ("move_out", cfg.moves_per_month, (18, 65)),
        ):
            counts = rng.poisson(per_month * self.scale, P)
            k = int(counts.sum())
            if not k:
                continue
            p = np.repeat(np.arange(P), counts)
            ppl, vil = self.new_people(k, *ages)
            date = random_dates(rng, self.starts[p], self.ends[p], k)
            late = rng.random(k) < 0.12
            date = np.where(late, self.starts[p] - rng.integers(1, 240, k), date)
            if kind == "move_out":
                ahead = ~late & (rng.random(k) < 0.01)
                date = np.where(ahead, self.ends[p] + rng.integers(1, 11, k), date)
                where = rng.choice(3, k, p=[0.35, 0.40, 0.25])
                dest = self.destinations(vil["county6"].to_numpy(), where).astype(object)
            else:
                dest = np.full(k, None, dtype=object)
            self.add_exits(ppl["person_id"], ppl["name"], vil["region_code"], np.full(k, kind), date, p, dest)

    def household_changes(self):
        parts = [pl.DataFrame(e, schema_overrides={"destination_region_code": pl.String}) for e in self.exits]
        df = pl.concat(parts).with_columns(
            period=pl.col("reg").replace_strict(dict(enumerate(self.w.periods)), return_dtype=pl.String)
        )
        df = df.drop("reg").sort("period", "region_code", "change_date", "person_id")
        df = df.with_columns(registration_reference=county_reference("HJ", 5, w=self.w))
        self.w.add("household_changes", self._keys(df))

    # ------------------------------------------------------------------------------------------ 医保
    def medical(self):
        rng, P, cfg = self.rng, self.P, self.cfg
        # people who see a doctor: a pool outside the programmes, and the programmes' people
        n_pool = self.S(3 * cfg.medical_settlements_per_month)
        ppl, vil = self.new_people(n_pool, 0, 90)
        outside = pl.DataFrame({"person_id": ppl["person_id"], "name": ppl["name"], "village": vil["region_code"]})
        st = self.state
        parts = []
        for key, members, vils, hh in (
            ("dibao", st["dibao"]["mem"], st["dibao"]["vil"], True),
            ("near_dibao", st["near_dibao"]["mem"], st["near_dibao"]["vil"], True),
            ("tekun", st["tekun"]["ppl"], st["tekun"]["vil"], False),
        ):
            region = vils["region_code"].to_numpy()[members["hh"].to_numpy()] if hh else vils["region_code"].to_numpy()
            parts.append(
                pl.DataFrame(
                    {"person_id": members["person_id"], "name": members["name"], "village": region, "src": key}
                )
            )
        programme = pl.concat(parts).filter(~pl.col("person_id").is_in(sorted(self.gone)))
        # the covered of each period: the persons of its active dibao rows with 是否保障对象 = 是
        covered = pl.concat(
            [
                f.filter(~pl.col("_planted") & (pl.col("status") == "active") & pl.col("is_covered")).select(
                    "period", "person_id", "name", pl.col("region_code").alias("village")
                )
                for f in self.w.frames["dibao"]
            ]
        ).filter(~pl.col("person_id").is_in(sorted(self.gone)))
        uncovered = pl.concat([outside, programme.filter(pl.col("src") == "near_dibao").drop("src")])
        rows = []
        temp = []
        for p in range(self.m0, P):
            n = int(rng.poisson(cfg.medical_settlements_per_month * self.scale))
            n_prog = int(rng.binomial(n, 0.35))
            who = pl.concat(
                [
                    outside[rng.integers(0, outside.height, n - n_prog)],
                    programme.drop("src")[rng.integers(0, programme.height, n_prog)],
                ]
            )
            visit = rng.choice(np.array(VISITS[0]), n, p=VISITS[1])
            total = np.select(
                [visit == "outpatient", visit == "chronic_outpatient"],
                [rng.uniform(30, 800, n), rng.uniform(150, 2500, n)],
                np.minimum(np.exp(rng.normal(np.log(9000), 0.8, n)), 250000),
            )
            ratio = np.where(visit == "outpatient", rng.uniform(0.3, 0.6, n), rng.uniform(0.15, 0.38, n))
            rows.append(self._settlements(p, who, visit, total, ratio))
            # large bills among the uncovered, with follow-up visits; some get 支出型 temporary assistance
            k = int(rng.poisson(cfg.medical_large_bills_per_month * self.scale))
            if k:
                who = uncovered[rng.integers(0, uncovered.height, k)]
                rows.append(
                    self._settlements(
                        p, who, np.full(k, "inpatient"), rng.uniform(40000, 150000, k), rng.uniform(0.22, 0.42, k)
                    )
                )
                for lag, share in ((1, 0.7), (2, 0.4)):
                    follow = rng.random(k) < share
                    if p + lag < P and follow.any():
                        f = int(follow.sum())
                        rows.append(
                            self._settlements(
                                p + lag,
                                who.filter(pl.Series(follow)),
                                np.full(f, "chronic_outpatient"),
                                rng.uniform(200, 3000, f),
                                rng.uniform(0.2, 0.4, f),
                            )
                        )
                helped = rng.random(k) < 0.35
                when = p + (rng.random(k) < 0.5)
                helped &= when < P
                if helped.any():
                    h = who.filter(pl.Series(helped))
                    q = when[helped]
                    temp.append(
                        pl.DataFrame(
                            {
                                "region_code": h["village"],
                                "name": h["name"],
                                "person_id": h["person_id"],
                                "assistance_type": np.full(len(q), "expenditure"),
                                "amount": rng.integers(30, 200, len(q)) * 10000,
                                "payment_date": random_dates(rng, self.starts[q], self.ends[q], len(q)),
                                "reason": np.full(len(q), "因病住院医疗费用负担重"),
                                "period": np.asarray(self.w.periods)[q],
                            }
                        )
                    )
            # large bills among the covered (no W09: they are covered)
            k = int(rng.poisson(3 * self.scale))
            now = covered.filter(pl.col("period") == self.w.periods[p]).drop("period")
            if k and now.height:
                who = now[rng.integers(0, now.height, k)]
                rows.append(
                    self._settlements(
                        p, who, np.full(k, "inpatient"), rng.uniform(60000, 160000, k), rng.uniform(0.2, 0.35, k)
                    )
                )
        df = pl.concat(rows).sort("period", "region_code", "settlement_date", maintain_order=True)
        # region_code is the county code here: numbered per county and month, as the others
        df = df.with_columns(settlement_reference=county_reference("YB", 6, w=self.w))
        self.w.add("medical_settlements", self._keys(df))
        if temp:
            t = pl.concat(temp).sort("period", "region_code", maintain_order=True)
            # "8" and 4 digits: apart from the programme's own numbers (5 digits) while they stay under 80 000 a
            # month; in parts, whose numbers together may pass it, "8" and 7 digits
            width = 4 if self.w.parts == 1 else 7
            t = t.with_columns(payment_reference=county_reference("LS", width, infix="8", w=self.w))
            self.w.add("temporary_assistance", self._keys(t))

    def _settlements(self, p: int, who: pl.DataFrame, visit, total, ratio) -> pl.DataFrame:
        k = who.height
        tot = _cents(total)
        return pl.DataFrame(
            {
                "region_code": who["village"].str.slice(0, 6) + "000000",
                "name": who["name"],
                "person_id": who["person_id"],
                "visit_type": np.asarray(visit),
                "settlement_date": random_dates(self.rng, self.starts[p], self.ends[p], k),
                "total_cost": tot,
                "out_of_pocket": np.round(tot * np.asarray(ratio)).astype(np.int64),
                "period": np.full(k, self.w.periods[p]),
            }
        )


def _stops(periods: list[str], stops: list[tuple[np.ndarray, np.ndarray]]) -> pl.DataFrame:
    """(period, key, _act): 'stop' in the stop period and the next, 'drop' in every later one."""
    P = len(periods)
    rows_k, rows_p, rows_a = [], [], []
    for keys, stop in stops:
        for key, s in zip(np.asarray(keys).tolist(), np.asarray(stop).tolist()):
            for q in range(s, P):
                rows_k.append(key)
                rows_p.append(periods[q])
                rows_a.append("stop" if q < s + 2 else "drop")
    return pl.DataFrame(
        {"period": rows_p, "_key": rows_k, "_act": rows_a},
        schema={"period": pl.String, "_key": pl.String, "_act": pl.String},
    )


def _stop(w: World, table: str, key: str, stops: pl.DataFrame, col: str | None, value: str | None) -> None:
    """Applies roster stops to a table's frames: `col` set to `value` where 'stop', rows removed where 'drop'."""
    if not stops.height:
        return
    stops = stops.unique(["period", "_key"], keep="first")
    frames = w.frames.get(table, [])
    for i, f in enumerate(frames):
        g = f.join(stops.rename({"_key": key}), on=["period", key], how="left", maintain_order="left")
        g = g.filter(pl.col("_act").is_null() | (pl.col("_act") != "drop"))
        if col is not None:
            g = g.with_columns(pl.when(pl.col("_act") == "stop").then(pl.lit(value)).otherwise(pl.col(col)).alias(col))
        frames[i] = g.drop("_act")


def build_departments(w: World, cfg: DemoPreset, scale: float, state: dict, seed: int, progress=None) -> dict:
    """The four departments' records (and the programmes' rosters stopping those who die or move away), then
    their planted cases. Returns table -> the periods on file."""
    P = len(w.periods)
    m0 = min(P - 1, int(P * cfg.medical_joins_at))
    d = fork(w, seed, STREAM)
    dep = Departments(d, cfg, scale, state, m0)
    reserved = dep.social_insurance()
    dep.programme_exits(reserved)
    dep.payroll()
    dep.outside_exits()
    dep.household_changes()
    dep.medical()
    if progress:
        progress("departments built (household changes, social insurance, payroll, medical settlements)")
    from .planted_departments import plant_departments

    plant_departments(fork(d, seed, STREAM + 1), state, m0)
    if progress:
        progress("planted cases of the departments' rules added")
    periods = tuple(w.periods)
    return {
        "household_changes": periods,
        "social_insurance_payments": periods,
        "payroll": periods,
        "medical_settlements": periods[m0:],
    }
