"""What is holding a product's stock: its open holds and its recently closed ones, for admins.

Read by key, never by scanning: every hold writes a RESERVED movement per line into the product's
ledger partition (in the hold's own transaction) and every way out writes a RELEASED, EXPIRED or
FULFILLED one, each naming the reservation. Open holds are the RESERVED movements of the last
maximum hold time (no hold lives longer) whose reservation is still HELD; closed ones are the
closing movements, newest first. Both are paged with an opaque token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from inventory.domain.ledger import Movement, MovementKind
from inventory.domain.paging import decode_token, encode_token
from inventory.domain.reservation_models import HoldPolicy, Reservation, ReservationStatus
from inventory.domain.reservation_ports import CLOSING_MOVEMENTS, ProductReservationReader
from inventory.domain.stock_ports import StockRecordStore, product_not_found
from inventory.models import iso

# Clock skew between the writer of a movement and this reader.
WINDOW_SLACK_SECONDS = 300
# Ledger pages read at most for one answer: a product whose recent holds are mostly closed yields
# a shorter page with a token rather than an unbounded read.
MAX_READS = 4
_TOKEN_KEYS = frozenset({"movement_id"})


class HoldState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ProductHold(BaseModel):
    """One reservation's line on this product (a reservation holding it in two warehouses is two)."""

    reservation_id: str
    warehouse_id: str
    quantity: int = Field(description="Units of this product in this warehouse")
    status: str = Field(description="HELD, or how it ended: FULFILLED, RELEASED, EXPIRED")
    source: str = Field(
        description="How it was placed: api (REST), sdk (StartExecution), queue (order queue)"
    )
    order_id: str | None = None
    created_at: str
    expires_at: str
    closed_at: str | None = Field(default=None, description="When it was sold, released or expired")
    reason: str | None = None
    extensions: int = 0
    lines: int = Field(description="How many lines the whole reservation has")


class ProductHoldsPage(BaseModel):
    product_id: str
    state: HoldState
    items: list[ProductHold]
    next_token: str | None = Field(default=None, description="Pass back for the next (older) page")


def _hold(movement: Movement, reservation: Reservation, closed: bool) -> ProductHold | None:
    line = next(
        (
            x
            for x in reservation.lines
            if x.product_id == movement.product_id and x.warehouse_id == movement.warehouse_id
        ),
        None,
    )
    if line is None:
        return None
    return ProductHold(
        reservation_id=reservation.reservation_id,
        warehouse_id=line.warehouse_id,
        quantity=line.quantity,
        status=reservation.status.value,
        source=reservation.source or "unknown",
        order_id=reservation.order_id,
        created_at=reservation.created_at,
        expires_at=reservation.expires_at,
        closed_at=movement.at if closed else None,
        reason=reservation.reason,
        extensions=reservation.extensions,
        lines=len(reservation.lines),
    )


def product_holds(
    reader: ProductReservationReader,
    stock: StockRecordStore,
    product_id: str,
    state: HoldState,
    limit: int,
    next_token: str | None,
    now: datetime,
    policy: HoldPolicy,
) -> ProductHoldsPage:
    """A page of the product's open (or closed) holds, newest first; 404 for an unknown product."""
    start = decode_token(next_token, _TOKEN_KEYS)
    start_after = start["movement_id"] if start else None
    if state is HoldState.OPEN:
        kinds = frozenset({MovementKind.RESERVED})
        since: str | None = iso(now - timedelta(seconds=policy.max_seconds + WINDOW_SLACK_SECONDS))
    else:
        kinds = frozenset(CLOSING_MOVEMENTS.values())
        since = None
    items: list[ProductHold] = []
    for _ in range(MAX_READS):
        page = reader.movements(product_id, kinds, limit - len(items), since=since, start_after=start_after)
        ids = sorted({m.reference for m in page.movements if m.reference})
        found = reader.reservations(ids) if ids else {}
        for movement in page.movements:
            reservation = found.get(movement.reference or "")
            if reservation is None:
                continue
            if state is HoldState.OPEN and reservation.status is not ReservationStatus.HELD:
                continue
            hold = _hold(movement, reservation, closed=state is HoldState.CLOSED)
            if hold is not None:
                items.append(hold)
        start_after = page.next_token
        if start_after is None or len(items) >= limit:
            break
    if not items and start_after is None and next_token is None and not stock.records_for_product(product_id):
        raise product_not_found(product_id)
    token = encode_token({"movement_id": start_after}) if start_after else None
    return ProductHoldsPage(product_id=product_id, state=state, items=items, next_token=token)
