"""What every scenario gets (a running stack, a REST client, its time budget) and what it returns."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.rest_client import RestClient
from bench.stack_process import StackProcess


@dataclass
class Context:
    stack: StackProcess
    rest: RestClient
    smoke: bool
    run_id: str
    budget_s: float
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        return self.started + self.budget_s

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def sku(self, name: str) -> str:
        """A product id unique to this run, so a shared stack never mixes two scenarios' stock."""
        return f"{name}-{self.run_id}"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    budget_s: float  # full run; a smoke run gets a fraction
    run: Callable[[Context], dict[str, Any]]
    needs_stack: bool = True
