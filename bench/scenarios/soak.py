"""Soak: many reservation lifecycles in a row; does the stack stay flat in time and memory?

Each lifecycle is a hold followed by a confirm (even numbers) or a release (odd ones). The stack's
memory is the RSS of its process and every Lambda worker process it started, sampled once a second.
The Ctrl-C exit time of this stack is added by the runner when it stops it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench import reservation_calls as calls
from bench.load import attempts
from bench.scenario import Context
from bench.seeding import create_product
from bench.stats import figures_table

MIB = 1024 * 1024
CLIENTS = 4
PRODUCTS = 4
MEMORY_GUARD_BYTES = 6 * 1024 * MIB  # stop before the stack could exhaust a shared machine


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if not spread:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def _rss_by_block(samples: list[tuple[int, int]], block: int) -> list[float]:
    """The first memory sample taken once each block of lifecycles was done."""
    shown: list[float] = []
    for done, rss in samples:
        if done >= block * (len(shown) + 1):
            shown.append(round(rss / MIB, 1))
    return shown


def run(ctx: Context) -> dict[str, Any]:
    total = 20 if ctx.smoke else 2000
    block = 5 if ctx.smoke else 100
    skus = [ctx.sku(f"SOAK{k}") for k in range(PRODUCTS)]
    for sku in skus:
        create_product(ctx.rest, sku, total)
    for sku in skus:  # warm every sandbox on the path
        calls.reserve(ctx.rest, sku, f"{sku}-warm", 600)
        calls.confirm(ctx.rest, f"{sku}-warm")
        calls.reserve(ctx.rest, sku, f"{sku}-warm2", 600)
        calls.release(ctx.rest, f"{sku}-warm2")

    durations: list[tuple[float, float]] = []  # (finished at, ms) per good lifecycle
    failures: list[str] = []
    lock = threading.Lock()
    samples: list[tuple[int, int]] = []  # (lifecycles done, stack RSS)
    stop_sampling = threading.Event()
    guard_tripped = threading.Event()

    def lifecycle(n: int) -> None:
        if guard_tripped.is_set():
            return
        rid = f"soak-{ctx.run_id}-{n}"
        held = calls.reserve(ctx.rest, skus[n % PRODUCTS], rid, 600)
        closed = calls.confirm(ctx.rest, rid) if n % 2 == 0 else calls.release(ctx.rest, rid)
        ok = held.status == 201 and closed.status in (200, 204)
        with lock:
            if ok:
                durations.append((time.monotonic(), held.ms + closed.ms))
            else:
                failures.append(f"{held.status}/{closed.status} {held.error_code or closed.error_code}")

    def sample() -> None:
        while not stop_sampling.wait(1.0):
            rss = ctx.stack.rss_bytes()
            with lock:
                samples.append((len(durations), rss))
            if rss > MEMORY_GUARD_BYTES:
                guard_tripped.set()

    start_rss = ctx.stack.rss_bytes()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load = attempts(total, CLIENTS, ctx.deadline - 10, lifecycle)
    stop_sampling.set()
    sampler.join()
    end_rss = ctx.stack.rss_bytes()

    ordered = [ms for _at, ms in sorted(durations)]
    blocks = [sum(ordered[i : i + block]) / block for i in range(0, len(ordered) - block + 1, block)]
    # One block has nothing to compare with: first and last stay unknown rather than equal.
    first, last = (blocks[0], blocks[-1]) if len(blocks) >= 2 else (None, None)
    # Growth after the first block: warm-up (worker pools filling, caches) is not a leak.
    steady = [(float(done), rss / MIB) for done, rss in samples if done >= block]
    growth = slope(steady)
    figures: dict[str, Any] = {
        "lifecycles_asked": total,
        "lifecycles_done": len(durations),
        "failed": len(failures) + len(load.errors),
        "clients": CLIENTS,
        "wall_s": round(load.wall_s, 1),
        "lifecycles_per_s": round(len(durations) / load.wall_s, 1) if load.wall_s else None,
        "first_block_ms": round(first, 1) if first is not None else None,
        "last_block_ms": round(last, 1) if last is not None else None,
        "last_vs_first": round(last / first, 2) if first and last else None,
        "block_means_ms": [round(b, 1) for b in blocks],
        "rss_start_mib": round(start_rss / MIB, 1),
        "rss_end_mib": round(end_rss / MIB, 1),
        "rss_growth_mib_per_lifecycle": round(growth, 4) if growth is not None else None,
        "rss_mib_by_block": _rss_by_block(samples, block),
        "memory_guard_tripped": guard_tripped.is_set(),
    }
    if failures or load.errors:
        figures["first_failure"] = (failures + load.errors)[0]
    shown = {k: v for k, v in figures.items() if k not in ("block_means_ms", "rss_mib_by_block")}
    print(figures_table(f"soak: {len(durations)} lifecycles (confirm / release alternating)", shown))
    print(f"time per lifecycle, per {block}: " + " ".join(f"{b:.0f}" for b in blocks) + " ms")
    print(
        f"stack memory, per {block}:      "
        + " ".join(f"{m:.0f}" for m in figures["rss_mib_by_block"])
        + " MiB"
    )
    return figures
