"""Properties of the flood rule over arbitrary sequences of holds and stock changes.

The record's stored alert state is simulated the way the store applies an evaluation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from inventory.domain.stock_alerts import AlertRules, Cause, StockSnapshot, evaluate
from inventory.models import StockStatus

START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RULES = AlertRules(cooldown_seconds=900, reminder_after_seconds=86400)
THRESHOLD = 5

# (seconds since the previous change, change in reserved units)
hold_changes = st.lists(st.tuples(st.integers(0, 120), st.integers(-8, 8)), min_size=1, max_size=60)


def apply(
    snapshot: StockSnapshot, stock: int, reserved: int, cause: Cause, now: datetime
) -> tuple[StockSnapshot, bool]:
    moved = snapshot.model_copy(update={"stock_count": stock, "reserved_count": reserved})
    evaluation = evaluate(moved, snapshot.status, cause, now, RULES)
    settled = moved.model_copy(
        update={
            "stored_status": evaluation.status,
            "attention": evaluation.attention,
            "alert": evaluation.alert_state,
        }
    )
    return settled, evaluation.alert is not None


@settings(max_examples=200, deadline=None)
@given(changes=hold_changes)
def test_holds_alert_at_most_once_per_cooldown_and_the_check_settles_the_rest(
    changes: list[tuple[int, int]],
) -> None:
    stock = 10
    snapshot = StockSnapshot(
        product_id="P", warehouse_id="main", stock_count=stock, reserved_count=0, threshold_level=THRESHOLD
    )
    now, alert_times = START, []
    for pause, delta in changes:
        now += timedelta(seconds=pause)
        reserved = min(max(snapshot.reserved_count + delta, 0), stock)
        snapshot, alerted = apply(snapshot, stock, reserved, Cause.HOLDS, now)
        if alerted:
            alert_times.append(now)
    # At most one alert from holds in any cool-down window
    assert all(b - a >= timedelta(seconds=900) for a, b in pairwise(alert_times))
    # Whatever was deferred is flagged for the check ...
    if snapshot.status != (snapshot.alert.status or StockStatus.IN_STOCK):
        assert snapshot.attention
    # ... and a check after the cool-down leaves admins told the record's real status
    later = now + timedelta(seconds=901)
    check = evaluate(snapshot, snapshot.stored_status, Cause.CHECK, later, RULES)
    told = check.alert_state.status or StockStatus.IN_STOCK
    assert told == snapshot.status
    assert check.attention == (snapshot.status is not StockStatus.IN_STOCK)


@settings(max_examples=200, deadline=None)
@given(stocks=st.lists(st.integers(0, 20), min_size=1, max_size=30))
def test_stock_changes_alert_exactly_on_each_status_change(stocks: list[int]) -> None:
    snapshot = StockSnapshot(
        product_id="P", warehouse_id="main", stock_count=12, reserved_count=0, threshold_level=THRESHOLD
    )
    now, alerts, changes = START, 0, 0
    for stock in stocks:
        now += timedelta(seconds=1)
        before = snapshot.status
        snapshot, alerted = apply(snapshot, stock, 0, Cause.STOCK, now)
        alerts += alerted
        changes += snapshot.status != before
    assert alerts == changes
    assert snapshot.alert.generation == changes
