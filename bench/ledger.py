"""The stock ledger read straight from its table: one movement per change of a stock record."""

from __future__ import annotations

import math
from typing import Any

SEEDING_KINDS = {"CREATED", "ADMIN_SET"}


def movements(ddb: Any, ledger_table: str, sku: str) -> list[dict[str, str]]:
    """Every movement of a product as {"kind", "reference"}, read consistently."""
    found: list[dict[str, str]] = []
    kwargs: dict[str, Any] = {
        "TableName": ledger_table,
        "KeyConditionExpression": "product_id = :p",
        "ExpressionAttributeValues": {":p": {"S": sku}},
        "ConsistentRead": True,
    }
    while True:
        page = ddb.query(**kwargs)
        for item in page["Items"]:
            found.append(
                {
                    "kind": item.get("kind", {}).get("S", ""),
                    "reference": item.get("reference", {}).get("S", ""),
                }
            )
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def item_kib(ddb: Any, table: str, key: dict[str, Any]) -> int:
    """How many 1 KB write blocks an item takes (names plus values, DynamoDB's rule, roughly)."""
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
    size = sum(
        len(name.encode()) + len(str(next(iter(value.values()))).encode()) for name, value in item.items()
    )
    return max(1, math.ceil(size / 1024))
