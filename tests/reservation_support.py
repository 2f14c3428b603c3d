"""Helpers for the reservation tests: stock to reserve, executions to start and watch."""

from __future__ import annotations

import json
from typing import Any

from inventory.domain.reservation_models import execution_name
from inventory.models import StockRecord, iso, utc_now
from inventory.store.stock_records import DynamoStockRecordStore

from tests.support import wait_for


def given_stock(
    table: Any, product_id: str, stock: int, warehouse_id: str = "main", threshold: int = 0
) -> None:
    DynamoStockRecordStore(table).create(
        StockRecord(
            product_id=product_id,
            warehouse_id=warehouse_id,
            stock_count=stock,
            reserved_count=0,
            threshold_level=threshold,
            category="test",
            last_updated=iso(utc_now()),
            version=1,
        )
    )


def counts(table: Any, product_id: str, warehouse_id: str = "main") -> tuple[int, int, int]:
    """(stock_count, reserved_count, stored available) of one record, read consistently."""
    item = table.get_item(Key={"product_id": product_id, "warehouse_id": warehouse_id}, ConsistentRead=True)[
        "Item"
    ]
    return int(item["stock_count"]), int(item["reserved_count"]), int(item["available"])


def start(sfn: Any, machine_arn: str, reservation_id: str, items: list[dict[str, Any]], **extra: Any) -> str:
    body = {"reservation_id": reservation_id, "items": items, **extra}
    arn: str = sfn.start_execution(
        stateMachineArn=machine_arn, name=execution_name(reservation_id), input=json.dumps(body)
    )["executionArn"]
    return arn


def finished(sfn: Any, arn: str, timeout: float = 30) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        description: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if description["status"] == "RUNNING":
            return None
        # moto marks an execution FAILED a moment before it records the error
        return None if description["status"] == "FAILED" and "error" not in description else description

    return wait_for(done, timeout=timeout, interval=0.05, what=f"execution {arn} to finish")


def record(table: Any, reservation_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = table.get_item(
        Key={"reservation_id": reservation_id}, ConsistentRead=True
    ).get("Item")
    return item


def waiting_token(table: Any, reservation_id: str, not_this: str | None = None, timeout: float = 30) -> str:
    """The Hold task's token once the reservation waits for a decision."""

    def token() -> str | None:
        item = record(table, reservation_id)
        value = item.get("task_token") if item else None
        return str(value) if value and value != not_this else None

    return wait_for(token, timeout=timeout, interval=0.05, what=f"{reservation_id} to wait for a decision")


def entered_states(sfn: Any, arn: str) -> list[str]:
    """Names of the states the execution entered, in order: each one is a billed transition."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events.extend(page["events"])
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def reservation_events(stack: Any, reservation_id: str) -> list[dict[str, Any]]:
    """The reservation's outcome events in the local SNS feed, in the order they were published."""
    assert stack.model is not None
    topic = stack.model.topics["ReservationEventsTopic"]
    return [m for m in stack.feed.messages(topic) if m["attributes"].get("reservation_id") == reservation_id]
