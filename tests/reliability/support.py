"""Helpers for the reliability suite: the invariant checker against a local stack, injected
faults (`/_local/faults`), and the figures `make reliability` reports."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from inventory.domain.invariants import InvariantReport, check
from inventory.models import utc_now
from inventory.store.invariant_sources import DynamoInvariantSources, transition_ids

from local_stack.stack import LocalStack
from tests.support import aws_client, http

# `make reliability` sets this: the long runs (operations, fuzz cases) and where the figures go.
FULL = os.environ.get("RELIABILITY_FULL") == "1"
REPORT_DIR = os.environ.get("RELIABILITY_REPORT_DIR")


def check_invariants(
    stack: LocalStack, prefix: str | None, arm_grace: timedelta = timedelta(seconds=10)
) -> InvariantReport:
    sources = DynamoInvariantSources(
        stack.table("InventoryTable"),
        stack.table("ReservationsTable"),
        stack.table("LedgerTable"),
        aws_client("stepfunctions", stack.aws_url),
        product_prefix=prefix,
        published=lambda: transition_ids(stack.feed.messages()),
    )
    return check(sources, utc_now(), product_prefix=prefix, arm_grace=arm_grace)


def describe(report: InvariantReport) -> str:
    return "\n".join(f"{v.rule.value} {v.record}: {v.message} {v.evidence}" for v in report.violations)


class FaultControl:
    """Rules on the stack's `/_local/faults` route, and how many of them fired."""

    def __init__(self, aws_url: str) -> None:
        self.url = f"{aws_url}/_local/faults"
        self.baseline = int(self.state()["injected"])

    def fired(self) -> int:
        """Faults injected since this control was made."""
        return int(self.state()["injected"]) - self.baseline

    def add(self, **rule: Any) -> dict[str, Any]:
        response = http("POST", self.url, rule)
        assert response.status == 201, response.text
        return dict(response.body)

    def state(self) -> dict[str, Any]:
        return dict(http("GET", self.url).body)

    def clear(self) -> dict[str, Any]:
        return dict(http("DELETE", self.url).body)


class Figures:
    """What the suite did, summed over the run; written as JSON when `make reliability` asks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.scenarios: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()

    def scenario(self, name: str, faults: int, found: int, repaired: list[str], violations: int) -> None:
        with self._lock:
            self.scenarios.append(
                {
                    "scenario": name,
                    "faults_injected": faults,
                    "found_before_repair": found,
                    "repaired": repaired,
                    "violations": violations,
                }
            )

    def add(self, key: str, value: int) -> None:
        with self._lock:
            self.counts[key] += value

    def write(self, name: str) -> None:
        if not REPORT_DIR:
            return
        path = Path(REPORT_DIR) / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps({"scenarios": self.scenarios, "counts": dict(self.counts)}, indent=2), encoding="utf-8"
        )


FIGURES = Figures()
