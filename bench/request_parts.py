"""One REST request taken apart, from the client's send and receive and the local stack's timeline
(`/_local/timeline`: when the gateway, each Lambda invocation and each AWS call began and ended, on
the machine's monotonic clock, which the client's times share).

The parts, in milliseconds, add up to the request's time:
- `to_gateway`: from the client's send until the gateway's handler starts (client, HTTP server);
- `gateway_to_sandbox`: the gateway's own work until it invokes the function (routing, authorizer,
  the event);
- `sandbox_to_first_call`: the invocation until its first AWS call reaches the engine (the pipe, the
  handler, the SDK building and sending the call, the server reading it);
- `engine`: inside the AWS calls, from the endpoint's start to its answer (moto, metering, locks);
- `between_calls`: from one call's answer to the next call's arrival (the answer sent and parsed,
  the handler, the next call built and sent);
- `after_last_call`: from the last call's answer until the invocation returns (the answer parsed,
  the response built, the pipe back);
- `back_to_client`: from the invocation's return until the client has the response.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import pairwise
from typing import Any

from bench.stats import percentile

PARTS = (
    "to_gateway",
    "gateway_to_sandbox",
    "sandbox_to_first_call",
    "engine",
    "between_calls",
    "after_last_call",
    "back_to_client",
)


def _ms(nanoseconds: int) -> float:
    return nanoseconds / 1e6


def _within(span: dict[str, Any], start: int, end: int) -> bool:
    """A finished span that began and ended between `start` and `end`."""
    return span.get("end_ns") is not None and start <= span["begin_ns"] and span["end_ns"] <= end


def request_parts(
    sent_ns: int, received_ns: int, spans: Sequence[dict[str, Any]], function: str, actions: Collection[str]
) -> dict[str, float] | None:
    """The parts of one request sent at `sent_ns` and answered at `received_ns`: its gateway span, the
    invocation of `function` inside it, and the AWS calls named in `actions` inside that (other work
    of the stack at the same time, a poller's read or another function's call, is left out). None
    when the timeline lacks one of them (the recording started late or ended early)."""

    gateway = next((s for s in spans if s["kind"] == "gateway" and _within(s, sent_ns, received_ns)), None)
    if gateway is None:
        return None
    invoke = next(
        (
            s
            for s in spans
            if s["kind"] == "lambda"
            and s["name"] == function
            and _within(s, gateway["begin_ns"], gateway["end_ns"])
        ),
        None,
    )
    if invoke is None:
        return None
    calls = sorted(
        (
            s
            for s in spans
            if s["kind"] == "aws"
            and s["name"] in actions
            and _within(s, invoke["begin_ns"], invoke["end_ns"])
        ),
        key=lambda s: s["begin_ns"],
    )
    if not calls:
        return None
    return {
        "to_gateway": _ms(gateway["begin_ns"] - sent_ns),
        "gateway_to_sandbox": _ms(invoke["begin_ns"] - gateway["begin_ns"]),
        "sandbox_to_first_call": _ms(calls[0]["begin_ns"] - invoke["begin_ns"]),
        "engine": _ms(sum(c["end_ns"] - c["begin_ns"] for c in calls)),
        "between_calls": _ms(sum(b["begin_ns"] - a["end_ns"] for a, b in pairwise(calls))),
        "after_last_call": _ms(invoke["end_ns"] - calls[-1]["end_ns"]),
        "back_to_client": _ms(received_ns - invoke["end_ns"]),
    }


CALL_PARTS = ("to_engine", "engine", "back_to_client")


def call_parts(
    sent_ns: int, received_ns: int, spans: Sequence[dict[str, Any]], action: str
) -> dict[str, float] | None:
    """A bare AWS call taken apart: from the client's send until the endpoint starts on it (the SDK
    building and sending it, the server reading it), the engine, and back (the answer sent and
    parsed). None when the timeline lacks the call."""
    call = next(
        (s for s in spans if s["kind"] == "aws" and s["name"] == action and _within(s, sent_ns, received_ns)),
        None,
    )
    if call is None:
        return None
    return {
        "to_engine": _ms(call["begin_ns"] - sent_ns),
        "engine": _ms(call["end_ns"] - call["begin_ns"]),
        "back_to_client": _ms(received_ns - call["end_ns"]),
    }


def median_parts(
    taken_apart: Sequence[dict[str, float] | None],
    unit_ms: float | None,
    names: Sequence[str] = PARTS,
    unit: str = "update_item",
) -> dict[str, Any]:
    """Each part's median over the requests taken apart (ms, and as a multiple of `unit_ms`, the
    bare call named `unit`, when given), and how many could be. The medians need not add up to the
    median request."""
    found = [parts for parts in taken_apart if parts is not None]
    summary: dict[str, Any] = {"requests": len(taken_apart), "taken_apart": len(found)}
    for name in names:
        middle = percentile([parts[name] for parts in found], 0.5)
        summary[f"{name}_ms"] = None if middle is None else round(middle, 2)
        if unit_ms:
            summary[f"{name}_vs_{unit}"] = None if middle is None else round(middle / unit_ms, 2)
    return summary
