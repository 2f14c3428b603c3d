"""Throughput ceiling: more and more clients on the REST reserve path until attempts/s stop growing,
then a profile of the local stack taken while it runs at the best level.

Holds spread over several products so the figure is the engine's ceiling, not one item's contention.
"""

from __future__ import annotations

import threading
from typing import Any

from bench import gil_profile
from bench import reservation_calls as calls
from bench.load import for_duration
from bench.local_endpoints import profile
from bench.scenario import Context
from bench.seeding import create_product
from bench.stats import latency, table
from bench.warmup import warm_reservation_path

PRODUCTS = 8
GROWTH_TO_GO_ON = 1.05  # another level only if the last one gained at least 5 %


def _level(ctx: Context, skus: list[str], clients: int, seconds: float, tag: str) -> dict[str, Any]:
    latencies: list[float] = []
    refused = 0
    numbers = iter(range(10**9))
    lock = threading.Lock()

    def attempt(client: int) -> None:
        nonlocal refused
        with lock:
            n = next(numbers)
        reply = calls.reserve(ctx.rest, skus[client % len(skus)], f"thr-{ctx.run_id}-{tag}-{n}", 900)
        with lock:
            latencies.append(reply.ms)
            refused += reply.status not in (200, 201)

    load = for_duration(clients, seconds, attempt)
    done = len(latencies)
    return {
        "clients": clients,
        "attempts": done,
        "not_held": refused,
        "client_errors": len(load.errors),
        "attempts_per_s": round(done / load.wall_s, 1) if load.wall_s else None,
        "latency": latency(latencies),
    }


def _sample(ctx: Context, seconds: float) -> dict[str, Any] | None:
    """py-spy on the GIL holder when it may attach; else the stack's own sampler of every thread."""
    found = gil_profile.record(ctx.stack.pid, seconds)
    if found is None:
        found = profile(ctx.stack.aws_url, seconds)
        if found is not None:
            found["tool"] = "/_local/profile (every thread, GIL waits included)"
    return found


def _profiled(ctx: Context, skus: list[str], clients: int, seconds: float) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    sampler = threading.Thread(
        target=lambda: found.update(profile=_sample(ctx, max(seconds - 2, 1))), daemon=True
    )
    sampler.start()
    _level(ctx, skus, clients, seconds, "profiled")
    sampler.join(timeout=60)
    return found.get("profile")


def run(ctx: Context) -> dict[str, Any]:
    levels, seconds = ([2, 4], 1.0) if ctx.smoke else ([8, 16, 32, 64], 8.0)
    profile_s = 2.0 if ctx.smoke else 8.0
    skus = [ctx.sku(f"THRU{k}") for k in range(4 if ctx.smoke else PRODUCTS)]
    for sku in skus:
        create_product(ctx.rest, sku, 1_000_000)
    warm_reservation_path(ctx, "WARMTHRU")  # every sandbox of the path, before the first level

    measured: list[dict[str, Any]] = []
    for clients in levels:
        # A level overruns by its slowest replies; the profile after the levels must still fit.
        if measured and ctx.left() < 2 * seconds + profile_s + 10:
            break
        measured.append(_level(ctx, skus, clients, seconds, str(clients)))
        rates = [m["attempts_per_s"] or 0 for m in measured]
        if len(rates) >= 2 and rates[-1] < max(rates[:-1]) * GROWTH_TO_GO_ON:
            break
    best = max(measured, key=lambda m: m["attempts_per_s"] or 0)
    print(
        table(
            f"throughput ceiling: REST reserve, holds over {len(skus)} products",
            ["clients", "attempts", "attempts/s", "p50 ms", "p99 ms", "not held", "errors"],
            [
                [
                    m["clients"],
                    m["attempts"],
                    m["attempts_per_s"],
                    m["latency"]["p50_ms"],
                    m["latency"]["p99_ms"],
                    m["not_held"],
                    m["client_errors"],
                ]
                for m in measured
            ],
        )
    )

    found = _profiled(ctx, skus, best["clients"], profile_s) if ctx.left() > profile_s + 2 else None
    top = (found or {}).get("top", [])[:3]
    centres = (found or {}).get("cost_centres", [])[:5]
    operations = (found or {}).get("operations", [])[:8]
    if found is None:
        print("profile unavailable (no GET /_local/profile on the AWS endpoint, or no time left)")
    else:
        print(
            table(
                f"top costs while {best['clients']} clients reserve "
                f"({found.get('samples')} samples, {found.get('tool')})",
                ["function", "self share", "total share"],
                [[t.get("function"), t.get("self_share"), t.get("total_share")] for t in top],
            )
        )
        if centres:
            print("by part of the stack: " + ", ".join(f"{c['centre']} {c['share']:.0%}" for c in centres))
        if operations:
            framed = found.get("holding_the_gil")
            print(
                f"top three costs, by operation ({framed} samples holding the GIL): "
                + ", ".join(f"{o['operation']} {o['share']:.0%}" for o in operations[:3])
            )
    return {
        "levels": measured,
        "best_clients": best["clients"],
        "best_attempts_per_s": best["attempts_per_s"],
        "profile": {
            "available": found is not None,
            "tool": (found or {}).get("tool"),
            "samples": (found or {}).get("samples"),
            "holding_the_gil": (found or {}).get("holding_the_gil"),
            "top": top,
            "cost_centres": centres,
            "operations": operations,
        },
    }
