"""One file of a table: header detection, normalisation and row validation (vectorised)."""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.contract import tables as C
from pipelines.ingest import normalise as N
from pipelines.ingest.discover import FoundFile
from pipelines.ingest.header import match_header
from pipelines.ingest.normalise import NULL_STR, integer_expr, nfkc, trim
from pipelines.ingest.read import Encrypted, Sheet, Unreadable, read_file
from pipelines.ingest.regions import Regions

# Columns whose value must fall within the period (extracts.md): table -> column name.
PERIOD_COLUMNS = {t.name: t.period_column for t in C.TABLES.values() if t.period_column}
ID_KINDS = (C.PERSON_ID, C.CARD_NO)
QUARANTINE_SCHEMA = {
    "period": pl.String,
    "source": pl.String,
    "table_name": pl.String,
    "file": pl.String,
    "row_number": pl.Int32,
    "reason": pl.String,
    "column_name": pl.String,
    "raw_value": pl.String,
    "raw_row": pl.String,
}


@dataclass
class Context:
    table: C.Table
    period: str
    regions: Regions

    @property
    def period_start(self) -> _dt.date:
        y, m = map(int, self.period.split("-"))
        return _dt.date(y, m, 1)

    @property
    def period_end(self) -> _dt.date:
        return period_end(self.period)


def period_end(period: str) -> _dt.date:
    """The last day of a YYYY-MM period."""
    y, m = map(int, period.split("-"))
    return _dt.date(y, m, calendar.monthrange(y, m)[1])


@dataclass
class FileResult:
    file: str
    status: str  # loaded | rejected
    reason: str | None = None  # missing_columns | file_unreadable | file_encrypted for a file rejected whole
    rows_read: int = 0
    rows_quarantined: int = 0
    rows_footer_blank: int = 0
    extra_columns: list[str] = field(default_factory=list)
    passed: pl.DataFrame | None = None  # typed rows that passed, before duplicate removal
    quarantine: pl.DataFrame | None = None


def find_header(sheet: Sheet, table: C.Table) -> tuple[int | None, dict[str, int], list[str]]:
    """(header row index, column name -> file column index, missing contract headers)."""
    n = min(C.HEADER_SEARCH_ROWS, sheet.frame.height)
    return match_header(sheet.frame.head(n).select(f"c{i}" for i in range(sheet.width)).rows(), table)


def _unique_names(headers: list[str]) -> list[str]:
    out, seen = [], set()
    for i, h in enumerate(headers):
        name = h if h.strip() else f"列{i + 1}"
        while name in seen:
            name = f"{name}#{i + 1}"
        seen.add(name)
        out.append(name)
    return out


def _reject(found: FoundFile, ctx: Context, reason: str, raw_value: str | None) -> FileResult:
    q = pl.DataFrame(
        [[ctx.period, found.source, found.table, found.path, None, reason, None, raw_value, None]],
        schema=QUARANTINE_SCHEMA,
        orient="row",
    )
    return FileResult(found.path, "rejected", reason, quarantine=q)


class IngestError(RuntimeError):
    """An unexpected failure while validating a file. The message names the file and the error type
    only: the original exception (which might quote a value) is deliberately not chained."""


def process_file(found: FoundFile, dataset: Path, ctx: Context) -> FileResult:
    """Read and validate one file. Never raises for bad content: the file is rejected instead."""
    try:
        return _process_file(found, dataset, ctx)
    except Exception as e:  # privacy: never let a message that might quote a value escape
        raise IngestError(f"{found.path}: unexpected {type(e).__name__} while validating") from None


def _process_file(found: FoundFile, dataset: Path, ctx: Context) -> FileResult:
    try:
        sheet = read_file(Path(dataset) / found.path, ctx.table)
    except Encrypted as e:
        return _reject(found, ctx, "file_encrypted", str(e))
    except Unreadable as e:  # the message is a fixed cause (empty file, line over 1 MB …), never data
        return _reject(found, ctx, "file_unreadable", str(e))
    table = ctx.table
    hdr, colmap, missing = find_header(sheet, table)
    if hdr is None:
        return _reject(found, ctx, "missing_columns", "、".join(missing))

    header_cells = list(sheet.frame.row(hdr, named=True)[f"c{i}"] for i in range(sheet.width))
    used = set(colmap.values())
    extra = [str(h).strip() for i, h in enumerate(header_cells) if i not in used and str(h).strip()]

    data = sheet.frame.slice(hdr + 1)
    cells = [f"c{i}" for i in range(sheet.width)]
    # A cell holding a character that is not white space (a match, not a trimmed copy of every cell).
    nonempty = [pl.col(c).str.contains(N.NOT_WS_RE).fill_null(False) for c in cells]
    data = data.with_columns(pl.any_horizontal(nonempty).alias("__nonblank"))
    nonblank_idx = data.select(pl.arg_where(pl.col("__nonblank")).max()).item()
    if nonblank_idx is None:
        data = data.clear()
    else:
        data = data.slice(0, nonblank_idx + 1)
    rows_read = data.height

    # footer / blank rows
    id_col = next(c for c in table.columns if c.kind in ID_KINDS)
    id_empty = ~pl.col(f"c{colmap[id_col.name]}").str.contains(N.NOT_WS_RE).fill_null(False)
    # A footer has no ID and its first non-empty cell starts with 合计, 制表人 …: looked for only among the
    # few non-blank rows without an ID.
    without_id = data.filter(pl.col("__nonblank") & id_empty)
    first_cell = pl.coalesce([pl.when(trim(pl.col(c)) != "").then(trim(pl.col(c))).otherwise(NULL_STR) for c in cells])
    footers = without_id.filter(
        pl.any_horizontal([first_cell.str.starts_with(p) for p in C.FOOTER_PREFIXES]).fill_null(False)
    )["row"]
    data = data.with_columns((~pl.col("__nonblank") | pl.col("row").is_in(footers.implode())).alias("__skip"))
    footer_blank = int(data["__skip"].sum())
    rows = data.filter(~pl.col("__skip"))

    if table.name == "monitoring":
        rows = _match_regions(rows, colmap, ctx.regions)

    lf, checks = _validate_columns(rows.lazy(), table, colmap, sheet, ctx)
    rcols = [pl.col(f"__r{j}") for j in range(len(checks))]
    rows = lf.with_columns(
        pl.coalesce(rcols).alias("__reason"),
        pl.coalesce(
            [pl.when(rc.is_not_null()).then(pl.lit(h)).otherwise(NULL_STR) for rc, (h, _) in zip(rcols, checks)]
        ).alias("__column"),
        pl.coalesce(
            [pl.when(rc.is_not_null()).then(rv).otherwise(NULL_STR) for rc, (_, rv) in zip(rcols, checks)]
        ).alias("__raw_value"),
    ).collect()
    bad = rows.filter(pl.col("__reason").is_not_null())
    names = _unique_names([str(h) for h in header_cells])
    quarantine = bad.select(
        pl.lit(ctx.period).alias("period"),
        pl.lit(found.source).alias("source"),
        pl.lit(found.table).alias("table_name"),
        pl.lit(found.path).alias("file"),
        pl.col("row").cast(pl.Int32).alias("row_number"),
        pl.col("__reason").alias("reason"),
        pl.col("__column").alias("column_name"),
        pl.col("__raw_value").alias("raw_value"),
        pl.struct([pl.col(c).alias(n) for c, n in zip(cells, names)]).struct.json_encode().alias("raw_row"),
    )
    good = rows.filter(pl.col("__reason").is_null())
    out_cols = [pl.col(c.name) for c in table.columns]
    if table.name == "disability_cards":
        out_cols.append(pl.col("disability_card_no").str.slice(0, 18).alias("person_id"))
        type_digit = pl.col("disability_type").replace_strict(
            {v: str(d) for v, d in C.DISABILITY_TYPES.values()}, default=None, return_dtype=pl.String
        )
        mismatch = (pl.col("disability_card_no").str.slice(18, 1) != type_digit) | (
            pl.col("disability_card_no").str.slice(19, 1) != pl.col("disability_grade").cast(pl.String)
        )
        out_cols.append(mismatch.fill_null(False).alias("__card_mismatch"))
    if table.name == "monitoring":
        out_cols.append(pl.col("__mcode").alias("region_code"))
    passed = good.select(
        *out_cols,
        pl.lit(ctx.period).alias("period"),
        pl.lit(found.path).alias("source_file"),
        pl.col("row").cast(pl.Int32).alias("source_row"),
    )
    return FileResult(
        found.path,
        "loaded",
        None,
        rows_read=rows_read,
        rows_quarantined=quarantine.height,
        rows_footer_blank=footer_blank,
        extra_columns=extra,
        passed=passed,
        quarantine=quarantine,
    )


def _match_regions(rows: pl.DataFrame, colmap: dict[str, int], regions: Regions) -> pl.DataFrame:
    keys = [
        trim(pl.col(f"c{colmap[n]}")).alias(f"__k{j}")
        for j, n in enumerate(("county_name", "township_name", "village_name"))
    ]
    rows = rows.with_columns(keys)
    uniq = (
        rows.select("__k0", "__k1", "__k2")
        .unique()
        .filter((pl.col("__k0") != "") & (pl.col("__k1") != "") & (pl.col("__k2") != ""))
    )
    results = [regions.match(a, b, c) for a, b, c in uniq.rows()]  # per distinct name triple
    lookup = uniq.with_columns(
        pl.Series("__mcode", [r[0] for r in results], dtype=pl.String),
        pl.Series("__mreason", [r[1] for r in results], dtype=pl.String),
        pl.Series("__mlevel", [r[2] for r in results], dtype=pl.Int8),
    )
    return rows.join(lookup, on=["__k0", "__k1", "__k2"], how="left", maintain_order="left")


def _enum_map(col: C.Column) -> dict:
    mapping = {label: value for label, value in col.values.items()}
    for variant, label in col.variants.items():
        mapping.setdefault(variant, col.values[label])
    return mapping


def _validate_columns(lf: pl.LazyFrame, table: C.Table, colmap: dict[str, int], sheet: Sheet, ctx: Context):
    """Adds, per contract column j, the typed column (``Column.name``) and its reason column ``__r{j}``.
    Returns the frame and, per contract column, (header, raw value expression for the quarantine)."""
    checks: list[tuple[str, pl.Expr]] = []
    period_col = PERIOD_COLUMNS.get(table.name)
    villages = pl.Series(sorted(ctx.regions.villages), dtype=pl.String)
    counties = pl.Series(sorted(code for code, _ in ctx.regions.counties), dtype=pl.String)
    for j, col in enumerate(table.columns):
        i = colmap[col.name]
        raw_name = f"c{i}"
        raw = pl.col(raw_name)
        tag_name = sheet.tag(i)
        rj = f"__r{j}"
        name = col.name
        empty = trim(raw) == ""
        raw_value = raw
        k = col.kind
        if k == C.PERSON_ID:
            lf = N.person_id_stage(lf, raw_name, tag_name, ctx.period_end, name).rename({f"{name}__r": rj})
        elif k == C.CARD_NO:
            lf = N.card_stage(lf, raw_name, tag_name, ctx.period_end, name).rename({f"{name}__r": rj})
        elif k == C.MONEY:
            lf = N.money_stage(lf, raw_name, name).rename({f"{name}__r": rj})
        elif k in (C.TEXT, C.REGION_NAME):
            lf = lf.with_columns(trim(raw).alias(name), NULL_STR.alias(rj))
        elif k in (C.ENUM, C.BOOL):
            dtype = pl.Boolean if k == C.BOOL else (pl.Int16 if name == "disability_grade" else pl.String)
            lf = lf.with_columns(
                trim(nfkc(raw)).replace_strict(_enum_map(col), default=None, return_dtype=dtype).alias(name)
            )
            lf = lf.with_columns(
                pl.when(pl.col(name).is_null()).then(pl.lit("enum_value")).otherwise(NULL_STR).alias(rj)
            )
        elif k == C.INTEGER:
            v, r = integer_expr(raw)
            lf = lf.with_columns(v.alias(name), r.alias(rj))
        elif k in (C.DATE, C.MONTH):
            if k == C.DATE:
                lf = N.date_stage(lf, raw_name, tag_name, name)
            else:
                lf = N.month_stage(lf, raw_name, tag_name, name)
            v = pl.col(name)
            r = pl.when(v.is_null()).then(pl.lit("date_format")).otherwise(NULL_STR)
            if period_col == name and k == C.DATE:
                r = (
                    pl.when(v.is_null())
                    .then(pl.lit("date_format"))
                    .when(~v.is_between(pl.lit(ctx.period_start), pl.lit(ctx.period_end)))
                    .then(pl.lit("period_mismatch"))
                    .otherwise(NULL_STR)
                )
            elif period_col == name:
                r = (
                    pl.when(v.is_null())
                    .then(pl.lit("date_format"))
                    .when(v != ctx.period)
                    .then(pl.lit("period_mismatch"))
                    .otherwise(NULL_STR)
                )
            lf = lf.with_columns(r.alias(rj))
        elif k == C.REGION_CODE:
            lf = lf.with_columns(trim(nfkc(raw)).alias(name))
            lf = lf.with_columns(
                pl.when(pl.col(name).is_in(villages.implode()))
                .then(NULL_STR)
                .otherwise(pl.lit("region_unknown"))
                .alias(rj)
            )
        elif k == C.COUNTY_CODE:
            lf = N.county_code_stage(lf, raw_name, name)
            lf = lf.with_columns(
                pl.when(pl.col(name).is_in(counties.implode()))
                .then(NULL_STR)
                .otherwise(pl.lit("region_unknown"))
                .alias(rj)
            )
        elif k == C.CHINA_REGION_CODE:
            lf = lf.with_columns(trim(nfkc(raw)).alias(name))
            lf = lf.with_columns(
                pl.when(pl.col(name).str.contains(r"^[0-9]{12}$"))
                .then(NULL_STR)
                .otherwise(pl.lit("region_unknown"))
                .alias(rj)
            )
        else:  # pragma: no cover - a new kind in the contract
            raise ValueError(f"unknown column kind {k!r}")

        r = pl.col(rj)
        if col.kind == C.REGION_NAME and col.level == "village":
            # region matching is placed at the village column, after the three value_missing checks
            r = pl.col("__mreason")
            level_raw = (
                pl.when(pl.col("__mlevel") == 0)
                .then(pl.col(f"c{colmap['county_name']}"))
                .when(pl.col("__mlevel") == 1)
                .then(pl.col(f"c{colmap['township_name']}"))
                .otherwise(raw)
            )
            raw_value = pl.when(empty).then(raw).otherwise(level_raw)
        if col.required:
            missing = "id_missing" if k in ID_KINDS else "value_missing"
            r = pl.when(empty).then(pl.lit(missing)).otherwise(r)
        elif col.required_when is not None:  # required only when another column of the row says so
            other, value = col.required_when
            r = (
                pl.when(empty & (pl.col(other) == value).fill_null(False))
                .then(pl.lit("value_missing"))
                .when(empty)
                .then(NULL_STR)
                .otherwise(r)
            )
        else:
            r = pl.when(empty).then(NULL_STR).otherwise(r)
        lf = lf.with_columns(r.alias(rj), pl.when(empty).then(None).otherwise(pl.col(name)).alias(name))
        checks.append((col.header, raw_value))
    return lf, checks
