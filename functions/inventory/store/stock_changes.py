"""Writes that change stock, each in one `TransactWriteItems` with its ledger movement.

Every change is conditional on the record being exactly as it was read (`version`, `stock_count`
and `reserved_count`), so `available` (stored, = stock - reserved) and the movement's before/after
counts are exact, and no concurrent hold, release or admin write can be lost. A failed condition
raises `RecordChanged`; the domain re-reads and decides (conflict for the client, or a retry).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from inventory.domain.ledger import Movement
from inventory.domain.stock_ports import RecordChanged
from inventory.errors import ProductAlreadyExists, StockRecordAlreadyExists, TransientStoreError
from inventory.models import Product, StockRecord
from inventory.store.ledger import movement_put
from inventory.store.stock_records import record_item


def product_item(product: Product) -> dict[str, Any]:
    item = product.model_dump(mode="json", exclude_none=True)
    if "price" in item:
        item["price"] = Decimal(str(item["price"]))  # DynamoDB numbers are Decimals, never floats
    return item


_THROTTLED = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
}


def _cancellation_codes(error: ClientError) -> list[str]:
    return [str(r.get("Code") or "None") for r in error.response.get("CancellationReasons", [])]


class DynamoStockChanges:
    """`inventory_table` is a boto3 Table resource; its client (`meta.client`) takes plain Python values."""

    def __init__(self, inventory_table: Any, ledger_table_name: str, products_table_name: str | None = None):
        self._table = inventory_table
        self._client = inventory_table.meta.client
        self._ledger = ledger_table_name
        self._products = products_table_name

    def _transact(self, actions: list[dict[str, Any]]) -> None:
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            # throttling that outlasted the client's retries: the caller may repeat (503 SERVICE_BUSY)
            if exc.response["Error"]["Code"] in _THROTTLED:
                raise TransientStoreError(exc.response["Error"]["Code"]) from exc
            raise

    def replace(self, before: StockRecord, after: StockRecord, movement: Movement) -> None:
        names = {
            "#stock": "stock_count",
            "#reserved": "reserved_count",
            "#available": "available",
            "#threshold": "threshold_level",
            "#status": "status",
            "#updated": "last_updated",
            "#version": "version",
        }
        values: dict[str, Any] = {
            ":stock": after.stock_count,
            ":available": after.available,
            ":threshold": after.threshold_level,
            ":status": after.status.value,
            ":updated": after.last_updated,
            ":version": after.version,
            ":seen_version": before.version,
            ":seen_stock": before.stock_count,
            ":seen_reserved": before.reserved_count,
        }
        update = (
            "SET #stock = :stock, #available = :available, #threshold = :threshold, #status = :status, "
            "#updated = :updated, #version = :version"
        )
        if after.category is not None:
            names["#category"] = "category"
            values[":category"] = after.category
            update += ", #category = :category"
        try:
            self._transact(
                [
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"product_id": before.product_id, "warehouse_id": before.warehouse_id},
                            "UpdateExpression": update,
                            "ConditionExpression": "#version = :seen_version AND #stock = :seen_stock "
                            "AND #reserved = :seen_reserved",
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                    movement_put(self._ledger, movement),
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(exc)
            if not codes or codes[0] == "ConditionalCheckFailed" or "TransactionConflict" in codes:
                raise RecordChanged from exc
            raise TransientStoreError(f"stock change cancelled: {codes}") from exc

    def add_record(self, record: StockRecord, movement: Movement, product: Product | None = None) -> None:
        """A new stock record (and, from the catalogue, its product), refusing to overwrite either."""
        actions: list[dict[str, Any]] = []
        if product is not None:
            if self._products is None:
                raise ValueError("this store was built without the products table")
            actions.append(
                {
                    "Put": {
                        "TableName": self._products,
                        "Item": product_item(product),
                        "ConditionExpression": "attribute_not_exists(sku)",
                    }
                }
            )
        record_index = len(actions)
        actions.append(
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": record_item(record),
                    "ConditionExpression": "attribute_not_exists(product_id)",
                }
            }
        )
        actions.append(movement_put(self._ledger, movement))
        try:
            self._transact(actions)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = _cancellation_codes(exc)
            if product is not None and codes and codes[0] == "ConditionalCheckFailed":
                raise ProductAlreadyExists(
                    f"product {product.sku!r} already exists", sku=product.sku
                ) from exc
            if len(codes) > record_index and codes[record_index] == "ConditionalCheckFailed":
                raise StockRecordAlreadyExists(
                    f"product {record.product_id!r} already has a stock record in warehouse "
                    f"{record.warehouse_id!r}",
                    product_id=record.product_id,
                    warehouse_id=record.warehouse_id,
                ) from exc
            raise TransientStoreError(f"stock record creation cancelled: {codes}") from exc
