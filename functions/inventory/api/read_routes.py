"""Shopper-facing reads (FR-1): strongly consistent stock of a product, availability of a cart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from inventory.api.contract import ID_PATTERN, STOREFRONT, errors
from inventory.api.http import RouteDeps
from inventory.domain.reservation_models import Quantity
from inventory.domain.stock_levels import inventory_view
from inventory.domain.stock_ports import StockQueries, StockRecordStore
from inventory.domain.stock_queries import check_availability
from inventory.models import DEFAULT_WAREHOUSE, AvailabilityReport, InventoryView

router = Router()


@dataclass(frozen=True)
class ReadDeps:
    """What the storefront read routes use."""

    stock_store: StockRecordStore
    stock_queries: StockQueries


deps: RouteDeps[ReadDeps] = RouteDeps(router, "read")

MAX_CHECK_ITEMS = 100


@router.get(
    "/inventory/<productId>",
    summary="Stock of a product",
    description="Per-warehouse stock records and totals, read with strong consistency.",
    responses=errors(400, 401, 403, 404, described={404: "Unknown product or warehouse"}),
    tags=["Stock"],
    security=STOREFRONT,
)
def get_inventory(
    productId: Annotated[str, Path(pattern=ID_PATTERN, description="Product id (SKU)")],
    warehouse_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="Only this warehouse")] = None,
) -> InventoryView:
    return inventory_view(deps().stock_store, productId, warehouse_id)


class CheckItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=ID_PATTERN, description="Product id")
    quantity: Annotated[Quantity, Field(strict=True, description="Units wanted")]
    warehouse_id: str = Field(default=DEFAULT_WAREHOUSE, pattern=ID_PATTERN, description="Warehouse to check")


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CheckItem] = Field(min_length=1, max_length=MAX_CHECK_ITEMS)


@router.post(
    "/inventory/check",
    summary="Check availability of a cart",
    description="One strongly consistent batch read for all items. Lines for the same sku and warehouse "
    "are judged against their total quantity; an unknown sku is unavailable.",
    responses=errors(400, 401, 403),
    tags=["Stock"],
    security=STOREFRONT,
)
def check_inventory(request: Annotated[CheckRequest, Body()]) -> AvailabilityReport:
    wanted = [(item.sku, item.warehouse_id, item.quantity) for item in request.items]
    return check_availability(deps().stock_queries, wanted)
