"""The Data Docs site, offline and private: county intranets have no internet.

Great Expectations' pages load bootstrap, jquery, bootstrap-table, vega and fontawesome from CDNs, a logo
from S3 whose URL carries the data context id, and end in a newsletter link; its index is a table drawn by
bootstrap-table, so offline it shows no link at all. After every build (`gx.update_docs`, inside its lock)
`finish_site` strips every external script, stylesheet and image from the pages (its server-rendered
validation pages read fine without them), writes a small static page per expectation suite (GE's index
linked suite pages that were never built), and replaces index.html by a static page of our own: one row
per suite with its newest result, failing suites first.

Stdlib only. Every text written is escaped; a result's JSON gives status and counts, never a row value.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.quality.settings import load_settings

LOGO = "static/images/logo-long.png"
TITLE = "SafetyNet 数据契约 Data contracts"

_EXTERNAL = r"""["']?\s*(?:https?:)?//"""
_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*" + _EXTERNAL + r"[^>]*>.*?</script\s*>\s*", re.I | re.S)
_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*" + _EXTERNAL + r"[^>]*>\s*", re.I | re.S)
_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*" + _EXTERNAL + r"[^>]*>", re.I | re.S)
_CSS_URL = re.compile(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", re.I)
_FOOTER = re.compile(
    r"<footer\b[^>]*>(?:(?!</footer>).)*?(?:newsletter|Subscribe)(?:(?!</footer>).)*</footer>\s*", re.I | re.S
)
_EXTERNAL_ANCHOR = re.compile(r"<a\b[^>]*\bhref\s*=\s*[\"']?https?://[^>]*>(.*?)</a\s*>", re.I | re.S)
# A page still to be cleaned holds one of these (plain substring tests: a regex over a clean page cost
# ~1.5 ms); a clean page is read but not written.
_DIRTY = (
    '="http',
    "='http",
    '="//',
    "='//",
    "=http",
    "url('http",
    'url("http',
    "url(http",
    "url(//",
    "url('//",
    'url("//',
    "newsletter",
)


def sanitise(text: str, depth: int) -> str:
    """The page without external scripts, stylesheets, images, CSS urls and links; `depth` is how many
    folders below the site root the page lies (the local logo is linked relative to it)."""
    logo = "../" * depth + LOGO
    text = _SCRIPT.sub("", text)
    text = _LINK.sub("", text)
    text = _IMG.sub(
        lambda m: (
            f'<img src="{logo}" alt="Great Expectations" style="width: auto; height: 50px"/>'
            if "great-expectations-web-assets" in m.group(0)
            else ""
        ),
        text,
    )
    text = _CSS_URL.sub(f"url('{logo}')", text)
    text = _FOOTER.sub("", text)
    return _EXTERNAL_ANCHOR.sub(r"\1", text)


def sanitise_site(docs: Path) -> int:
    """Clean every page of the site that still refers outside it; how many were rewritten. Idempotent;
    clean pages are only read (~300 pages: tens of milliseconds)."""
    written = 0
    for path in docs.rglob("*.html"):
        if path.parent == docs and path.name == "index.html":
            continue  # replaced by write_index
        text = path.read_text(encoding="utf-8")
        lowered = text.lower()
        if not any(marker in lowered for marker in _DIRTY):
            continue
        path.write_text(sanitise(text, len(path.relative_to(docs).parts) - 1), encoding="utf-8")
        written += 1
    return written


@dataclass
class Result:
    suite: str
    run_name: str
    run_time: str  # as in the folder name, e.g. 20261122T175649.983273Z (sorts by time)
    page: str  # relative to the site root, with /
    success: bool | None  # None: no stored result
    evaluated: int | None
    failed: int | None

    @property
    def shown_time(self) -> str:
        t = self.run_time
        if re.fullmatch(r"\d{8}T\d{6}(\.\d+)?Z", t):
            return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[9:11]}:{t[11:13]}:{t[13:15]} UTC"
        return t


def results(warehouse: Path) -> dict[str, list[Result]]:
    """Every validation page of the site with its stored result, per suite, newest first. A page at
    data_docs/validations/<suite path>/<run name>/<run time>/<batch>.html has its result at
    gx/uncommitted/validations/<same path>.json."""
    docs, store = Path(warehouse) / "data_docs", Path(warehouse) / "gx" / "uncommitted" / "validations"
    by_suite: dict[str, list[Result]] = {}
    for page in (docs / "validations").rglob("*.html"):
        rel = page.relative_to(docs / "validations")
        if len(rel.parts) < 4:
            continue
        suite, run_name, run_time = ".".join(rel.parts[:-3]), rel.parts[-3], rel.parts[-2]
        success = evaluated = failed = None
        try:
            stored = json.loads((store / rel.with_suffix(".json")).read_text(encoding="utf-8"))
            suite = stored.get("suite_name") or suite
            success = bool(stored["success"])
            stats = stored.get("statistics") or {}
            evaluated, failed = stats.get("evaluated_expectations"), stats.get("unsuccessful_expectations")
        except (OSError, ValueError, KeyError, TypeError):
            pass
        by_suite.setdefault(suite, []).append(
            Result(suite, run_name, run_time, page.relative_to(docs).as_posix(), success, evaluated, failed)
        )
    for kept in by_suite.values():
        kept.sort(key=lambda r: (r.run_time, r.run_name), reverse=True)
    return by_suite


def write_suite_pages(warehouse: Path) -> None:
    """data_docs/expectations/<suite path>.html for every stored suite: its expectations and arguments
    (column names, bounds, value sets; never a row), static."""
    suites, docs = Path(warehouse) / "gx" / "expectations", Path(warehouse) / "data_docs"
    for stored in suites.rglob("*.json"):
        try:
            suite = json.loads(stored.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rel = stored.relative_to(suites).with_suffix(".html")
        root = "../" * (len(rel.parts))
        rows = []
        for e in suite.get("expectations") or []:
            kwargs = {k: v for k, v in (e.get("kwargs") or {}).items() if k != "batch_id"}
            rows.append(
                f"<tr><td>{_e(e.get('type') or e.get('expectation_type') or '')}</td>"
                f"<td><code>{_e(json.dumps(kwargs, ensure_ascii=False, sort_keys=True))}</code></td>"
                f"<td>{_e(json.dumps(e.get('meta') or {}, ensure_ascii=False))}</td></tr>"
            )
        name = suite.get("name") or ".".join(rel.with_suffix("").parts)
        body = (
            f'<p><a href="{root}index.html">← {_e(TITLE)}</a></p><h1>{_e(name)}</h1>'
            f"<table><tr><th>expectation</th><th>arguments</th><th>meta</th></tr>{''.join(rows)}</table>"
        )
        target = docs / "expectations" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_page(f"{name} · {TITLE}", body), encoding="utf-8")


def write_index(warehouse: Path) -> Path:
    """data_docs/index.html: one row per suite with its newest result (failing first, then by name),
    older kept results below as small links. No script, no external URL."""
    docs = Path(warehouse) / "data_docs"
    by_suite = results(warehouse)
    settings = load_settings()
    severity = {suite: settings.severity_of_suite(suite) for suite in by_suite}
    order = sorted(by_suite, key=lambda s: (by_suite[s][0].success is not False, severity[s] != "error", s))
    rows = []
    for suite in order:
        newest, older = by_suite[suite][0], by_suite[suite][1:]
        # A failed check of severity warn is shown as a warning: it holds nothing back.
        status = _WARNED if newest.success is False and severity[suite] == "warn" else _STATUS[newest.success]
        counts = "–" if newest.evaluated is None else f"{newest.evaluated} / {newest.failed or 0}"
        suite_page = "expectations/" + "/".join(suite.split(".")) + ".html"
        name = f'<a href="{_e(suite_page)}">{_e(suite)}</a>' if (docs / suite_page).is_file() else _e(suite)
        history = " ".join(
            f'<a class="{_status_class(r.success)}" href="{_e(r.page)}">{_e(r.run_name)} · {_e(r.shown_time)}</a>'
            for r in older
        )
        rows.append(
            f'<tr class="{status[0]}"><td>{name}</td><td class="status">{_e(status[1])}</td>'
            f'<td>{_e(newest.run_name)}</td><td>{_e(newest.shown_time)}</td><td class="n">{_e(counts)}</td>'
            f'<td><a href="{_e(newest.page)}">查看 view</a></td></tr>'
            + (f'<tr class="older"><td></td><td colspan="5">更早 older: {history}</td></tr>' if older else "")
        )
    failing = sum(by_suite[s][0].success is False and severity[s] == "error" for s in order)
    warned = sum(by_suite[s][0].success is False and severity[s] == "warn" for s in order)
    body = (
        f"<h1>{_e(TITLE)}</h1>"
        f"<p>{len(order)} 个契约 suites · {failing} 个未通过 failing · "
        f"{warned} 个警告 warnings (不阻断 not blocking)</p>"
        "<table><tr><th>契约 suite</th><th>状态 status</th><th>期次 run</th><th>时间 run time</th>"
        "<th>期望 / 未通过<br>evaluated / failed</th><th>结果 result</th></tr>" + "".join(rows) + "</table>"
    )
    index = docs / "index.html"
    docs.mkdir(parents=True, exist_ok=True)
    index.write_text(_page(TITLE, body), encoding="utf-8")
    return index


def remove_pruned_pages(warehouse: Path) -> int:
    """Delete the validation pages whose stored result is gone (gx.prune keeps the newest few per suite);
    how many. Great Expectations' own index build did this, and cost more than our whole site: it is
    not built (its index.html is replaced by ours anyway)."""
    docs, store = Path(warehouse) / "data_docs", Path(warehouse) / "gx" / "uncommitted" / "validations"
    removed = 0
    for page in (docs / "validations").rglob("*.html"):
        if not (store / page.relative_to(docs / "validations")).with_suffix(".json").exists():
            page.unlink()
            removed += 1
    return removed


def finish_site(warehouse: Path) -> None:
    """After Great Expectations built pages: drop the pruned ones, clean the rest, write the suite pages
    and our index."""
    docs = Path(warehouse) / "data_docs"
    if not docs.is_dir():
        return
    remove_pruned_pages(warehouse)
    sanitise_site(docs)
    write_suite_pages(warehouse)
    write_index(warehouse)


_STATUS = {True: ("passed", "通过 passed"), False: ("failed", "未通过 failed"), None: ("unknown", "未知 unknown")}
_WARNED = ("warned", "警告 warning")


def _status_class(success: bool | None) -> str:
    return _STATUS[success][0]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}code{font-size:.85em;word-break:break-all}
tr.failed td.status{color:#fff;background:#c62828;font-weight:bold}
tr.passed td.status{color:#fff;background:#2e7d32}tr.unknown td.status{background:#ddd}
tr.warned td.status{background:#ffb300;font-weight:bold}
tr.older td{border-bottom:1px solid #ddd;font-size:.8em;color:#666;padding-top:0}
tr.older a{margin-right:1em}a.failed{color:#c62828}a.passed{color:#2e7d32}
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_CSS}</style></head><body>{body}</body></html>\n"
    )
