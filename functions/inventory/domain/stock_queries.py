"""Availability checks for a cart (IMS) and the admin list of stock records (US-6)."""

from __future__ import annotations

from inventory.domain.ledger import LedgerPage, LedgerReader
from inventory.domain.paging import decode_token, encode_token
from inventory.domain.stock_levels import inventory_view
from inventory.domain.stock_ports import StockQueries, StockRecordStore
from inventory.models import Availability, AvailabilityReport, StockRecordPage, StockStatus

_LEDGER_KEYS = frozenset({"movement_id"})


def check_availability(queries: StockQueries, items: list[tuple[str, str, int]]) -> AvailabilityReport:
    """`items` are (sku, warehouse_id, quantity). One batch read; an unknown sku is unavailable.

    Lines for the same sku and warehouse compete for the same units, so each is judged against
    their total.
    """
    records = queries.records_by_key([(sku, warehouse) for sku, warehouse, _ in items])
    wanted: dict[tuple[str, str], int] = {}
    for sku, warehouse, quantity in items:
        wanted[(sku, warehouse)] = wanted.get((sku, warehouse), 0) + quantity
    lines = []
    for sku, warehouse, quantity in items:
        record = records.get((sku, warehouse))
        available = max(record.available, 0) if record else 0
        lines.append(
            Availability(
                sku=sku,
                warehouse_id=warehouse,
                quantity=quantity,
                available=available,
                is_available=record is not None and available >= wanted[(sku, warehouse)],
            )
        )
    status = "AVAILABLE" if all(line.is_available for line in lines) else "UNAVAILABLE"
    return AvailabilityReport(status=status, items=lines)


def list_stock(
    queries: StockQueries,
    *,
    category: str | None = None,
    status: StockStatus | None = None,
    warehouse_id: str | None = None,
    limit: int,
    next_token: str | None = None,
) -> StockRecordPage:
    """A page of stock records. The status filter uses the stored (indexed) status; records whose
    status, recomputed from their counts, no longer matches are left out of the page."""
    records, token = queries.list_records(
        category=category, status=status, warehouse_id=warehouse_id, limit=limit, next_token=next_token
    )
    if status is not None:
        records = [r for r in records if r.status is status]
    return StockRecordPage(items=records, next_token=token)


def stock_history(
    ledger: LedgerReader, store: StockRecordStore, product_id: str, limit: int, next_token: str | None
) -> LedgerPage:
    """Movements of a product, newest first, with an opaque page token. 404 only for a product that has
    no trace at all."""
    start = decode_token(next_token, _LEDGER_KEYS)
    page = ledger.history(product_id, limit, start["movement_id"] if start else None)
    if not page.movements and next_token is None:
        inventory_view(store, product_id)  # raises ProductNotFound when nothing is stocked either
    token = encode_token({"movement_id": page.next_token}) if page.next_token else None
    return page.model_copy(update={"next_token": token})
