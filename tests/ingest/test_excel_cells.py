"""Error cells of an xlsx sheet, found by a byte search over whole rows a chunk at a time, are exactly the
ones an XML parser finds: attributes in any order and quoting, namespace prefixes, formulas, self-closing
error cells (no text), text that only looks like an error attribute, and cells cut by a chunk's end."""

from __future__ import annotations

import io
import random
import re
import zipfile
from xml.etree import ElementTree as ET

import pytest

from pipelines.ingest import excel_cells


def parsed_errors(zf: zipfile.ZipFile, name: str) -> list[tuple[int, int, str]]:
    """The oracle: every <c t="e"> with a <v> text, read by ElementTree."""
    out = []
    for el in ET.fromstring(zf.read(name)).iter():
        if el.tag.rpartition("}")[2] == "c" and el.get("t") == "e":
            v = next((ch.text for ch in el if ch.tag.rpartition("}")[2] == "v"), None)
            ref = re.fullmatch(r"([A-Z]+)([0-9]+)", el.get("r") or "")
            if v and ref:
                out.append((int(ref.group(2)) - 1, excel_cells.col_index(ref.group(1)), v.strip()))
    return out


def sheet(prefix: str, seed: int) -> zipfile.ZipFile:
    rng = random.Random(seed)
    p = prefix
    rows = []
    for r in range(1, 2000):
        cells = []
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: rng.randint(1, 26)]:
            k = rng.random()
            if k < 0.02:
                cells.append(f'<{p}c t="e" r="{c}{r}"><{p}f>1/0</{p}f><{p}v>#DIV/0!</{p}v></{p}c>')
            elif k < 0.04:
                cells.append(f"<{p}c r='{c}{r}' s='1' t='e'><{p}v>#N/A</{p}v></{p}c>")
            elif k < 0.05:
                cells.append(f'<{p}c r="{c}{r}" t="e"/>')
            elif k < 0.06:
                cells.append(f'<{p}c r="{c}{r}" t="str"><{p}v>t=&quot;e&quot; &lt;c&gt;</{p}v></{p}c>')
            else:
                cells.append(f'<{p}c r="{c}{r}" t="n"><{p}v>{r}</{p}v></{p}c>')
        rows.append(f'<{p}row r="{r}">' + "".join(cells) + f"</{p}row>")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    declared = f' xmlns:{p[:-1]}="{ns}"' if p else f' xmlns="{ns}"'
    xml = f"<{p}worksheet{declared}><{p}sheetData>" + "".join(rows) + f"</{p}sheetData></{p}worksheet>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(buf)


@pytest.mark.parametrize("prefix", ["", "x:"])
@pytest.mark.parametrize("chunk", [1 << 10, 1 << 14, 16 << 20])
def test_error_cells_are_those_an_xml_parser_finds(monkeypatch, prefix, chunk):
    monkeypatch.setattr(excel_cells, "_CHUNK", chunk)
    zf = sheet(prefix, seed=len(prefix) + chunk)
    want = parsed_errors(zf, "xl/worksheets/sheet1.xml")
    assert len(want) > 50
    assert excel_cells._scan(zf, "xl/worksheets/sheet1.xml")[0] == want


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_the_last_row_is_found_with_or_without_a_namespace_prefix(prefix):
    """The area bound needs the last row number: a closing `</x:row>` hid it in prefixed sheets."""
    p = prefix
    rows = "".join(f'<{p}row r="{r}"><{p}c r="A{r}"><{p}v>1</{p}v></{p}c></{p}row>' for r in range(1, 50))
    declared = ' xmlns:x="u"' if p else ' xmlns="u"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("s.xml", f"<{p}worksheet{declared}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>")
    assert excel_cells._scan(zipfile.ZipFile(buf), "s.xml")[1] == 49
