"""Stock records in the `inventory-management` table (PK `product_id`, SK `warehouse_id`)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from inventory.errors import StockRecordAlreadyExists
from inventory.models import StockRecord
from inventory.store.items import from_item


def record_item(record: StockRecord) -> dict[str, Any]:
    """The stored form of a record.

    Storage contract, kept by every writer:
    - `available` is stored and always equals `stock_count - reserved_count`, because a condition
      expression cannot do arithmetic: holds are `ADD reserved_count :q, available -:q` guarded
      by `available >= :q`, so concurrent holds need no read and can never oversell.
    - `status` is stored for indexes; reads recompute it from the counts, so it is never trusted.
    """
    return record.model_dump(mode="json", exclude_none=True)


def record_from_item(item: dict[str, Any]) -> StockRecord:
    return StockRecord.model_validate(from_item(item))


class DynamoStockRecordStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def records_for_product(self, product_id: str) -> list[StockRecord]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("product_id").eq(product_id),
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [record_from_item(item) for item in items]

    def record(self, product_id: str, warehouse_id: str) -> StockRecord | None:
        item = self._table.get_item(
            Key={"product_id": product_id, "warehouse_id": warehouse_id}, ConsistentRead=True
        ).get("Item")
        return record_from_item(item) if item else None

    def create(self, record: StockRecord) -> None:
        try:
            self._table.put_item(
                Item=record_item(record),
                ConditionExpression="attribute_not_exists(product_id)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise StockRecordAlreadyExists(
                    "a stock record for this product and warehouse already exists",
                    product_id=record.product_id,
                    warehouse_id=record.warehouse_id,
                ) from exc
            raise
