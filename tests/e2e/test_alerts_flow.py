"""`make run`'s server: a stock drop reaches admins on the topic, its SQS subscription and GET /alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import ADMIN_KEY, StackProcess, aws_client, http, wait_for

pytestmark = pytest.mark.e2e
PRODUCT = "SKU-E2E-ALERT"


def test_a_stock_drop_is_announced_on_every_channel(tmp_path: Path) -> None:
    with StackProcess(tmp_path / "state.json", "--fresh") as proc:
        ddb = aws_client("dynamodb", proc.aws_url)
        key = {"product_id": {"S": PRODUCT}, "warehouse_id": {"S": "main"}}
        # Given a product in stock
        ddb.put_item(
            TableName="inventory-management",
            Item={
                **key,
                "stock_count": {"N": "10"},
                "reserved_count": {"N": "0"},
                "available": {"N": "10"},
                "threshold_level": {"N": "5"},
                "category": {"S": "home"},
                "last_updated": {"S": "2026-11-22T10:00:00.000Z"},
                "version": {"N": "1"},
            },
        )
        # When its stock is lowered to 2 (an admin set)
        ddb.update_item(
            TableName="inventory-management",
            Key=key,
            UpdateExpression="SET stock_count = :s, available = :s ADD version :one",
            ExpressionAttributeValues={":s": {"N": "2"}, ":one": {"N": "1"}},
        )

        # Then the topic carries one LOW_STOCK alert (GET /_local/sns)
        def on_topic() -> list[dict[str, Any]] | None:
            messages = http("GET", f"{proc.api_url}/_local/sns").body["messages"]
            found = [json.loads(m["message"]) for m in messages if PRODUCT in m["message"]]
            return found or None

        topic = wait_for(on_topic, 30, interval=0.2, what="the alert on the local SNS feed")
        assert [a["event_type"] for a in topic] == ["LOW_STOCK"]
        # And the queue subscribed in the template receives it
        queue_url = http("GET", f"{proc.api_url}/_local/stack").body["queues"]["AlertsQueue"]
        sqs = aws_client("sqs", proc.aws_url)

        def on_queue() -> dict[str, Any] | None:
            for message in sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", []):
                body: dict[str, Any] = json.loads(message["Body"])
                if body.get("product_id") == PRODUCT:
                    return body
            return None

        queued = wait_for(on_queue, 30, interval=0.2, what="the alert on the SQS subscription")
        assert queued["alert_id"] == topic[0]["alert_id"]
        # And admins see it in the alert feed
        feed = http("GET", f"{proc.api_url}/alerts?limit=100", headers={"x-api-key": ADMIN_KEY})
        assert feed.status == 200
        mine = [a for a in feed.body["alerts"] if a["product_id"] == PRODUCT]
        assert [(a["event_type"], a["stock_count"], a["threshold_level"]) for a in mine] == [
            ("LOW_STOCK", 2, 5)
        ]
