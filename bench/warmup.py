"""Warm every Lambda sandbox a scenario's reservation path uses, to the pools' full size.

A local worker's cold start imports boto3, Powertools and pydantic: about a second of CPU that, on
two cores under load, would be charged to whichever requests happened to wait for it. One serial
call warms only one sandbox per function; concurrent calls make each pool start its others.
A REST release answers before its execution's Release task has run, so the warm-up also waits for
its executions to end: otherwise the Release sandboxes would still be starting when the race does.
"""

from __future__ import annotations

import time

from bench import reservation_calls as calls
from bench.aws_clients import aws_client
from bench.load import attempts
from bench.scenario import Context
from bench.seeding import create_product

CONCURRENCY = 8  # above the local pools' size (4 per function)
ROUNDS = 2
HOLD_S = 900
SETTLE_TIMEOUT_S = 30.0


def warm_reservation_path(ctx: Context, name: str) -> None:
    """Holds and releases CONCURRENCY units of a product of its own (`name`: unique among the
    scenarios sharing a stack), CONCURRENCY at a time, and waits for those executions to end."""
    sku = ctx.sku(name)
    create_product(ctx.rest, sku, CONCURRENCY * ROUNDS)
    deadline = time.monotonic() + 60
    warmed: list[str] = []
    for round_ in range(ROUNDS):
        ids = [f"{sku}-{round_}-{n}" for n in range(CONCURRENCY)]

        def hold(n: int, ids: list[str] = ids) -> None:
            calls.reserve(ctx.rest, sku, ids[n], HOLD_S)

        def release(n: int, ids: list[str] = ids) -> None:
            calls.release(ctx.rest, ids[n])

        attempts(len(ids), CONCURRENCY, deadline, hold)
        attempts(len(ids), CONCURRENCY, deadline, release)
        warmed += ids
    wait_for_executions(ctx, warmed)


def wait_for_executions(ctx: Context, execution_names: list[str]) -> list[str]:
    """Waits (up to SETTLE_TIMEOUT_S) until none of the named executions runs; returns those still
    running. A benchmark's bookkeeping, not a request path: it may call DescribeExecution."""
    sfn = aws_client("stepfunctions", ctx.stack.aws_url)
    machine = ctx.stack.state_machine("ReservationStateMachine")
    prefix = machine.replace(":stateMachine:", ":execution:", 1)
    running = list(execution_names)
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while running and time.monotonic() < deadline:
        running = [
            name
            for name in running
            if sfn.describe_execution(executionArn=f"{prefix}:{name}")["status"] == "RUNNING"
        ]
        if running:
            time.sleep(0.2)
    return running
