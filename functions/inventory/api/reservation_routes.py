"""Reservations over REST: hold stock for a cart or checkout, then confirm, extend or release it.

Every answer comes from DynamoDB at once: the handler writes the change (conditionally, with the
stock and the ledger) and then starts or signals the reservation's workflow, without waiting for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from inventory.api.contract import CHECKOUT, errors
from inventory.api.http import RouteDeps, answer
from inventory.domain import reservation_requests as requests
from inventory.domain.reservation_models import (
    ID_PATTERN,
    MAX_HOLD_SECONDS,
    HoldPolicy,
    Identifier,
    Quantity,
    Reservation,
    ReservationInput,
    ReservationLine,
    ReservationLines,
    TimelineEntry,
)
from inventory.domain.reservation_ports import OutcomePublisher, ReservationStore, Workflow
from inventory.models import DEFAULT_WAREHOUSE, utc_now

router = Router()
PathId = Annotated[str, Path(pattern=ID_PATTERN)]
# What a reservation route can answer besides success.
WORKFLOW_ERRORS = (400, 401, 403, 404, 409, 502, 503)


@dataclass(frozen=True)
class ReservationDeps:
    store: ReservationStore
    workflow: Workflow
    policy: HoldPolicy
    events: OutcomePublisher


deps: RouteDeps[ReservationDeps] = RouteDeps(router, "reservations")


class ReserveProduct(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: Quantity
    reservationId: Identifier
    warehouse_id: Identifier = DEFAULT_WAREHOUSE
    hold_seconds: int | None = Field(default=None, ge=1, le=MAX_HOLD_SECONDS)


class ReserveItems(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reservation_id: Identifier
    items: ReservationLines
    hold_seconds: int | None = Field(default=None, ge=1, le=MAX_HOLD_SECONDS)
    order_id: Identifier | None = None


class Extension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hold_seconds: int = Field(ge=1, le=MAX_HOLD_SECONDS, description="New hold, counted from now")


class ProductReservation(BaseModel):
    reservationId: str
    product_id: str
    warehouse_id: str
    quantity: int
    expires_at: str
    status: str


class ReservationView(BaseModel):
    reservation_id: str
    status: str
    lines: list[ReservationLine] = Field(default_factory=list)
    expires_at: str | None = None
    hold_seconds: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    reason: str | None = None
    order_id: str | None = None
    extensions: int = 0
    execution_arn: str | None = None
    error: str | None = Field(default=None, description="FAILED: the named error that refused it")
    timeline: list[TimelineEntry] | None = None


def view(reservation: Reservation, with_timeline: bool = False) -> ReservationView:
    data = reservation.model_dump(
        mode="json",
        exclude={
            "task_token",
            "expires_at_epoch",
            "created_at_epoch",
            "source",
            "sweep_shard",
            "unarmed_shard",
            "timeline",
        },
    )
    return ReservationView(**data, timeline=reservation.timeline if with_timeline else None)


def _request(body: ReserveItems | ReserveProduct, product_id: str | None = None) -> ReservationInput:
    if isinstance(body, ReserveProduct):
        assert product_id is not None
        return ReservationInput(
            reservation_id=body.reservationId,
            items=[
                ReservationLine(product_id=product_id, warehouse_id=body.warehouse_id, quantity=body.quantity)
            ],
            hold_seconds=body.hold_seconds,
            source="api",
        )
    return ReservationInput(
        reservation_id=body.reservation_id,
        items=body.items,
        hold_seconds=body.hold_seconds,
        order_id=body.order_id,
        source="api",
    )


@router.post(
    "/inventory/<productId>/reserve",
    summary="Reserve units of a product",
    description="Holds `quantity` units until confirmed, released or expired. The same reservationId "
    "again returns the same reservation (200) instead of a second hold.",
    responses={
        200: {"description": "This reservationId was sent before: the same reservation, nothing held twice"},
        **errors(
            *WORKFLOW_ERRORS,
            success=201,
            described={
                201: "Held",
                404: "Unknown product or warehouse",
                409: "INSUFFICIENT_STOCK (details.available) or RESERVATION_CONFLICT",
            },
        ),
    },
    tags=["Reservations"],
    security=CHECKOUT,
)
def reserve_product(
    productId: PathId, body: Annotated[ReserveProduct, Body()]
) -> Response[ProductReservation]:
    d = deps()
    reservation, created = requests.place(d.store, d.workflow, d.policy, _request(body, productId), utc_now())
    line = next((x for x in reservation.lines if x.product_id == productId), reservation.lines[0])
    found = ProductReservation(
        reservationId=reservation.reservation_id,
        product_id=line.product_id,
        warehouse_id=line.warehouse_id,
        quantity=line.quantity,
        expires_at=reservation.expires_at,
        status=reservation.status.value,
    )
    return answer(201 if created else 200, found)


@router.delete(
    "/inventory/<productId>/reserve/<reservationId>",
    summary="Release a product reservation",
    responses=errors(
        *WORKFLOW_ERRORS,
        success=204,
        described={
            204: "Released (or already released)",
            404: "Unknown reservation for this product",
            409: "RESERVATION_CLOSED: already sold",
        },
    ),
    tags=["Reservations"],
    security=CHECKOUT,
)
def release_product(productId: PathId, reservationId: PathId) -> Response[None]:
    d = deps()
    requests.cancel(
        d.store, d.workflow, reservationId, "released on request", utc_now(), product_id=productId
    )
    return Response(status_code=204)


@router.post(
    "/reservations",
    summary="Reserve a cart or order (several lines, all or nothing)",
    responses={
        200: {"description": "This reservation_id was sent before: the same reservation, nothing held twice"},
        **errors(
            *WORKFLOW_ERRORS,
            success=201,
            described={
                201: "Held",
                404: "Unknown product or warehouse",
                409: "INSUFFICIENT_STOCK naming the short lines, or RESERVATION_CONFLICT",
            },
        ),
    },
    tags=["Reservations"],
    security=CHECKOUT,
)
def reserve_items(body: Annotated[ReserveItems, Body()]) -> Response[ReservationView]:
    d = deps()
    reservation, created = requests.place(d.store, d.workflow, d.policy, _request(body), utc_now())
    return answer(201 if created else 200, view(reservation))


@router.get(
    "/reservations/<reservationId>",
    summary="A reservation and its timeline",
    description="Status, lines, expiry, and what happened and why (written with each change).",
    responses=errors(400, 401, 403, 404, described={404: "Unknown reservation"}),
    tags=["Reservations"],
    security=CHECKOUT,
)
def get_reservation(reservationId: PathId) -> Response[ReservationView]:
    return answer(200, view(requests.report(deps().store, reservationId), with_timeline=True))


@router.post(
    "/reservations/<reservationId>/confirm",
    summary="Confirm (sell) the held units",
    responses=errors(
        *WORKFLOW_ERRORS,
        described={
            404: "Unknown reservation",
            409: "RESERVATION_CLOSED: released or expired (details.reason)",
        },
    ),
    tags=["Reservations"],
    security=CHECKOUT,
)
def confirm_reservation(reservationId: PathId) -> Response[ReservationView]:
    d = deps()
    return answer(200, view(requests.confirm(d.store, d.workflow, reservationId, utc_now())))


@router.post(
    "/reservations/<reservationId>/extend",
    summary="Hold longer",
    description="New expiry `hold_seconds` from now; a reservation lives at most the maximum hold in all.",
    responses=errors(
        *WORKFLOW_ERRORS,
        described={
            404: "Unknown reservation",
            409: "RESERVATION_CLOSED: no longer held",
        },
    ),
    tags=["Reservations"],
    security=CHECKOUT,
)
def extend_reservation(
    reservationId: PathId, body: Annotated[Extension, Body()]
) -> Response[ReservationView]:
    d = deps()
    extended = requests.extend(d.store, d.workflow, d.policy, reservationId, body.hold_seconds, utc_now())
    return answer(200, view(extended))


@router.delete(
    "/reservations/<reservationId>",
    summary="Release a reservation",
    responses=errors(
        *WORKFLOW_ERRORS,
        success=204,
        described={
            204: "Released (or already released/expired)",
            404: "Unknown reservation",
            409: "RESERVATION_CLOSED: already sold",
        },
    ),
    tags=["Reservations"],
    security=CHECKOUT,
)
def release_reservation(
    reservationId: PathId,
    reason: Annotated[
        str, Query(max_length=200, description="Why, kept on the reservation")
    ] = "released on request",
) -> Response[None]:
    d = deps()
    requests.cancel(d.store, d.workflow, reservationId, reason, utc_now())
    return Response(status_code=204)
