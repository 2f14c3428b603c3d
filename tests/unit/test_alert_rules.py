"""When a stock change is announced, deferred or reminded (the flood rule), as pure decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from inventory.domain.stock_alerts import (
    AlertRules,
    AlertState,
    Cause,
    StockSnapshot,
    evaluate,
    reminder,
)
from inventory.models import AlertEvent, StockStatus, iso

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
RULES = AlertRules(cooldown_seconds=900, reminder_after_seconds=86400)


def snap(stock: int, reserved: int = 0, threshold: int = 5, **alert: object) -> StockSnapshot:
    return StockSnapshot(
        product_id="SKU-1",
        warehouse_id="main",
        stock_count=stock,
        reserved_count=reserved,
        threshold_level=threshold,
        alert=AlertState.model_validate(alert),
    )


def ago(seconds: int) -> str:
    return iso(NOW - timedelta(seconds=seconds))


@pytest.mark.parametrize(
    ("before", "stock", "event"),
    [
        (StockStatus.IN_STOCK, 0, AlertEvent.OUT_OF_STOCK),  # straight to 0: one alert, not two
        (StockStatus.IN_STOCK, 5, AlertEvent.LOW_STOCK),  # at the threshold is low
        (StockStatus.LOW_STOCK, 0, AlertEvent.OUT_OF_STOCK),
        (StockStatus.OUT_OF_STOCK, 3, AlertEvent.LOW_STOCK),
        (StockStatus.LOW_STOCK, 6, AlertEvent.BACK_IN_STOCK),
    ],
)
def test_a_transition_alerts_once_with_the_next_generation_id(
    before: StockStatus, stock: int, event: AlertEvent
) -> None:
    evaluation = evaluate(snap(stock, status=before, at=ago(60), generation=3), None, Cause.STOCK, NOW, RULES)
    assert evaluation.alert is not None
    assert evaluation.alert.event_type is event
    assert evaluation.alert.previous_status is before
    assert evaluation.alert.alert_id == "SKU-1:main:t4"
    assert evaluation.alert_state.generation == 4 and evaluation.alert_state.status is evaluation.status


def test_no_alert_while_it_stays_low() -> None:
    evaluation = evaluate(
        snap(3, status=StockStatus.LOW_STOCK, at=ago(60), generation=1), None, Cause.STOCK, NOW, RULES
    )
    assert evaluation.alert is None
    assert evaluation.attention  # low records stay on the check's index for reminders


def test_a_record_never_alerted_compares_with_its_old_image() -> None:
    assert evaluate(snap(3), StockStatus.LOW_STOCK, Cause.STOCK, NOW, RULES).alert is None
    alert = evaluate(snap(3), StockStatus.IN_STOCK, Cause.STOCK, NOW, RULES).alert
    assert alert is not None and alert.alert_id == "SKU-1:main:t1"


def test_a_new_record_created_low_alerts_with_no_previous_status() -> None:
    alert = evaluate(snap(2), None, Cause.STOCK, NOW, RULES).alert
    assert alert is not None and alert.previous_status is None and alert.event_type is AlertEvent.LOW_STOCK
    assert evaluate(snap(20), None, Cause.STOCK, NOW, RULES).alert is None


def test_holds_within_the_cooldown_are_deferred_and_flagged() -> None:
    # Announced LOW a minute ago; carts released, so it is back in stock
    evaluation = evaluate(
        snap(10, status=StockStatus.LOW_STOCK, at=ago(60), generation=1), None, Cause.HOLDS, NOW, RULES
    )
    assert evaluation.alert is None
    assert evaluation.status is StockStatus.IN_STOCK and evaluation.attention


def test_holds_after_the_cooldown_alert_at_once() -> None:
    evaluation = evaluate(
        snap(10, reserved=6, status=StockStatus.IN_STOCK, at=ago(901), generation=2),
        None,
        Cause.HOLDS,
        NOW,
        RULES,
    )
    assert evaluation.alert is not None and evaluation.alert.event_type is AlertEvent.LOW_STOCK


def test_what_holds_cannot_undo_alerts_even_within_the_cooldown() -> None:
    evaluation = evaluate(
        snap(0, status=StockStatus.LOW_STOCK, at=ago(5), generation=1), None, Cause.STOCK, NOW, RULES
    )
    assert evaluation.alert is not None and evaluation.alert.event_type is AlertEvent.OUT_OF_STOCK


def test_the_check_alerts_a_deferred_change_once_cooled_down_and_nothing_if_it_settled_back() -> None:
    owed = snap(10, status=StockStatus.LOW_STOCK, at=ago(1000), generation=1)
    alert = evaluate(owed, StockStatus.IN_STOCK, Cause.CHECK, NOW, RULES).alert
    assert alert is not None and alert.event_type is AlertEvent.BACK_IN_STOCK
    settled = snap(10, reserved=6, status=StockStatus.LOW_STOCK, at=ago(1000), generation=1)
    assert evaluate(settled, StockStatus.IN_STOCK, Cause.CHECK, NOW, RULES).alert is None


def test_in_stock_and_announced_as_such_leaves_the_index() -> None:
    evaluation = evaluate(
        snap(30, status=StockStatus.LOW_STOCK, at=ago(60), generation=1), None, Cause.STOCK, NOW, RULES
    )
    assert evaluation.alert is not None and not evaluation.attention


def test_a_reminder_is_due_once_per_period_while_still_low() -> None:
    fresh = snap(2, status=StockStatus.LOW_STOCK, at=ago(3600), generation=1)
    assert reminder(fresh, NOW, RULES) is None
    stale = snap(2, status=StockStatus.LOW_STOCK, at=ago(90000), generation=1)
    due = reminder(stale, NOW, RULES)
    assert due is not None and due.alert is not None
    assert due.alert.event_type is AlertEvent.LOW_STOCK_REMINDER
    assert due.alert.alert_id == "SKU-1:main:t1:r1"
    reminded = snap(
        2, status=StockStatus.LOW_STOCK, at=ago(90000), generation=1, reminders=1, reminded_at=ago(60)
    )
    assert reminder(reminded, NOW, RULES) is None
    assert reminder(snap(20, status=StockStatus.IN_STOCK, at=ago(90000), generation=2), NOW, RULES) is None
