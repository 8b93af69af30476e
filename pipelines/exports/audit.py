"""The download log: every list written for someone is recorded (product.md, "Privacy and access").

Append-only JSON lines in a folder apart from the warehouse (`SAFETYNET_AUDIT`, default `audit/`), so
rebuilding or deleting the warehouse never erases it. An entry says who, when, which list, the filters,
how many rows and whether they were masked: never a person's data.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from pipelines.settings import audit_dir

LOG_NAME = "downloads.jsonl"


def record_download(entry: dict, folder: Path | None = None) -> Path:
    """Append one entry and flush it to disk before the download is handed over."""
    folder = folder or audit_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def read_downloads(folder: Path | None = None) -> list[dict]:
    path = (folder or audit_dir()) / LOG_NAME
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def download_entry(
    *,
    user: str,
    channel: str,
    kind: str,
    period: str,
    county: str | None,
    conditions: str,
    rows: int,
    masked: bool,
    fmt: str,
    when: datetime,
) -> dict:
    return {
        "at": when.isoformat(timespec="seconds"),
        "user": user,
        "channel": channel,
        "list": kind,
        "period": period,
        "county": county,
        "conditions": conditions,
        "rows": rows,
        "masked": masked,
        "format": fmt,
    }
