"""What the stock and catalogue use cases need from storage (implemented in `inventory.store`)."""

from __future__ import annotations

from typing import Protocol

from inventory.domain.ledger import Movement
from inventory.errors import InventoryError, ProductNotFound, StockRecordNotFound
from inventory.models import Product, StockRecord, StockStatus


class StockRecordStore(Protocol):
    def records_for_product(self, product_id: str) -> list[StockRecord]: ...

    def record(self, product_id: str, warehouse_id: str) -> StockRecord | None: ...

    def create(self, record: StockRecord) -> None: ...


def product_not_found(product_id: str) -> ProductNotFound:
    return ProductNotFound(f"product {product_id!r} has no stock records", product_id=product_id)


def missing_record(store: StockRecordStore, product_id: str, warehouse_id: str) -> InventoryError:
    """Why a (product, warehouse) record is absent: an unknown product, or a warehouse it is not in."""
    if not store.records_for_product(product_id):
        return product_not_found(product_id)
    return StockRecordNotFound(
        f"product {product_id!r} is not stocked in warehouse {warehouse_id!r}",
        product_id=product_id,
        warehouse_id=warehouse_id,
    )


class RecordChanged(Exception):
    """The stock record was not as read when the write was attempted."""


class StockChanges(Protocol):
    def replace(self, before: StockRecord, after: StockRecord, movement: Movement) -> None: ...

    def add_record(self, record: StockRecord, movement: Movement, product: Product | None = None) -> None: ...


class StockQueries(Protocol):
    def records_by_key(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], StockRecord]: ...

    def list_records(
        self,
        *,
        category: str | None,
        status: StockStatus | None,
        warehouse_id: str | None,
        limit: int,
        next_token: str | None,
    ) -> tuple[list[StockRecord], str | None]: ...


class ProductStore(Protocol):
    def product(self, sku: str) -> Product | None: ...

    def page(self, limit: int, next_token: str | None) -> tuple[list[Product], str | None]: ...
