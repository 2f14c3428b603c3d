"""What is holding a product's stock (admins): its open holds and recently closed ones, by key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from inventory.api.contract import ADMIN, ID_PATTERN, errors
from inventory.api.http import RouteDeps
from inventory.domain.product_holds import HoldState, ProductHoldsPage, product_holds
from inventory.domain.reservation_models import HoldPolicy
from inventory.domain.reservation_ports import ProductReservationReader
from inventory.domain.stock_ports import StockRecordStore
from inventory.models import utc_now

router = Router()
MAX_PAGE = 100


@dataclass(frozen=True)
class ProductHoldDeps:
    reader: ProductReservationReader
    stock_store: StockRecordStore
    policy: HoldPolicy


deps: RouteDeps[ProductHoldDeps] = RouteDeps(router, "product_holds")


@router.get(
    "/inventory/<productId>/reservations",
    summary="Holds on a product",
    description="`state=open` (default): the reservations holding units of this product now, newest "
    "first, with units, expiry, source (api = REST, sdk, queue) and order id; `state=closed`: the "
    "recently sold, released or expired ones, newest first, with when and why. Read from the product's "
    "ledger and the reservations it names, never a scan. Pages may hold fewer than `limit` items; "
    "follow `next_token` until it is null.",
    responses=errors(400, 401, 403, 404, described={404: "Unknown product"}),
    tags=["Reservations"],
    security=ADMIN,
)
def list_product_holds(
    productId: Annotated[str, Path(pattern=ID_PATTERN, description="Product id (SKU)")],
    state: Annotated[HoldState, Query(description="open (holding stock now) or closed")] = HoldState.OPEN,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Holds per page")] = 50,
    next_token: Annotated[str | None, Query(max_length=2048, description="From the previous page")] = None,
) -> ProductHoldsPage:
    d = deps()
    return product_holds(d.reader, d.stock_store, productId, state, limit, next_token, utc_now(), d.policy)
