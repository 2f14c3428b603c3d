"""The holds on one product, read by key: a query of its ledger partition (newest first, filtered
by kind), then one consistent BatchGetItem of the reservations the movements name."""

from __future__ import annotations

import time
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from inventory.domain.ledger import LedgerPage, Movement, MovementKind
from inventory.domain.reservation_models import Reservation
from inventory.store.items import from_item
from inventory.store.reservations import reservation_from_item

BATCH_GET_MAX = 100
UNPROCESSED_RETRIES = 5


class DynamoProductReservations:
    def __init__(self, ledger: Any, reservations: Any) -> None:
        self._ledger = ledger
        self._reservations = reservations
        self._client = reservations.meta.client

    def movements(
        self,
        product_id: str,
        kinds: frozenset[MovementKind],
        limit: int,
        since: str | None = None,
        start_after: str | None = None,
    ) -> LedgerPage:
        condition: Any = Key("product_id").eq(product_id)
        if since is not None:
            condition = condition & Key("movement_id").gte(since)
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "FilterExpression": Attr("kind").is_in(sorted(k.value for k in kinds)),
            "ScanIndexForward": False,
            "Limit": max(1, limit),
        }
        if start_after:
            kwargs["ExclusiveStartKey"] = {"product_id": product_id, "movement_id": start_after}
        page = self._ledger.query(**kwargs)
        movements = [Movement.model_validate(from_item(item)) for item in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return LedgerPage(movements=movements, next_token=last["movement_id"] if last else None)

    def reservations(self, reservation_ids: list[str]) -> dict[str, Reservation]:
        found: dict[str, Reservation] = {}
        table = self._reservations.name
        for start in range(0, len(reservation_ids), BATCH_GET_MAX):
            keys: list[dict[str, Any]] = [
                {"reservation_id": rid} for rid in reservation_ids[start : start + BATCH_GET_MAX]
            ]
            for attempt in range(UNPROCESSED_RETRIES):
                if attempt:
                    time.sleep(0.05 * 2**attempt)  # unprocessed keys: the table is throttling
                answer = self._client.batch_get_item(
                    RequestItems={table: {"Keys": keys, "ConsistentRead": True}}
                )
                for item in answer.get("Responses", {}).get(table, []):
                    reservation = reservation_from_item(item)
                    found[reservation.reservation_id] = reservation
                keys = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
                if not keys:
                    break
        return found
