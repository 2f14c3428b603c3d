"""Read path: `GET /inventory/{id}` against a bare consistent `GetItem` of the same record.

The two are interleaved, one of each per round, so a slow moment of the machine hits both alike,
and both are taken apart on the stack's timeline (`bench/request_parts.py`).
"""

from __future__ import annotations

import time
from typing import Any

from bench.aws_clients import aws_client
from bench.baselines import consistent_get_ms
from bench.local_endpoints import timeline_recorded
from bench.quiet import wait_until_quiet
from bench.request_parts import CALL_PARTS, call_parts, median_parts, request_parts
from bench.scenario import Context
from bench.seeding import create_product
from bench.stats import figures_table, latency, ratio

READ_FUNCTION = "InventoryReadFunction"  # behind GET /inventory/{id}
READ_CALLS = frozenset({"Query", "GetItem"})


def run(ctx: Context) -> dict[str, Any]:
    rounds = 10 if ctx.smoke else 300
    sku = ctx.sku("READ")
    create_product(ctx.rest, sku, 100)
    ddb = aws_client("dynamodb", ctx.stack.aws_url)
    table = ctx.stack.table("InventoryTable")
    key = {"product_id": {"S": sku}, "warehouse_id": {"S": "main"}}
    for _ in range(3):  # warm the sandbox, the authorizer cache and both connections
        ctx.rest.call("GET", f"/inventory/{sku}")
        consistent_get_ms(ddb, table, key)
    # The new product's stream record starts the alerts function's sandbox: about a second of CPU
    # that would otherwise land on the first rounds, the REST side's two processes more than the other.
    quiet = wait_until_quiet(ctx.stack.pid)

    rest_ms: list[float] = []
    get_ms: list[float] = []
    rest_times: list[tuple[int, int]] = []
    get_times: list[tuple[int, int]] = []
    statuses: dict[int, int] = {}
    with timeline_recorded(ctx.stack.aws_url, min(rounds * 0.05 + 2.0, 60.0)) as spans:
        for _ in range(rounds):
            sent = time.monotonic_ns()
            reply = ctx.rest.call("GET", f"/inventory/{sku}")
            rest_times.append((sent, time.monotonic_ns()))
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
            rest_ms.append(reply.ms)
            sent = time.monotonic_ns()
            get_ms.append(consistent_get_ms(ddb, table, key))
            get_times.append((sent, time.monotonic_ns()))

    rest, bare = latency(rest_ms), latency(get_ms)
    figures = {
        "rounds": rounds,
        "stack_quiet_at_start": quiet,
        "statuses": {str(k): v for k, v in statuses.items()},
        "rest_get_inventory": rest,
        "bare_get_item": bare,
        "p50_vs_get_item": ratio(rest["p50_ms"], bare["p50_ms"]),
        "p99_vs_get_item": ratio(rest["p99_ms"], bare["p99_ms"]),
        # Each taken apart on the stack's timeline, as multiples of the bare GetItem's p50.
        "rest_parts": median_parts(
            [request_parts(s, r, spans, READ_FUNCTION, READ_CALLS) for s, r in rest_times],
            bare["p50_ms"],
            unit="get_item",
        ),
        "bare_parts": median_parts(
            [call_parts(s, r, spans, "GetItem") for s, r in get_times], bare["p50_ms"], CALL_PARTS, "get_item"
        ),
    }
    print(figures_table("read path: GET /inventory/{id} vs consistent GetItem", figures))
    return figures
