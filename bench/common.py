"""Shared helpers for benchmarks: a temporary local stack and latency statistics."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local_stack.stack import ROOT, LocalStack


@contextmanager
def temporary_stack(demo: bool = True) -> Iterator[LocalStack]:
    """The real template on free loopback ports, function logs discarded."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalStack.ephemeral(
            ROOT / "template.yaml", Path(tmp), lambda _fn, _line: None, run_event_sources=False
        ) as stack,
    ):
        if demo:
            stack.load_demo_catalogue()
        yield stack


def summary(label: str, samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    stats = {
        "n": float(len(ordered)),
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "max": ordered[-1],
    }
    print(
        f"{label:<48} n={len(ordered):>5}  p50={stats['p50']:7.2f} ms  p95={stats['p95']:7.2f} ms  "
        f"max={stats['max']:7.2f} ms"
    )
    return stats
