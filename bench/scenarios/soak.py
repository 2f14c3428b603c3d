"""Soak: many reservation lifecycles in a row; does the stack stay flat in time and memory?

Each lifecycle is a hold followed by a confirm (even numbers) or a release (odd ones). The stack's
memory is the RSS of its process and every Lambda worker process it started, sampled once a second.
Its growth per lifecycle counts each sandbox started during the run from its size once its cold
start is done: a pool reaching a new peak of concurrency adds a footprint bounded by the pool's
size, not growth per lifecycle. The whole tree's growth, new sandboxes included, is printed too.
The Ctrl-C exit time of this stack is added by the runner when it stops it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench import reservation_calls as calls
from bench.load import attempts
from bench.process_memory import TreeMemory
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


def _by_block(samples: list[tuple[int, int]], block: int) -> list[float]:
    """The first memory sample (MiB) taken once each block of lifecycles was done."""
    shown: list[float] = []
    for done, value in samples:
        if done >= block * (len(shown) + 1):
            shown.append(round(value / MIB, 1))
    return shown


def _growth_per_lifecycle(samples: list[tuple[int, int]], block: int) -> float | None:
    """MiB per lifecycle after the first block (warm-up: pools filling, caches) as a fitted slope."""
    found = slope([(float(done), value / MIB) for done, value in samples if done >= block])
    return round(found, 4) if found is not None else None


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
    tree: list[tuple[int, int]] = []  # (lifecycles done, RSS of the stack and its sandboxes)
    growth: list[tuple[int, int]] = []  # (lifecycles done, the same apart from new sandboxes)
    own: list[tuple[int, int]] = []  # (lifecycles done, RSS of the stack process alone)
    memory = TreeMemory(ctx.stack.pid)
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
            rss, grown, stack_only = memory.sample()
            with lock:
                tree.append((len(durations), rss))
                growth.append((len(durations), grown))
                own.append((len(durations), stack_only))
            if rss > MEMORY_GUARD_BYTES:
                guard_tripped.set()

    start_rss = memory.sample()[0]
    processes_at_start = memory.processes
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
        "rss_growth_mib_per_lifecycle": _growth_per_lifecycle(growth, block),
        "tree_rss_growth_mib_per_lifecycle": _growth_per_lifecycle(tree, block),
        "stack_process_growth_mib_per_lifecycle": _growth_per_lifecycle(own, block),
        "processes_at_start": processes_at_start,
        "sandboxes_started": memory.started,
        "rss_mib_by_block": _by_block(tree, block),
        "growth_mib_by_block": _by_block(growth, block),
        "stack_process_mib_by_block": _by_block(own, block),
        "memory_guard_tripped": guard_tripped.is_set(),
    }
    if failures or load.errors:
        figures["first_failure"] = (failures + load.errors)[0]
    shown = {k: v for k, v in figures.items() if not k.endswith(("_by_block", "block_means_ms"))}
    print(figures_table(f"soak: {len(durations)} lifecycles (confirm / release alternating)", shown))
    print(f"time per lifecycle, per {block}: " + " ".join(f"{b:.0f}" for b in blocks) + " ms")
    for label, key in (
        ("stack memory", "rss_mib_by_block"),
        ("growth (no new sandboxes)", "growth_mib_by_block"),
        ("stack process alone", "stack_process_mib_by_block"),
    ):
        values = " ".join(f"{m:.0f}" for m in figures[key])
        print(f"{f'{label}, per {block}:':<34}{values} MiB")
    return figures
