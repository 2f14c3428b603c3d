"""Reads over many stock records: batch availability and the admin list.

The list never scans for a filter that has an index: `category` queries `category-index`, `status`
queries `status-index` (the stored `status`, refreshed by every admin set, adjustment and
fulfilment; keys only, so the records themselves are then read by key, strongly consistent). Only
an unfiltered or warehouse-only list reads the table page by page, because it asks for every
record anyway.
"""

from __future__ import annotations

import random
import time
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from inventory.domain.paging import decode_token, encode_token, invalid_token
from inventory.errors import TransientStoreError
from inventory.models import StockRecord, StockStatus
from inventory.store.stock_records import record_from_item

CATEGORY_INDEX = "category-index"
STATUS_INDEX = "status-index"
_TABLE_KEYS = frozenset({"product_id", "warehouse_id"})
_BATCH_ATTEMPTS = 5
_BATCH_SIZE = 100


class DynamoStockQueries:
    def __init__(self, table: Any) -> None:
        self._table = table

    def records_by_key(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], StockRecord]:
        """Strongly consistent BatchGetItem; keys that are not stocked are simply absent."""
        found: dict[tuple[str, str], StockRecord] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _BATCH_SIZE):
            request: dict[str, Any] = {
                self._table.name: {
                    "Keys": [
                        {"product_id": p, "warehouse_id": w} for p, w in unique[start : start + _BATCH_SIZE]
                    ],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(_BATCH_ATTEMPTS):
                reply = self._table.meta.client.batch_get_item(RequestItems=request)
                for item in reply.get("Responses", {}).get(self._table.name, []):
                    record = record_from_item(item)
                    found[(record.product_id, record.warehouse_id)] = record
                request = reply.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not crypto
            else:
                raise TransientStoreError("BatchGetItem left keys unprocessed after retries")
        return found

    def list_records(
        self,
        *,
        category: str | None,
        status: StockStatus | None,
        warehouse_id: str | None,
        limit: int,
        next_token: str | None,
    ) -> tuple[list[StockRecord], str | None]:
        kwargs: dict[str, Any] = {"Limit": limit}
        filters: list[ConditionBase] = []
        if category is not None:
            kwargs.update(IndexName=CATEGORY_INDEX, KeyConditionExpression=Key("category").eq(category))
            key_names = _TABLE_KEYS | {"category"}
            if status is not None:
                filters.append(Attr("status").eq(status.value))
        elif status is not None:
            kwargs.update(IndexName=STATUS_INDEX, KeyConditionExpression=Key("status").eq(status.value))
            key_names = _TABLE_KEYS | {"status"}
        else:
            key_names = _TABLE_KEYS
        if warehouse_id is not None:
            filters.append(Attr("warehouse_id").eq(warehouse_id))
        if filters:
            condition = filters[0]
            for extra in filters[1:]:
                condition = condition & extra
            kwargs["FilterExpression"] = condition
        start = decode_token(next_token, key_names)
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        read = self._table.query if "IndexName" in kwargs else self._table.scan
        try:
            page = read(**kwargs)
        except ClientError as exc:
            if start is not None and exc.response["Error"]["Code"] == "ValidationException":
                raise invalid_token() from exc
            raise
        items = page.get("Items", [])
        if kwargs.get("IndexName") == STATUS_INDEX:
            keys = [(item["product_id"], item["warehouse_id"]) for item in items]
            found = self.records_by_key(keys)
            records = [found[key] for key in keys if key in found]  # a record deleted since is skipped
        else:
            records = [record_from_item(item) for item in items]
        return records, encode_token(page.get("LastEvaluatedKey"))
