"""Finding a table's header among the first rows of a file (extracts.md: the first row, within the first
10, that holds every column of the table). Plain Python over at most 10 rows: the CSV reader also uses it
to choose the delimiter before the file is read whole."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pipelines.contract import tables as C

_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def norm_header(s: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", s or ""))


def match_header(rows: Sequence[Sequence[str]], table: C.Table) -> tuple[int | None, dict[str, int], list[str]]:
    """(index of the header among `rows`, column name -> cell index, missing contract headers). Without a
    header, the missing headers are those of the row that lacks fewest (all of them when `rows` is empty)."""
    wanted = [(col, [norm_header(h) for h in col.headers]) for col in table.columns]
    best_missing: list[str] | None = None
    for r, row in enumerate(rows):
        normed = [norm_header(v) for v in row]
        colmap: dict[str, int] = {}
        missing = []
        for col, headers in wanted:
            idx = next((normed.index(h) for h in headers if h in normed), None)  # contract header first
            if idx is None:
                missing.append(col.header)
            else:
                colmap[col.name] = idx
        if not missing:
            return r, colmap, []
        if best_missing is None or len(missing) < len(best_missing):
            best_missing = missing
    return None, {}, best_missing if best_missing is not None else list(table.headers)
