"""The Data Docs site works offline and privately: no page loads anything from outside the site (CDNs, the
tracking logo), and the index is a static page of ours whose links all resolve."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from pipelines.quality import check_mart, check_raw, data_docs_index
from pipelines.quality.docs import sanitise
from tests.quality.conftest import periods_of

# An external URL where the browser would fetch it: src=, any <link href=> (stylesheets, icons), CSS url().
_FETCHED = re.compile(
    r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*['"]?\s*(?:https?:)?//""",
    re.I,
)


def _external_fetches(docs: Path) -> list[str]:
    return [str(p.relative_to(docs)) for p in docs.rglob("*.html") if _FETCHED.search(p.read_text(encoding="utf-8"))]


class _Index(HTMLParser):
    """The rows of our index: (row class, links) per row; and whether any script is there."""

    def __init__(self):
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append((attrs.get("class") or "", []))
        elif tag == "a" and self.rows:
            self.rows[-1][1].append(attrs["href"])
        elif tag == "script":
            self.scripts += 1


def _index(locations) -> _Index:
    parsed = _Index()
    parsed.feed(data_docs_index(locations).read_text(encoding="utf-8"))
    return parsed


def test_a_failing_suite_comes_first_and_every_link_resolves(taian, copy_of):
    locations, con = copy_of(taian, "offline")
    periods = periods_of(con)
    check_raw(con, locations, "dibao", periods[-2:])
    check_mart(con, locations, "fct_kpis")
    con.execute("update main_marts.fct_kpis set value = value + 1 where level = 'city'")
    assert not all(o.passed for o in check_mart(con, locations, "fct_kpis"))

    docs = locations.warehouse / "data_docs"
    assert _external_fetches(docs) == []
    html = data_docs_index(locations).read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "http://" not in html and "https://" not in html
    index = _index(locations)
    assert index.scripts == 0

    suites = [r for r in index.rows if r[0] in ("passed", "failed", "warned", "unknown")]
    assert suites[0][0] == "failed" and "fct_kpis/" in suites[0][1][-1]
    assert [r[0] for r in suites].index("passed") > max(i for i, r in enumerate(suites) if r[0] == "failed")
    assert "未通过 failed" in html and "通过 passed" in html
    for _, links in index.rows:
        for link in links:
            assert (docs / unquote(link)).is_file(), link

    newest = {}
    for page in (docs / "validations").rglob("*.html"):
        suite = page.relative_to(docs / "validations").parts[:-3]
        newest[suite] = max(newest.get(suite, ""), page.relative_to(docs).as_posix())
    assert len(newest) == 8  # the 5 raw checks of dibao, the 3 of fct_kpis
    newest_links = {r[1][-1] for r in suites}
    assert newest_links == set(newest.values())
    older = [link for cls, links in index.rows if cls == "older" for link in links]
    assert len(older) == 3  # the passing runs of the three fct_kpis suites


def test_every_page_of_a_full_run_stays_inside_the_site(taian, taian_outcomes):
    docs = taian.warehouse / "data_docs"
    pages = list(docs.rglob("*.html"))
    assert len(pages) > 20
    assert _external_fetches(docs) == []
    assert not any("newsletter" in p.read_text(encoding="utf-8") for p in pages)


def test_the_logo_is_the_local_one_at_the_page_depth():
    page = (
        '<link rel="stylesheet" href="https://cdn.example/b.css"/><link rel="stylesheet" '
        'href="../static/styles/data_docs_custom_styles.css">'
        '<script src="https://code.jquery.com/jquery.js"></script><script>var a = 1;</script>'
        '<img class="NO-CACHE" src="https://great-expectations-web-assets.s3.amazonaws.com/logo-long.png'
        '?dataContextId=abc" alt="GX"/><style>a { background: url(\'https://x.example/l.png\') }</style>'
        '<footer><p>newsletter <a href="https://greatexpectations.io/newsletter">Subscribe</a></p></footer>'
    )
    clean = sanitise(page, 2)
    assert "http" not in clean and "dataContextId" not in clean and "Subscribe" not in clean
    assert 'src="../../static/images/logo-long.png"' in clean
    assert "../static/styles/data_docs_custom_styles.css" in clean and "var a = 1;" in clean
