"""The floor: DuckDB alone loading the same raw files into tables, in one process.

    python -m pipelines.bench.floor --data DIR --db FILE [--periods P ...] [--json FILE]

What it does, and nothing more: the files `safetynet run` ingests (the same discovery), each read whole
(every row of the sheet, title and header rows included, every cell as text) into a table of its own in
a DuckDB file, committed and checkpointed. The format is decided by content like the pipeline does:
- CSV in UTF-8 (with or without BOM): DuckDB's own `read_csv`, straight from the file;
- CSV in GB18030: decoded by Python (DuckDB's GBK reader is an extension that cannot be installed
  offline), then read by DuckDB's `read_csv` from memory;
- xlsx and xls: calamine (fastexcel) to Arrow, inserted by DuckDB (its excel extension cannot be
  installed offline either, and reads no xls);
- an HTML table saved as .xls, UTF-16 text, or text delimited by tabs or semicolons: the pipeline's own
  reader (a few files of a dirty dataset; DuckDB reads none of them as offices write them);
- a corrupt, empty or binary file is skipped (counted).
No header detection, no typing, no validation, no quarantine, no lineage, no bookkeeping: the cost of
getting the bytes into tables, which nothing above it can beat.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipelines.ingest.sniff import decode_text, sniff_format

CSV_OPTIONS = (
    "header = false, all_varchar = true, delim = ',', quote = '\"', escape = '\"', strict_mode = false, skip = 0"
)


@dataclass
class FloorResult:
    files: int = 0
    loaded: int = 0
    skipped: int = 0
    rows: int = 0
    seconds: float = 0.0
    per_file: dict[str, int | None] = field(default_factory=dict)  # relative path -> rows (None: skipped)


def _load_excel(con, table: str, data: bytes) -> None:
    import fastexcel

    sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
    frame = sheet.to_arrow()  # noqa: F841 - read by name in the SQL below
    con.execute(f'create table "{table}" as select * from frame').fetchall()


def _load_csv(con, table: str, path: Path, data: bytes) -> None:
    # The pipeline's own decoding (binary content and undecodable text raise, and the file is skipped).
    text, encoding = decode_text(data)
    if encoding == "gb18030":
        relation = con.read_csv(
            io.BytesIO(text.encode("utf-8")),
            header=False,
            all_varchar=True,
            sep=",",
            quotechar='"',
            escapechar='"',
            strict_mode=False,
            skiprows=0,
        )
        con.register("gb18030_csv", relation)
        con.execute(f'create table "{table}" as select * from gb18030_csv').fetchall()
        con.unregister("gb18030_csv")
        return
    con.execute(f'create table "{table}" as select * from read_csv(?, {CSV_OPTIONS})', [str(path)]).fetchall()


def _comma_text(data: bytes) -> bool:
    """UTF-8 or GB18030 text whose first line holds a comma: what DuckDB's reader takes as it is."""
    return not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"," in data.split(b"\n", 1)[0]


def _load_with_reader(con, table: str, path: Path) -> None:
    """HTML tables, UTF-16 text, tab or semicolon delimiters: the pipeline's own reader (DuckDB reads none
    of them as offices write them), its cells inserted as text."""
    from pipelines.ingest.read import read_file

    sheet = read_file(path)
    frame = sheet.frame.select([f"c{i}" for i in range(sheet.width)]).to_arrow()  # noqa: F841 - read by name
    con.execute(f'create table "{table}" as select * from frame').fetchall()


def load_floor(dataset: Path, db: Path, periods: list[str] | None = None) -> FloorResult:
    """Load every extract of the dataset (of `periods`, or all) into `db`, one table per file."""
    import duckdb

    from pipelines.ingest.discover import discover

    started = time.monotonic()
    dataset = Path(dataset)
    wanted = set(periods) if periods else None
    found = [f for f in discover(dataset).files if wanted is None or f.period in wanted]
    result = FloorResult(files=len(found))
    con = duckdb.connect(str(db))
    try:
        for i, f in enumerate(found):
            path = dataset / f.path
            table = f"{f.table}_{f.period}_{i}"
            try:
                data = path.read_bytes()
                if not data.strip():
                    raise ValueError("empty file")
                fmt = sniff_format(data[:1024])
                if fmt in ("xlsx", "xls"):
                    _load_excel(con, table, data)
                elif fmt == "csv" and _comma_text(data):
                    _load_csv(con, table, path, data)
                else:
                    _load_with_reader(con, table, path)
            except Exception:  # corrupt or unreadable: skipped, as the pipeline rejects it whole
                result.skipped += 1
                result.per_file[f.path] = None
                continue
            rows = con.execute(f'select count(*) from "{table}"').fetchall()[0][0]
            result.loaded += 1
            result.rows += rows
            result.per_file[f.path] = rows
        con.execute("checkpoint").fetchall()
    finally:
        con.close()
    result.seconds = time.monotonic() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.bench.floor")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--periods", nargs="*", default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    args.db.unlink(missing_ok=True)
    result = load_floor(args.data, args.db, args.periods)
    text = json.dumps(asdict(result), ensure_ascii=False, indent=1)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    print(
        f"floor: {result.loaded} file(s) loaded, {result.skipped} skipped, {result.rows} rows in {result.seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
