"""The scenarios `python -m bench` runs, in order. Budgets are for a full run; together with starting
and stopping a stack for each, they keep the whole run under 10 minutes on a 2-core machine."""

from __future__ import annotations

from bench.scenario import Scenario
from bench.scenarios import alerts_check, calls_and_cost, hot_sku, read_path, soak, throughput, timers

SCENARIOS = [
    Scenario("hot_sku", "hot SKU: 64 clients, 200 units", 80, hot_sku.run),
    Scenario("read_path", "read path: GET /inventory vs GetItem", 25, read_path.run),
    Scenario("timers", "timers: 1,000 holds, 5-30 s", 100, timers.run),
    Scenario("soak", "soak: 2,000 lifecycles", 195, soak.run),
    Scenario("calls_and_cost", "calls, AWS ceilings and cost per way in", 80, calls_and_cost.run),
    Scenario("throughput", "throughput ceiling and profile", 75, throughput.run),
    Scenario("alerts_check", "items read by the threshold check", 30, alerts_check.run, needs_stack=False),
]
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
