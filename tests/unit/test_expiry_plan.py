"""The timers benchmark's plan: hold times that spread expiries evenly once every hold is open."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from bench.expiry_plan import ExpiryPlan


def _place(plan: ExpiryPlan, began: float, pace: float, count: int) -> list[tuple[float, int, int]]:
    """Sends `count` holds at `pace` per second; (sent at, hold seconds, expiry second) each, the
    expiry as the service makes it: `now + hold` rounded up to a whole second."""
    placed = []
    for n in range(count):
        now = began + n / pace
        hold = plan.hold_seconds(now)
        placed.append((now, hold, math.ceil(now + plan.SENDING_S + hold)))
    return placed


@pytest.mark.parametrize("pace", [40.0, 60.0, 100.0])
def test_holds_placed_at_the_planned_pace_expire_evenly_after_placing_ends(pace: float) -> None:
    # Given a plan for 1,000 holds of 5-30 s whose window opens 1 s after placing should end
    began, total = 1_000_000.0, 1000
    ends = began + total / pace
    plan = ExpiryPlan(total, ends + 1, 5, 30)
    # When they are placed at that pace
    placed = _place(plan, began, pace, total)
    # Then every target was handed out, every hold time is within the range and spread over it
    assert len(plan) == 0
    holds = sorted(hold for _, hold, _ in placed)
    assert holds[0] >= 5 and holds[-1] <= 30
    assert holds[-1] - holds[0] >= 15
    # And every hold expires after placing ended, at most 2 more in a second than its even share
    expiries = [second for _, _, second in placed]
    assert min(expiries) > ends
    assert max(Counter(expiries).values()) <= math.ceil(total / 25) + 2


def test_holds_placed_longest_first_would_bunch_their_expiries() -> None:
    # Given the order the benchmark used before: longest first, evenly down to the shortest
    began, total, pace = 1_000_000.0, 1000, 50.0
    seconds = [math.ceil(began + n / pace + round(30 - 25 * n / (total - 1))) for n in range(total)]
    # Then the expiries bunch far beyond an even share (which the plan keeps to)
    assert max(Counter(seconds).values()) > 3 * math.ceil(total / 25)


def test_a_hold_placed_outside_the_plan_takes_a_target_and_the_plan_runs_out() -> None:
    # Given a plan for three holds, and one hold placed outside it expiring at the middle target
    plan = ExpiryPlan(3, 2_000_000.0, 5, 8)
    middle = plan.targets()[1]
    plan.taken(middle + 0.2)
    # Then the nearest target is gone, and the two left are handed out, then no more
    assert middle not in plan.targets() and len(plan) == 2
    plan.hold_seconds(2_000_000.0 - 6)
    plan.hold_seconds(2_000_000.0 - 6)
    with pytest.raises(IndexError):
        plan.hold_seconds(2_000_000.0 - 6)


def test_a_plan_needs_holds_and_a_range() -> None:
    for count, shortest, longest in ((0, 5, 30), (10, 0, 30), (10, 30, 30)):
        with pytest.raises(ValueError):
            ExpiryPlan(count, 0.0, shortest, longest)
