"""Hot SKU: C clients race for S units of one product over REST; the count must be exact.

Also the serial cost of one REST hold against a bare conditional `UpdateItem` on the same engine, and
what it is made of: the same holds with the stack gone quiet before each (no execution of the hold
before still running), and the engine's own cost of the two calls a REST hold makes, a transaction
of its shape and a `StartExecution`, each against the same `UpdateItem`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench import reservation_calls as calls
from bench.aws_clients import aws_client
from bench.baselines import conditional_update_ms, hold_transaction_ms, start_execution_ms
from bench.load import attempts
from bench.local_endpoints import timeline_recorded
from bench.request_parts import median_parts, request_parts
from bench.rest_client import Reply
from bench.scenario import Context
from bench.seeding import create_product, stock_of
from bench.stats import figures_table, latency, ratio
from bench.warmup import warm_reservation_path

LONG_HOLD_S = 900  # far beyond the scenario: nothing may expire while it is counted
# Long enough for a hold's execution (start, Hold task, token stored, RESERVED published) to end.
QUIET_GAP_S = 0.25
# The function behind `POST /inventory/{id}/reserve` and the calls it makes to hold (the timeline).
RESERVE_FUNCTION = "ReservationApiFunction"
RESERVE_CALLS = frozenset({"TransactWriteItems", "StartExecution"})


def _sizes(smoke: bool) -> dict[str, int]:
    if smoke:
        return {
            "clients": 4,
            "stock": 6,
            "attempts": 10,
            "serial": 5,
            "baseline": 10,
            "quiet": 3,
            "parts": 5,
        }
    return {
        "clients": 64,
        "stock": 200,
        "attempts": 320,
        "serial": 100,
        "baseline": 200,
        "quiet": 40,
        "parts": 100,
    }


def _release_all(ctx: Context, reservation_ids: list[str]) -> list[Reply]:
    replies: list[Reply] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        reply = calls.release(ctx.rest, reservation_ids[n])
        with lock:
            replies.append(reply)

    # Every hold is released even past the budget: the leak count must not depend on the time left.
    attempts(len(reservation_ids), 8, time.monotonic() + max(ctx.left(), 120), one)
    return replies


def _serial_reserve(
    ctx: Context,
    rounds: int,
    name: str = "SERIAL",
    gap_s: float = 0.0,
    sent_and_received: list[tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """One client's holds, back to back, or each after `gap_s` with nothing of the last still running;
    each hold's send and receive (`time.monotonic_ns()`) go to `sent_and_received` when given."""
    sku = ctx.sku(name)
    create_product(ctx.rest, sku, rounds + 10)
    replies: list[Reply] = []
    while len(replies) < rounds and (ctx.left() > 0 or len(replies) < 3):
        if gap_s:
            time.sleep(gap_s)
        sent = time.monotonic_ns()
        replies.append(calls.reserve(ctx.rest, sku, f"{sku}-{len(replies)}", LONG_HOLD_S))
        if sent_and_received is not None and replies[-1].status == 201:
            sent_and_received.append((sent, time.monotonic_ns()))
    _release_all(ctx, [f"{sku}-{n}" for n, reply in enumerate(replies) if reply.status == 201])
    return {
        "statuses": calls.status_counts(replies),
        "latency": latency([r.ms for r in replies if r.status == 201]),
    }


def _quiet_reserve_taken_apart(ctx: Context, rounds: int, update_p50: float | None) -> dict[str, Any]:
    """The quiet holds, while the stack records its timeline: each hold's parts (`request_parts`)."""
    sent_and_received: list[tuple[int, int]] = []
    with timeline_recorded(ctx.stack.aws_url, min(rounds * (QUIET_GAP_S + 0.2) + 2.0, 60.0)) as spans:
        holds = _serial_reserve(ctx, rounds, "QUIET", QUIET_GAP_S, sent_and_received)
    taken_apart = [
        request_parts(sent, received, spans, RESERVE_FUNCTION, RESERVE_CALLS)
        for sent, received in sent_and_received
    ]
    return {**holds, "parts": median_parts(taken_apart, update_p50)}


def _sum(a: float | None, b: float | None) -> float | None:
    """a + b to the ratios' 0.01, or None when either part went unmeasured."""
    return None if a is None or b is None else round(a + b, 2)


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 2)


def _serial_parts(
    ctx: Context, size: dict[str, int], serial_p50: float | None, update_p50: float | None
) -> dict[str, Any]:
    """The serial hold taken apart, each part as a multiple of the bare `UpdateItem`: the engine's two
    calls (`engine_calls`), the REST and Lambda hops and the handler around them (`hops_and_handler`,
    what the quiet hold costs beyond those calls), and the executions of the holds before
    (`background`, back to back against quiet)."""
    quiet_holds = _quiet_reserve_taken_apart(ctx, size["quiet"], update_p50)
    transaction = latency(hold_transaction_ms(aws_client("dynamodb", ctx.stack.aws_url), size["parts"]))
    start = latency(start_execution_ms(aws_client("stepfunctions", ctx.stack.aws_url), size["parts"]))
    quiet = ratio(quiet_holds["latency"]["p50_ms"], update_p50)
    held, started = ratio(transaction["p50_ms"], update_p50), ratio(start["p50_ms"], update_p50)
    engine = _sum(held, started)
    serial = ratio(serial_p50, update_p50)
    return {
        "quiet_reserve": quiet_holds,
        "quiet_p50_vs_update_item": quiet,
        "bare_hold_transaction": transaction,
        "hold_transaction_vs_update_item": held,
        "bare_start_execution": start,
        "start_execution_vs_update_item": started,
        "engine_calls_vs_update_item": engine,
        "hops_and_handler_vs_update_item": _difference(quiet, engine),
        "background_vs_update_item": _difference(serial, quiet),
    }


def run(ctx: Context) -> dict[str, Any]:
    size = _sizes(ctx.smoke)
    sku, stock = ctx.sku("HOT"), size["stock"]
    create_product(ctx.rest, sku, stock)
    warm_reservation_path(ctx, "WARMHOT")  # the sandboxes start cold: not the race's cost
    replies: list[tuple[str, Reply]] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        rid = f"{sku}-{n}"
        reply = calls.reserve(ctx.rest, sku, rid, LONG_HOLD_S)
        with lock:
            replies.append((rid, reply))

    # The rest of the budget is for releasing every hold and checking the record.
    deadline = max(ctx.started + ctx.budget_s * 0.55, time.monotonic() + 10)
    load = attempts(size["attempts"], size["clients"], deadline, attempt)
    held = [rid for rid, reply in replies if reply.status in (200, 201)]
    during = stock_of(ctx.rest, sku)
    released = _release_all(ctx, held)
    after = stock_of(ctx.rest, sku)
    unreleased = len(held) - sum(1 for reply in released if reply.status == 204)

    update = latency(conditional_update_ms(aws_client("dynamodb", ctx.stack.aws_url), size["baseline"]))
    serial = _serial_reserve(ctx, size["serial"])
    parts = _serial_parts(ctx, size, serial["latency"]["p50_ms"], update["p50_ms"])

    hot = latency([reply.ms for _rid, reply in replies])
    oversold = max(len(held) - stock, 0, -int(during["available"]), -int(after["available"]))
    figures = {
        "clients": size["clients"],
        "stock": stock,
        "attempts": len(replies),
        "client_errors": len(load.errors),
        "statuses": calls.status_counts([reply for _rid, reply in replies]),
        "successes": len(held),
        "oversold": oversold,
        "reserved_while_held": during["reserved_count"],
        "release_statuses": calls.status_counts(released),
        "not_released": unreleased,
        "leaked_after_release": max(int(after["reserved_count"]), stock - int(after["available"]))
        - unreleased,
        "final_available": after["available"],
        "final_reserved": after["reserved_count"],
        "wall_s": round(load.wall_s, 2),
        "attempts_per_s": round(len(replies) / load.wall_s, 1) if load.wall_s else None,
        "latency": hot,
        "bare_update_item": update,
        "p50_vs_update_item": ratio(hot["p50_ms"], update["p50_ms"]),
        "serial_reserve": serial,
        "serial_p50_vs_update_item": ratio(serial["latency"]["p50_ms"], update["p50_ms"]),
        "serial_parts": parts,
    }
    if load.errors:
        figures["first_client_error"] = load.errors[0]
    print(figures_table(f"hot SKU: {size['clients']} clients, {stock} units, 1 each", figures))
    return figures
