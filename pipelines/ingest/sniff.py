"""What kind of file an extract is, and its text when it is a CSV: decided by content, not by name.

Kept apart from `read` (no polars, no Excel reader) so that the benchmark's floor decides formats and
encodings exactly as ingestion does without paying for ingestion's imports.
"""

from __future__ import annotations

import re

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Control characters other than tab, CR, LF, VT, FF: binary content. In UTF-8 and GB18030 bytes below
# 0x20 only ever encode those ASCII characters, so the bytes can be checked directly.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


class Unreadable(Exception):
    """The file is corrupt, empty, or content of none of the three formats. The message holds no data."""


def sniff_format(head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 with BOM, UTF-8, else GB18030. Raises :class:`Unreadable`."""
    if _CONTROL.search(data):
        raise Unreadable("binary content")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise Unreadable("undecodable text") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise Unreadable("undecodable text") from None
    return text, "gb18030"
