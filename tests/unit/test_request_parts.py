"""A REST request taken apart from the client's times and the local stack's timeline."""

from __future__ import annotations

from typing import Any

from bench.request_parts import CALL_PARTS, PARTS, call_parts, median_parts, request_parts

MS = 1_000_000  # nanoseconds


def span(kind: str, name: str, begin_ms: float, end_ms: float | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "begin_ns": int(begin_ms * MS),
        "end_ns": None if end_ms is None else int(end_ms * MS),
    }


# A hold sent at 0 and answered at 20 ms: gateway 1-19, its invocation 2-18, two calls inside.
A_HOLD = [
    span("gateway", "POST /inventory/SKU/reserve", 1, 19),
    span("lambda", "ReservationApiFunction", 2, 18),
    span("aws", "TransactWriteItems", 6, 9),
    span("aws", "StartExecution", 12, 14),
]
HOLD_CALLS = {"TransactWriteItems", "StartExecution"}


def test_the_parts_of_a_hold_add_up_to_its_time() -> None:
    # Given a hold's spans on the timeline, When it is taken apart
    parts = request_parts(0, 20 * MS, A_HOLD, "ReservationApiFunction", HOLD_CALLS)
    # Then each part is the gap or the span it names, and together they are the whole request
    assert parts == {
        "to_gateway": 1.0,
        "gateway_to_sandbox": 1.0,
        "sandbox_to_first_call": 4.0,
        "engine": 5.0,
        "between_calls": 3.0,
        "after_last_call": 4.0,
        "back_to_client": 2.0,
    }
    assert sum(parts.values()) == 20.0 and set(parts) == set(PARTS)


def test_other_work_of_the_stack_at_the_same_time_is_left_out() -> None:
    # Given, during the hold, a poller's read, another function's invocation and its call, and the
    # previous request's spans before the send
    before = [{**s, "begin_ns": s["begin_ns"] - 20 * MS, "end_ns": s["end_ns"] - 20 * MS} for s in A_HOLD]
    during = [
        span("lambda", "HoldTaskFunction", 3, 17),
        span("aws", "GetRecords", 3, 5),
        span("aws", "UpdateItem", 10, 11),
    ]
    # When it is taken apart, then only the named function and calls count
    parts = request_parts(0, 20 * MS, before + during + A_HOLD, "ReservationApiFunction", HOLD_CALLS)
    assert parts is not None and parts["engine"] == 5.0 and parts["between_calls"] == 3.0


def test_a_request_the_timeline_does_not_cover_is_not_taken_apart() -> None:
    calls = {"TransactWriteItems"}
    gateway, invoke = span("gateway", "POST /x", 1, 19), span("lambda", "F", 2, 18)
    # Given no gateway span, an unfinished invocation, or no call: nothing to take apart
    assert request_parts(0, 20 * MS, [], "F", calls) is None
    assert request_parts(0, 20 * MS, [gateway, span("lambda", "F", 2, None)], "F", calls) is None
    assert request_parts(0, 20 * MS, [gateway, invoke], "F", calls) is None


def test_the_summary_gives_each_parts_median_and_how_many_were_taken_apart() -> None:
    # Given three requests, one of them not covered by the timeline
    one = dict.fromkeys(PARTS, 1.0)
    three = dict.fromkeys(PARTS, 3.0)
    # When summarised against a 2 ms UpdateItem
    summary = median_parts([one, None, three], unit_ms=2.0)
    # Then each part's median (nearest rank) is in ms and as a multiple of the unit
    assert summary["requests"] == 3 and summary["taken_apart"] == 2
    assert summary["engine_ms"] == 1.0 and summary["engine_vs_update_item"] == 0.5
    assert median_parts([None], unit_ms=None) == {
        "requests": 1,
        "taken_apart": 0,
        **{f"{p}_ms": None for p in PARTS},
    }


def test_a_bare_call_is_taken_apart_into_the_way_there_the_engine_and_back() -> None:
    # Given a GetItem sent at 0 and answered at 5 ms, in the engine from 2 to 3 ms, beside a poller's read
    spans = [span("aws", "GetRecords", 1, 4), span("aws", "GetItem", 2, 3)]
    # When it is taken apart, then the parts add up to the call
    assert call_parts(0, 5 * MS, spans, "GetItem") == {"to_engine": 2.0, "engine": 1.0, "back_to_client": 2.0}
    # And a call the timeline missed is not taken apart
    assert call_parts(0, 5 * MS, spans[:1], "GetItem") is None
    summary = median_parts([call_parts(0, 5 * MS, spans, "GetItem")], 2.0, CALL_PARTS, "get_item")
    assert summary["engine_ms"] == 1.0 and summary["back_to_client_vs_get_item"] == 1.0
