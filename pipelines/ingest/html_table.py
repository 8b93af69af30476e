"""An HTML page holding a table, saved as .xls (the "export to Excel" of many web systems).

extracts.md: each ``<tr>`` of the first ``<table>`` is a row, numbered from 1; ``<td>`` and ``<th>`` are
cells; ``<br>`` is a line break; entities are decoded. Parsed by libxml2 (lxml's ``HTMLPullParser``)
fed the page piece by piece from the file: after each piece the rows it completed are taken from the
tree and their elements removed, so neither the page's text nor its tree is ever held whole in Python.
(libxml2's HTML push parser keeps the bytes it was fed until the parse ends: about the page's size in
UTF-8, freed when the table has been read.)
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from pipelines.ingest.sniff import EMPTY, UTF16_BOMS, Unreadable

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# GB2312 and GBK pages are decoded as GB18030, their superset (as CSV is).
_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
# Source white space collapses to one space as a browser shows it; <br> is the only line break.
_HTML_WS = re.compile(r"[ \t\n\r\f]+")
PIECE_CHARS = 1 << 22  # bytes of the page fed to the parser at a time
_CHECK_BYTES = 1 << 24  # bytes decoded at a time when checking an encoding
_CELLS = ("td", "th")
_SKIP = ("script", "style")
UNPARSABLE = "网页无法解析 (HTML could not be parsed)"
_COLSPAN = re.compile(rb"[cC][oO][lL][sS][pP][aA][nN]")
# libxml2 checks a tag's attributes against each other (quadratic): a tag with thousands of them takes
# seconds, so a page of them would take hours. A tag (as its tokenizer sees one: "<" and a letter) longer
# than 400 bytes is searched for, and its tokens outside quoted values are counted.
MAX_TAG_ATTRIBUTES = 200
_LONG_TAG = re.compile(rb"<[a-zA-Z][^<>]{400,}")
_QUOTED = re.compile(rb"\"[^\"]*\"|'[^']*'")
_REST_MAX = 1 << 20
# The tags of a piece whose rows are read by _plain_row: each "<" of it opens one of them.
_PLAIN_TAGS = (b"<tr>", b"<tr ", b"</tr>", b"<td>", b"<td ", b"</td>", b"<th>", b"<th ", b"</th>")
TOO_MANY_ATTRIBUTES = f"网页中一个标签超过{MAX_TAG_ATTRIBUTES}个属性 (a tag with over {MAX_TAG_ATTRIBUTES} attributes)"


def _open(source: Path | bytes):
    return io.BytesIO(source) if isinstance(source, bytes | bytearray) else Path(source).open("rb")


def html_encoding(source: Path | bytes) -> tuple[str, int]:
    """(codec, bytes of BOM to skip): a BOM, else the page's <meta charset> (or http-equiv content type) of
    the first 4 KB, else UTF-8, else GB18030; the first codec that decodes the whole page."""
    with _open(source) as f:
        head = f.read(4096)
        enc16 = UTF16_BOMS.get(head[:2])
        if enc16 is not None:
            candidates = [(enc16, 2)]
        elif head.startswith(b"\xef\xbb\xbf"):
            candidates = [("utf-8", 3)]
        else:
            m = _META_CHARSET.search(head)
            declared = m.group(1).decode("ascii").lower() if m else None
            candidates = [(_CHARSETS.get(declared, declared), 0)] if declared else []
            candidates += [("utf-8", 0), ("gb18030", 0)]
        for enc, skip in candidates:
            if _decodes(f, enc, skip):  # a wrong or unknown declaration: try the next
                return codecs.lookup(enc).name, skip
    raise Unreadable("无法解码的文本 (undecodable text)")


def _decodes(f, enc: str, skip: int) -> bool:
    """Whether the file from `skip` on decodes strictly as `enc`, checked piece by piece (never whole)."""
    try:
        dec = codecs.getincrementaldecoder(enc)()
    except LookupError:
        return False
    f.seek(skip)
    try:
        while piece := f.read(_CHECK_BYTES):
            dec.decode(piece, final=False)
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_pieces(f, enc: str, skip: int, size: int) -> Iterator[bytes]:
    """The page as UTF-8 bytes, `size` bytes of the file at a time (UTF-8 as is, else re-encoded)."""
    f.seek(skip)
    dec = None if enc == "utf-8" else codecs.getincrementaldecoder(enc)()
    while piece := f.read(size):
        yield piece if dec is None else dec.decode(piece).encode("utf-8")
    if dec is not None:
        yield dec.decode(b"", final=True).encode("utf-8")


def _collapse(t: str) -> str:
    # most cells have no white space to collapse: two cheap tests before the regular expression
    return t if t.isprintable() and "  " not in t else _HTML_WS.sub(" ", t)


def _text(cell) -> str:
    """A cell's text as a browser shows it: white space collapsed in each text node, <br> a line break,
    <script>/<style> dropped, the text of nested elements (a nested table's too) in document order. Walked
    without recursion: a page may nest elements deeper than Python's stack."""
    parts: list[str] = []
    skip = 0  # inside <script> or <style>
    for event, el in etree.iterwalk(cell, events=("start", "end")):
        tag = el.tag
        dropped = not isinstance(tag, str) or tag in _SKIP
        if event == "start":
            if dropped:
                skip += 1
            elif tag == "br":
                if not skip:
                    parts.append("\n")
            elif el.text and not skip:
                parts.append(_collapse(el.text))
        else:
            if dropped:
                skip -= 1
            if el is not cell and el.tail and not skip:
                parts.append(_collapse(el.tail))
    return "".join(parts)


def _plain_row(tr) -> list[str]:
    """The texts of a row whose cells hold text only (see _State.plain): one list comprehension."""
    return [
        "" if t is None else t if t.isprintable() and "  " not in t else _HTML_WS.sub(" ", t)
        for t in [c.text for c in tr]
    ]


def _row_of(cells, spans: bool) -> list[str]:
    """The texts of `cells` (their elements; others are skipped); with `spans`, a cell spanning n columns is
    followed by n - 1 empty cells, so that the columns below keep their places."""
    row: list[str] = []
    for c in cells:
        if c.tag not in _CELLS:
            continue
        if len(c):  # elements inside: <br>, a nested table ...
            row.append(_text(c))
        else:  # the usual cell, inline: plain text (see _collapse)
            t = c.text
            row.append("" if t is None else t if t.isprintable() and "  " not in t else _HTML_WS.sub(" ", t))
        if spans:
            span = c.get("colspan")
            if span and span.strip().isdigit():
                row.extend([""] * (min(max(int(span), 1), 1000) - 1))
    return row


def _loose(el, out: list) -> None:
    """Cells of the first table outside any <tr> (not in a nested table) under `el`, in document order."""
    walk = etree.iterwalk(el, events=("start",))
    for _, child in walk:
        tag = child.tag
        if child is el:
            continue
        if tag in _CELLS:
            out.append(child)
        if tag in _CELLS or tag in ("tr", "table") or not isinstance(tag, str):
            walk.skip_subtree()


def _before(tr, table) -> list:
    """The loose cells before `tr`; the elements before `tr` (all read) are removed from every level between
    the table and the row, so that the tree keeps only what is still to be read."""
    chain = []
    el = tr
    while el is not table and el is not None:
        chain.append(el)
        el = el.getparent()
    cells: list = []
    for el in reversed(chain):  # the table's own children first: they come first in the page
        prev = el.getprevious()
        if prev is None:
            continue
        level = []
        while prev is not None:
            level.append(prev)
            prev = prev.getprevious()
        parent = el.getparent()
        for prev in reversed(level):
            if prev.tag in _CELLS:
                cells.append(prev)
            elif isinstance(prev.tag, str) and prev.tag not in ("tr", "table"):
                _loose(prev, cells)
            parent.remove(prev)
    return cells


def iter_html_rows(source: Path | bytes) -> Iterator[list[list[str]]]:
    """The rows of the first table of the page (a file, or its bytes), in lists of the rows each piece of
    the page completes. Raises :class:`Unreadable` for a page without a table or a row."""
    enc, skip = html_encoding(source)
    parser = etree.HTMLPullParser(
        events=("start", "end"),
        tag=("table", "tr"),
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        huge_tree=True,
        no_network=True,
    )
    state = _State()
    rows: list[list[str]] = []
    any_row = closed = False
    try:
        with _open(source) as f:
            for piece in _utf8_pieces(f, enc, skip, PIECE_CHARS):
                state.fed(piece)
                parser.feed(piece)
                state.take(parser.read_events(), rows)
                if rows:
                    any_row = True
                    yield rows
                    rows = []
                if state.done:  # what follows the first table is not parsed
                    break
        closed = True
        _close(parser)
        if not state.done:  # a page cut off inside its table: closing it ends the table, rows read so far
            state.take(parser.read_events(), rows)
            if not state.done and state.table is not None:
                # libxml2 stopped without a word (elements nested over 2048 deep): rows would be lost
                raise Unreadable(UNPARSABLE)
    except etree.LxmlError:
        raise Unreadable(UNPARSABLE) from None
    finally:
        if not closed:  # the reader stopped early (a bound): the parser goes all the same
            _close(parser)
    if rows:
        any_row = True
        yield rows
    if state.table is None:
        raise Unreadable("网页中没有表格 (HTML without a table)")
    if not any_row:
        raise Unreadable(EMPTY)


class _TagGuard:
    """Counts the tokens (attributes, outside quoted values) of every tag longer than 400 bytes in the pieces
    fed, a tag cut between pieces included; raises :class:`Unreadable` over MAX_TAG_ATTRIBUTES."""

    def __init__(self) -> None:
        self.rest = b""  # what follows the last ">" fed: looked at with the next piece

    def feed(self, piece: bytes) -> None:
        text = self.rest + piece
        cut = text.rfind(b">") + 1
        if len(text) - cut > _REST_MAX:  # no tag end in over 1 MB: looked at as it is
            cut = len(text)
        for m in _LONG_TAG.finditer(text, 0, cut):
            if len(_QUOTED.sub(b"v", m.group()).split()) - 1 > MAX_TAG_ATTRIBUTES:  # the name is no attribute
                raise Unreadable(TOO_MANY_ATTRIBUTES)
        self.rest = text[cut:]


def _close(parser) -> None:
    """End the parse, which frees the bytes libxml2 was fed (the parser sits in a reference cycle, so they
    would otherwise stay until the garbage collector runs)."""
    try:
        parser.close()
    except etree.LxmlError:  # nothing to make a document of
        pass


class _State:
    """Where the parse is: the first table (its element), the <table> nesting, whether it has ended; and which
    pieces fed so far hold a `colspan` (looked up only in rows that may have one) or tags other than <tr>,
    <td>, <th> (rows without them are read by one list comprehension, _plain_row)."""

    def __init__(self) -> None:
        self.depth = 0
        self.table = None
        self.done = False
        self.spans = [0]  # spans[k + 1]: pieces 0..k holding "colspan" (in any letter case)
        self.tail = b""  # the last 6 bytes fed
        self.plain = [0]  # plain[k + 1]: pieces 0..k whose only tags are <tr>, <td>, <th> and their ends
        self.head = b""  # a tag cut at the end of the last piece, within its first 5 bytes
        self.row_piece = 0  # the piece after which the open row's <tr> was read
        self.parent = None  # the element holding the last row taken
        self.tags = _TagGuard()

    def fed(self, piece: bytes) -> None:
        """Count the piece if a "colspan" ends in it (the 6 bytes before it are searched with it) and if its
        tags are all plain; check its tags' attributes."""
        text = self.tail + piece
        self.spans.append(self.spans[-1] + bool(_COLSPAN.search(text)))
        # a tag cut within its first 5 bytes at the end is counted with the next piece
        body = self.head + piece
        cut = body.rfind(b"<", len(body) - 5)
        body, self.head = (body[:cut], body[cut:]) if cut >= 0 and b">" not in body[cut:] else (body, b"")
        self.plain.append(self.plain[-1] + (body.count(b"<") == sum(map(body.count, _PLAIN_TAGS))))
        self.tail = text[-6:]
        self.tags.feed(piece)

    def take(self, events, rows: list) -> None:
        """Rows of the <tr> the events close at depth 1 (a nested table's rows stay in their cell)."""
        k = len(self.spans) - 2  # the piece just fed
        for event, el in events:
            if self.done:
                return
            if el.tag == "table":
                if event == "start":
                    self.depth += 1
                    if self.table is None:
                        self.table = el
                else:
                    self.depth -= 1
                    if self.depth == 0:
                        self.finish(rows)
            elif self.depth != 1:
                continue
            elif event == "start":
                self.row_piece = k
            else:
                parent, prev = el.getparent(), el.getprevious()
                if parent is self.parent and (prev is None or (prev.tag == "tr" and prev.getprevious() is None)):
                    if prev is not None:  # the usual row: right after the last one, which goes
                        parent.remove(prev)
                else:
                    self.parent = parent
                    loose = _before(el, self.table)
                    if loose:  # cells outside a <tr>: a row all the same, ended by this one
                        rows.append(_row_of(loose, True))
                # the row's cells follow its <tr>, which libxml2 reads as soon as its ">" is fed: they end
                # in piece row_piece or later (one piece earlier is looked at too, for safety)
                lo = max(self.row_piece - 1, 0)
                if self.plain[k + 1] - self.plain[lo] == k + 1 - lo and self.spans[k + 1] == self.spans[lo]:
                    rows.append(_plain_row(el))
                else:
                    rows.append(_row_of(el, self.spans[k + 1] > self.spans[lo]))
                el.clear()

    def finish(self, rows: list) -> None:
        """The first table ends: cells after its last row form one more row."""
        loose: list = []
        _loose(self.table, loose)
        if loose:
            rows.append(_row_of(loose, True))
        self.done = True
