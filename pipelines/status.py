"""`safetynet status`: periods on file, complete or not, files belonging to no table, and the runs."""

from __future__ import annotations

import duckdb

from pipelines.ingest.discover import discover
from pipelines.ingest.load import period_status
from pipelines.runs import read_runs
from pipelines.settings import Locations


def _connect_read_only(locations: Locations):
    if not locations.duckdb_path.exists():
        return None
    try:
        return duckdb.connect(str(locations.duckdb_path), read_only=True)
    except duckdb.IOException:
        return "busy"


def describe_status(locations: Locations) -> str:
    out: list[str] = [f"数据集 dataset: {locations.data}", f"仓库 warehouse: {locations.warehouse}", ""]
    con = _connect_read_only(locations)
    if con == "busy":
        out.append("The warehouse is being written by a run; counts are shown when it has finished.")
        con = None
    try:
        periods = period_status(con, locations.data)
        out.append("统计期 periods on file:")
        if not periods:
            out.append("  (none: raw/ holds no extract)")
        for p in periods:
            if p.complete:
                state = "complete 完整"
            elif not any(p.tables_read.values()):
                state = "not ingested 未入库"
            else:
                missing = ", ".join(t for t, ok in p.tables_read.items() if not ok)
                state = f"INCOMPLETE 不完整 (no file read for: {missing})"
            out.append(f"  {p.period}  {state}")
        unassigned = discover(locations.data).unassigned
        if unassigned:
            out.append("")
            out.append("Files belonging to no table (not read) 未识别文件:")
            out.extend(f"  {u}" for u in unassigned)
        if con is not None and _has_files_table(con):
            out.append("")
            out.append("入库 per period: files (rejected), rows read / loaded / quarantined / duplicate / footer-blank")
            rows = con.execute(
                """
                select period, count(*), count(*) filter (where status <> 'loaded'),
                       sum(rows_read), sum(rows_loaded), sum(rows_quarantined), sum(rows_duplicate),
                       sum(rows_footer_blank)
                from raw.files group by period order by period
                """
            ).fetchall()
            for period, n, rej, read, loaded, quar, dup, foot in rows:
                out.append(
                    f"  {period}  {n} files ({rej} rejected)  {read} / {loaded} / {quar} / {dup} / {foot}"
                )
            marts = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'main_marts'"
            ).fetchone()[0]
            pending = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = 'meta' and table_name = 'build_pending'"
            ).fetchone()[0] and con.execute("select min(from_period) from meta.build_pending").fetchone()[0]
            out.append("")
            if not marts:
                out.append("建模 warehouse: not built yet")
            elif pending:
                out.append(f"建模 warehouse: built, but periods from {pending} wait for a successful build")
            else:
                out.append("建模 warehouse: built and tested for every period ingested")
            reasons = con.execute(
                "select reason, count(*) from raw.quarantine group by reason order by 2 desc, 1"
            ).fetchall()
            if reasons:
                out.append("")
                out.append("隔离 quarantine by reason: " + ", ".join(f"{r} {n}" for r, n in reasons))
    finally:
        if con is not None:
            con.close()
    runs = read_runs(locations.warehouse)
    out.append("")
    if not runs:
        out.append("No run yet: `safetynet run` ingests the dataset.")
    for r in runs[-5:]:
        loaded = sum(len(t) for t in r.get("ingested", {}).values())
        out.append(
            f"run {r['finished_at']}  {'OK' if r['ok'] else 'FAILED'}  {r['command']}: "
            f"{loaded} table-period(s) ingested over {len(r.get('ingested', {}))} period(s)"
            f"{'; failed: ' + '; '.join(r['failed']) if r.get('failed') else ''}  ({r['seconds']} s)"
        )
    return "\n".join(out)


def _has_files_table(con) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema='raw' and table_name='files'"
        ).fetchone()[0]
    )
