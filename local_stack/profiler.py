"""A sampling profiler for the whole local stack process: where its threads spend their time.

`GET /_local/profile?seconds=N` on the AWS port runs `sample()`: a background thread reads every
other thread's stack (`sys._current_frames()`) about 200 times a second for N seconds. A function's
*self* share is the fraction of thread samples whose innermost frame is in it; its *total* share
the fraction of samples in which it appears anywhere on the stack. Threads parked in a wait
(`select`, `Event.wait`, `Condition.wait`, a socket accept/recv) are idle, not cost: they are counted
apart (`idle_samples`) and left out of the shares, so the top lines name what keeps a CPU busy.
The cost centres group the samples by the part of the stack they fall into (moto's DynamoDB, moto's
Step Functions interpreter, our Lambda runtime, the HTTP servers, JSON, botocore ...).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from types import FrameType
from typing import Any

# Innermost functions that mean "this thread is waiting, not working".
_IDLE_FUNCTIONS = frozenset(
    {
        "wait",
        "select",
        "poll",
        "accept",
        "recv",
        "recv_into",
        "readline",
        "readinto",
        "sleep",
        "_wait_for_tstate_lock",
        "serve_forever",
        "get",
        "acquire",
        "_worker",
    }
)
_IDLE_FILES = ("threading.py", "selectors.py", "socket.py", "socketserver.py", "queue.py", "subprocess.py")

# (label, substring of a frame's file path); the innermost matching frame names the centre.
CENTRES = (
    ("moto dynamodb", f"moto{os.sep}dynamodb"),
    ("moto stepfunctions", f"moto{os.sep}stepfunctions"),
    ("moto sqs", f"moto{os.sep}sqs"),
    ("moto sns", f"moto{os.sep}sns"),
    ("moto core (request parsing)", f"moto{os.sep}core"),
    ("botocore (clients)", f"botocore{os.sep}"),
    ("urllib3 (HTTP client)", f"urllib3{os.sep}"),
    ("werkzeug (HTTP servers)", f"werkzeug{os.sep}"),
    ("json", f"json{os.sep}"),
    ("copy (deepcopy)", f"{os.sep}copy.py"),
    ("local_stack", f"local_stack{os.sep}"),
)


def _label(frame: FrameType) -> str:
    code = frame.f_code
    return f"{os.path.basename(code.co_filename)}:{code.co_name}"


# Innermost frames that mean "this thread waits for something named" (a C call holds no frame).
_WAITS = {
    ("lambda_runtime.py", "call"): "a Lambda handler (worker process)",
    ("lambda_runtime.py", "_acquire"): "a free Lambda worker",
    ("aws_endpoint.py", "__call__"): "the DynamoDB serialisation lock",
    ("aws_endpoint.py", "_dynamodb"): "the DynamoDB serialisation lock",
    ("aws_endpoint.py", "dump_tables"): "the DynamoDB serialisation lock",
}


# Our own and the standard library's loops that block in C (no Python frame shows the wait).
_IDLE_FRAMES = frozenset(
    {
        ("lambda_runtime.py", "_pump_logs"),
        ("thread.py", "_worker"),
        ("profiler.py", "sample"),
        ("timeline.py", "record"),  # a recording sleeping out its time
        ("moto_fixes.py", "starter"),  # parked in SimpleQueue.get, which is C
        ("unix_events.py", "_do_waitpid"),  # asyncio's child watcher, blocked in os.waitpid
    }
)


def _idle(frame: FrameType) -> bool:
    code = frame.f_code
    if code.co_name in _IDLE_FUNCTIONS and code.co_filename.endswith(_IDLE_FILES):
        return True
    return (os.path.basename(code.co_filename), code.co_name) in _IDLE_FRAMES


def _waiting_for(frame: FrameType) -> str | None:
    code = frame.f_code
    return _WAITS.get((os.path.basename(code.co_filename), code.co_name))


def sample(seconds: float, hz: float = 200.0, top: int = 15) -> dict[str, Any]:
    """Samples every thread of this process but the sampler for `seconds`; returns the summary."""
    seconds = max(0.05, min(float(seconds), 300.0))
    result: dict[str, Any] = {}
    thread = threading.Thread(target=_run, args=(seconds, hz, top, result), name="profiler", daemon=True)
    thread.start()
    thread.join()
    return result


def _run(seconds: float, hz: float, top: int, result: dict[str, Any]) -> None:
    me = threading.get_ident()
    interval = 1.0 / hz
    self_counts: Counter[str] = Counter()
    total_counts: Counter[str] = Counter()
    centres: Counter[str] = Counter()
    waits: Counter[str] = Counter()
    busy = idle = ticks = 0
    deadline = time.monotonic() + seconds
    next_tick = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        ticks += 1
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            if _idle(frame):
                idle += 1
                continue
            waiting = _waiting_for(frame)
            if waiting is not None:
                waits[waiting] += 1
                continue
            busy += 1
            self_counts[_label(frame)] += 1
            seen: set[str] = set()
            centre = None
            current: FrameType | None = frame
            while current is not None:
                label = _label(current)
                if label not in seen:
                    seen.add(label)
                    total_counts[label] += 1
                if centre is None:
                    path = current.f_code.co_filename
                    centre = next((name for name, part in CENTRES if part in path), None)
                current = current.f_back
            centres[centre or "other"] += 1
            del current
        del frame
        next_tick += interval
        time.sleep(max(0.0, next_tick - time.monotonic()))
    share = (lambda n: round(n / busy, 4)) if busy else (lambda n: 0.0)
    result.update(
        {
            "seconds": round(seconds, 3),
            "ticks": ticks,
            "samples": busy,
            "idle_samples": idle,
            "top": [
                {"function": name, "self_share": share(count), "total_share": share(total_counts[name])}
                for name, count in self_counts.most_common(top)
            ],
            "cost_centres": [
                {"centre": name, "share": share(count)} for name, count in centres.most_common()
            ],
            # Thread samples parked on something named, as a share of busy samples (can exceed 1).
            "waiting": [{"on": name, "share": share(count)} for name, count in waits.most_common()],
        }
    )
