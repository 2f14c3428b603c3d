"""Waiting until the local stack is idle, so a latency measurement does not share the machine with
work an earlier step set off (a stream record starting the alerts function's sandbox, say)."""

from __future__ import annotations

import os
import time

from bench.process_memory import descendants, stat_fields

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by the process and its descendants."""
    ticks = 0
    for pid in descendants(root):
        fields = stat_fields(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / TICKS_PER_S


def wait_until_quiet(root: int, share: float = 0.05, window_s: float = 0.5, timeout_s: float = 15.0) -> bool:
    """Waits until the process tree uses less than `share` of one core over `window_s`; False when
    it was still busy after `timeout_s` (the measurement goes on, on a busy machine)."""
    deadline = time.monotonic() + timeout_s
    used = tree_cpu_seconds(root)
    while time.monotonic() < deadline:
        time.sleep(window_s)
        now = tree_cpu_seconds(root)
        if now - used < share * window_s:
            return True
        used = now
    return False
