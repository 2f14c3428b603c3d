"""The steps of one reservation's workflow, each safe to run twice (Step Functions retries them).

Reserve -> Hold (wait for a decision or the timer) -> Fulfil | Release. The state machine calls one
step per Lambda task; the REST handlers and the sweeper reuse the same steps.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from inventory.domain.reservation_models import (
    HoldPolicy,
    Reservation,
    ReservationInput,
    ReservationStatus,
    seconds_until,
    sweep_shard,
)
from inventory.errors import (
    InsufficientStock,
    ProductNotFound,
    ReservationClosed,
    ReservationNotFound,
    StockRecordNotFound,
    ValidationFailed,
)
from inventory.models import iso
from inventory.store.outcome_events import OutcomeEvent, OutcomePublisher
from inventory.store.reservations import ReservationStore, conflict_if_different

TIMEOUT_ERROR = "States.Timeout"
RELEASE_SIGNAL = "ReleaseRequested"
EXTEND_SIGNAL = "ExtendRequested"


class HoldTimer(BaseModel):
    """What the Hold state needs: its timeout (TimeoutSecondsPath) and the expiry it stands for."""

    reservation_id: str
    hold_seconds: int
    expires_at: str


def _timer(reservation: Reservation, now: datetime) -> HoldTimer:
    expires = datetime.fromisoformat(reservation.expires_at.replace("Z", "+00:00"))
    return HoldTimer(
        reservation_id=reservation.reservation_id,
        hold_seconds=seconds_until(expires, now),
        expires_at=reservation.expires_at,
    )


def reserve(
    store: ReservationStore,
    events: OutcomePublisher,
    policy: HoldPolicy,
    request: ReservationInput,
    execution_arn: str | None,
    now: datetime,
) -> HoldTimer:
    """Holds every line or none. A retry, or a second start of the same reservation, holds nothing
    twice: it returns the existing hold when it belongs to the same execution and refuses otherwise."""
    existing = store.get(request.reservation_id)
    if existing is not None:
        conflict_if_different(existing, request.items, execution_arn)
        if existing.status is not ReservationStatus.HELD:
            raise ReservationClosed(
                f"reservation {existing.reservation_id!r} is already {existing.status.value}",
                reservation_id=existing.reservation_id,
                status=existing.status.value,
            )
        return _timer(existing, now)
    try:
        hold_seconds = policy.hold_for(request.hold_seconds)
    except ValidationFailed as error:
        events.failure(request, error.code, error.message, error.details)
        raise
    expires = now + timedelta(seconds=hold_seconds)
    wanted = Reservation(
        reservation_id=request.reservation_id,
        lines=list(request.items),
        status=ReservationStatus.HELD,
        expires_at=iso(expires),
        expires_at_epoch=int(expires.timestamp()),
        hold_seconds=hold_seconds,
        created_at=iso(now),
        updated_at=iso(now),
        execution_arn=execution_arn,
        order_id=request.order_id,
        source=request.source,
        sweep_shard=sweep_shard(request.reservation_id),
    )
    try:
        held = store.hold(wanted, actor=request.source)
    except (InsufficientStock, ProductNotFound, StockRecordNotFound) as error:
        # the caller (or the order service) hears why; a duplicate start is not a failure to report
        events.failure(request, error.code, error.message, error.details)
        raise
    if held is not wanted:  # another attempt created it between our read and our write
        conflict_if_different(held, request.items, execution_arn)
    events.reservation(OutcomeEvent.RESERVED, held)
    return _timer(held, now)


def await_decision(store: ReservationStore, reservation_id: str, task_token: str) -> Reservation:
    """The Hold step: leave the task token where confirm, release and extend will find it."""
    return store.store_token(reservation_id, task_token)


def _existing(store: ReservationStore, reservation_id: str) -> Reservation:
    reservation = store.get(reservation_id)
    if reservation is None:
        raise ReservationNotFound(
            f"reservation {reservation_id!r} does not exist", reservation_id=reservation_id
        )
    return reservation


def fulfil(store: ReservationStore, events: OutcomePublisher, reservation_id: str, actor: str) -> Reservation:
    reservation = _existing(store, reservation_id)
    done = store.fulfil(reservation, actor=actor)
    events.reservation(OutcomeEvent.COMMITTED, done)
    return done


def release(
    store: ReservationStore,
    events: OutcomePublisher,
    reservation_id: str,
    error: str,
    cause: str | None,
    actor: str,
) -> Reservation:
    """Ends a hold: `States.Timeout` means it expired, anything else that it was released."""
    reservation = _existing(store, reservation_id)
    if error == TIMEOUT_ERROR:
        status, reason = ReservationStatus.EXPIRED, f"hold expired at {reservation.expires_at}"
    else:
        status, reason = ReservationStatus.RELEASED, (cause or "released on request")[:500]
    done = store.release(reservation, status, reason, actor=actor)
    # an earlier attempt (or the sweeper) may have closed it the other way: report what happened
    event = OutcomeEvent.EXPIRED if done.status is ReservationStatus.EXPIRED else OutcomeEvent.RELEASED
    events.reservation(event, done)
    return done
