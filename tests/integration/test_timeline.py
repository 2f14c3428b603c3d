"""`GET /_local/timeline?seconds=N`: when each gateway request, Lambda invocation and AWS call began
and ended, on the clock a client on the same machine shares."""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.request_parts import request_parts
from local_stack.stack import LocalStack
from local_stack.timeline import TIMELINE
from tests.reservation_support import given_stock
from tests.support import http


def test_a_rest_hold_is_placed_on_the_timeline_part_by_part(
    stack: LocalStack, inventory_table: Any, unique_id: str, checkout_headers: dict[str, str]
) -> None:
    # Given a product in stock and a recording of the stack's timeline under way
    given_stock(inventory_table, unique_id, 5)
    recorded: dict[str, Any] = {}
    recorder = threading.Thread(
        target=lambda: recorded.update(http("GET", f"{stack.aws_url}/_local/timeline?seconds=3").body)
    )
    recorder.start()
    deadline = time.monotonic() + 5
    while not TIMELINE.recording and time.monotonic() < deadline:
        time.sleep(0.01)
    # When a hold is placed over REST
    sent = time.monotonic_ns()
    reply = http(
        "POST",
        f"{stack.api_url}/inventory/{unique_id}/reserve",
        {"quantity": 1, "reservationId": f"{unique_id}-r", "hold_seconds": 60},
        headers=checkout_headers,
    )
    received = time.monotonic_ns()
    recorder.join(10)
    assert reply.status == 201, reply.text
    # Then the gateway, the function's invocation and the hold's two calls are on it, in order
    spans = recorded["spans"]
    kinds = {(s["kind"], s["name"]) for s in spans if sent <= s["begin_ns"] <= received}
    assert ("gateway", f"POST /inventory/{unique_id}/reserve") in kinds
    assert {
        ("lambda", "ReservationApiFunction"),
        ("aws", "TransactWriteItems"),
        ("aws", "StartExecution"),
    } <= kinds
    parts = request_parts(
        sent, received, spans, "ReservationApiFunction", {"TransactWriteItems", "StartExecution"}
    )
    assert parts is not None and all(value >= 0 for value in parts.values())
    assert abs(sum(parts.values()) - (received - sent) / 1e6) < 0.01
    assert recorded["dropped"] == 0 and recorded["started_ns"] < sent < recorded["ended_ns"]
    # And once the recording is over, nothing more is kept
    assert not TIMELINE.recording and TIMELINE.begin("aws", "GetItem") is None
