"""Alert state on stock records, the alerts table, and the `inventory-alerts` topic.

Attributes the alert functions own on stock items (other writers use UpdateItem and leave them):
`alert_status`, `alert_at`, `alert_gen`, `alert_reminders`,
`alert_reminded_at`, and `attention` - present only on records that are low, out of stock or owe
an alert, so the sparse `attention-index` lists exactly what the scheduled check must look at.
(A writer that replaces a whole item drops them; the stream's old image still has them and they
are written back.)

Alerts table: PK `alert_id` (the deterministic transition id); `feed` + `feed_key`
(`<at>#<alert_id>`) index every alert newest first; `pending` (sparse) marks alerts not yet
confirmed as published, with `lease_until` guarding against two publishers.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from inventory.domain.stock_alerts import AlertPage, AlertState, Evaluation, StockSnapshot, StoredAlert
from inventory.errors import TransientStoreError, ValidationFailed
from inventory.models import Alert, AlertEvent, StockStatus
from inventory.store.items import from_item

ATTENTION = "1"
FEED = "ALERT"
PENDING = "PENDING"
ATTENTION_INDEX = "attention-index"
FEED_INDEX = "feed-index"
PENDING_INDEX = "pending-index"
_RETRYABLE = {
    "TransactionConflictException",
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
}


def _status(value: Any) -> StockStatus | None:
    try:
        return StockStatus(value) if value is not None else None
    except ValueError:
        return None


def snapshot_from_item(item: dict[str, Any]) -> StockSnapshot | None:
    """A stock item (table, index or stream image, deserialized) as a snapshot; None when it is not
    a complete stock record (then there is nothing to evaluate)."""
    plain = from_item(item)
    try:
        return StockSnapshot(
            product_id=plain["product_id"],
            warehouse_id=plain["warehouse_id"],
            stock_count=int(plain["stock_count"]),
            reserved_count=int(plain.get("reserved_count", 0)),
            threshold_level=int(plain.get("threshold_level", 0)),
            category=plain.get("category"),
            stored_status=_status(plain.get("status")),
            attention="attention" in plain,
            alert=AlertState(
                status=_status(plain.get("alert_status")),
                at=plain.get("alert_at"),
                generation=int(plain.get("alert_gen", 0)),
                reminders=int(plain.get("alert_reminders", 0)),
                reminded_at=plain.get("alert_reminded_at"),
            ),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _alert_row(alert: Alert, lease_until: float) -> dict[str, Any]:
    row = alert.model_dump(mode="json", exclude_none=True)
    row.update(
        feed=FEED,
        feed_key=f"{alert.at}#{alert.alert_id}",
        pending=PENDING,
        lease_until=Decimal(str(round(lease_until, 3))),
    )
    return row


def _stored(row: dict[str, Any]) -> StoredAlert:
    plain = from_item(row)
    return StoredAlert(
        alert=Alert.model_validate(plain),
        published="pending" not in plain,
        lease_until=float(plain.get("lease_until", 0)),
    )


class DynamoAlertStore:
    def __init__(self, inventory_table: Any, alerts_table: Any) -> None:
        self._inventory = inventory_table
        self._alerts = alerts_table
        self.items_read = 0

    def _item_update(self, evaluation: Evaluation) -> dict[str, Any]:
        snap, state = evaluation.snapshot, evaluation.alert_state
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":status": evaluation.status.value,
            ":sc": snap.stock_count,
            ":rc": snap.reserved_count,
            ":th": snap.threshold_level,
        }
        sets = ["#status = :status"]
        removes: list[str] = []
        if evaluation.attention:
            sets.append("attention = :attention")
            values[":attention"] = ATTENTION
        else:
            removes.append("attention")
        # Decided on these counts and this alert state: if either moved, the decision is stale.
        conditions = ["stock_count = :sc", "reserved_count = :rc", "threshold_level = :th"]
        if snap.alert.generation and snap.alert_stored:
            conditions.append("alert_gen = :gen0")
            values[":gen0"] = snap.alert.generation
        else:
            conditions.append("attribute_not_exists(alert_gen)")
        if state != snap.alert or not snap.alert_stored:
            if snap.alert.reminders and snap.alert_stored:
                conditions.append("alert_reminders = :rem0")
                values[":rem0"] = snap.alert.reminders
            else:
                conditions.append("attribute_not_exists(alert_reminders)")
            for attribute, value in (
                ("alert_status", state.status.value if state.status else None),
                ("alert_at", state.at),
                ("alert_gen", state.generation),
                ("alert_reminders", state.reminders or None),  # absent = 0, as the condition expects
                ("alert_reminded_at", state.reminded_at),
            ):
                if value is None:
                    removes.append(attribute)
                else:
                    sets.append(f"{attribute} = :{attribute}")
                    values[f":{attribute}"] = value
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return {
            "TableName": self._inventory.name,
            "Key": {"product_id": snap.product_id, "warehouse_id": snap.warehouse_id},
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def apply(self, evaluation: Evaluation, lease_until: float) -> bool:
        update = self._item_update(evaluation)
        try:
            if evaluation.alert is None:
                self._inventory.update_item(**{k: v for k, v in update.items() if k != "TableName"})
            else:
                self._inventory.meta.client.transact_write_items(
                    TransactItems=[
                        {"Update": update},
                        {
                            "Put": {
                                "TableName": self._alerts.name,
                                "Item": _alert_row(evaluation.alert, lease_until),
                                "ConditionExpression": "attribute_not_exists(alert_id)",
                            }
                        },
                    ]
                )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if "TransactionConflict" in reasons:
                    raise TransientStoreError("alert claim conflicted with another transaction") from exc
                return False
            if code in _RETRYABLE:
                raise TransientStoreError(code) from exc
            raise
        return True

    def stored_alert(self, alert_id: str) -> StoredAlert | None:
        item = self._alerts.get_item(Key={"alert_id": alert_id}, ConsistentRead=True).get("Item")
        return _stored(item) if item else None

    def take_lease(self, alert_id: str, now: float, until: float) -> bool:
        try:
            self._alerts.update_item(
                Key={"alert_id": alert_id},
                UpdateExpression="SET lease_until = :until",
                ConditionExpression="attribute_exists(pending) AND lease_until < :now",
                ExpressionAttributeValues={
                    ":until": Decimal(str(round(until, 3))),
                    ":now": Decimal(str(round(now, 3))),
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_lease(self, alert_id: str) -> None:
        try:
            self._alerts.update_item(
                Key={"alert_id": alert_id},
                UpdateExpression="SET lease_until = :zero",
                ConditionExpression="attribute_exists(pending)",
                ExpressionAttributeValues={":zero": 0},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def mark_published(self, alert_id: str, message_id: str, at: str) -> None:
        self._alerts.update_item(
            Key={"alert_id": alert_id},
            UpdateExpression="SET published_at = :at, message_id = :mid REMOVE pending, lease_until",
            ConditionExpression="attribute_exists(alert_id)",
            ExpressionAttributeValues={":at": at, ":mid": message_id},
        )

    def pending_alerts(self) -> list[StoredAlert]:
        return [_stored(row) for row in self._query(self._alerts, PENDING_INDEX, "pending", PENDING)]

    def records_needing_attention(self) -> Iterator[StockSnapshot]:
        for item in self._query(self._inventory, ATTENTION_INDEX, "attention", ATTENTION):
            self.items_read += 1
            snapshot = snapshot_from_item(item)
            if snapshot is not None:
                yield snapshot

    @staticmethod
    def _query(table: Any, index: str, key: str, value: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": Key(key).eq(value)}
        while True:
            page = table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# -- the feed (GET /alerts) --------------------------------------------------------------------------


def _encode_token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(from_item(key), sort_keys=True).encode()).decode()


def _decode_token(token: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("next_token: is not a token this API issued", field="next_token") from exc
    if not isinstance(key, dict) or set(key) != {"alert_id", "feed", "feed_key"}:
        raise ValidationFailed("next_token: is not a token this API issued", field="next_token")
    if not all(isinstance(v, str) for v in key.values()) or key["feed"] != FEED:
        raise ValidationFailed("next_token: is not a token this API issued", field="next_token")
    return key


class DynamoAlertFeed:
    def __init__(self, alerts_table: Any) -> None:
        self._alerts = alerts_table

    def recent(self, limit: int, next_token: str | None = None) -> AlertPage:
        kwargs: dict[str, Any] = {
            "IndexName": FEED_INDEX,
            "KeyConditionExpression": Key("feed").eq(FEED),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if next_token:
            kwargs["ExclusiveStartKey"] = _decode_token(next_token)
        page = self._alerts.query(**kwargs)
        alerts = [_stored(row).alert for row in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return AlertPage(alerts=alerts, next_token=_encode_token(last) if last else None)


# -- the topic ---------------------------------------------------------------------------------------


def _attributes(event_type: AlertEvent, warehouse_id: str, category: str | None) -> dict[str, Any]:
    attributes = {
        "event_type": {"DataType": "String", "StringValue": event_type.value},
        "warehouse_id": {"DataType": "String", "StringValue": warehouse_id},
    }
    if category:  # SNS refuses empty attribute values
        attributes["category"] = {"DataType": "String", "StringValue": category}
    return attributes


class SnsAlertPublisher:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, alert: Alert) -> str:
        subject = f"{alert.event_type.value}: {alert.product_id} in {alert.warehouse_id}"
        body = {"transition_id": alert.alert_id, **alert.model_dump(mode="json")}
        response = self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=subject[:100],
            Message=json.dumps(body),
            MessageAttributes=_attributes(alert.event_type, alert.warehouse_id, alert.category),
        )
        return str(response["MessageId"])

    def publish_digest(self, warehouse_id: str, alerts: list[Alert]) -> str:
        subject = f"{AlertEvent.LOW_STOCK_REMINDER.value}: {len(alerts)} still low in {warehouse_id}"
        body = {
            "event_type": AlertEvent.LOW_STOCK_REMINDER.value,
            "warehouse_id": warehouse_id,
            "alerts": [a.model_dump(mode="json") for a in alerts],
        }
        response = self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=subject[:100],
            Message=json.dumps(body),
            MessageAttributes=_attributes(AlertEvent.LOW_STOCK_REMINDER, warehouse_id, None),
        )
        return str(response["MessageId"])
