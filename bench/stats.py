"""Latency statistics and the plain-text tables every scenario prints."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(samples: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (share in 0..1); None for no samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def latency(samples: Sequence[float]) -> dict[str, Any]:
    """n, p50, p99, max of samples given in milliseconds (rounded to 0.01 ms)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "n": len(samples),
        "p50_ms": rounded(percentile(samples, 0.50)),
        "p99_ms": rounded(percentile(samples, 0.99)),
        "max_ms": rounded(max(samples) if samples else None),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def mean(samples: Sequence[float]) -> float | None:
    return sum(samples) / len(samples) if samples else None


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        first, *rest = values
        return "  ".join(
            [first.ljust(widths[0]), *(v.rjust(w) for v, w in zip(rest, widths[1:], strict=True))]
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([f"\n{title}", line(list(headers)), rule, *(line(r) for r in cells)])


def figures_table(title: str, figures: dict[str, Any]) -> str:
    """A two-column table of the scalar figures in a dict (nested dicts flattened with dots)."""
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif not isinstance(value, list):
            rows.append((prefix, value))

    walk("", figures)
    return table(title, ["figure", "value"], rows)
