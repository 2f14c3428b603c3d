"""Reading stock: what shoppers see on a product page and admins see in the panel."""

from __future__ import annotations

from inventory.domain.stock_ports import StockRecordStore, missing_record, product_not_found
from inventory.models import InventoryView, StockRecord, StockTotals, stock_status


def totals(records: list[StockRecord]) -> StockTotals:
    stock = sum(r.stock_count for r in records)
    reserved = sum(r.reserved_count for r in records)
    threshold = sum(r.threshold_level for r in records)
    return StockTotals(
        stock_count=stock,
        reserved_count=reserved,
        available=stock - reserved,
        status=stock_status(stock - reserved, threshold),
    )


def inventory_view(
    store: StockRecordStore, product_id: str, warehouse_id: str | None = None
) -> InventoryView:
    """Strongly consistent stock of one product, in one warehouse or in all of them."""
    if warehouse_id is not None:
        record = store.record(product_id, warehouse_id)
        if record is None:
            raise missing_record(store, product_id, warehouse_id)
        records = [record]
    else:
        records = sorted(store.records_for_product(product_id), key=lambda r: r.warehouse_id)
        if not records:
            raise product_not_found(product_id)
    return InventoryView(product_id=product_id, warehouses=records, totals=totals(records))
