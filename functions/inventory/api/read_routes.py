"""Shopper-facing reads (FR-1): strongly consistent stock of a product."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from inventory.api.http import Scope, require_scope
from inventory.domain.stock_levels import inventory_view
from inventory.models import InventoryView
from inventory.store.stock_records import StockRecordStore

router = Router()

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"


def stock_store() -> StockRecordStore:
    store: StockRecordStore = router.context["stock_store"]
    return store


@router.get(
    "/inventory/<productId>",
    summary="Stock of a product",
    description="Per-warehouse stock records and totals, read with strong consistency.",
    responses={404: {"description": "Unknown product or warehouse"}},
    tags=["Stock"],
)
def get_inventory(
    productId: Annotated[str, Path(pattern=ID_PATTERN, description="Product id (SKU)")],
    warehouse_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="Only this warehouse")] = None,
) -> InventoryView:
    require_scope(router, Scope.STOREFRONT)  # type: ignore[arg-type]
    return inventory_view(stock_store(), productId, warehouse_id)
