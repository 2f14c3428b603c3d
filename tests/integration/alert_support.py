"""Helpers for the alert tests: direct writes to the stock table, and where alerts show up."""

from __future__ import annotations

import json
from typing import Any

from local_stack.stack import LocalStack
from tests.support import wait_for


def put_record(table: Any, product_id: str, stock: int, threshold: int = 5, warehouse: str = "main") -> None:
    table.put_item(
        Item={
            "product_id": product_id,
            "warehouse_id": warehouse,
            "stock_count": stock,
            "reserved_count": 0,
            "available": stock,
            "threshold_level": threshold,
            "category": "alert-tests",
            "last_updated": "2026-01-01T00:00:00.000Z",
            "version": 1,
        }
    )


def set_stock(table: Any, product_id: str, stock: int, warehouse: str = "main") -> dict[str, Any]:
    """What an admin set does to the counts (the version rises); returns the old and new images."""
    response = table.update_item(
        Key={"product_id": product_id, "warehouse_id": warehouse},
        UpdateExpression="SET stock_count = :s, available = :s - reserved_count ADD version :one",
        ConditionExpression="reserved_count <= :s",
        ExpressionAttributeValues={":s": stock, ":one": 1},
        ReturnValues="ALL_NEW",
    )
    return dict(response["Attributes"])


def hold(table: Any, product_id: str, quantity: int, warehouse: str = "main") -> None:
    """A hold as the storage contract defines it (a negative quantity releases)."""
    if quantity >= 0:
        condition, values = "available >= :q", {":q": quantity, ":mq": -quantity}
    else:
        condition, values = "reserved_count >= :r", {":q": quantity, ":mq": -quantity, ":r": -quantity}
    table.update_item(
        Key={"product_id": product_id, "warehouse_id": warehouse},
        UpdateExpression="ADD reserved_count :q, available :mq",
        ConditionExpression=condition,
        ExpressionAttributeValues=values,
    )


def topic_alerts(stack: LocalStack, product_id: str) -> list[dict[str, Any]]:
    """Alerts about `product_id` published on the inventory-alerts topic, oldest first."""
    assert stack.model is not None
    found = []
    for message in stack.feed.messages(stack.model.topics["AlertsTopic"]):
        body = json.loads(message["message"])
        if body.get("product_id") == product_id:
            found.append({**body, "_attributes": message["attributes"]})
    return found


def event_types(stack: LocalStack, product_id: str) -> list[str]:
    return [a["event_type"] for a in topic_alerts(stack, product_id)]


def wait_for_events(stack: LocalStack, product_id: str, expected: list[str], timeout: float = 20) -> None:
    wait_for(
        lambda: event_types(stack, product_id) == expected or None,
        timeout,
        what=f"alerts {expected} for {product_id} (have {event_types(stack, product_id)})",
    )


def wait_for_status(table: Any, product_id: str, status: str, warehouse: str = "main") -> dict[str, Any]:
    """Until the alert function has stored `status` for the record (it processed the change)."""

    def stored() -> dict[str, Any] | None:
        item = table.get_item(Key={"product_id": product_id, "warehouse_id": warehouse}, ConsistentRead=True)
        record = item.get("Item")
        return record if record and record.get("status") == status else None

    return wait_for(stored, 20, what=f"stored status {status} on {product_id}")
