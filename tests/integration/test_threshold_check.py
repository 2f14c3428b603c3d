"""checkThresholds: reads only flagged records, sends what was deferred or left unpublished, and
reminds about products still low - against the local stack's real tables and topic.

Checks that must happen "later" run the same domain service with a clock moved forward.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from inventory.domain.stock_alerts import AlertRules, AlertService, AlertState, Cause, StockSnapshot, evaluate
from inventory.models import StockStatus, iso, utc_now
from inventory.store.alerts import DynamoAlertStore, SnsAlertPublisher

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.integration.alert_support import (
    event_types,
    hold,
    put_record,
    topic_alerts,
    wait_for_events,
    wait_for_status,
)
from tests.support import ROOT, aws_client

SCHEDULED_EVENT = json.loads(Path(ROOT / "events/CheckThresholdsFunction/scheduled.json").read_text())


@pytest.fixture
def store(stack: LocalStack) -> DynamoAlertStore:
    return DynamoAlertStore(local_table(stack, "InventoryTable"), local_table(stack, "AlertsTable"))


@pytest.fixture
def service_at(stack: LocalStack, store: DynamoAlertStore) -> Callable[[datetime], AlertService]:
    assert stack.model is not None
    publisher = SnsAlertPublisher(aws_client("sns", stack.aws_url), stack.model.topics["AlertsTopic"])
    rules = AlertRules(cooldown_seconds=900, reminder_after_seconds=86400)
    return lambda moment: AlertService(store, publisher, rules, clock=lambda: moment)


def flagged_count(table: Any) -> int:
    count, kwargs = 0, {"Select": "COUNT", "IndexName": "attention-index"}
    while True:
        page = table.scan(**kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_check(stack: LocalStack) -> dict[str, Any]:
    assert stack.runtime is not None
    result = stack.runtime.invoke("CheckThresholdsFunction", SCHEDULED_EVENT)
    assert result.function_error is None, result.payload
    report: dict[str, Any] = json.loads(result.payload)
    return report


def test_the_check_reads_only_flagged_records(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given a catalogue with a few low records among many in stock, and one more just gone low
    put_record(inventory_table, unique_id, stock=2, threshold=5)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    total = inventory_table.scan(Select="COUNT")["Count"]
    # When the scheduled check runs
    before = flagged_count(inventory_table)
    report = run_check(stack)
    after = flagged_count(inventory_table)
    # Then it read the flagged records (the low and out-of-stock ones), not the table
    assert min(before, after) <= report["records_read"] <= max(before, after)
    assert 0 < report["records_read"] < total
    assert report["alerts"] == 0  # nothing was owed: the stream announced every transition


def test_a_transition_deferred_by_the_flood_rule_is_sent_by_the_check_once_cooled_down(
    stack: LocalStack,
    inventory_table: Any,
    unique_id: str,
    service_at: Callable[[datetime], AlertService],
) -> None:
    # Given carts took a record low (announced) and gave the units back within the cool-down
    put_record(inventory_table, unique_id, stock=10, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    hold(inventory_table, unique_id, 6)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    hold(inventory_table, unique_id, -6)
    assert wait_for_status(inventory_table, unique_id, "IN_STOCK")["attention"] == "1"
    # When the check runs before the cool-down ends: still nothing
    service_at(utc_now()).check()
    assert event_types(stack, unique_id) == ["LOW_STOCK"]
    # When it runs after the cool-down, twice
    later = utc_now() + timedelta(seconds=901)
    first, second = service_at(later).check(), service_at(later).check()
    # Then "back in stock" was sent once, and the record left the check's index
    assert event_types(stack, unique_id) == ["LOW_STOCK", "BACK_IN_STOCK"]
    assert first.alerts >= 1 and second.alerts == 0
    item = inventory_table.get_item(Key={"product_id": unique_id, "warehouse_id": "main"})["Item"]
    assert item["alert_status"] == "IN_STOCK" and "attention" not in item


def test_a_product_still_low_after_the_reminder_period_goes_into_one_digest(
    stack: LocalStack,
    inventory_table: Any,
    unique_id: str,
    service_at: Callable[[datetime], AlertService],
) -> None:
    # Given a product announced low
    put_record(inventory_table, unique_id, stock=2, threshold=5)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    wait_for_status(inventory_table, unique_id, "LOW_STOCK")
    assert stack.model is not None
    topic = stack.model.topics["AlertsTopic"]

    def digests_naming_it() -> list[dict[str, Any]]:
        bodies = [json.loads(m["message"]) for m in stack.feed.messages(topic)]
        return [
            b
            for b in bodies
            if b.get("event_type") == "LOW_STOCK_REMINDER"
            and unique_id in {a["product_id"] for a in b["alerts"]}
        ]

    # When the check runs a day and a bit later, twice
    later = utc_now() + timedelta(days=1, minutes=5)
    report = service_at(later).check()
    service_at(later).check()
    # Then exactly one digest names it, with its counts, and it is not re-alerted as a transition
    digests = digests_naming_it()
    assert len(digests) == 1 and report.reminders >= 1
    entry = next(a for a in digests[0]["alerts"] if a["product_id"] == unique_id)
    assert entry["stock_count"] == 2 and entry["new_status"] == "LOW_STOCK"
    assert entry["alert_id"] == f"{unique_id}:main:t1:r1"
    assert event_types(stack, unique_id) == ["LOW_STOCK"]


def test_an_alert_recorded_but_never_published_is_published_by_the_check_once(
    stack: LocalStack, inventory_table: Any, store: DynamoAlertStore, unique_id: str
) -> None:
    # Given a record whose transition was claimed by a publisher that died before publishing
    put_record(inventory_table, unique_id, stock=20, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    told_low = StockSnapshot(
        product_id=unique_id,
        warehouse_id="main",
        stock_count=20,
        reserved_count=0,
        threshold_level=5,
        category="alert-tests",
        stored_status=StockStatus.IN_STOCK,
        alert=AlertState(status=StockStatus.LOW_STOCK, at=iso(utc_now() - timedelta(hours=2))),
    )
    evaluation = evaluate(told_low, StockStatus.IN_STOCK, Cause.CHECK, utc_now(), AlertRules())
    assert evaluation.alert is not None
    assert store.apply(evaluation, lease_until=0)  # lease already expired: nobody is publishing
    assert topic_alerts(stack, unique_id) == []
    # When the scheduled check runs twice
    first, second = run_check(stack), run_check(stack)
    # Then it was published once, under its transition id, and is no longer pending
    alerts = topic_alerts(stack, unique_id)
    assert [a["alert_id"] for a in alerts] == [f"{unique_id}:main:t1"]
    assert first["republished"] >= 1 and second["alerts_read"] <= first["alerts_read"]
    stored = store.stored_alert(f"{unique_id}:main:t1")
    assert stored is not None and stored.published


class FailsOnce:
    """The real topic publisher, except that the first publish fails (an SNS outage)."""

    def __init__(self, real: SnsAlertPublisher) -> None:
        self.real = real
        self.calls = 0

    def publish(self, alert: Any) -> str:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("SNS unavailable")
        return self.real.publish(alert)

    def publish_digest(self, warehouse_id: str, alerts: list[Any]) -> str:
        return self.real.publish_digest(warehouse_id, alerts)


def test_when_publishing_fails_the_retried_record_publishes_it_once(
    stack: LocalStack, inventory_table: Any, store: DynamoAlertStore, unique_id: str
) -> None:
    assert stack.model is not None
    real = SnsAlertPublisher(aws_client("sns", stack.aws_url), stack.model.topics["AlertsTopic"])
    publisher = FailsOnce(real)
    service = AlertService(store, publisher, AlertRules(), clock=utc_now)
    # Given a record in stock that admins were last told was low (so its next evaluation alerts)
    put_record(inventory_table, unique_id, stock=20, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    seen = StockSnapshot(
        product_id=unique_id,
        warehouse_id="main",
        stock_count=20,
        reserved_count=0,
        threshold_level=5,
        stored_status=StockStatus.IN_STOCK,
        alert=AlertState(status=StockStatus.LOW_STOCK, at=iso(utc_now() - timedelta(hours=1))),
    )
    # When the first delivery claims the transition but SNS fails
    with pytest.raises(ConnectionError):
        service.on_change(seen, None)
    assert topic_alerts(stack, unique_id) == []
    # And the stream retries the same record, twice
    retried = service.on_change(seen, None)
    service.on_change(seen, None)
    # Then the alert went out once, under the id the first delivery claimed
    assert retried is not None
    assert [a["alert_id"] for a in topic_alerts(stack, unique_id)] == [f"{unique_id}:main:t1"]
    stored = store.stored_alert(f"{unique_id}:main:t1")
    assert stored is not None and stored.published


def test_concurrent_checks_send_a_deferred_alert_once(
    stack: LocalStack,
    inventory_table: Any,
    unique_id: str,
    service_at: Callable[[datetime], AlertService],
) -> None:
    # Given a transition deferred by the flood rule
    put_record(inventory_table, unique_id, stock=10, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    hold(inventory_table, unique_id, 6)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    hold(inventory_table, unique_id, -6)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # When four checks run at the same time after the cool-down
    later = utc_now() + timedelta(seconds=901)
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda _: service_at(later).check(), range(4)))
    # Then admins heard "back in stock" once
    assert event_types(stack, unique_id) == ["LOW_STOCK", "BACK_IN_STOCK"]
    assert sum(r.alerts for r in reports) >= 1
