"""FR-5 without a prior hold: an order's items leave stock at once, all or none, once per order."""

from __future__ import annotations

from datetime import datetime

from inventory.domain.reservation_models import (
    Reservation,
    ReservationLine,
    ReservationStatus,
    TimelineEntry,
)
from inventory.domain.reservation_ports import (
    OutcomeEvent,
    OutcomePublisher,
    ReservationStore,
    conflict_if_different,
)
from inventory.errors import ReservationConflict
from inventory.models import iso

ORDER_PREFIX = "order#"  # '#' is not allowed in reservation ids, so orders never collide with them


def fulfil_order(
    store: ReservationStore,
    events: OutcomePublisher,
    order_id: str,
    lines: list[ReservationLine],
    now: datetime,
) -> tuple[Reservation, bool]:
    """Sells the lines if every one has enough available; the same order again returns the first sale."""
    record_id = ORDER_PREFIX + order_id
    record = Reservation(
        reservation_id=record_id,
        lines=lines,
        status=ReservationStatus.FULFILLED,
        expires_at=iso(now),
        expires_at_epoch=int(now.timestamp()),
        hold_seconds=0,
        created_at=iso(now),
        updated_at=iso(now),
        reason="fulfilled without a hold",
        order_id=order_id,
        source="fulfil",
        timeline=[
            TimelineEntry(
                at=iso(now),
                event="FULFILLED",
                state="Fulfil",
                actor="checkout",
                reason="fulfilled without a hold",
            )
        ],
    )
    sold, created = store.sell(record, actor="checkout")  # the record's Put makes a repeat sell nothing
    if not created:
        try:
            conflict_if_different(sold, lines, None)
        except ReservationConflict as error:
            raise ReservationConflict(
                f"order {order_id!r} was fulfilled with other items", order_id=order_id
            ) from error
        return sold, False
    events.reservation(OutcomeEvent.COMMITTED, sold)
    return sold, True
