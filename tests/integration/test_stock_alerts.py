"""Low-stock alerts from the stock table's stream, through the local stack and the real template.

Stock changes are written straight to the table (as any writer does); the stack's stream poller
delivers them to StockAlertsFunction, which publishes on the inventory-alerts topic.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from local_stack.stack import LocalStack
from tests.integration.alert_support import (
    event_types,
    hold,
    put_record,
    set_stock,
    topic_alerts,
    wait_for_events,
    wait_for_status,
)
from tests.support import wait_for

_serialize = TypeSerializer().serialize
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/inventory-management/stream/1"


def stream_event(old: dict[str, Any], new: dict[str, Any], sequence: str) -> dict[str, Any]:
    """A Lambda DynamoDB stream event for one MODIFY, shaped like the stack's poller sends it."""
    return {
        "Records": [
            {
                "eventID": f"redelivery-{sequence}",
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "eventSourceARN": STREAM_ARN,
                "dynamodb": {
                    "ApproximateCreationDateTime": 1795000000,
                    "Keys": {k: _serialize(new[k]) for k in ("product_id", "warehouse_id")},
                    "OldImage": {k: _serialize(v) for k, v in old.items()},
                    "NewImage": {k: _serialize(v) for k, v in new.items()},
                    "SequenceNumber": sequence,
                    "SizeBytes": 300,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            }
        ]
    }


def test_one_alert_per_transition_none_while_low_and_one_back_in_stock(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given a record well above its threshold
    put_record(inventory_table, unique_id, stock=20, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # When it drops straight to 0: one OUT_OF_STOCK alert (no LOW_STOCK on the way)
    set_stock(inventory_table, unique_id, 0)
    wait_for_events(stack, unique_id, ["OUT_OF_STOCK"])
    # When partly restocked it is low: one LOW_STOCK alert
    set_stock(inventory_table, unique_id, 4)
    wait_for_events(stack, unique_id, ["OUT_OF_STOCK", "LOW_STOCK"])
    # When it moves while staying low: nothing
    set_stock(inventory_table, unique_id, 3)
    set_stock(inventory_table, unique_id, 2)
    # When it recovers: exactly one BACK_IN_STOCK, and nothing was announced for 3 and 2
    set_stock(inventory_table, unique_id, 30)
    wait_for_events(stack, unique_id, ["OUT_OF_STOCK", "LOW_STOCK", "BACK_IN_STOCK"])

    alerts = topic_alerts(stack, unique_id)
    assert [(a["previous_status"], a["new_status"]) for a in alerts] == [
        ("IN_STOCK", "OUT_OF_STOCK"),
        ("OUT_OF_STOCK", "LOW_STOCK"),
        ("LOW_STOCK", "IN_STOCK"),
    ]
    assert alerts[1]["stock_count"] == 4 and alerts[1]["available"] == 4 and alerts[1]["threshold_level"] == 5
    assert len({a["alert_id"] for a in alerts}) == 3
    assert alerts[0]["_attributes"] == {
        "event_type": "OUT_OF_STOCK",
        "warehouse_id": "main",
        "category": "alert-tests",
    }
    record = wait_for_status(inventory_table, unique_id, "IN_STOCK")
    assert "attention" not in record  # in stock and announced as such: off the check's index


def test_a_threshold_change_re_evaluates_at_once(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given 8 units with threshold 5 (in stock)
    put_record(inventory_table, unique_id, stock=8, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # When an admin raises the threshold to 10
    inventory_table.update_item(
        Key={"product_id": unique_id, "warehouse_id": "main"},
        UpdateExpression="SET threshold_level = :t ADD version :one",
        ExpressionAttributeValues={":t": 10, ":one": 1},
    )
    # Then the record is low now, and stored as such
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    record = wait_for_status(inventory_table, unique_id, "LOW_STOCK")
    assert record["attention"] == "1"


def test_holds_crossing_the_threshold_back_and_forth_alert_once(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given 10 units, threshold 5
    put_record(inventory_table, unique_id, stock=10, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # When carts hold 6 (available 4: low), release, hold and release again
    hold(inventory_table, unique_id, 6)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    hold(inventory_table, unique_id, -6)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    hold(inventory_table, unique_id, 6)
    wait_for_status(inventory_table, unique_id, "LOW_STOCK")
    hold(inventory_table, unique_id, -6)
    record = wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # Then admins heard once; the settled state is owed to them and flagged for the check
    assert event_types(stack, unique_id) == ["LOW_STOCK"]
    assert record["alert_status"] == "LOW_STOCK" and record["attention"] == "1"


def test_redelivered_and_concurrent_batches_never_alert_twice(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    assert stack.runtime is not None
    # Given a record in stock whose drop to 0 the poller is delivering too
    put_record(inventory_table, unique_id, stock=20, threshold=5)
    old = dict(wait_for_status(inventory_table, unique_id, "IN_STOCK"))
    new = set_stock(inventory_table, unique_id, 0)
    event = stream_event(old, new, "900000000000000000001")
    # When the same batch is delivered again twice in a row and four times at once
    results = [stack.runtime.invoke("StockAlertsFunction", event) for _ in range(2)]

    def deliver() -> None:
        results.append(stack.runtime.invoke("StockAlertsFunction", event))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then every delivery succeeded
    assert len(results) == 6
    assert all(r.function_error is None for r in results), [r.payload for r in results]
    assert all(json.loads(r.payload) == {"batchItemFailures": []} for r in results)
    # And a later transition proves the poller got past that change too (records arrive in order)
    set_stock(inventory_table, unique_id, 3)
    wait_for_events(stack, unique_id, ["OUT_OF_STOCK", "LOW_STOCK"])
    # And the drop to 0 was announced exactly once, under one transition id
    alerts = topic_alerts(stack, unique_id)
    assert [a["alert_id"] for a in alerts] == [f"{unique_id}:main:t1", f"{unique_id}:main:t2"]


def test_an_alert_arrives_through_the_sqs_subscription_in_the_template(
    stack: LocalStack, inventory_table: Any, aws: Any, unique_id: str
) -> None:
    assert stack.model is not None
    sqs = aws("sqs")
    queue_url = stack.model.queues["AlertsQueue"]
    # Given a product in stock
    put_record(inventory_table, unique_id, stock=12, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # When it runs low
    set_stock(inventory_table, unique_id, 5)
    received: list[dict[str, Any]] = []

    def arrived() -> list[dict[str, Any]] | None:
        for message in sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("product_id") == unique_id:
                received.append({**body, "_attributes": message.get("MessageAttributes", {})})
        return received or None

    # Then the queue subscribed to the topic gets it as raw JSON with its filterable attributes
    wait_for(arrived, 20, interval=0.2, what="the alert on the SQS subscription")
    alert = received[0]
    assert alert["event_type"] == "LOW_STOCK"
    assert alert["stock_count"] == 5 and alert["threshold_level"] == 5
    assert alert["new_status"] == "LOW_STOCK" and alert["previous_status"] == "IN_STOCK"
    assert alert["_attributes"]["event_type"]["StringValue"] == "LOW_STOCK"
    assert alert["_attributes"]["warehouse_id"]["StringValue"] == "main"


def test_a_writer_replacing_the_whole_item_loses_no_later_alert(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given a record announced low (its alert state is stored on the item)
    put_record(inventory_table, unique_id, stock=10, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    set_stock(inventory_table, unique_id, 3)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    wait_for_status(inventory_table, unique_id, "LOW_STOCK")
    # When a writer replaces the whole item (PutItem), still low, dropping the alert attributes
    put_record(inventory_table, unique_id, stock=2, threshold=5)
    restored = wait_for(
        lambda: (
            (
                i := inventory_table.get_item(Key={"product_id": unique_id, "warehouse_id": "main"})["Item"]
            ).get("alert_gen")
            and i
        ),
        20,
        what="the alert state written back",
    )
    assert restored["alert_status"] == "LOW_STOCK" and restored["attention"] == "1"
    # And it then sells out
    set_stock(inventory_table, unique_id, 0)
    # Then the sell-out is announced under a new transition id (nothing repeated, nothing lost)
    wait_for_events(stack, unique_id, ["LOW_STOCK", "OUT_OF_STOCK"])
    assert [a["alert_id"] for a in topic_alerts(stack, unique_id)] == [
        f"{unique_id}:main:t1",
        f"{unique_id}:main:t2",
    ]
