"""Sales without a prior hold over REST (FR-5): an order's items leave stock at once, all or none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from pydantic import BaseModel, ConfigDict

from inventory.api.contract import CHECKOUT, errors
from inventory.api.http import RouteDeps, answer
from inventory.domain.fulfilment import fulfil_order
from inventory.domain.reservation_models import Identifier, ReservationLine, ReservationLines
from inventory.domain.reservation_ports import OutcomePublisher, ReservationStore
from inventory.models import utc_now

router = Router()


@dataclass(frozen=True)
class SalesDeps:
    """What the sales route uses."""

    store: ReservationStore
    events: OutcomePublisher


deps: RouteDeps[SalesDeps] = RouteDeps(router, "sales")


class FulfilOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Identifier
    items: ReservationLines


class Fulfilment(BaseModel):
    order_id: str
    status: str
    items: list[ReservationLine]
    fulfilled_at: str


@router.post(
    "/inventory/fulfill",
    summary="Sell an order's items without a prior hold (FR-5)",
    description="Lowers stock of every item only if enough is available, all or none. The same order_id "
    "again returns the first fulfilment (200) and sells nothing more.",
    responses={
        200: {"description": "This order_id was fulfilled before: the first fulfilment, nothing sold twice"},
        **errors(
            400,
            401,
            403,
            404,
            409,
            success=201,
            described={
                201: "Sold",
                404: "Unknown product or warehouse",
                409: "INSUFFICIENT_STOCK naming the lines, or RESERVATION_CONFLICT (other items)",
            },
        ),
    },
    tags=["Reservations"],
    security=CHECKOUT,
)
def fulfil(body: Annotated[FulfilOrder, Body()]) -> Response[Fulfilment]:
    d = deps()
    sold, created = fulfil_order(d.store, d.events, body.order_id, list(body.items), utc_now())
    result = Fulfilment(
        order_id=body.order_id, status=sold.status.value, items=sold.lines, fulfilled_at=sold.created_at
    )
    return answer(201 if created else 200, result)
