"""Turns two reads of the local endpoint's call counters into figures per lifecycle.

The stack makes API calls by the clock, not per request (stream polling, queue long polls,
schedules). Their rate is measured while the stack is idle and subtracted from each window's API
calls, so what is left is what the lifecycles caused. State transitions, Lambda invocations and
consumed capacity are not corrected: an idle stack has none worth the noise a correction would add.
"""

from __future__ import annotations

from typing import Any


def flatten(snapshot: dict[str, Any]) -> dict[str, float]:
    """{"calls/<service>/<Action>": n, "lambda/<LogicalId>": n, "state_transitions": n,
    "read_units": n, "write_units": n, "table/<name>/read_units": n, ...}"""
    flat: dict[str, float] = {}
    for service, actions in (snapshot.get("calls") or {}).items():
        for action, n in (actions or {}).items():
            flat[f"calls/{service}/{action}"] = float(n)
    for function, n in (snapshot.get("lambda_invocations") or {}).items():
        flat[f"lambda/{function}"] = float(n)
    flat["state_transitions"] = float(snapshot.get("state_transitions") or 0)
    capacity = snapshot.get("dynamodb_capacity") or {}
    flat["read_units"] = float(capacity.get("read_units") or 0)
    flat["write_units"] = float(capacity.get("write_units") or 0)
    for table, units in (capacity.get("by_table") or {}).items():
        if isinstance(units, dict):
            for kind in ("read_units", "write_units"):
                flat[f"table/{table}/{kind}"] = float(units.get(kind) or 0)
    return flat


def net_of_background(
    window: dict[str, float], window_s: float, background: dict[str, float], background_s: float
) -> dict[str, float]:
    """API calls in the window minus what the idle stack would have made in as long (never below 0)."""
    net: dict[str, float] = {}
    for key, n in window.items():
        expected = 0.0
        if key.startswith("calls/") and background_s:
            expected = background.get(key, 0.0) * window_s / background_s
        net[key] = max(0.0, n - expected)
    return net


def per_lifecycle(net: dict[str, float], lifecycles: int, stock_table: str) -> dict[str, Any]:
    """The shape `bench.aws_limits.ceilings` and `cost_per_million` take."""
    share = {key: n / lifecycles for key, n in net.items() if n}
    calls: dict[str, dict[str, float]] = {}
    invocations: dict[str, float] = {}
    for key, n in share.items():
        parts = key.split("/")
        if parts[0] == "calls":
            calls.setdefault(parts[1], {})[parts[2]] = round(n, 3)
        elif parts[0] == "lambda":
            invocations[parts[1]] = round(n, 3)
    return {
        "calls": {service: dict(sorted(actions.items())) for service, actions in sorted(calls.items())},
        "lambda_invocations_by_function": dict(sorted(invocations.items())),
        "lambda_invocations": round(sum(invocations.values()), 3),
        "state_transitions": round(share.get("state_transitions", 0.0), 3),
        "read_units": round(share.get("read_units", 0.0), 3),
        "write_units": round(share.get("write_units", 0.0), 3),
        "stock_table_read_units": round(share.get(f"table/{stock_table}/read_units", 0.0), 3),
        "stock_table_write_units": round(share.get(f"table/{stock_table}/write_units", 0.0), 3),
    }
