"""Warm every Lambda sandbox a scenario's reservation path uses, to the pools' full size.

A local worker's cold start imports boto3, Powertools and pydantic: about a second of CPU that, on
two cores under load, would be charged to whichever requests happened to wait for it. One serial
call warms only one sandbox per function; concurrent calls make each pool start its others.
"""

from __future__ import annotations

import time

from bench import reservation_calls as calls
from bench.load import attempts
from bench.scenario import Context
from bench.seeding import create_product

CONCURRENCY = 8  # above the local pools' size (4 per function)
ROUNDS = 2
HOLD_S = 900


def warm_reservation_path(ctx: Context, name: str) -> None:
    """Holds and releases CONCURRENCY units of a product of its own (`name`: unique among the
    scenarios sharing a stack), CONCURRENCY at a time."""
    sku = ctx.sku(name)
    create_product(ctx.rest, sku, CONCURRENCY * ROUNDS)
    deadline = time.monotonic() + 60
    for round_ in range(ROUNDS):
        ids = [f"{sku}-{round_}-{n}" for n in range(CONCURRENCY)]

        def hold(n: int, ids: list[str] = ids) -> None:
            calls.reserve(ctx.rest, sku, ids[n], HOLD_S)

        def release(n: int, ids: list[str] = ids) -> None:
            calls.release(ctx.rest, ids[n])

        attempts(len(ids), CONCURRENCY, deadline, hold)
        attempts(len(ids), CONCURRENCY, deadline, release)
