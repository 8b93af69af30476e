"""Writes the extracts of one table and period as files, with their dirt, and returns the truth rows.

Per (table, period): the clean records get the data-quality cases, are split into files (one per county,
or one file), receive quarantine defects (on real rows for non-exact presets, else on added broken
copies) and duplicates, are rendered cell by cell (plain renderings vectorised, readable variants for a
share of cells) and written with title rows, a header, blank rows and footer rows. Every row's position
in its file is recorded so the truth is exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contract.tables import CARD_NO, PERSON_ID, REGION_NAME, Table
from pipelines.generate import dirt, formats
from pipelines.generate.ids import part_sequence
from pipelines.generate.quality import plant_quality_cases
from pipelines.generate.sheets import write_file, write_oddities  # noqa: F401 (re-export)


@dataclass
class Ctx:
    out: Path
    rng: np.random.Generator
    dirty: float
    exact: bool
    regions: dirt.Regions
    planted_ids: dict[str, set]  # period -> person ids in planted rows
    p_var: float = 0.0
    # the office formats and Excel error cells: a stream of their own, so that every other file is written
    # as it was before they were added
    office: np.random.Generator = field(default_factory=lambda: np.random.default_rng(20261))
    files: list = field(default_factory=list)  # truth rows of files.csv
    quarantine: list = field(default_factory=list)
    loaded: dict = field(default_factory=dict)  # table -> list of DataFrames
    notes: list = field(default_factory=list)
    # part `part` of `parts` of a dataset generated in parts (parts.py): its files are named with `suffix`
    # before the extension (`dibao_370902_p2.csv`), an invented person's id has a sequence of the part
    suffix: str = ""
    part: int = 0
    parts: int = 1


@dataclass(eq=False)
class FileSpec:
    name: str  # file name
    fmt: str  # xlsx / xls / csv (a text file of text cells, whatever its kind)
    encoding: str = "utf-8"
    crlf: bool = False
    kind: str = "csv"  # for fmt csv, how an office saved it: one of TEXT_KINDS
    rows: list = field(default_factory=list)  # indices into the rendered frame, in file order
    inserts: list = field(default_factory=list)  # (position, index) of added rows, merged by finish()

    def finish(self) -> None:
        if self.inserts:
            at: dict[int, list] = {}
            for pos, gi in self.inserts:
                at.setdefault(pos, []).append(gi)
            rows = []
            for k, gi in enumerate(self.rows + [None]):
                rows.extend(at.get(k, ()))
                if gi is not None:
                    rows.append(gi)
            self.rows, self.inserts = rows, []


# Text files as offices save them: a CSV; Excel's "Unicode 文本" (UTF-16 with BOM, tab-delimited, named .csv or
# .xls since .txt is no extract); a CSV delimited by semicolons; a web system's HTML table saved as .xls.
TEXT_KINDS = ("csv", "unicode_text", "semicolon", "html")
ERROR_CELL_REASONS = ("amount_format", "date_format", "id_format")


def _ext(fmt: str, rng) -> str:
    r = rng.random()
    return fmt.upper() if r < 0.07 else (fmt.capitalize() if r < 0.1 else fmt)


def _pick_format(n: int, rng) -> str:
    r = rng.random()
    if n > 30000:  # very large: CSV (xlsxwriter costs about 15 µs a cell)
        return "csv"
    if n > 10000:
        return "xlsx" if r < 0.3 else "csv"
    if n < 3000 and r < 0.2:
        return "xls"
    return "xlsx" if r < 0.6 else "csv"


def plan_files(
    table: Table, counties: list[str], sizes: dict[str, int], rng, vary: bool, suffix: str = ""
) -> dict[str, FileSpec]:
    split = len(counties) > 1 and (not vary or rng.random() < 0.85 or sum(sizes.values()) > 60000)
    groups = {c: f"{table.name}_{c}{suffix}" for c in counties} if split else {c: table.name + suffix for c in counties}
    specs: dict[str, FileSpec] = {}
    for stem in sorted(set(groups.values())):
        n = sum(sizes[c] for c in counties if groups[c] == stem)
        fmt = _pick_format(n, rng) if vary else "xlsx" if n < 15000 else "csv"
        spec = FileSpec(stem, fmt)
        if fmt == "csv":
            spec.encoding = str(rng.choice(["utf-8", "utf-8-sig", "gb18030"])) if vary else "utf-8"
            spec.crlf = bool(rng.random() < 0.5)
        spec.name = f"{stem}.{_ext(fmt, rng) if vary else fmt}"
        specs[stem] = spec
    return {c: specs[groups[c]] for c in counties}


def _typed_row(df: pl.DataFrame, i: int) -> dict:
    return df.row(i, named=True)


def write_table_period(ctx: Ctx, table: Table, period: str, df: pl.DataFrame, twist: dict) -> None:
    rng = ctx.rng
    vary = ctx.dirty > 0
    folder = ctx.out / "raw" / table.source / period
    folder.mkdir(parents=True, exist_ok=True)
    df = df.drop("period", strict=False)
    # an empty text is an empty cell: it loads as null
    df = df.with_columns(
        [
            pl.when(pl.col(c.name).str.strip_chars() == "").then(None).otherwise(pl.col(c.name)).alias(c.name)
            for c in table.columns
            if df.schema.get(c.name) == pl.String
        ]
    )
    if vary:
        # report-2021 reproduces a published table: no identification date moved there
        df = plant_quality_cases(table, df, rng, ctx.dirty, None if ctx.exact else period)
    n = df.height
    county = df["region_code"].str.slice(0, 6).to_list()
    counties = sorted(set(county)) or ["000000"]
    sizes = {c: 0 for c in counties}
    for c in county:
        sizes[c] += 1
    by_county = plan_files(table, counties, sizes, rng, vary, ctx.suffix)
    files = list(dict.fromkeys(by_county.values()))
    file_of = [by_county[c] for c in county]
    for i, f in enumerate(file_of):
        f.rows.append(i)
    if vary:
        _twist(files, twist, rng)
        _office_kinds(files, twist, ctx.office)

    # ---- extra rows: duplicates and broken copies; defects on real rows -------------------------
    extra_base: list[int] = []  # base real row of each extra row
    defects: dict[int, tuple] = {}  # frame index -> (reason, column header, {name: cell})
    planted = df["_planted"].to_numpy() if "_planted" in df.columns else np.zeros(n, bool)
    free = _free_rows(table, df, planted, ctx.planted_ids.get(period, set()))
    if vary and n:
        invented = _plan_dirt(ctx, table, period, df, files, file_of, free, extra_base, defects, rng)
    else:
        invented = {}
    frame = df if not extra_base else pl.concat([df, df.select(pl.all().gather(extra_base))])
    frame = _override(frame, invented)
    _natural_defects(ctx, table, frame, defects)
    excel = np.zeros(frame.height, bool)
    for f in files:
        if f.fmt != "csv":
            excel[f.rows] = True

    # ---- render ------------------------------------------------------------------------------------
    cells = _render(ctx, table, frame, excel, vary)
    for gi, (_reason, _header, raw) in defects.items():
        for name, v in raw.items():
            if not excel[gi] and not isinstance(v, str):
                v = str(v)
            cells[name][gi] = v

    # monitoring names load as written, trimmed (the match yields region_code); a duplicate spells them
    # as its original does
    names = [c.name for c in table.columns if c.kind == REGION_NAME]
    for k, base in enumerate(extra_base):
        if n + k not in defects:
            for nm in names:
                cells[nm][n + k] = cells[nm][base]
    # an HTML page's cells come back as a browser shows them (white space collapsed): the truth follows
    for f in files:
        if f.kind == "html":
            for col in cells.values():
                for gi in f.rows:
                    if isinstance(col[gi], str):
                        col[gi] = formats.html_read_back(col[gi])
    if names:
        frame = frame.with_columns([pl.Series(nm, [_trim(v) for v in cells[nm]], dtype=pl.String) for nm in names])

    # ---- write files -------------------------------------------------------------------------------
    status = np.full(frame.height, "", dtype=object)
    src_file = np.full(frame.height, "", dtype=object)
    src_row = np.zeros(frame.height, np.int64)
    n_files_before = len(ctx.files)
    for f in sorted(files, key=lambda f: f.name):
        rel = f"raw/{table.source}/{period}/{f.name}"
        counts = write_file(ctx, table, period, folder / f.name, f, cells, vary, src_row)
        src_file[f.rows] = rel
        ctx.files.append(
            {
                "period": period,
                "source": table.source,
                "table_name": table.name,
                "file": rel,
                "status": "loaded",
                **counts,
            }
        )
    for gi, (reason, header, _raw) in defects.items():
        status[gi] = "q"
        ctx.quarantine.append(
            {
                "period": period,
                "source": table.source,
                "table_name": table.name,
                "file": src_file[gi],
                "row_number": int(src_row[gi]),
                "reason": reason,
                "column_name": header,
            }
        )
    keep = [c.name for c in table.columns] + [
        c for c in ("person_id", "region_code") if c in frame.columns and c not in [x.name for x in table.columns]
    ]
    out = frame.select(keep).with_columns(
        pl.lit(period).alias("period"),
        pl.Series("source_file", src_file.astype(str)),
        pl.Series("source_row", src_row).cast(pl.Int32),
        pl.Series("_q", status == "q"),
    )
    cand = out.filter(~pl.col("_q")).sort("source_file", "source_row")
    first = cand.select(pl.struct(keep).is_first_distinct()).to_series()
    loaded = cand.filter(first).drop("_q")
    per_file = {}
    for fname, kind in (
        (loaded["source_file"], "rows_loaded"),
        (cand.filter(~first)["source_file"], "rows_duplicate"),
        (out.filter(pl.col("_q"))["source_file"], "rows_quarantined"),
    ):
        for v, cnt in fname.value_counts().rows():
            per_file.setdefault(v, {})[kind] = cnt
    for rec in ctx.files[n_files_before:]:
        got = per_file.get(rec["file"], {})
        for kind in ("rows_loaded", "rows_duplicate", "rows_quarantined"):
            rec[kind] = got.get(kind, 0)
        assert rec.pop("_rows") == rec["rows_loaded"] + rec["rows_duplicate"] + rec["rows_quarantined"]
        assert (
            rec["rows_read"]
            == rec["rows_loaded"] + rec["rows_duplicate"] + rec["rows_quarantined"] + rec["rows_footer_blank"]
        ), rec["file"]
    ctx.loaded.setdefault(table.name, []).append(loaded)


_WS = " \t\r\n\u00a0\u3000\u200b\ufeff"


def _trim(v) -> str:
    return v.strip(_WS) if isinstance(v, str) else str(v)


def _natural_defects(ctx: Ctx, table: Table, df: pl.DataFrame, defects: dict) -> None:
    """Clean records that the contract would still quarantine (a required value empty): truth follows."""
    for col in table.columns:
        if col.required_when is not None:  # 风险消除时间 when 风险是否消除 = 是, 迁往地区划代码 of a 迁出 row
            other, value = col.required_when
            bad = df[col.name].is_null() & (df[other] == value).fill_null(False)
        elif col.required:
            bad = df[col.name].is_null()
        else:
            continue
        for i in np.nonzero(bad.to_numpy())[0].tolist():
            if i not in defects:
                reason = "id_missing" if col.kind in (PERSON_ID, CARD_NO) else "value_missing"
                defects[i] = (reason, col.header, {})
                ctx.notes.append(f"{table.name}: a clean record has an empty {col.name}")


def _free_rows(table: Table, df: pl.DataFrame, planted: np.ndarray, planted_ids: set) -> np.ndarray:
    """Rows that dirt may take out of the loaded set: unplanted, not a planted person or household."""
    ok = ~planted
    if "_case" in df.columns:
        ok &= ~df["_case"].to_numpy()
    pid_col = "person_id" if "person_id" in df.columns else None
    if pid_col:
        ok &= ~df[pid_col].is_in(list(planted_ids)).to_numpy()
    if table.household_key:
        hh = df[table.household_key]
        bad = set(hh.filter(pl.Series(planted)).to_list())
        ok &= ~hh.is_in(list(bad)).to_numpy()
        # never take away a head: the household would change its subject
        ok &= (df["relation"] != "head").to_numpy()
    return np.nonzero(ok)[0]


def _plan_dirt(ctx, table, period, df, files, file_of, free, extra_base, defects, rng) -> dict:
    """Defects and duplicates; returns the added rows given an invented person {index: {column: value}}."""
    n = df.height
    invented: dict[int, dict] = {}
    reasons = dirt.reasons_for(table)
    k = max(len(reasons) + 2, int(round(ctx.dirty * n)))
    order = list(rng.permutation(reasons)) + list(rng.choice(reasons, size=max(0, k - len(reasons))))
    amb = dirt.ambiguous_rows(table, ctx.regions, df["region_code"].to_list()) if table.name == "monitoring" else []
    amb_free = sorted(set(amb) & set(free.tolist()))
    used: set[int] = set()

    def add_extra(base: int, f: FileSpec | None = None) -> int:
        gi = n + len(extra_base)
        extra_base.append(base)
        f = f or file_of[base]
        f.inserts.append((int(rng.integers(len(f.rows) + 1)), gi))
        return gi

    n_multi = max(1, len(order) // 12)
    for j, reason in enumerate(order):
        real = not ctx.exact and rng.random() < 0.5
        pool = (amb_free if real else amb) if reason == "region_ambiguous" else (free if real else range(n))
        if reason == "region_ambiguous" and not len(pool):
            pool = amb
            real = False
        if not len(pool):
            continue
        base = int(pool[int(rng.integers(len(pool)))])
        if real and base in used:
            real = False
        row = _typed_row(df, base)
        f = file_of[base]
        d = dirt.defect(reason, table, row, period, f.fmt != "csv", ctx.regions, rng)
        if d is None:
            continue
        col, raw = d
        pos = dirt.position(table, col)
        if j < n_multi:  # a second defect, on a later column: the first in contract order decides
            other = [r for r in reasons if r not in ("region_ambiguous", "region_unmatched", "value_missing")]
            r2 = str(rng.choice(other))
            d2 = dirt.defect(r2, table, row, period, f.fmt != "csv", ctx.regions, rng)
            if d2 is not None and dirt.position(table, d2[0]) != pos and not set(d2[1]) & set(raw):
                if dirt.position(table, d2[0]) < pos:
                    col, pos, reason = d2[0], dirt.position(table, d2[0]), r2
                raw = {**raw, **d2[1]}
        if reason in ("region_unmatched", "region_ambiguous"):
            col = table.columns[2]
        if f.fmt == "xlsx" and reason in ERROR_CELL_REASONS and (reason != "id_format" or col.kind == PERSON_ID):
            if ctx.office.random() < 0.3:  # Excel's error cell: text, failing its column's check all the same
                raw = {**raw, col.name: formats.ExcelError(ctx.office.choice(formats.EXCEL_ERRORS))}
        if real:
            used.add(base)
            gi = base
        else:
            gi = add_extra(base)
            idc = next(c for c in table.columns if c.kind in (PERSON_ID, CARD_NO))
            if idc.name not in raw and "name" not in raw and rng.random() < 0.3:
                invented[gi] = _invented_person(table, row, period, rng, ctx.part, ctx.parts)
        defects[gi] = (reason, col.header, raw)
    # exact duplicates: the same row again, in another file of the table and period where there is one
    n_dup = max(2, int(round(ctx.dirty * n / 3)))
    pool = free if len(free) else np.arange(n)
    for j in range(n_dup):
        base = int(pool[int(rng.integers(len(pool)))])
        if base in used:
            continue
        target = file_of[base]
        if j == 0:
            others = [f for f in files if (f.fmt == "csv") != (file_of[base].fmt == "csv")]
            if others:
                target = others[0]
        elif rng.random() < 0.4:
            target = files[int(rng.integers(len(files)))]
        add_extra(base, target)
    for f in files:
        f.finish()
    return invented


def _invented_person(table: Table, row: dict, period: str, rng, part: int = 0, parts: int = 1) -> dict:
    """A person who is on no roll: a valid id of the row's county (a sequence of the part's, in parts) and a
    made-up name."""
    idc = next(c for c in table.columns if c.kind in (PERSON_ID, CARD_NO))
    born = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 60)))
    seq = part_sequence(int(rng.integers(0, 1000)), part, parts)
    body = f"{row['region_code'][:6]}{born:%Y%m%d}{seq:03d}"
    pid = body + dirt.check_char(body)
    out = {"name": (row.get("name") or "王")[:1] + "某某", idc.name: pid + row[idc.name][18:]}
    if idc.kind == CARD_NO and "person_id" in row:
        out["person_id"] = pid
    return out


def _override(frame: pl.DataFrame, values: dict[int, dict]) -> pl.DataFrame:
    if not values:
        return frame
    cols = {c for v in values.values() for c in v}
    new = []
    for c in sorted(cols):
        vals = frame[c].to_list()
        for i, v in values.items():
            if c in v:
                vals[i] = v[c]
        new.append(pl.Series(c, vals, dtype=frame.schema[c]))
    return frame.with_columns(new)


def _twist(files: list[FileSpec], twist: dict, rng) -> None:
    """Once per period: an xlsx saved with a .xls extension, a CSV named .xlsx."""
    for f in files:
        stem, ext = f.name.rsplit(".", 1)
        if f.fmt == "xlsx" and not twist.get("xlsx_as_xls") and len(f.rows) < 15000 and rng.random() < 0.5:
            f.name = f"{stem}.xls"
            twist["xlsx_as_xls"] = True
        elif f.fmt == "csv" and not twist.get("csv_as_xlsx") and len(f.rows) < 15000 and rng.random() < 0.5:
            f.name = f"{stem}.xlsx"
            twist["csv_as_xlsx"] = True


def _office_kinds(files: list[FileSpec], twist: dict, orng: np.random.Generator) -> None:
    """Some CSV files (under 15 000 rows, named .csv) saved as offices do (TEXT_KINDS): in each period, while a
    kind has not come, a file becomes one of the missing kinds with probability 1/2; then any kind with
    probability 1/10. Their cells stay text cells, so only how the file is written changes; `orng` is not the
    writer's stream, so every other file stays as it was."""
    used = twist.setdefault("office_kinds", set())
    for f in files:
        stem, ext = f.name.rsplit(".", 1)
        if f.fmt != "csv" or ext.lower() != "csv" or len(f.rows) >= 15000:
            continue
        todo = [k for k in TEXT_KINDS[1:] if k not in used]
        r = orng.random()
        if todo:
            if r >= 0.5:
                continue
            kind = todo[int(orng.integers(len(todo)))]
        elif r < 0.1:
            kind = TEXT_KINDS[1 + int(orng.integers(len(TEXT_KINDS) - 1))]
        else:
            continue
        used.add(kind)
        f.kind = kind
        xls = "xls" if ext.islower() else "XLS"
        if kind == "unicode_text":
            f.encoding, f.crlf = "utf-16-le", True
            if orng.random() < 0.5:
                f.name = f"{stem}.{xls}"
        elif kind == "html":
            f.name = f"{stem}.{xls}"


def _render(ctx: Ctx, table: Table, frame: pl.DataFrame, excel: np.ndarray, vary: bool) -> dict[str, list]:
    rng = ctx.rng
    cells: dict[str, list] = {}
    for col in table.columns:
        s = frame[col.name]
        out = formats.plain(col, s).to_list()
        if vary and frame.height:
            idx = np.nonzero(rng.random(frame.height) < ctx.p_var)[0]
            if len(idx):
                if col.kind == REGION_NAME:
                    codes = frame["region_code"].gather(idx).to_list()
                    for i, code, r in zip(idx.tolist(), codes, rng.integers(0, 1000, len(idx)).tolist()):
                        if col.level == "village":
                            out[i] = ctx.regions.village_variant(code, rng)
                        elif col.level == "township":
                            out[i] = dirt.township_variant(out[i], rng)
                        else:
                            out[i] = formats.rng_space(r) + out[i] + formats.rng_space(r + 1)
                else:
                    vals = s.gather(idx).to_list()
                    rs = rng.integers(0, 1000, len(idx)).tolist()
                    for i, v, r in zip(idx.tolist(), vals, rs):
                        out[i] = formats.variant(col, v, r, bool(excel[i]), rng)
        cells[col.name] = out
    return cells
