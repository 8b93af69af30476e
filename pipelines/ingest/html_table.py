"""An HTML page holding a table, saved as .xls (the "export to Excel" of many web systems).

extracts.md: each ``<tr>`` of the first ``<table>`` is a row, numbered from 1; ``<td>`` and ``<th>`` are
cells; ``<br>`` is a line break; entities are decoded. Parsed with the standard library's html.parser (a
Python pass over the page, fed in pieces so that only a piece's rows are Python objects at a time).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from pipelines.ingest.sniff import EMPTY, UTF16_BOMS, Unreadable

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# GB2312 and GBK pages are decoded as GB18030, their superset (as CSV is).
_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
# Source white space collapses to one space as a browser shows it; <br> is the only line break.
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
_TABLE = re.compile(r"<table\b", re.IGNORECASE)
PIECE_CHARS = 1 << 22


def decode_html(data: bytes) -> str:
    """A BOM, else the page's <meta charset> (or http-equiv content type), else UTF-8, else GB18030."""
    enc16 = UTF16_BOMS.get(data[:2])
    if enc16 is not None:
        candidates = [enc16]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii").lower() if m else None
        candidates = [_CHARSETS.get(declared, declared)] if declared else []
        candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):  # a wrong or unknown declaration: try the next
            continue
    raise Unreadable("无法解码的文本 (undecodable text)")


class _TableParser(HTMLParser):
    """Rows of cell texts of the first <table>; rows of a table nested in a cell stay inside that cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.depth = 0  # <table> nesting; rows and cells are taken at depth 1
        self.done = False
        self.skip = 0  # inside <script> or <style>
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.span = 1  # colspan of the open cell

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self._end_row()
            self.row = []
        elif self.depth == 1 and tag in ("td", "th"):
            if self.row is None:  # a cell without <tr>: a row all the same
                self.row = []
            self._end_cell()
            self.cell = []
            self.span = _colspan(attrs)
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_startendtag(self, tag, attrs):  # <br/>, <td/>
        self.handle_starttag(tag, attrs)
        if tag != "br":
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag in ("script", "style"):
            self.skip = max(self.skip - 1, 0)
        elif tag == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self._end_row()
                self.done = True
        elif self.depth == 1 and tag in ("td", "th"):
            self._end_cell()
        elif self.depth == 1 and tag == "tr":
            self._end_row()

    def handle_data(self, data):
        if self.cell is not None and not self.skip and not self.done:
            self.cell.append(_HTML_WS.sub(" ", data))

    def _end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        self.row.append("".join(self.cell))
        # a cell spanning columns leaves empty cells after it, so the columns below keep their places
        self.row.extend([""] * (self.span - 1))
        self.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is not None:
            self.rows.append(self.row)
            self.row = None


def _colspan(attrs) -> int:
    for k, v in attrs:
        if k == "colspan" and v and v.strip().isdigit():
            return min(max(int(v), 1), 1000)
    return 1


def iter_html_rows(data: bytes) -> Iterator[list[list[str]]]:
    """The rows of the page's first table, in lists of the rows each piece of the page completes. Raises
    :class:`Unreadable` for a page without a table or a row."""
    text = decode_html(data)
    if not _TABLE.search(text):
        raise Unreadable("网页中没有表格 (HTML without a table)")
    parser = _TableParser()
    any_row = False
    for start in range(0, len(text), PIECE_CHARS):
        parser.feed(text[start : start + PIECE_CHARS])
        if parser.done:  # what follows the first table is not parsed
            break
        if parser.rows:
            any_row = True
            yield parser.rows
            parser.rows = []
    if not parser.done:  # a page cut off inside its table: the rows read so far
        parser.close()
        parser._end_row()
    if parser.rows:
        any_row = True
        yield parser.rows
    if not any_row:
        raise Unreadable(EMPTY)
