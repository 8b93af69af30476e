"""The layout of one file: title rows, the header (aliases, shuffled columns, extra columns), data
rows with blank rows, footer rows; the row number of every data row; the rejected and stray files."""

from __future__ import annotations

import polars as pl

from pipelines.contract.tables import SOURCES, TABLES
from pipelines.generate import formats

FOOTERS = ("合计", "总计：{n}人", "小计", "制表人：王某", "审核人：李某", "填报日期：{d}", "制表：{d}")


def write_file(ctx, table, period, path, f, cells, vary, src_row) -> dict:
    """Writes one file of a table and period; sets `src_row` of its rows; returns its row counts."""
    rng = ctx.rng
    cols = list(table.columns)
    headers = [formats.render_header(c, rng, vary) for c in cols]
    names = [c.name for c in cols]
    if vary and rng.random() < 0.3:
        perm = rng.permutation(len(cols)).tolist()
        headers, names = [headers[i] for i in perm], [names[i] for i in perm]
    extras = []
    if vary and rng.random() < 0.35:
        extras = [str(x) for x in rng.choice(["序号", "备注"], size=int(rng.integers(1, 3)), replace=False)]
    if "序号" in extras:
        headers, names = ["序号", *headers], ["_seq", *names]
    if "备注" in extras:
        headers, names = [*headers, "备注"], [*names, "_note"]
    width = len(headers)
    is_csv = f.fmt == "csv"  # text cells (every text kind: the same draws, so other files stay as they were)
    html = f.kind == "html"
    n_title = int(rng.integers(0, 6)) if vary else int(rng.integers(0, 2))
    if html:  # a web system's export has its title row above the header
        n_title = max(n_title, 1)
    titles = [
        table.title + f"（{period[:4]}年{int(period[5:])}月）",
        f"统计期：{period}",
        "",
        "金额单位：元",
        "数据来源：业务系统导出",
    ]
    sheet: list[list] = []
    kinds: list[str] = []
    for t in titles[:n_title]:
        sheet.append([t] + [""] * (width - 1) if is_csv else [t])
        kinds.append("title")
    sheet.append(headers)
    kinds.append("header")
    data_pos: list[tuple[int, int]] = []  # (frame index, sheet index)
    multiline: set[int] = set()  # sheet rows that may hold a line break (titles, header, 备注)
    n_blank = int(rng.integers(0, 4)) if vary else 0
    blank_at = set(rng.integers(0, max(1, len(f.rows)), n_blank).tolist()) if vary else set()
    columns = [cells[nm] if nm in cells else None for nm in names]
    id_j = next(j for j, nm in enumerate(names) if nm in ("person_id", "disability_card_no"))
    for k, gi in enumerate(f.rows):
        if k in blank_at:
            sheet.append([""] * width if is_csv else [])
            kinds.append("blank")
        row = []
        for j, nm in enumerate(names):
            if nm == "_seq":
                row.append(str(k + 1) if is_csv else k + 1)
            elif nm == "_note":
                if is_csv and rng.random() < 0.01:
                    row.append("已核实\n待复查")
                    multiline.add(len(sheet))
                else:
                    row.append("")
            else:
                row.append(columns[j][gi])
        data_pos.append((gi, len(sheet)))
        sheet.append(row)
        kinds.append("data")
    if vary and rng.random() < 0.7:
        if rng.random() < 0.5:
            sheet.append([""] * width if is_csv else [])
            kinds.append("blank")
        for t in rng.choice(FOOTERS, size=int(rng.integers(1, 4)), replace=False):
            row = [""] * width
            pos = 0 if id_j != 0 else 1
            row[pos] = str(t).format(n=len(f.rows), d=f"{period}-28")
            sheet.append(row)
            kinds.append("footer")
    if is_csv and vary and rng.random() < 0.3:
        sheet.append([""] * width)
        kinds.append("blank")  # trailing: not counted
    # row numbers
    numbers = []
    line = 1
    hdr = kinds.index("header")
    multiline.update(range(hdr + 1))
    for si, row in enumerate(sheet):
        numbers.append(line)
        # a quoted line break adds lines to a text file; in an HTML page a row is a <tr>
        line += formats.csv_lines(row) if is_csv and not html and si in multiline else 1
    for gi, si in data_pos:
        src_row[gi] = numbers[si]
    last = max((i for i, k in enumerate(kinds) if k in ("data", "footer")), default=kinds.index("header"))
    hdr = kinds.index("header")
    fb = sum(1 for k in kinds[hdr + 1 : last + 1] if k in ("blank", "footer"))
    if html:
        titles_at = {i for i, k in enumerate(kinds) if k == "title"}
        formats.write_html(path, sheet, table.title, f.encoding, hdr, titles_at)
    elif is_csv:
        delimiter = {"unicode_text": "\t", "semicolon": ";"}.get(f.kind, ",")
        formats.write_csv(path, sheet, f.encoding, f.crlf, delimiter)
    elif f.fmt == "xls":
        formats.write_xls(path, sheet, table.title)
    else:
        formats.write_xlsx(str(path), sheet, table.title, len(sheet) > 5000)
    return {"rows_read": last - hdr, "rows_footer_blank": fb, "_rows": len(f.rows)}


def _rejected_whole(ctx, period: str, table, name: str, reason: str, raw_value: str | None) -> None:
    rel = f"raw/{table.source}/{period}/{name}"
    ctx.files.append(
        {
            "period": period,
            "source": table.source,
            "table_name": table.name,
            "file": rel,
            "status": "rejected",
            "rows_read": 0,
            "rows_loaded": 0,
            "rows_quarantined": 0,
            "rows_duplicate": 0,
            "rows_footer_blank": 0,
        }
    )
    ctx.quarantine.append(
        {
            "period": period,
            "source": table.source,
            "table_name": table.name,
            "file": rel,
            "row_number": None,
            "reason": reason,
            "column_name": None,
            "_raw_value": raw_value,
        }
    )


def _rejected_file(ctx, period: str, table, df: pl.DataFrame, reason: str, tag: str, ext: str) -> None:
    """A file of the table rejected whole: `missing_columns` (a column left out), or `file_unreadable` (a
    truncated xlsx, an empty csv, garbage named .xls)."""
    rng = ctx.rng
    folder = ctx.out / "raw" / table.source / period
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{table.name}_{tag}{ctx.suffix}.{ext}"
    df = df.head(5)
    headers = [c.header for c in table.columns]
    sheet = [headers] + [[formats.plain(c, df[c.name]).to_list()[i] for c in table.columns] for i in range(df.height)]
    raw_value = None
    if reason == "missing_columns":
        drop = int(rng.integers(len(headers)))
        raw_value = headers[drop]
        sheet = [[v for j, v in enumerate(r) if j != drop] for r in sheet]
        formats.write_xlsx(str(folder / name), [[table.title]] + sheet, table.title, False)
    elif tag == "损坏":
        (folder / name).write_bytes(formats.truncated_xlsx(sheet))
    elif tag == "空":
        (folder / name).write_bytes(b"")
    else:
        (folder / name).write_bytes(formats.garbage(rng))
    _rejected_whole(ctx, period, table, name, reason, raw_value)


def _encrypted_file(ctx, period: str, table) -> None:
    """A workbook of the table protected by a password (`file_encrypted`), drawing nothing from ctx.rng."""
    name = f"{table.name}_加密{ctx.suffix}.xlsx"
    folder = ctx.out / "raw" / table.source / period
    folder.mkdir(parents=True, exist_ok=True)
    sheet = [[c.header for c in table.columns]]
    (folder / name).write_bytes(formats.encrypted_xlsx(sheet, seed=f"{period}/{name}"))
    _rejected_whole(ctx, period, table, name, "file_encrypted", None)


ODD_KINDS = (
    ("missing_columns", "补报", "xlsx"),
    ("file_unreadable", "损坏", "xlsx"),
    ("file_unreadable", "空", "csv"),
    ("file_unreadable", "异常", "xls"),
    ("file_encrypted", "加密", "xlsx"),
)


def write_department_oddities(ctx, period: str, samples: dict[str, pl.DataFrame]) -> None:
    """Files of the departments' tables rejected whole: in about half of the periods, one file of a table on
    file in the period (besides the table's own files, so the period stays complete), of one of the kinds of
    `write_oddities`. `ctx.rng` is a stream of their own."""
    rng = ctx.rng
    if rng.random() >= 0.5:
        return
    names = sorted(samples)
    tname = names[int(rng.integers(len(names)))]
    reason, tag, ext = ODD_KINDS[int(rng.integers(len(ODD_KINDS)))]
    if reason == "file_encrypted":
        _encrypted_file(ctx, period, TABLES[tname])
    else:
        _rejected_file(ctx, period, TABLES[tname], samples[tname], reason, tag, ext)


def write_oddities(ctx, period: str, samples: dict[str, pl.DataFrame]) -> None:
    """Files rejected whole (missing_columns, file_unreadable ×3, file_encrypted) and files that belong to
    no table."""
    rng = ctx.rng
    names = sorted(samples)
    picks = [names[int(i)] for i in rng.choice(len(names), size=4, replace=len(names) < 4)]
    for tname, (reason, tag, ext) in zip(picks, ODD_KINDS[:4]):
        _rejected_file(ctx, period, TABLES[tname], samples[tname], reason, tag, ext)
    # a workbook with a password, drawing nothing from rng so that every other file stays as it was
    _encrypted_file(ctx, period, TABLES[picks[0]])
    # (a later part of a dataset generated in parts draws them too, and leaves the first part's in place)
    for src in SOURCES:
        folder = ctx.out / "raw" / src / period
        folder.mkdir(parents=True, exist_ok=True)
        if rng.random() < 0.5 and not ctx.suffix:
            (folder / "readme.txt").write_text("本目录为业务系统导出数据，请勿修改。\n", encoding="utf-8")
        if rng.random() < 0.3:
            docx = b"PK\x03\x04" + formats.garbage(rng, 200)
            if not ctx.suffix:
                (folder / "说明.docx").write_bytes(docx)
