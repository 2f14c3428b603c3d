"""The catalogue (IMS): products, each created with a zero stock record in one transaction."""

from __future__ import annotations

from inventory.domain.ledger import Counts, MovementKind, new_movement
from inventory.domain.stock_levels import totals
from inventory.domain.stock_ports import ProductStore, StockChanges, StockRecordStore
from inventory.errors import ProductNotFound
from inventory.models import (
    DEFAULT_WAREHOUSE,
    Product,
    ProductDetails,
    ProductPage,
    StockRecord,
    iso,
    utc_now,
)

DEFAULT_THRESHOLD = 5


def create_product(
    changes: StockChanges,
    *,
    sku: str,
    name: str,
    description: str | None = None,
    price: float | None = None,
    image_url: str | None = None,
    category: str | None = None,
    warehouse_id: str = DEFAULT_WAREHOUSE,
    threshold_level: int = DEFAULT_THRESHOLD,
) -> ProductDetails:
    now = iso(utc_now())
    product = Product(
        sku=sku,
        name=name,
        description=description,
        price=price,
        image_url=image_url,
        category=category,
        created_at=now,
        updated_at=now,
    )
    record = StockRecord(
        product_id=sku,
        warehouse_id=warehouse_id,
        stock_count=0,
        reserved_count=0,
        threshold_level=threshold_level,
        category=category,
        last_updated=now,
        version=1,
    )
    movement = new_movement(
        product_id=sku,
        warehouse_id=warehouse_id,
        kind=MovementKind.CREATED,
        actor="admin",
        reason="product created",
        before=Counts(stock_count=0, reserved_count=0),
        after=Counts(stock_count=0, reserved_count=0),
    )
    changes.add_record(record, movement, product=product)
    return ProductDetails(**product.model_dump(), warehouses=[record], totals=totals([record]))


def product_details(products: ProductStore, records: StockRecordStore, sku: str) -> ProductDetails:
    product = products.product(sku)
    if product is None:
        raise ProductNotFound(f"no product with sku {sku!r}", sku=sku)
    stock = sorted(records.records_for_product(sku), key=lambda r: r.warehouse_id)
    return ProductDetails(**product.model_dump(), warehouses=stock, totals=totals(stock))


def list_products(products: ProductStore, limit: int, next_token: str | None) -> ProductPage:
    items, token = products.page(limit, next_token)
    return ProductPage(items=items, next_token=token)
