"""A demo catalogue for `make run`: a few dozen products in two warehouses, some low or out of stock."""

from __future__ import annotations

from typing import Any

from inventory.domain.ledger import Counts, MovementKind, new_movement
from inventory.models import Product, StockRecord, iso, utc_now
from inventory.store.stock_changes import DynamoStockChanges, product_item
from inventory.store.stock_records import DynamoStockRecordStore

WAREHOUSES = ("main", "east")
_CATEGORIES = {
    "apparel": ["tshirt-basic", "hoodie-zip", "socks-wool", "cap-logo", "jacket-rain", "scarf-knit"],
    "footwear": ["runner-pro", "trail-max", "sandal-lite", "boot-winter", "sneaker-classic", "slipper-home"],
    "electronics": ["earbuds-x", "charger-65w", "cable-usbc", "speaker-mini", "powerbank-10k", "watch-fit"],
    "home": ["mug-ceramic", "lamp-desk", "pillow-memory", "towel-bath", "candle-soy", "vase-glass"],
    "outdoor": ["tent-2p", "bottle-steel", "backpack-30l", "lantern-led", "hammock-trek", "stove-camp"],
    "books": ["novel-sea", "cookbook-veg", "atlas-world", "guide-birds", "poetry-moon", "comic-hero"],
}


def demo_records() -> list[StockRecord]:
    now = iso(utc_now())
    records = []
    for c_index, (category, products) in enumerate(sorted(_CATEGORIES.items())):
        for p_index, name in enumerate(products):
            product_id = f"SKU-{name.upper()}"
            for w_index, warehouse in enumerate(WAREHOUSES):
                seed = c_index * 7 + p_index * 3 + w_index
                threshold = 5 + seed % 6
                if seed % 11 == 0:
                    stock = 0  # out of stock
                elif seed % 5 == 0:
                    stock = threshold - 2  # low
                else:
                    stock = 20 + (seed * 13) % 180
                records.append(
                    StockRecord(
                        product_id=product_id,
                        warehouse_id=warehouse,
                        stock_count=max(stock, 0),
                        reserved_count=0,
                        threshold_level=threshold,
                        category=category,
                        last_updated=now,
                        version=1,
                    )
                )
    return records


def demo_products() -> list[Product]:
    now = iso(utc_now())
    products = []
    for c_index, (category, names) in enumerate(sorted(_CATEGORIES.items())):
        for p_index, name in enumerate(names):
            products.append(
                Product(
                    sku=f"SKU-{name.upper()}",
                    name=name.replace("-", " ").capitalize(),
                    description=f"Demo {category} product",
                    price=round(4.99 + (c_index * 6 + p_index) * 3.5, 2),
                    category=category,
                    created_at=now,
                    updated_at=now,
                )
            )
    return products


def created(record: StockRecord, reason: str) -> Any:
    """The ledger's first movement of a record: its creation with its counts."""
    return new_movement(
        product_id=record.product_id,
        warehouse_id=record.warehouse_id,
        kind=MovementKind.CREATED,
        actor="demo",
        reason=reason,
        before=Counts(stock_count=0, reserved_count=0),
        after=Counts(stock_count=record.stock_count, reserved_count=record.reserved_count),
    )


def load_demo_catalogue(
    inventory_table: Any, products_table: Any | None = None, ledger_table_name: str | None = None
) -> int:
    """Stock records, and the catalogue's products when the template has a products table. With a
    ledger, each record is written with its CREATED movement, so its ledger sums to its counts."""
    records = demo_records()
    # products first: a stock record visible to a client always has its product
    if products_table is not None:
        for product in demo_products():
            products_table.put_item(Item=product_item(product))
    if ledger_table_name is None:
        store = DynamoStockRecordStore(inventory_table)
        for record in records:
            store.create(record)
    else:
        changes = DynamoStockChanges(inventory_table, ledger_table_name)
        for record in records:
            changes.add_record(record, created(record, "demo catalogue"))
    return len(records)
