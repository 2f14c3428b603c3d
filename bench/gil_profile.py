"""Where the local stack's interpreter spends its time, from the thread that holds the GIL.

The stack is one Python process whose threads take turns on the GIL: under load most of them are
waiting for it, and a sampler that reads every thread's stack (the stack's own `/_local/profile`)
counts those waits where they happen (a socket write returning, a lock released) as if they were
work. py-spy's `--gil` mode samples only the thread holding the GIL, so its shares add up to what
keeps the stack's one core busy. It reads the process from outside (ptrace): where that is not
allowed, or py-spy is not installed, the benchmark falls back to `/_local/profile`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from local_stack.profiler import CENTRES


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _label(frame: str) -> str:
    """`Class.method (moto/dynamodb/models/table.py:42)` -> `table.py:Class.method`."""
    function, _, where = frame.rpartition(" (")
    if not function:
        return frame or "(no Python frame)"
    path = where.rstrip(")").rsplit(":", 1)[0]
    return f"{os.path.basename(path)}:{function}"


def _path(frame: str) -> str:
    return frame.rpartition(" (")[2].rstrip(")").rsplit(":", 1)[0]


# What a sample was doing: the innermost frame that names an operation (leaf to root), so a
# DynamoDB call's model code counts to its action and a socket send to the HTTP server sending.
OPERATIONS = (
    ("moto/stepfunctions/parser/asl/", "Step Functions interpreter"),
    ("local_stack/event_sources.py", "event source pollers (streams, queues)"),
    ("local_stack/lambda_runtime.py", "Lambda invoke (the sandbox's pipe)"),
    ("local_stack/rest_api.py", "REST gateway"),
    ("local_stack/aws_endpoint.py", "AWS endpoint (routing, metering)"),
    ("werkzeug/", "HTTP servers (parse, send)"),
    ("http/server.py", "HTTP servers (parse, send)"),
    ("socketserver.py", "HTTP servers (parse, send)"),
)


# Innermost frames that give the GIL up (a socket send or read, a wait): py-spy's `--gil` keeps
# naming the last holder while nobody holds it, so such a sample is the interpreter being idle.
RELEASES_THE_GIL = (
    "socketserver.py:_SocketWriter.write",
    "socket.py:SocketIO.readinto",
    "socket.py:socket.accept",
    "selectors.py:_PollLikeSelector.select",
    "selectors.py:EpollSelector.select",
    "threading.py:Condition.wait",
    "threading.py:Event.wait",
    "threading.py:Thread.join",
    "queue.py:Queue.get",
    "fair_lock.py:FairLock.acquire",
)


def _operation(frame: str) -> str | None:
    path = f"/{_path(frame)}"
    service = path.partition("/moto/")[2].split("/")
    if len(service) == 2 and service[1] == "responses.py":  # moto/<service>/responses.py
        return f"{service[0]} {frame.rpartition(' (')[0].rsplit('.', 1)[-1]}"
    return next((name for part, name in OPERATIONS if part in path), None)


def summarise(raw: str, top: int = 15) -> dict[str, Any]:
    """A py-spy raw (collapsed stacks) recording as the summary `/_local/profile` answers, plus
    `operations`: the samples that have a Python frame and hold the GIL, by what they were doing."""
    self_counts: Counter[str] = Counter()
    total_counts: Counter[str] = Counter()
    centres: Counter[str] = Counter()
    operations: Counter[str] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";") if stack else [""]
        samples += n
        if stack and _label(frames[-1]) not in RELEASES_THE_GIL:
            found = next((op for op in map(_operation, reversed(frames)) if op), "other")
            operations[found] += n
        self_counts[_label(frames[-1])] += n
        for label in {_label(f) for f in frames}:
            total_counts[label] += n
        centre = next(
            (name for f in reversed(frames) for name, part in CENTRES if part in f"/{_path(f)}"), "other"
        )
        centres[centre] += n
    share = (lambda n: round(n / samples, 4)) if samples else (lambda n: 0.0)
    attributed = sum(operations.values())
    return {
        "tool": "py-spy --gil",
        "samples": samples,
        "holding_the_gil": attributed,  # a Python frame, not inside a call that gives the GIL up
        "operations": [
            {"operation": name, "share": round(n / attributed, 4)} for name, n in operations.most_common()
        ],
        "top": [
            {"function": name, "self_share": share(n), "total_share": share(total_counts[name])}
            for name, n in self_counts.most_common(top)
        ],
        "cost_centres": [{"centre": name, "share": share(n)} for name, n in centres.most_common()],
    }


def record(pid: int, seconds: float) -> dict[str, Any] | None:
    """Samples the GIL holder of process `pid` for `seconds`; None when py-spy cannot."""
    tool = py_spy()
    if tool is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "profile.txt"
        command = [tool, "record", "--gil", "--nonblocking", "--rate", "200", "--duration"]
        command += [str(max(1, round(seconds))), "--format", "raw", "--output", str(output)]
        command += ["--pid", str(pid)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0 or not output.exists():
            return None
        found = summarise(output.read_text())
    return found if found["samples"] else None
