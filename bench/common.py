"""Shared helpers for benchmarks: a temporary local stack and latency statistics."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from local_stack.demo_data import load_demo_catalogue
from local_stack.invoke import free_port
from local_stack.stack import ROOT, LocalStack, StackOptions, local_parameters


@contextmanager
def temporary_stack(demo: bool = True) -> Iterator[LocalStack]:
    """The real template on free loopback ports, function logs discarded."""
    template = ROOT / "template.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        port, aws_port = free_port(), free_port()
        options = StackOptions(
            template=template,
            port=port,
            aws_port=aws_port,
            parameter_overrides=local_parameters(template, api_url=f"http://127.0.0.1:{port}"),
            state_file=Path(tmp) / "state.json",
            run_event_sources=False,
            log_sink=lambda _fn, _line: None,
        )
        with LocalStack(options) as stack:
            assert stack.model is not None
            if demo:
                table = boto3.resource(
                    "dynamodb",
                    endpoint_url=stack.aws_url,
                    region_name="us-east-1",
                    aws_access_key_id="local",
                    aws_secret_access_key="local",
                ).Table(stack.model.tables["InventoryTable"])
                load_demo_catalogue(table)
            yield stack


def summary(label: str, samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    stats = {
        "n": float(len(ordered)),
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "max": ordered[-1],
    }
    print(
        f"{label:<48} n={len(ordered):>5}  p50={stats['p50']:7.2f} ms  p95={stats['p95']:7.2f} ms  "
        f"max={stats['max']:7.2f} ms"
    )
    return stats
