"""The writer of dirty extracts and its truth (pipelines/generate/{writer,formats,dirt,quality,truth}.py).

A small fake Dataset (the interface of model.build_dataset) is written out; the tests check that every
reason code is planted, that every file reconciles, that the files open, and determinism. Output never
shows ids or names: assertions are on counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipelines.contract.tables import DISABILITY_TYPES, QUALITY_CODES, QUARANTINE_REASONS, TABLES
from pipelines.generate import dirt, formats
from pipelines.generate.model import DEPARTMENT_TABLES, tables_on_file
from pipelines.generate.truth import loaded_schema, write_dataset

COUNTIES = {"370902": "泰山区", "370911": "岱岳区"}


@dataclass
class FakeDataset:
    periods: list[str]
    seeds: dict[str, pl.DataFrame]
    records: dict[str, pl.DataFrame]
    exact_kpis: bool = False


def _regions() -> pl.DataFrame:
    rows = [
        ("370000000000", "山东省", "province", None, None),
        ("370900000000", "泰安市", "city", "370000000000", None),
    ]
    for cc, cname in COUNTIES.items():
        rows.append((f"{cc}000000", cname, "county", "370900000000", None))
        for t, tname in ((1, "山口街道"), (2, "大石镇")):
            tcode = f"{cc}{t:03d}000"
            rows.append((tcode, tname, "township", f"{cc}000000", None))
            vils = ["李庄社区", "李庄村", "王家峪村", "东关社区"] if t == 1 else ["柳沟村", "石河村", "大王庄村"]
            for v, vname in enumerate(vils, 1):
                rows.append((f"{cc}{t:03d}{v:03d}", vname, "village", tcode, "urban" if "社区" in vname else "rural"))
    return pl.DataFrame(rows, schema=["region_code", "name", "level", "parent_code", "urban_rural"], orient="row")


def _pid(rng, county: str, born: dt.date) -> str:
    body = f"{county}{born:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    return body + dirt.check_char(body)


def fake_dataset(n_households: int = 18, periods=("2026-02", "2026-03"), seed: int = 7, exact=False) -> FakeDataset:
    rng = np.random.default_rng(seed)
    regions = _regions()
    villages = regions.filter(pl.col("level") == "village")
    vcodes = villages["region_code"].to_list()
    reg = dirt.Regions(regions)
    people = []
    for h in range(n_households):
        code = vcodes[h % len(vcodes)]
        size = int(rng.integers(1, 4))
        for m in range(size):
            born = dt.date(1935, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 75)))
            people.append(
                {
                    "hh": f"HH{h:04d}",
                    "code": code,
                    "relation": "head" if m == 0 else "child",
                    "person_id": _pid(rng, code[:6], born),
                    "name": "测试" + "甲乙丙丁"[m],
                    "size": size,
                }
            )
    recs: dict[str, list] = {t: [] for t in TABLES}
    benefits = list(TABLES["social_insurance_payments"].column("benefit_type").values.values())
    staff = list(TABLES["payroll"].column("staff_category").values.values())
    visits = list(TABLES["medical_settlements"].column("visit_type").values.values())
    for p in periods:
        y, mo = int(p[:4]), int(p[5:])
        day = dt.date(y, mo, 10)
        for i, pr in enumerate(people):
            planted = i % 17 == 0
            base = {
                "period": p,
                "_planted": planted,
                "region_code": pr["code"],
                "name": pr["name"],
                "person_id": pr["person_id"],
            }
            recs["dibao"].append(
                {
                    **base,
                    "household_id": pr["hh"],
                    "relation": pr["relation"],
                    "is_covered": True,
                    "dibao_category": "rural",
                    "household_size": pr["size"],
                    "monthly_income_per_capita": Decimal("312.50"),
                    "monthly_benefit": Decimal("1200.00"),
                    "approval_date": dt.date(2024, 5, 3),
                    "status": "active",
                }
            )
            recs["near_dibao"].append(
                {
                    **base,
                    "household_id": "N" + pr["hh"],
                    "relation": pr["relation"],
                    "family_type": "near_dibao",
                    "monthly_income_per_capita": Decimal("900.10"),
                    "recognition_date": dt.date(2025, 1, 9),
                }
            )
            county, town, vil = reg.names_of(pr["code"])
            recs["monitoring"].append(
                {
                    **base,
                    "county_name": county,
                    "township_name": town,
                    "village_name": vil,
                    "household_id": "M" + pr["hh"],
                    "relation": pr["relation"],
                    "monitoring_type": "sudden_hardship",
                    "risk_cause": "illness",
                    "identified_date": dt.date(2025, 6, 1),
                    "risk_eliminated": False,
                    "eliminated_date": None,
                    "annual_income_per_capita": Decimal("7300.00"),
                }
            )
            if i % 2 == 0:
                recs["tekun"].append(
                    {
                        **base,
                        "care_mode": "dispersed",
                        "self_care": "partial",
                        "monthly_basic_living": Decimal("854.00"),
                        "monthly_care_fee": Decimal("0.00"),
                        "has_care_agreement": True,
                        "recognition_date": dt.date(2023, 3, 1),
                        "status": "active",
                    }
                )
                recs["temporary_assistance"].append(
                    {
                        **base,
                        "assistance_type": "emergency",
                        "amount": Decimal("1500.00"),
                        "payment_date": day,
                        "reason": "因病" if i % 4 else None,
                        "payment_reference": f"TA{p}{i:05d}",
                    }
                )
            # the departments that joined later: county codes; medical insurance from the second period
            county = pr["code"][:6] + "000000"
            if i % 2 == 0:
                move = i % 8 != 2
                elsewhere = "440106003012" if i % 16 == 0 else vcodes[(i + 5) % len(vcodes)]
                recs["household_changes"].append(
                    {
                        **base,
                        "change_type": "move_out" if move else "death",
                        "change_date": day - dt.timedelta(days=3 * (i % 40)),
                        "destination_region_code": elsewhere if move else None,
                        "registration_reference": f"HJ{p}{i:05d}",
                    }
                )
            if i % 3 == 1:
                recs["social_insurance_payments"].append(
                    {
                        **base,
                        "region_code": county,
                        "benefit_type": benefits[i % len(benefits)],
                        "payment_month": p,
                        "amount": Decimal("2345.60") + i,
                    }
                )
            if i % 4 == 1:
                recs["payroll"].append(
                    {
                        **base,
                        "region_code": county,
                        "employer": COUNTIES[pr["code"][:6]] + "财政局",
                        "staff_category": staff[i % len(staff)],
                        "monthly_salary": Decimal("5600.00") + i,
                    }
                )
            if i % 2 == 1 and p != periods[0]:
                recs["medical_settlements"].append(
                    {
                        **base,
                        "region_code": county,
                        "visit_type": visits[i % len(visits)],
                        "settlement_date": day,
                        "total_cost": Decimal("1200.00") + i,
                        "out_of_pocket": Decimal("360.50"),
                        "settlement_reference": f"YB{p}{i:05d}",
                    }
                )
            if i % 3 == 0:
                tname = list(DISABILITY_TYPES)[i % 7]
                grade = 1 + i % 4
                recs["disability_cards"].append(
                    {
                        **base,
                        "disability_card_no": pr["person_id"] + str(DISABILITY_TYPES[tname][1]) + str(grade),
                        "disability_type": DISABILITY_TYPES[tname][0],
                        "disability_grade": grade,
                        "issue_date": dt.date(2020, 2, 2),
                        "card_status": "valid",
                    }
                )
                recs["disability_subsidies"].append(
                    {
                        **base,
                        "subsidy_type": "living_subsidy",
                        "payment_month": p,
                        "amount": Decimal("100.00"),
                        "payment_reference": f"DS{p}{i:05d}",
                    }
                )
    records = {}
    for t, rows in recs.items():
        schema = {k: v for k, v in loaded_schema(t).items() if k not in ("period", "source_file", "source_row")}
        if not rows:  # a table without records (medical insurance with one period)
            records[t] = pl.DataFrame(schema={**schema, "period": pl.String, "_planted": pl.Boolean})
            continue
        if t == "disability_cards":
            for r in rows:
                r.pop("person_id")
        df = pl.DataFrame(rows, infer_schema_length=None)
        if t == "disability_cards":
            df = df.with_columns(pl.col("disability_card_no").str.slice(0, 18).alias("person_id"))
        records[t] = df.select([pl.col(c).cast(tp) for c, tp in schema.items()] + ["period", "_planted"])
    seeds = {"regions": regions}
    return FakeDataset(list(periods), seeds, records, exact)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    ds = fake_dataset()
    summary = write_dataset(out, ds, seed=3, dirty=0.05, reference=False)
    return out, ds, summary


def test_every_reason_code_is_planted(written):
    out, _, _ = written
    q = pl.read_csv(out / "truth" / "quarantine.csv", infer_schema=False)
    assert set(q["reason"]) == set(QUARANTINE_REASONS)
    whole = q.filter(pl.col("row_number").is_null())
    assert set(whole["reason"]) == {"missing_columns", "file_unreadable", "file_encrypted"}


def test_every_quality_code_is_counted(written):
    out, _, _ = written
    qi = pl.read_csv(out / "truth" / "quality_issues.csv", infer_schema=False)
    planted = {"card_mismatch", "reference_conflict", "household_inconsistent", "elimination_inconsistent"}
    assert planted <= set(qi["code"]) <= set(QUALITY_CODES)


def test_files_reconcile(written):
    out, _, _ = written
    f = pl.read_csv(out / "truth" / "files.csv")
    assert f.height > 14
    assert (
        f.filter(
            pl.col("rows_read")
            != pl.col("rows_loaded")
            + pl.col("rows_quarantined")
            + pl.col("rows_duplicate")
            + pl.col("rows_footer_blank")
        ).height
        == 0
    )
    rejected = f.filter(pl.col("status") == "rejected")
    assert rejected.height >= 4 and rejected.select(pl.sum_horizontal(pl.col("^rows_.*$")).sum()).item() == 0
    q = pl.read_csv(out / "truth" / "quarantine.csv", infer_schema=False)
    per_file = dict(q.filter(pl.col("row_number").is_not_null()).group_by("file").len().rows())
    for file, n in f.filter(pl.col("status") == "loaded").select("file", "rows_quarantined").rows():
        assert per_file.get(file, 0) == n
    loaded = sum(pl.read_parquet(out / "truth" / "loaded" / f"{t}.parquet").height for t in TABLES)
    assert loaded == f["rows_loaded"].sum()
    assert f["rows_duplicate"].sum() > 0 and f["rows_footer_blank"].sum() > 0
    on_disk = {str(p.relative_to(out)) for p in (out / "raw").rglob("*") if p.is_file()}
    assert set(f["file"]) <= on_disk
    assert all(
        TABLES.get(Path(p).stem.split("_")[0]) or any(Path(p).name.startswith(t) for t in TABLES) for p in f["file"]
    )


def test_loaded_schema_and_lineage(written):
    out, ds, _ = written
    for t in TABLES:
        df = pl.read_parquet(out / "truth" / "loaded" / f"{t}.parquet")
        assert dict(df.schema) == loaded_schema(t)
        assert df.height > 0, t
        assert df.filter(pl.col("source_file").is_null() | (pl.col("source_row") < 1)).height == 0
        assert df.select("source_file", "source_row").is_duplicated().sum() == 0
        # planted rows are never quarantined or removed
        planted = ds.records[t].filter(pl.col("_planted"))
        key = "disability_card_no" if t == "disability_cards" else "person_id"
        got = set(zip(df["period"], df[key]))
        assert all((p, k) in got for p, k in planted.select("period", key).rows() if t != "disability_cards")


def test_files_open(written):
    from python_calamine import CalamineWorkbook

    out, _, _ = written
    f = pl.read_csv(out / "truth" / "files.csv")
    kinds = {"xlsx": 0, "xls": 0, "csv": 0, "unicode_text": 0, "semicolon": 0, "html": 0}
    for file, status in f.select("file", "status").rows():
        data = (out / file).read_bytes()
        if status == "rejected":
            continue
        if data[:4] == b"PK\x03\x04" or data[:8] == bytes.fromhex("d0cf11e0a1b11ae1"):
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))  # content decides, not the extension
            rows = wb.get_sheet_by_index(0).to_python()
            assert len(rows) >= 2
            kinds["xlsx" if data[:2] == b"PK" else "xls"] += 1
            continue
        if data[:2] == b"\xff\xfe":  # Excel's "Unicode 文本": UTF-16 with BOM, tabs
            text = data[2:].decode("utf-16-le")
            assert "\t" in text.splitlines()[0] and file.lower().endswith((".csv", ".xls")), file
            kinds["unicode_text"] += 1
            continue
        for enc in ("utf-8", "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise AssertionError(f"{file} does not decode")
        if text.lstrip("\ufeff").startswith("<html"):  # a web system's table saved as .xls
            assert "<table" in text and file.lower().endswith(".xls"), file
            kinds["html"] += 1
        elif ";" in text.splitlines()[-1]:  # semicolons down to the last row
            kinds["semicolon"] += 1
        else:
            kinds["csv"] += 1
    assert all(kinds.values()), kinds


def test_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        write_dataset(d, fake_dataset(n_households=8, periods=("2026-03",)), seed=5, dirty=0.05, reference=False)

    def digest(root: Path, pattern: str) -> dict:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob(pattern))
            if p.is_file()
        }

    for pat in ("raw/**/*", "truth/*.csv"):
        assert digest(a, pat) == digest(b, pat)
    assert sorted(p.name for p in (a / "raw").rglob("*")) == sorted(p.name for p in (b / "raw").rglob("*"))
    for t in TABLES:
        assert pl.read_parquet(a / "truth/loaded" / f"{t}.parquet").equals(
            pl.read_parquet(b / "truth/loaded" / f"{t}.parquet")
        )


def test_exact_preset_keeps_every_record(tmp_path):
    ds = fake_dataset(n_households=10, periods=("2026-03",), exact=True)
    write_dataset(tmp_path, ds, seed=1, dirty=0.05, reference=False)
    q = pl.read_csv(tmp_path / "truth" / "quarantine.csv", infer_schema=False)
    assert set(q["reason"]) == set(QUARANTINE_REASONS)
    for t in TABLES:
        df = pl.read_parquet(tmp_path / "truth" / "loaded" / f"{t}.parquet")
        assert df.height == ds.records[t].height, t


def test_clean_when_not_dirty(tmp_path):
    ds = fake_dataset(n_households=6, periods=("2026-03",))
    write_dataset(tmp_path, ds, seed=1, dirty=0.0, reference=False)
    assert pl.read_csv(tmp_path / "truth" / "quarantine.csv").height == 0
    for t in TABLES:
        assert pl.read_parquet(tmp_path / "truth" / "loaded" / f"{t}.parquet").height == ds.records[t].height, t


@pytest.fixture(scope="module")
def six_months(tmp_path_factory):
    out = tmp_path_factory.mktemp("six")
    ds = fake_dataset(periods=tuple(f"2026-0{m}" for m in range(1, 7)), seed=4)
    summary = write_dataset(out, ds, seed=4, dirty=0.08, reference=False)
    return out, ds, summary


def test_departments_dirt(six_months):
    """The departments' tables get the dirt of extracts.md: region errors naming the county column or
    迁往地区划代码, 迁往地区划代码 missing on a 迁出 row, payments of another month, settlement references
    reused; the table that joins in the second period has no file in the first."""
    out, ds, _ = six_months
    q = pl.read_csv(out / "truth" / "quarantine.csv", infer_schema=False)
    got = set(
        q.filter(pl.col("table_name").is_in(DEPARTMENT_TABLES)).select("table_name", "reason", "column_name").rows()
    )
    want = {
        ("social_insurance_payments", "region_unknown", "参保地区划代码"),
        ("payroll", "region_unknown", "单位区划代码"),
        ("medical_settlements", "region_unknown", "参保地区划代码"),
        ("household_changes", "region_unknown", "行政区划代码"),
        ("household_changes", "region_unknown", "迁往地区划代码"),
        ("household_changes", "value_missing", "迁往地区划代码"),
        ("social_insurance_payments", "period_mismatch", "发放月份"),
        ("medical_settlements", "period_mismatch", "结算日期"),
    }
    assert want <= got, sorted(want - got)
    qi = pl.read_csv(out / "truth" / "quality_issues.csv", infer_schema=False)
    assert ("medical_settlements", "reference_conflict") in set(qi.select("table_name", "code").rows())
    f = pl.read_csv(out / "truth" / "files.csv", infer_schema=False)
    med = f.filter(pl.col("table_name") == "medical_settlements")
    assert set(med["period"]) == set(ds.periods[1:])
    assert set(f.filter(pl.col("table_name").is_in(DEPARTMENT_TABLES))["status"]) == {"loaded", "rejected"}


def test_county_code_cells():
    """A county code comes as 6 digits, or 12 ending in 000000, as text or a numeric cell."""
    col = TABLES["payroll"].column("region_code")
    assert formats.plain(col, pl.Series(["370902000000"])).to_list() == ["370902"]
    cells = {
        formats.variant(col, "370902000000", r, excel, np.random.default_rng(r))
        for r in range(16)
        for excel in (True, False)
    }
    assert {370902, 370902000000, "370902", "370902000000"} <= cells
    assert all(
        str(c).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")) in ("370902", "370902000000")
        for c in cells
    )


def test_region_matcher_variants_resolve():
    reg = dirt.Regions(_regions())
    rng = np.random.default_rng(0)
    for code in sorted(reg.villages):
        for _ in range(5):
            assert reg.match(*reg.names_of(code)[:2], reg.village_variant(code, rng)) == ("ok", code)
    amb = [c for c in reg.villages if reg.ambiguous_bare(c)]
    assert amb, "the fake seed holds 李庄社区 / 李庄村"


@pytest.mark.parametrize("which", ["written", "six_months"])
def test_ingestion_agrees_with_truth(which, request):
    """The reader of pipelines/ingest, where present, loads exactly what the truth says."""
    load = pytest.importorskip("pipelines.ingest.load")
    out, ds, _ = request.getfixturevalue(which)
    files = pl.read_csv(out / "truth" / "files.csv", infer_schema=False)
    quarantine = pl.read_csv(out / "truth" / "quarantine.csv", infer_schema=False)
    for period in ds.periods:
        for t in TABLES:
            _, loaded, quar, _, counts = load.run_table_period(out, t, period)
            if t not in tables_on_file(ds, period):  # no file of a table before it joins
                assert not counts and loaded.height == 0, t
                continue
            want = files.filter((pl.col("period") == period) & (pl.col("table_name") == t))
            got = {
                (c.file, c.status, c.rows_read, c.loaded, c.quarantined, c.duplicate, c.footer_blank) for c in counts
            }
            assert got == {
                tuple([r[0], r[1], *map(int, r[2:])])
                for r in want.select(
                    "file",
                    "status",
                    "rows_read",
                    "rows_loaded",
                    "rows_quarantined",
                    "rows_duplicate",
                    "rows_footer_blank",
                ).rows()
            }, (t, period)
            wq = quarantine.filter((pl.col("period") == period) & (pl.col("table_name") == t))
            key = lambda rows: sorted((f, str(n or ""), r, c or "") for f, n, r, c in rows)  # noqa: E731
            assert key(quar.select("file", "row_number", "reason", "column_name").rows()) == key(
                wq.select("file", "row_number", "reason", "column_name").rows()
            ), (t, period)
            truth = pl.read_parquet(out / "truth" / "loaded" / f"{t}.parquet").filter(pl.col("period") == period)
            mine = loaded.select([pl.col(c).cast(tp) for c, tp in truth.schema.items()])
            assert mine.sort("source_file", "source_row").equals(truth.sort("source_file", "source_row")), (t, period)
