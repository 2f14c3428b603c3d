"""The catalogue (ProductsTable, PK `sku`). New products are written by `StockChanges.add_record`,
in one transaction with their first stock record."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from inventory.domain.paging import decode_token, encode_token, invalid_token
from inventory.models import Product
from inventory.store.items import from_item

_KEYS = frozenset({"sku"})


class DynamoProductStore:
    def __init__(self, table: Any) -> None:
        self._table = table

    def product(self, sku: str) -> Product | None:
        item = self._table.get_item(Key={"sku": sku}, ConsistentRead=True).get("Item")
        return Product.model_validate(from_item(item)) if item else None

    def page(self, limit: int, next_token: str | None) -> tuple[list[Product], str | None]:
        """One page of the catalogue, in the table's (hash) order."""
        kwargs: dict[str, Any] = {"Limit": limit}
        start = decode_token(next_token, _KEYS)
        if start is not None:
            kwargs["ExclusiveStartKey"] = start
        try:
            page = self._table.scan(**kwargs)
        except ClientError as exc:
            if start is not None and exc.response["Error"]["Code"] == "ValidationException":
                raise invalid_token() from exc
            raise
        products = [Product.model_validate(from_item(item)) for item in page.get("Items", [])]
        return products, encode_token(page.get("LastEvaluatedKey"))
