"""Reservations over REST: hold stock for a cart or checkout, then confirm, extend or release it.

Every answer comes from DynamoDB at once: the handler writes the change (conditionally, with the
stock and the ledger) and then starts or signals the reservation's workflow, without waiting for it.

A checkout (or admin) key may do all of it. A storefront key, public by design, places public holds
within their caps and ceiling and releases, extends or reads only those, with the release secret
its hold was created with; confirming needs a checkout key (`inventory.domain.public_holds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from inventory.api.contract import CHECKOUT, STOREFRONT, errors
from inventory.api.http import RouteDeps, Scope, answer, caller_scope
from inventory.domain import reservation_requests as requests
from inventory.domain.public_holds import SECRET_HEADER, PublicCaller, PublicHoldRules
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
ReleaseSecret = Annotated[
    str | None,
    Header(
        alias=SECRET_HEADER,
        pattern=r"^[A-Za-z0-9_-]{1,128}$",
        description="With a storefront key: the release_secret returned when the hold was created",
    ),
]
PUBLIC_NOTE = (
    " With a storefront key, only a hold placed with a storefront key and only with its "
    "`X-Release-Secret`; any other hold is 404, like an unknown id."
)
# What a reservation route can answer besides success.
WORKFLOW_ERRORS = (400, 401, 403, 404, 409, 502, 503)


@dataclass(frozen=True)
class ReservationDeps:
    store: ReservationStore
    workflow: Workflow
    policy: HoldPolicy
    events: OutcomePublisher
    public: PublicHoldRules


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


SECRET_FIELD = Field(
    default=None,
    description="Only in the answer that created a storefront hold: send it as X-Release-Secret to "
    "release, extend or read that hold (it is not stored and never shown again)",
)


class ProductReservation(BaseModel):
    reservationId: str
    product_id: str
    warehouse_id: str
    quantity: int
    expires_at: str
    status: str
    public: bool = Field(default=False, description="Placed with a storefront key")
    release_secret: str | None = SECRET_FIELD


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
    public: bool = Field(default=False, description="Placed with a storefront key")
    release_secret: str | None = SECRET_FIELD
    timeline: list[TimelineEntry] | None = None


def view(
    reservation: Reservation, with_timeline: bool = False, release_secret: str | None = None
) -> ReservationView:
    data = reservation.model_dump(
        mode="json",
        exclude={
            "task_token",
            "secret_digest",
            "public",
            "expires_at_epoch",
            "created_at_epoch",
            "source",
            "sweep_shard",
            "unarmed_shard",
            "timeline",
        },
    )
    return ReservationView(
        **data,
        public=bool(reservation.public),
        release_secret=release_secret,
        timeline=reservation.timeline if with_timeline else None,
    )


def _public_caller(secret: str | None) -> PublicCaller | None:
    """A storefront caller is held to its own public holds; a checkout or admin caller is not."""
    return PublicCaller(secret=secret) if caller_scope(router) is Scope.STOREFRONT else None


def _place(
    request: ReservationInput, line_field: str = "items.{index}.quantity"
) -> tuple[Reservation, bool, str | None]:
    d = deps()
    if caller_scope(router) is Scope.STOREFRONT:
        return requests.place_public(d.store, d.workflow, d.policy, d.public, request, utc_now(), line_field)
    reservation, created = requests.place(d.store, d.workflow, d.policy, request, utc_now())
    return reservation, created, None


def _policy() -> HoldPolicy:
    d = deps()
    return d.public.policy(d.policy) if caller_scope(router) is Scope.STOREFRONT else d.policy


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


PUBLIC_HOLD = (
    " With a storefront key the hold is public: at most the deployment's units per line, lines and "
    "hold time, within the units all public holds may hold on one stock record (409 PUBLIC_HOLD_LIMIT), "
    "and the 201 answer carries the `release_secret` that releases, extends or reads it."
)
HOLD_CONFLICTS = "INSUFFICIENT_STOCK (details.available), PUBLIC_HOLD_LIMIT or RESERVATION_CONFLICT"


@router.post(
    "/inventory/<productId>/reserve",
    summary="Reserve units of a product",
    description="Holds `quantity` units until confirmed, released or expired. The same reservationId "
    "again returns the same reservation (200) instead of a second hold." + PUBLIC_HOLD,
    responses={
        200: {"description": "This reservationId was sent before: the same reservation, nothing held twice"},
        **errors(
            *WORKFLOW_ERRORS,
            success=201,
            described={201: "Held", 404: "Unknown product or warehouse", 409: HOLD_CONFLICTS},
        ),
    },
    tags=["Reservations"],
    security=STOREFRONT,
)
def reserve_product(
    productId: PathId, body: Annotated[ReserveProduct, Body()]
) -> Response[ProductReservation]:
    reservation, created, secret = _place(_request(body, productId), line_field="quantity")
    line = next((x for x in reservation.lines if x.product_id == productId), reservation.lines[0])
    found = ProductReservation(
        reservationId=reservation.reservation_id,
        product_id=line.product_id,
        warehouse_id=line.warehouse_id,
        quantity=line.quantity,
        expires_at=reservation.expires_at,
        status=reservation.status.value,
        public=bool(reservation.public),
        release_secret=secret,
    )
    return answer(201 if created else 200, found)


@router.delete(
    "/inventory/<productId>/reserve/<reservationId>",
    summary="Release a product reservation",
    description="Releases the whole reservation that holds this product." + PUBLIC_NOTE,
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
    security=STOREFRONT,
)
def release_product(productId: PathId, reservationId: PathId, secret: ReleaseSecret = None) -> Response[None]:
    d = deps()
    requests.cancel(
        d.store,
        d.workflow,
        reservationId,
        "released on request",
        utc_now(),
        product_id=productId,
        caller=_public_caller(secret),
    )
    return Response(status_code=204)


@router.post(
    "/reservations",
    summary="Reserve a cart or order (several lines, all or nothing)",
    description="Holds every line or none until confirmed, released or expired." + PUBLIC_HOLD,
    responses={
        200: {"description": "This reservation_id was sent before: the same reservation, nothing held twice"},
        **errors(
            *WORKFLOW_ERRORS,
            success=201,
            described={
                201: "Held",
                404: "Unknown product or warehouse",
                409: "INSUFFICIENT_STOCK naming the short lines, PUBLIC_HOLD_LIMIT or RESERVATION_CONFLICT",
            },
        ),
    },
    tags=["Reservations"],
    security=STOREFRONT,
)
def reserve_items(body: Annotated[ReserveItems, Body()]) -> Response[ReservationView]:
    reservation, created, secret = _place(_request(body))
    return answer(201 if created else 200, view(reservation, release_secret=secret))


@router.get(
    "/reservations/<reservationId>",
    summary="A reservation and its timeline",
    description="Status, lines, expiry, and what happened and why (written with each change)." + PUBLIC_NOTE,
    responses=errors(400, 401, 403, 404, described={404: "Unknown reservation"}),
    tags=["Reservations"],
    security=STOREFRONT,
)
def get_reservation(reservationId: PathId, secret: ReleaseSecret = None) -> Response[ReservationView]:
    found = requests.report(deps().store, reservationId, caller=_public_caller(secret))
    return answer(200, view(found, with_timeline=True))


@router.post(
    "/reservations/<reservationId>/confirm",
    summary="Confirm (sell) the held units",
    description="Needs a checkout key: a storefront key never sells stock.",
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
    description="New expiry `hold_seconds` from now; a reservation lives at most the maximum hold in all "
    "(the public maximum for a storefront key)." + PUBLIC_NOTE,
    responses=errors(
        *WORKFLOW_ERRORS,
        described={
            404: "Unknown reservation",
            409: "RESERVATION_CLOSED: no longer held",
        },
    ),
    tags=["Reservations"],
    security=STOREFRONT,
)
def extend_reservation(
    reservationId: PathId, body: Annotated[Extension, Body()], secret: ReleaseSecret = None
) -> Response[ReservationView]:
    d = deps()
    extended = requests.extend(
        d.store,
        d.workflow,
        _policy(),
        reservationId,
        body.hold_seconds,
        utc_now(),
        caller=_public_caller(secret),
    )
    return answer(200, view(extended))


@router.delete(
    "/reservations/<reservationId>",
    summary="Release a reservation",
    description="Releases the held units." + PUBLIC_NOTE,
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
    security=STOREFRONT,
)
def release_reservation(
    reservationId: PathId,
    reason: Annotated[
        str, Query(max_length=200, description="Why, kept on the reservation")
    ] = "released on request",
    secret: ReleaseSecret = None,
) -> Response[None]:
    d = deps()
    requests.cancel(d.store, d.workflow, reservationId, reason, utc_now(), caller=_public_caller(secret))
    return Response(status_code=204)
