"""Writes a Dataset out: seeds, raw extracts (writer.py) and the truth files of decisions.md."""

from __future__ import annotations

import importlib
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.contract.tables import BOOL, DATE, ENUM, INTEGER, MONEY, TABLES, complete_periods, expected_tables
from pipelines.generate import dirt
from pipelines.generate.model import DEPARTMENT_TABLES, PROGRAMME_TABLES, tables_on_file
from pipelines.generate.quality import count_quality
from pipelines.generate.sheets import write_department_oddities
from pipelines.generate.writer import Ctx, write_oddities, write_table_period

FILES_COLUMNS = [
    "period",
    "source",
    "table_name",
    "file",
    "status",
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_duplicate",
    "rows_footer_blank",
]
QUARANTINE_COLUMNS = ["period", "source", "table_name", "file", "row_number", "reason", "column_name"]


def loaded_schema(table_name: str) -> dict[str, pl.DataType]:
    """Typed columns of a loaded table (decisions.md), without loaded_at."""
    t = TABLES[table_name]
    schema: dict[str, pl.DataType] = {}
    for c in t.columns:
        if c.kind == MONEY:
            schema[c.name] = pl.Decimal(14, 2)
        elif c.kind == DATE:
            schema[c.name] = pl.Date
        elif c.kind == BOOL:
            schema[c.name] = pl.Boolean
        elif c.kind == INTEGER:
            schema[c.name] = pl.Int32
        elif c.kind == ENUM and c.name == "disability_grade":
            schema[c.name] = pl.Int16
        else:
            schema[c.name] = pl.String
    if table_name == "disability_cards":
        schema["person_id"] = pl.String
    if table_name == "monitoring":
        schema["region_code"] = pl.String
    schema.update(period=pl.String, source_file=pl.String, source_row=pl.Int32)
    return schema


def _say(progress, msg: str) -> None:
    if progress is not None:
        progress(msg)


def prepare(out: Path) -> None:
    """A fresh dataset folder: raw/, truth/, seeds/ and feedback/ emptied; a .gitkeep (the repository's
    data/raw/, data/seeds/) stays."""
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("raw", "truth", "seeds", "feedback"):
        for child in (out / sub).glob("*") if (out / sub).exists() else ():
            if child.is_dir():
                shutil.rmtree(child)
            elif child.name != ".gitkeep":
                child.unlink()


def write_seeds(out: Path, seeds: dict[str, pl.DataFrame]) -> None:
    (out / "seeds").mkdir(exist_ok=True)
    for name, df in seeds.items():
        df.write_csv(out / "seeds" / f"{name}.csv")


def write_dataset(out: Path, ds, seed: int = 0, dirty: float = 0.03, progress=None, reference: bool = True) -> dict:
    t0 = time.time()
    prepare(out)
    write_seeds(out, ds.seeds)
    ctx = write_raw(out, ds, seed=seed, dirty=dirty, progress=progress)
    _say(progress, "写出 truth/")
    summary = write_truth(out, ctx, ds, reference)
    summary["seconds"] = round(time.time() - t0, 1)
    return summary


def write_raw(
    out: Path, ds, seed: int = 0, dirty: float = 0.03, progress=None, suffix: str = "", part: int = 0, parts: int = 1
) -> Ctx:
    """The raw files of a dataset, with their dirt; returns the writer's context holding the truth rows.
    `suffix`, `part` of `parts`: a part of a dataset generated in parts (parts.py), `seed` the part's."""
    regions = dirt.Regions(ds.seeds["regions"])
    planted_ids: dict[str, set] = {}
    for df in ds.records.values():
        pid = "person_id" if "person_id" in df.columns else None
        if pid and "_planted" in df.columns:
            for p, ids in df.filter(pl.col("_planted")).group_by("period").agg(pl.col(pid)).rows():
                planted_ids.setdefault(p, set()).update(ids)
    ctx = Ctx(
        out=out,
        rng=np.random.default_rng([seed, 20260]),
        office=np.random.default_rng([seed, 20261]),
        dirty=float(dirty),
        exact=bool(ds.exact_kpis),
        regions=regions,
        planted_ids=planted_ids,
        p_var=min(0.15, 2 * float(dirty)),
        suffix=suffix,
        part=part,
        parts=parts,
    )
    # The departments' files draw from streams of their own (one per table, and one for their rejected
    # files): the programmes' files are the same whether the departments are in the dataset or not.
    dept = {
        t: replace(ctx, rng=np.random.default_rng([seed, 20262, i]), office=np.random.default_rng([seed, 20264, i]))
        for i, t in enumerate(DEPARTMENT_TABLES)
    }
    dept_odd = replace(ctx, rng=np.random.default_rng([seed, 20265]))
    for period in ds.periods:
        on_file = tables_on_file(ds, period)
        for group, tables in ((PROGRAMME_TABLES, "programmes"), (DEPARTMENT_TABLES, "departments")):
            twist: dict = {}
            samples = {}
            for tname in group:
                if tname not in on_file:  # no file: the city has not (yet) received the table
                    continue
                df = ds.records[tname].filter(pl.col("period") == period)
                samples[tname] = df
                _say(progress, f"写出 {period} {tname} ({df.height} 行)")
                write_table_period(dept.get(tname, ctx), TABLES[tname], period, df, twist)
            if dirty > 0 and tables == "programmes":
                write_oddities(ctx, period, samples)
            elif dirty > 0 and samples:
                write_department_oddities(dept_odd, period, samples)
    return ctx


def files_frame(rows: list[dict]) -> pl.DataFrame:
    """truth/files.csv: one row per file written, by file."""
    return pl.DataFrame(
        rows, schema={c: (pl.Int64 if c.startswith("rows_") else pl.String) for c in FILES_COLUMNS}
    ).sort("file")


def quarantine_frame(rows: list[dict]) -> pl.DataFrame:
    """truth/quarantine.csv: one row per quarantined row or file rejected whole, by file and row."""
    quarantine = pl.DataFrame(
        [{k: r[k] for k in QUARANTINE_COLUMNS} for r in rows],
        schema={c: (pl.Int64 if c == "row_number" else pl.String) for c in QUARANTINE_COLUMNS},
    )
    return quarantine.sort("file", "row_number", nulls_last=False)


def loaded_frame(ctx: Ctx, tname: str) -> pl.DataFrame:
    """truth/loaded/<table>.parquet: the rows that load, typed, with their lineage, by period, file and row."""
    schema = loaded_schema(tname)
    parts = ctx.loaded.get(tname, [])
    df = pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame(schema=schema)
    return df.select([pl.col(c).cast(t) for c, t in schema.items()]).sort("period", "source_file", "source_row")


QUALITY_SCHEMA = {
    "period": pl.String,
    "source": pl.String,
    "table_name": pl.String,
    "code": pl.String,
    "count": pl.Int64,
}


def summarise(periods, files: pl.DataFrame, rows_quarantined: int, rows_loaded: dict, quality: int, notes) -> dict:
    """The summary of a written dataset (`safetynet generate` prints it), and its complete periods."""
    read = files.filter(pl.col("status") == "loaded")
    # extracts.md: every table expected in the period (from its first period on file) has a file read
    done = complete_periods(files.select("period", "table_name").rows(), read.select("period", "table_name").rows())
    return {
        "periods": list(periods),
        "complete_periods": [p for p in periods if p in done],
        "files": files.height,
        "files_rejected": files.height - read.height,
        "rows_read": int(files["rows_read"].sum()),
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "rows_duplicate": int(files["rows_duplicate"].sum()),
        "rows_footer_blank": int(files["rows_footer_blank"].sum()),
        "quality_issues": quality,
        "notes": sorted(set(notes)),
    }


def write_truth(out: Path, ctx: Ctx, ds, reference: bool = True) -> dict:
    truth = out / "truth"
    (truth / "loaded").mkdir(parents=True, exist_ok=True)
    files = files_frame(ctx.files)
    files.write_csv(truth / "files.csv")
    quarantine = quarantine_frame(ctx.quarantine)
    quarantine.write_csv(truth / "quarantine.csv")
    loaded: dict[str, pl.DataFrame] = {}
    quality: list[dict] = []
    for tname in TABLES:
        df = loaded_frame(ctx, tname)
        df.write_parquet(truth / "loaded" / f"{tname}.parquet")
        loaded[tname] = df.drop("source_file", "source_row")
        quality += count_quality(tname, df)
    pl.DataFrame(quality, schema=QUALITY_SCHEMA).write_csv(truth / "quality_issues.csv")
    summary = summarise(
        ds.periods, files, quarantine.height, {t: loaded[t].height for t in TABLES}, len(quality), ctx.notes
    )
    complete = summary["complete_periods"]
    try:
        ref = importlib.import_module("pipelines.generate.reference") if reference else None
    except ModuleNotFoundError:
        ref = None
    if ref is not None and hasattr(ref, "evaluate"):
        expected = expected_tables(files.select("period", "table_name").rows())
        findings, kpis = ref.evaluate(loaded_with_lineage(truth), ds.seeds, complete, expected)
        findings.write_csv(truth / "findings.csv")
        kpis.write_csv(truth / "kpis.csv")
        summary["findings"] = findings.height
        summary["kpis"] = kpis.height
        if not ds.exact_kpis and complete:  # the demo preset (report-2021 is exact): a disposition history
            from pipelines.generate.demo_history import write_history

            summary.update(write_history(out, findings, complete[-1], ds.seeds.get("warning_rules")))
    return summary


def loaded_with_lineage(truth: Path) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(truth / "loaded" / f"{t}.parquet") for t in TABLES}
