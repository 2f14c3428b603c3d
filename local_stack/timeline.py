"""When each request's parts began and ended in the local stack: the REST gateway, every Lambda
invocation, every AWS call. `GET /_local/timeline?seconds=N` on the AWS port records for N seconds
and answers the spans; with nobody recording, a hook costs one attribute read.

Times are `time.monotonic_ns()`, the system-wide monotonic clock, so a client on the same machine
can place its own send and receive among them and take a request apart: how long it took to reach
the gateway, the sandbox, its first AWS call, the engine inside each call, and back.
"""

from __future__ import annotations

import threading
import time
from typing import Any

MAX_SECONDS = 60.0
MAX_SPANS = 50_000  # a recording ends its list here and counts what it dropped


class Timeline:
    def __init__(self) -> None:
        self._spans: list[list[Any]] | None = None  # None: nobody is recording
        self._dropped = 0
        self._lock = threading.Lock()  # one recording at a time

    @property
    def recording(self) -> bool:
        return self._spans is not None

    def begin(self, kind: str, name: str) -> list[Any] | None:
        """A span opened now (kind: gateway, lambda or aws), or None when nobody records."""
        spans = self._spans
        if spans is None:
            return None
        if len(spans) >= MAX_SPANS:
            self._dropped += 1
            return None
        span = [kind, name, time.monotonic_ns(), None]
        spans.append(span)
        return span

    @staticmethod
    def end(span: list[Any] | None) -> None:
        if span is not None:
            span[3] = time.monotonic_ns()

    def record(self, seconds: float) -> dict[str, Any]:
        """Records for `seconds` (0.05 to 60) and answers the spans that began in that time."""
        seconds = max(0.05, min(float(seconds), MAX_SECONDS))
        with self._lock:
            self._dropped = 0
            spans: list[list[Any]] = []
            started = time.monotonic_ns()
            self._spans = spans
            try:
                time.sleep(seconds)
            finally:
                self._spans = None
            return {
                "started_ns": started,
                "ended_ns": time.monotonic_ns(),
                "spans": [
                    {"kind": kind, "name": name, "begin_ns": begin, "end_ns": end}
                    for kind, name, begin, end in list(spans)
                ],
                "dropped": self._dropped,
            }


TIMELINE = Timeline()
