"""bench/results/*.json: the figures of the last run, with the machine and code they came from.

Running some scenarios only replaces those in the file; every entry carries its own `run_at`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
# A real request event, parsed and written again: the small, allocating work every hop repeats.
_SAMPLE_EVENT = RESULTS.parent.parent / "events" / "ReservationApiFunction" / "reserve-product.json"
PAUSE_S = 0.005  # each process on a serial request's path sits idle about this long between calls


def default_path(smoke: bool) -> Path:
    return RESULTS / ("smoke.json" if smoke else "latest.json")


def _git(*args: str, cwd: Path = RESULTS.parent) -> str | None:
    try:
        found = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found.stdout.strip() or None if found.returncode == 0 else None


def describe(results: Path = RESULTS) -> str | None:
    """The commit, marked `-dirty` when a tracked file outside the results folder differs from it:
    the figures of the previous run, about to be rewritten, do not make the code under test dirty."""
    commit = _git("describe", "--always", cwd=results.parent)
    if commit is None:
        return None
    changed = _git(
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
        ":/",
        f":(exclude){results.name}",
        cwd=results.parent,
    )
    return f"{commit}-dirty" if changed else commit


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def load_average() -> list[float]:
    """1, 5 and 15 minute load: other work on the machine slows every figure down."""
    return [round(load, 2) for load in os.getloadavg()]


def cpu_times(stat: str | None = None) -> list[int] | None:
    """The machine's CPU time counters (`/proc/stat`'s `cpu` line: user, nice, system, idle,
    iowait, irq, softirq, steal, ...), or None where there is no such file."""
    if stat is None:
        try:
            stat = Path("/proc/stat").read_text()
        except OSError:
            return None
    for line in stat.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            return [int(value) for value in fields[1:]]
    return None


def steal_share(start: list[int] | None, end: list[int] | None) -> float | None:
    """The share of CPU time the hypervisor gave other guests between two readings: on a shared
    virtual machine every figure slows down with it, however quiet the machine itself looks."""
    if start is None or end is None or len(start) < 8 or len(end) < 8:
        return None
    # guest time (fields 9 and 10) is already counted in user and nice
    total = sum(end[:8]) - sum(start[:8])
    return round((end[7] - start[7]) / total, 3) if total > 0 else None


def _sample_work() -> Callable[[], None]:
    text = _SAMPLE_EVENT.read_text()

    def work() -> None:
        json.dumps(json.loads(text))

    return work


def pause_penalty(
    work: Callable[[], None] | None = None,
    rounds: int = 200,
    pause_s: float = PAUSE_S,
    clock: Callable[[], float] = time.perf_counter,
    pause: Callable[[float], None] = time.sleep,
) -> dict[str, float]:
    """How much longer the same small work takes right after a pause of `pause_s` than back to back.

    Every hop of a request (the gateway, a sandbox, the AWS endpoint) starts after such a pause.
    Where the CPU's caches no longer hold a process's code and data after a few milliseconds (a
    core shared with other guests, or one that went into a deep sleep state), each hop runs
    several times slower than the same code does in a loop, and a chain of hops grows against one
    bare call with this factor, whatever the code. The steal counter does not show it."""
    work = work or _sample_work()
    for _ in range(20):
        work()
    back_to_back, after_pause = [], []
    for _ in range(rounds):
        started = clock()
        work()
        back_to_back.append(clock() - started)
    for _ in range(rounds):
        pause(pause_s)
        started = clock()
        work()
        after_pause.append(clock() - started)
    warm, cold = median(back_to_back), median(after_pause)
    return {
        "pause_ms": round(pause_s * 1000, 1),
        "back_to_back_us": round(warm * 1e6, 1),
        "after_pause_us": round(cold * 1e6, 1),
        "factor": round(cold / warm, 2) if warm > 0 else 0.0,
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "load_average_at_end": load_average(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable_is_venv": sys.prefix != sys.base_prefix,
    }


def merge(
    path: Path, entries: dict[str, dict[str, Any]], smoke: bool, shared_stack_stop: dict[str, Any] | None
) -> dict[str, Any]:
    previous: dict[str, Any] = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text())
        except ValueError:
            previous = {}
    scenarios = (
        dict(previous.get("scenarios") or {})
        if previous.get("mode") == ("smoke" if smoke else "full")
        else {}
    )
    code = {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "describe": describe(),
    }
    for entry in entries.values():
        entry["code"] = code["describe"]  # a partial run merges into a file from other commits
    scenarios.update(entries)
    document: dict[str, Any] = {
        "mode": "smoke" if smoke else "full",
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "code": code,
        "machine": machine(),
        "scenarios": scenarios,
    }
    if shared_stack_stop is not None:
        document["shared_stack_stop"] = shared_stack_stop
    return document


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    temporary.replace(path)
