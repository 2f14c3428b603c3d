"""Keeps the local stack's data across restarts: DynamoDB items and the SNS feed, in one JSON file.

The items come straight from moto (`AwsEndpoint.dump_tables`: no requests, nothing counted, no
full Scan on the request path), in DynamoDB's JSON form. The file is written to a temporary name
and renamed, so a crash never leaves half a snapshot.
Step Functions executions cannot be carried over; holds whose execution was lost are released
by the reservation sweeper, exactly as on AWS when an execution is missing.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1


def snapshot_of(
    tables: dict[str, list[dict[str, Any]]], sns_messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """A snapshot of items already read (in DynamoDB's JSON form, as a Scan answers them)."""
    return {"version": FORMAT_VERSION, "tables": tables, "sns_messages": sns_messages}


def write_atomically(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported snapshot version {data.get('version')}; start with --fresh")
    return data


def restore_tables(dynamodb: Any, data: dict[str, Any], tables: list[str]) -> int:
    restored = 0
    for table, items in data.get("tables", {}).items():
        if table not in tables:
            continue  # the template no longer declares it
        for start in range(0, len(items), 25):
            chunk = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={table: chunk})
        restored += len(items)
    return restored
