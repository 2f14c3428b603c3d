"""The order service's queue: ReserveInventory messages start reservations; outcomes come back on SQS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import counts, given_stock, record
from tests.support import wait_for


@pytest.fixture
def sqs(aws: Any) -> Any:
    return aws("sqs")


def queue_url(stack: LocalStack, logical_id: str) -> str:
    assert stack.model is not None
    return stack.model.queues[logical_id]


def outcomes(sqs: Any, stack: LocalStack, order_id: str, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reads the order-events queue, keeping this order's events (and deleting every message read)."""
    url = queue_url(stack, "OrderEventsQueue")
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages", []
    ):
        body = json.loads(message["Body"])
        if body.get("order_id") == order_id:
            seen.append(body)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def drained(sqs: Any, url: str) -> bool:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"]
        == attributes["ApproximateNumberOfMessagesNotVisible"]
        == "0"
    )


def order(order_id: str, sku: str, quantity: int) -> str:
    return json.dumps(
        {
            "type": "ReserveInventory",
            "order_id": order_id,
            "customer_id": "customer-1",
            "items": [{"sku": sku, "quantity": quantity}],
            "timestamp": "2026-11-22T05:00:00Z",
            "hold_seconds": 30,
        }
    )


def test_a_message_reserves_once_even_when_delivered_twice(
    stack: LocalStack, sqs: Any, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    order_id = f"O-{unique_id}"
    url = queue_url(stack, "OrderQueue")
    # When the same order arrives twice
    sqs.send_message(QueueUrl=url, MessageBody=order(order_id, unique_id, 2))
    sqs.send_message(QueueUrl=url, MessageBody=order(order_id, unique_id, 2))
    reservations = local_table(stack, "ReservationsTable")
    wait_for(lambda: record(reservations, order_id), timeout=30, what="the order's reservation")
    # Then the order service hears InventoryReserved, and the stock is held once
    seen: list[dict[str, Any]] = []
    wait_for(
        lambda: [e for e in outcomes(sqs, stack, order_id, seen) if e["event_type"] == "InventoryReserved"],
        30,
    )
    wait_for(lambda: drained(sqs, url), timeout=30, what="both deliveries to be handled")
    assert counts(inventory_table, unique_id) == (5, 2, 3)
    assert record(reservations, order_id)["source"] == "queue"


def test_an_order_that_cannot_be_served_is_reported(
    stack: LocalStack, sqs: Any, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 1)
    order_id = f"O-{unique_id}"
    sqs.send_message(QueueUrl=queue_url(stack, "OrderQueue"), MessageBody=order(order_id, unique_id, 3))
    seen: list[dict[str, Any]] = []
    failed = wait_for(
        lambda: [
            e for e in outcomes(sqs, stack, order_id, seen) if e["event_type"] == "InventoryReservationFailed"
        ],
        timeout=30,
        what="InventoryReservationFailed",
    )
    assert failed[0]["error"]["code"] == "INSUFFICIENT_STOCK"
    assert counts(inventory_table, unique_id) == (1, 0, 1)


def test_an_order_for_an_unknown_sku_is_reported(stack: LocalStack, sqs: Any, unique_id: str) -> None:
    order_id = f"O-{unique_id}"
    sqs.send_message(
        QueueUrl=queue_url(stack, "OrderQueue"), MessageBody=order(order_id, f"NO-{unique_id}", 1)
    )
    seen: list[dict[str, Any]] = []
    failed = wait_for(
        lambda: [
            e for e in outcomes(sqs, stack, order_id, seen) if e["event_type"] == "InventoryReservationFailed"
        ],
        timeout=30,
        what="InventoryReservationFailed",
    )
    assert failed[0]["error"]["code"] == "PRODUCT_NOT_FOUND"


def test_a_bad_message_is_reported_alone(stack: LocalStack, unique_id: str) -> None:
    assert stack.runtime is not None
    good = {"messageId": "good", "body": order(f"O-{unique_id}", "SKU-MUG-CERAMIC", 1)}
    bad = {"messageId": "bad", "body": json.dumps({"type": "ReserveInventory", "order_id": "x", "items": []})}
    records = [
        {
            **r,
            "receiptHandle": r["messageId"],
            "attributes": {},
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
            "awsRegion": "us-east-1",
        }
        for r in (good, bad)
    ]
    result = stack.runtime.invoke("OrderQueueFunction", {"Records": records})
    assert result.function_error is None
    assert json.loads(result.payload) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
