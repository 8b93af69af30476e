"""`safetynet status`: periods on file, complete or not, files belonging to no table, what the working
warehouse holds, what is published (run, periods, snapshot), and the last runs."""

from __future__ import annotations

import duckdb

from pipelines import publish
from pipelines.catalog import has_schema, has_table
from pipelines.ingest.discover import discover
from pipelines.ingest.load import period_status
from pipelines.quality import data_docs_index
from pipelines.quality.settings import breach_advice
from pipelines.runs import build_pending, first_held_back, held_back, read_runs, verdict
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
            else:  # what an expected table lacks (a table is expected from its first period on file)
                state = f"INCOMPLETE 不完整 (no file read for: {', '.join(p.missing)})"
            out.append(f"  {p.period}  {state}")
        unassigned = discover(locations.data).unassigned
        if unassigned:
            out.append("")
            out.append("Files belonging to no table (not read) 未识别文件:")
            out.extend(f"  {u}" for u in unassigned)
        if con is not None and has_table(con, "raw.files"):
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
                out.append(f"  {period}  {n} files ({rej} rejected)  {read} / {loaded} / {quar} / {dup} / {foot}")
            marts = has_schema(con, "main_marts")
            pending = build_pending(con)
            breaches = held_back(con)
            out.append("")
            if not marts:
                out.append("建模 working warehouse: not built yet")
            elif pending:
                out.append(
                    f"建模 working warehouse: periods from {pending} are not published yet "
                    "(a build, its checks or the publish step has not succeeded since they were ingested)"
                )
            else:
                out.append("建模 working warehouse: every period ingested is built, checked and published")
            if breaches:
                first = first_held_back(breaches)
                out.append(
                    f"暂缓发布 HELD BACK: periods from {first} wait: their raw data breaches a blocking contract "
                    "(the complete periods before it are published). To do, then `safetynet run`:"
                )
                out.extend(f"  {breach_advice(b)}" for b in breaches)
            reasons = con.execute(
                "select reason, count(*) from raw.quarantine group by reason order by 2 desc, 1"
            ).fetchall()
            if reasons:
                out.append("")
                out.append("隔离 quarantine by reason: " + ", ".join(f"{r} {n}" for r, n in reasons))
    finally:
        if con is not None:
            con.close()
    out.append("")
    out.extend(_published(locations))
    runs = read_runs(locations.warehouse)
    out.append("")
    if not runs:
        out.append("No run yet: `safetynet run` ingests the dataset.")
    for r in runs[-5:]:
        loaded = sum(len(t) for t in r.get("ingested", {}).values())
        ended = verdict(r.get("failed"), r.get("held_back"))  # ok ⇔ neither (an older entry: failed only)
        out.append(
            f"run {r['finished_at']}  {ended}  {r['command']}: "
            f"{loaded} table-period(s) ingested over {len(r.get('ingested', {}))} period(s)"
            f"{'; published ' + r['published'] if r.get('published') else ''}"
            f"{'; failed: ' + '; '.join(r['failed']) if r.get('failed') else ''}"
            f"{'; held back from ' + first_held_back(r['held_back']) if r.get('held_back') else ''}"
            f"{'; warnings: ' + str(len(r['warnings'])) if r.get('warnings') else ''}  ({r['seconds']} s)"
        )
    return "\n".join(out)


def _published(locations: Locations) -> list[str]:
    snapshot = publish.current(locations)
    if snapshot is None:
        return ["发布 published: nothing yet (exports and dashboards have no data until a run passes its checks)"]
    lines = [
        f"发布 published: {snapshot.file}",
        f"  run {snapshot.run_id} at {snapshot.published_at}",
        f"  periods {', '.join(snapshot.periods) if snapshot.periods else 'none'}",
        *(
            [f"  held back from {snapshot.held_back_from}: " + "; ".join(breach_advice(b) for b in snapshot.held_back)]
            if snapshot.held_back
            else []
        ),
        "  " + ", ".join(f"{t.split('.')[-1]} {n} rows" for t, n in snapshot.rows.items()),
    ]
    docs = data_docs_index(locations)
    if docs.exists():
        lines.append(f"  data contracts (Data Docs): {docs}")
    return lines
