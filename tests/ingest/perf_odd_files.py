"""Bounded work per file, measured by hand (not a unit test): peak RSS and seconds of ingesting one file.

    python -m tests.ingest.perf_odd_files [DIR] [KIND ...]

KIND: ``one_line`` (an 8 MB CSV without a line break), ``big_csv`` (a ~200 MB ordinary dibao CSV),
``xfd`` (an xlsx formatted to XFD1048576), ``xfd_empty`` (the same with an empty-text cell at
XFD1048576, which calamine alone would allocate as 1M x 16K cells), ``big_html`` (a ~200 MB dibao table
exported by a web system as an HTML page named .xls, UTF-8) and ``big_html_gbk`` (the same declared and
encoded GBK), ``dense_html`` (~200 MB of one-character cells below a dibao header: the most cells an HTML
page of that size holds, every row quarantined). Each file is ingested by
``run_table_period`` in a fresh subprocess that prints its own ``ru_maxrss``, wall time and CPU time (the
process's, imports included: steadier than wall time on a machine shared with other jobs) as JSON.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tests.ingest.helpers import HEADERS, PERIOD, make_dataset, make_id, make_row, table_dir

KINDS = ("one_line", "big_csv", "xfd", "xfd_empty", "big_html", "big_html_gbk", "dense_html")


def write_one_line(path: Path, size: int = 8_000_000) -> None:
    path.write_bytes(b"abcdef," * (size // 7))


def _dibao_row(rnd: random.Random, i: int) -> list:
    return make_row(
        "dibao",
        i,
        household_id=f"H{i // 3}",
        person_id=make_id(i, f"19{rnd.randint(40, 99)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}"),
        monthly_income_per_capita=f"{rnd.randint(100, 900)}.{rnd.randint(0, 99):02d}",
    )


def _write_dibao_rows(path: Path, head: bytes, line, target: int, encoding: str = "utf-8") -> None:
    """`head`, then dibao rows rendered by `line(row)` in chunks of 10,000 until the file reaches `target`."""
    rnd = random.Random(1)
    with path.open("wb") as f:
        f.write(head)
        n, size = 0, len(head)
        while size < target:
            data = "".join(line(_dibao_row(rnd, i)) for i in range(n, n + 10_000)).encode(encoding)
            f.write(data)
            n += 10_000
            size += len(data)


def write_big_csv(path: Path, target: int = 200_000_000) -> None:
    head = ",".join(HEADERS["dibao"]).encode("utf-8") + b"\r\n"
    _write_dibao_rows(path, head, lambda r: ",".join(map(str, r)) + "\r\n", target)


def write_big_html(path: Path, target: int = 200_000_000, encoding: str = "utf-8") -> None:
    """A web system's "export to Excel": one HTML page, a title row spanning the header, the header in
    <th>, every row a <tr> of <td> (text cells styled as text, as such exports do), one line per row."""
    meta = "gbk" if encoding != "utf-8" else "utf-8"
    head = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={meta}">'
        "<style>td { mso-number-format: '\\@'; }</style></head><body>\n<table border=\"1\">\n"
        f'<tr><td colspan="{len(HEADERS["dibao"])}" align="center">低保对象名册</td></tr>\n'
        "<tr>" + "".join(f"<th>{h}</th>" for h in HEADERS["dibao"]) + "</tr>\n"
    ).encode(encoding)

    def line(r: list) -> str:
        cells = "".join(
            f"<td>{v}</td>" if j != 3 else f"<td style=\"mso-number-format:'\\@'\">{v}</td>" for j, v in enumerate(r)
        )
        return f"<tr>{cells}</tr>\n"

    _write_dibao_rows(path, head, line, target, encoding)


def write_dense_html(path: Path, target: int = 200_000_000) -> None:
    head = "<html><body><table><tr>" + "".join(f"<td>{h}</td>" for h in HEADERS["dibao"]) + "</tr>\n"
    rows = (b"<tr>" + b"<td>1</td>" * len(HEADERS["dibao"]) + b"</tr>") * 1000
    with path.open("wb") as f:
        f.write(head.encode("utf-8"))
        size = len(head)
        while size < target:
            f.write(rows)
            size += len(rows)
        f.write(b"</table>")


def write_xfd(path: Path, empty_text_cell: bool = False) -> None:
    """A dibao sheet of 1000 rows whose formatting reaches XFD1048576: every column styled, the last row
    styled, a styled empty cell at XFD1048576 (`<dimension ref="A1:XFD1048576"/>`)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    fmt = wb.add_format({"bold": True})
    ws.set_column("A:XFD", 10, fmt)
    ws.set_row(1048575, 20, fmt)
    rows = [list(HEADERS["dibao"])] + [make_row("dibao", i, household_id=f"H{i}") for i in range(1000)]
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write_string(i, j, str(v))
    ws.write_blank(1048575, 16383, None, fmt)
    wb.close()
    if empty_text_cell:  # what some exporters write for a formatted blank: a cell holding empty text
        src = zipfile.ZipFile(path)
        members = {n: src.read(n) for n in src.namelist()}
        src.close()
        name = "xl/worksheets/sheet1.xml"
        members[name] = re.sub(
            rb'<c r="XFD1048576"[^>]*/>', b'<c r="XFD1048576" t="inlineStr"><is><t></t></is></c>', members[name]
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for n, d in members.items():
                out.writestr(n, d)


def build(root: Path, kind: str) -> Path:
    root = make_dataset(root)
    d = table_dir(root, "dibao", PERIOD)
    if kind == "one_line":
        write_one_line(d / "dibao.csv")
    elif kind == "big_csv":
        write_big_csv(d / "dibao.csv")
    elif kind in ("big_html", "big_html_gbk"):
        write_big_html(d / "dibao.xls", encoding="gbk" if kind == "big_html_gbk" else "utf-8")
    elif kind == "dense_html":
        write_dense_html(d / "dibao.xls")
    else:
        write_xfd(d / "dibao.xlsx", kind == "xfd_empty")
    return root


MEASURE = """
import json, resource, sys, time
from pipelines.ingest.load import run_table_period
t = time.perf_counter()
_, loaded, quarantine, _, counts = run_table_period(sys.argv[1], "dibao", sys.argv[2])
seconds = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_SELF)
c = counts[0]
print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(use.ru_utime + use.ru_stime, 2),
    "max_rss_mb": use.ru_maxrss // 1024,
    "status": c.status, "reason": c.reason, "rows_read": c.rows_read, "loaded": c.loaded,
    "cause": quarantine["raw_value"][0] if c.status == "rejected" else None}, ensure_ascii=False))
"""


def measure(root: Path) -> dict:
    """Ingest the dataset's only dibao file in a fresh process; its peak RSS and seconds."""
    p = subprocess.run([sys.executable, "-c", MEASURE, str(root), PERIOD], capture_output=True, text=True)
    if p.returncode:
        return {"failed": p.returncode, "stderr": p.stderr[-300:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    base = Path(argv[0]) if argv else Path(tempfile.mkdtemp())
    for kind in argv[1:] or KINDS:
        root = base / kind
        if not root.exists():
            build(root, kind)
        size = sum(p.stat().st_size for p in (root / "raw").rglob("*") if p.is_file())
        print(kind, f"{size / 1e6:.1f} MB", measure(root), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
