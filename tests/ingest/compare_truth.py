"""Compare ingestion with a generated dataset's truth (not a unit test; prints counts and positions only).

python -m tests.ingest.compare_truth DATASET_DIR [WAREHOUSE_DIR]

Without a warehouse the dataset is ingested into an in-memory database; with one, the raw schema of its
working DuckDB file (what `safetynet run` loaded) is compared, read-only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract.tables import TABLES
from pipelines.ingest.discover import discover
from pipelines.ingest.load import ingest_table_period


def frame(con, sql) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql).to_arrow_table())


def main(ds: Path, warehouse: Path | None = None) -> int:
    if warehouse is not None:
        from pipelines.settings import Locations

        con = duckdb.connect(str(Locations(ds, warehouse).duckdb_path), read_only=True)
    else:
        con = duckdb.connect()
        disc = discover(ds)
        for p in disc.all_periods:
            for t in TABLES:
                ingest_table_period(con, ds, t, p, "cmp", discovery=disc)
    try:
        return compare(con, ds)
    finally:
        con.close()


def compare(con, ds: Path) -> int:
    truth = ds / "truth"
    bad = 0
    keys = ["period", "table_name", "file"]
    cols = ["status", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "rows_footer_blank"]
    tf = pl.read_csv(truth / "files.csv", infer_schema=False)
    mf = frame(con, "select * from raw.files").select(keys + cols).cast(pl.String)
    j = tf.select(keys + cols).join(mf, on=keys, how="full", suffix="_got", coalesce=True)
    for c in cols:
        d = j.filter(pl.col(c).ne_missing(pl.col(f"{c}_got")))
        if d.height:
            bad += d.height
            print(f"files: {c} differs for {d.height} files")
            print(d.select(keys[1:] + [c, f"{c}_got"]).head(10))
    qk = ["period", "table_name", "file", "row_number", "reason", "column_name"]
    tq = (
        pl.read_csv(truth / "quarantine.csv", infer_schema=False)
        .select(qk)
        .with_columns(pl.col("row_number").fill_null(""))
    )
    mq = (
        frame(con, "select * from raw.quarantine")
        .select(qk)
        .cast(pl.String)
        .with_columns(pl.col("row_number").fill_null(""))
    )
    only_t = tq.join(mq, on=qk, how="anti", nulls_equal=True)
    only_m = mq.join(tq, on=qk, how="anti", nulls_equal=True)
    if only_t.height or only_m.height:
        bad += only_t.height + only_m.height
        with pl.Config(tbl_rows=40, fmt_str_lengths=60):
            print("quarantine rows only in truth:", only_t.height)
            print(only_t.head(20))
            print("quarantine rows only in ingestion:", only_m.height)
            print(only_m.head(20))
    tqi = pl.read_csv(truth / "quality_issues.csv", infer_schema=False).with_columns(pl.col("count").cast(pl.Int64))
    mqi = frame(
        con, "select period, source, table_name, code, count(*) as count from raw.quality_issues group by all"
    ).with_columns(pl.col("count").cast(pl.Int64))
    jq = tqi.join(mqi, on=["period", "source", "table_name", "code"], how="full", coalesce=True, suffix="_got")
    dq = jq.filter(pl.col("count").ne_missing(pl.col("count_got")))
    if dq.height:
        bad += dq.height
        print("quality issues differ:")
        print(dq)
    for t in TABLES:
        p = truth / "loaded" / f"{t}.parquet"
        if not p.exists():
            continue
        tl = pl.read_parquet(p)
        ml = frame(con, f"select * exclude (loaded_at) from raw.{t}")
        common = [c for c in tl.columns if c in ml.columns]
        missing = [c for c in tl.columns if c not in ml.columns] + [c for c in ml.columns if c not in tl.columns]
        if missing:
            print(f"{t}: column sets differ: {missing}")
        a = tl.select(common).cast({c: pl.String for c in common})
        b = ml.select(common).cast({c: pl.String for c in common})
        ka = ["source_file", "source_row"]
        x = a.join(b, on=ka, how="full", coalesce=True, suffix="_got")
        diffs = {c: x.filter(pl.col(c).ne_missing(pl.col(f"{c}_got"))).height for c in common if c not in ka}
        diffs = {c: n for c, n in diffs.items() if n}
        if diffs or a.height != b.height:
            bad += 1
            print(f"{t}: truth {a.height} rows, ingested {b.height}; columns differing (row counts): {diffs}")
            for c in list(diffs)[:3]:
                # positions only: values could be ids or names
                print(c, x.filter(pl.col(c).ne_missing(pl.col(f"{c}_got"))).select(ka).head(3).rows())
    print("OK" if not bad else f"{bad} differences")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None))
