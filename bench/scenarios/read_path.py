"""Read path: `GET /inventory/{id}` against a bare consistent `GetItem` of the same record.

The two are interleaved, one of each per round, so a slow moment of the machine hits both alike.
"""

from __future__ import annotations

from typing import Any

from bench.aws_clients import aws_client
from bench.baselines import consistent_get_ms
from bench.quiet import wait_until_quiet
from bench.scenario import Context
from bench.seeding import create_product
from bench.stats import figures_table, latency, ratio


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
    statuses: dict[int, int] = {}
    for _ in range(rounds):
        reply = ctx.rest.call("GET", f"/inventory/{sku}")
        statuses[reply.status] = statuses.get(reply.status, 0) + 1
        rest_ms.append(reply.ms)
        get_ms.append(consistent_get_ms(ddb, table, key))

    rest, bare = latency(rest_ms), latency(get_ms)
    figures = {
        "rounds": rounds,
        "stack_quiet_at_start": quiet,
        "statuses": {str(k): v for k, v in statuses.items()},
        "rest_get_inventory": rest,
        "bare_get_item": bare,
        "p50_vs_get_item": ratio(rest["p50_ms"], bare["p50_ms"]),
        "p99_vs_get_item": ratio(rest["p99_ms"], bare["p99_ms"]),
    }
    print(figures_table("read path: GET /inventory/{id} vs consistent GetItem", figures))
    return figures
