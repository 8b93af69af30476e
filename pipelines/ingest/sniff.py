"""What kind of file an extract is, and its text when it is a CSV: decided by content, not by name.

Kept apart from `read` (no polars, no Excel reader) so that the benchmark's floor decides formats and
encodings exactly as ingestion does without paying for ingestion's imports.
"""

from __future__ import annotations

import io
import re

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# Control characters other than tab, CR, LF, VT, FF: binary content. In UTF-8 and GB18030 bytes below
# 0x20 only ever encode those ASCII characters, so the bytes can be checked directly.
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# An HTML page saved as .xls ("export to Excel" of web systems): it opens with a tag of a page.
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|meta|body|table|style|title)\b")
# Bounded work (extracts.md): a text line longer than this is not read.
MAX_LINE_BYTES = 1 << 20


class Unreadable(Exception):
    """The file is corrupt, empty, too big to read, or content of none of the formats. The message is a
    short cause (Chinese, then English) that goes to the file's quarantine row: it never holds data."""


class Encrypted(Unreadable):
    """A workbook protected by a password (`file_encrypted`)."""


EMPTY = "空文件 (empty file)"


def sniff_format(head: bytes) -> str:
    """xlsx, xls, html or csv, from the first bytes of the file (a kilobyte decides html)."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if start.startswith(b"<") and _HTML_START.search(start[:1024].lower()):
        return "html"
    return "csv"


def is_encrypted(data: bytes) -> bool:
    """An OLE2 file that msoffcrypto finds encrypted: EncryptionInfo/EncryptedPackage streams (an xlsx with a
    password, whatever its name) or a legacy xls with a FILEPASS record. Only called for OLE2 content."""
    import msoffcrypto

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not an Office file msoffcrypto knows, or corrupt: the reader decides
        return False


def check_line_length(data: bytes | str, limit: int = MAX_LINE_BYTES) -> None:
    """Raise :class:`Unreadable` when a line (between CR or LF) is longer than `limit`, without splitting
    the text: a line longer than `limit` covers a whole aligned block of `limit // 2`, so only blocks
    without a line break are measured exactly (none in an ordinary file)."""
    lf, cr = ("\n", "\r") if isinstance(data, str) else (b"\n", b"\r")
    n, block = len(data), max(limit // 2, 1)
    for start in range(0, n - block + 1, block):
        end = start + block
        if data.find(lf, start, end) >= 0 or data.find(cr, start, end) >= 0:
            continue
        left = max(data.rfind(lf, 0, start), data.rfind(cr, 0, start))
        rights = [i for i in (data.find(lf, end), data.find(cr, end)) if i >= 0]
        right = min(rights) if rights else n
        if right - left - 1 > limit:
            raise Unreadable("一行超过 1 MB (line over 1 MB)")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 with a BOM, UTF-8 with BOM, UTF-8, else GB18030. Raises :class:`Unreadable`."""
    enc16 = UTF16_BOMS.get(data[:2])
    if enc16 is not None:
        try:
            text = data[2:].decode(enc16)
        except UnicodeDecodeError:
            raise Unreadable("无法解码的文本 (undecodable text)") from None
        if _CONTROL_TEXT.search(text):
            raise Unreadable("二进制内容 (binary content)")
        return text, enc16
    if _CONTROL.search(data):
        raise Unreadable("二进制内容 (binary content)")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise Unreadable("无法解码的文本 (undecodable text)") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise Unreadable("无法解码的文本 (undecodable text)") from None
    return text, "gb18030"
