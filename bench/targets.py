"""The issue's targets, checked against one run's figures. Nothing fails on a miss: the table says it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench import aws_limits


def _get(results: dict[str, Any], path: str) -> Any:
    value: Any = results
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _check(value: Any, test: Callable[[Any], bool]) -> bool | None:
    return None if value is None else bool(test(value))


def _rest_paths(calls: dict[str, Any]) -> dict[str, Any]:
    return {name: path for name, path in (calls.get("paths") or {}).items() if name.startswith("rest_")}


def evaluate(scenarios: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """[{"target", "value", "met"}]; `met` is None when the scenario did not run or had no figure."""
    figures = {name: (entry.get("figures") or {}) for name, entry in scenarios.items()}
    stack_of = {name: (entry.get("stack") or {}) for name, entry in scenarios.items()}
    rows: list[dict[str, Any]] = []

    def add(target: str, value: Any, test: Callable[[Any], bool]) -> None:
        rows.append({"target": target, "value": value, "met": _check(value, test)})

    hot = figures.get("hot_sku", {})
    if hot:
        add(
            "hot SKU: successes = S",
            f"{hot.get('successes')} of {hot.get('stock')}",
            lambda _v: hot.get("successes") == hot.get("stock"),
        )
        add("hot SKU: 0 oversold", hot.get("oversold"), lambda v: v == 0)
        add("hot SKU: 0 leaked after release", hot.get("leaked_after_release"), lambda v: v == 0)
        add("hot SKU: >= 50 attempts/s", hot.get("attempts_per_s"), lambda v: v >= 50)
        add("hot SKU: p99 <= 2 s (ms)", _get(hot, "latency.p99_ms"), lambda v: v <= 2000)
        add("serial reserve p50 <= 3x UpdateItem", hot.get("serial_p50_vs_update_item"), lambda v: v <= 3)
    read = figures.get("read_path", {})
    if read:
        add("GET /inventory p50 <= 1.5x GetItem", read.get("p50_vs_get_item"), lambda v: v <= 1.5)
    timers = figures.get("timers", {})
    if timers:
        add("timers: 1,000 holds open at once", timers.get("peak_open"), lambda v: v >= 1000)
        add("timers: lag p99 <= 1 s (ms)", _get(timers, "lag_after_expires_at.p99_ms"), lambda v: v <= 1000)
        add("timers: lag max <= 2 s (ms)", _get(timers, "lag_after_expires_at.max_ms"), lambda v: v <= 2000)
        add("timers: every unit back exactly once", timers.get("every_unit_back_once"), lambda v: v is True)
    soak = figures.get("soak", {})
    if soak:
        add("soak: 2,000 lifecycles done", soak.get("lifecycles_done"), lambda v: v >= 2000)
        add(
            "soak: memory < 0.1 MiB per lifecycle",
            soak.get("rss_growth_mib_per_lifecycle"),
            lambda v: v < 0.1,
        )
        add("soak: last 100 within 20 % of first", soak.get("last_vs_first"), lambda v: v <= 1.2)
    exit_s = _get(stack_of.get("soak", {}), "exit_seconds")
    if exit_s is not None:
        saved = _get(stack_of["soak"], "state_saved")
        add("Ctrl-C exits < 5 s with data saved (s)", exit_s, lambda v: v < 5 and saved is True)
    calls = figures.get("calls_and_cost", {})
    if calls.get("available"):
        every = calls.get("paths") or {}
        reads = "; ".join(
            f"{n}: "
            + ", ".join(f"{api} {count}" for api, count in p["control_plane_reads_per_lifecycle"].items())
            for n, p in every.items()
            if p["control_plane_reads_per_lifecycle"]
        )
        rest = _rest_paths(calls)
        add("no per-request Describe*/Get*History/List*", reads or "none", lambda v: v == "none")
        binding = {n: p.get("binding_limit") for n, p in rest.items()}
        add(
            "REST ceilings bound by starts/signals/transitions/hot item",
            " / ".join(sorted({str(b) for b in binding.values()})),
            lambda _v: all(b is not None and aws_limits.binds_on_write_path(b) for b in binding.values()),
        )
    return rows
