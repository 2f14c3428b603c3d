"""The stock ledger: one movement per stock change, written in the same transaction as the change.

Every writer builds its `TransactWriteItems` with `movement_put(...)` beside the stock update, so
the ledger and the stock record can never drift. Items: PK `product_id`, SK `movement_id`
(`<ISO time>#<id>`, so a query in reverse gives newest first).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key

from inventory.domain.ledger import LedgerPage, Movement
from inventory.store.items import from_item


def movement_put(table_name: str, movement: Movement) -> dict[str, Any]:
    """A `TransactWriteItems` action appending `movement` (never overwriting one)."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": movement.model_dump(mode="json", exclude_none=True),
            "ConditionExpression": "attribute_not_exists(movement_id)",
        }
    }


class DynamoLedger:
    def __init__(self, table: Any) -> None:
        self._table = table

    def history(self, product_id: str, limit: int, start_after: str | None = None) -> LedgerPage:
        """Newest first. `start_after` is the last movement id of the previous page."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("product_id").eq(product_id),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start_after:
            kwargs["ExclusiveStartKey"] = {"product_id": product_id, "movement_id": start_after}
        page = self._table.query(**kwargs)
        movements = [Movement.model_validate(from_item(item)) for item in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return LedgerPage(movements=movements, next_token=last["movement_id"] if last else None)
