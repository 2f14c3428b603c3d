"""The local AWS endpoint's own routes: call counters (`/_local/calls`), a profiler (`/_local/profile`)
and a timeline of spans (`/_local/timeline`).

Any of them may be missing on an older local stack; callers get None and say so instead of failing.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _request(url: str, method: str = "GET", timeout: float = 10.0) -> Any:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return json.loads(raw) if raw else {}
    except (urllib.error.HTTPError, urllib.error.URLError, ValueError, TimeoutError):
        return None


def read_calls(aws_url: str) -> dict[str, Any] | None:
    """`{"since", "calls": {service: {Action: n}}, "lambda_invocations": {LogicalId: n},
    "state_transitions": n, "dynamodb_capacity": {"read_units", "write_units", "by_table"}}`."""
    found = _request(f"{aws_url}/_local/calls")
    return found if isinstance(found, dict) and isinstance(found.get("calls"), dict) else None


def reset_calls(aws_url: str) -> bool:
    return _request(f"{aws_url}/_local/calls", method="DELETE") is not None


def profile(aws_url: str, seconds: float) -> dict[str, Any] | None:
    """`{"samples": n, "top": [{"function", "self_share", "total_share"}, ...]}` sampled for `seconds`."""
    found = _request(f"{aws_url}/_local/profile?seconds={seconds:g}", timeout=seconds + 30)
    return found if isinstance(found, dict) and isinstance(found.get("top"), list) else None


def timeline(aws_url: str, seconds: float) -> dict[str, Any] | None:
    """`{"spans": [{"kind", "name", "begin_ns", "end_ns"}, ...], "dropped": n}` recorded for `seconds`."""
    found = _request(f"{aws_url}/_local/timeline?seconds={seconds:g}", timeout=seconds + 30)
    return found if isinstance(found, dict) and isinstance(found.get("spans"), list) else None


@contextmanager
def timeline_recorded(aws_url: str, seconds: float) -> Iterator[list[dict[str, Any]]]:
    """Records the stack's timeline for `seconds` around the block (it has begun when the block
    starts); the list it yields holds the spans once the block is over (empty if none came)."""
    spans: list[dict[str, Any]] = []
    recorder = threading.Thread(
        target=lambda: spans.extend((timeline(aws_url, seconds) or {}).get("spans") or []), daemon=True
    )
    recorder.start()
    time.sleep(0.3)  # the request has reached the stack
    yield spans
    recorder.join(seconds + 35)
