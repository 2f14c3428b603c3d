"""The steps of one reservation's workflow, each safe to run twice (Step Functions retries them).

Reserve -> Hold (wait for a decision or the timer) -> [AwaitExpiry] -> Fulfil | Release. REST
requests write their change first and signal afterwards, so a step often finds its work done: it
then only reports the outcome. The REST handlers and the sweeper reuse the same steps.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from pydantic import BaseModel

from inventory.domain.reservation_models import (
    HoldPolicy,
    Reservation,
    ReservationInput,
    ReservationStatus,
    TimelineEntry,
    expiry_after,
    reservation_closed,
    sweep_shard,
    timer_seconds,
    wait_timestamp,
)
from inventory.domain.reservation_ports import (
    Closing,
    OutcomeEvent,
    OutcomePublisher,
    ReservationStore,
    conflict_if_different,
    existing,
)
from inventory.errors import (
    HoldExtended,
    InsufficientStock,
    InventoryError,
    ProductNotFound,
    StaleTimer,
    StockRecordNotFound,
    ValidationFailed,
)
from inventory.models import iso, parse_iso

TIMEOUT_ERROR = "States.Timeout"
RELEASE_SIGNAL = "ReleaseRequested"
EXTEND_SIGNAL = "ExtendRequested"
# Step Functions' and Lambda's clocks may differ by a few milliseconds: a timer that fires this
# close to the expiry has reached it.
CLOCK_TOLERANCE = timedelta(milliseconds=250)
# A REST hold's execution skips the Reserve step: its timer, in the execution input, assumes the
# Hold step starts within this long of the write (AwaitExpiry waits out the rest); a later start
# re-arms it from the time left (StaleTimer).
START_SLACK = timedelta(seconds=2)
OUTCOME_EVENTS = {
    ReservationStatus.FULFILLED: OutcomeEvent.COMMITTED,
    ReservationStatus.RELEASED: OutcomeEvent.RELEASED,
    ReservationStatus.EXPIRED: OutcomeEvent.EXPIRED,
}


class HoldTimer(BaseModel):
    """What the Hold state needs: its timeout (TimeoutSecondsPath, never past the expiry) and the
    instant the AwaitExpiry state waits for after it (TimestampPath), so the stock comes back at
    `expires_at` whenever the timer was armed."""

    hold_seconds: int
    wait_until: str
    expires_at: str


class ArmedHold(BaseModel):
    """The state machine's `$.hold`. `announce`: the Hold step publishes RESERVED once it has stored
    its token (REST holds, whose execution has no Reserve step to do it); re-arms never do."""

    reservation_id: str
    timer: HoldTimer
    announce: bool = False


def timer_until(expires_at: str, now: datetime) -> HoldTimer:
    expires = parse_iso(expires_at)
    return HoldTimer(
        hold_seconds=timer_seconds(expires, now),
        wait_until=wait_timestamp(expires),
        expires_at=expires_at,
    )


def timer(reservation: Reservation, now: datetime) -> HoldTimer:
    return timer_until(reservation.expires_at, now)


def first_expiry(reservation: Reservation) -> str:
    """The expiry the hold was written with (an extension moves `expires_at`, not this)."""
    held = next((e for e in reservation.timeline if e.event == "HELD" and e.expires_at), None)
    return held.expires_at if held is not None and held.expires_at else reservation.expires_at


def new_hold(
    request: ReservationInput, hold_seconds: int, now: datetime, execution_arn: str, armed: bool
) -> Reservation:
    """The HELD record of a request. `armed=False` marks a hold written before its execution starts
    (REST): the sweeper arms or releases it if the execution never stores its token."""
    expires = expiry_after(now, hold_seconds)
    shard = sweep_shard(request.reservation_id)
    return Reservation(
        reservation_id=request.reservation_id,
        lines=list(request.items),
        status=ReservationStatus.HELD,
        expires_at=iso(expires),
        expires_at_epoch=int(expires.timestamp()),
        hold_seconds=hold_seconds,
        created_at=iso(now),
        created_at_epoch=int(now.timestamp()),
        updated_at=iso(now),
        execution_arn=execution_arn,
        order_id=request.order_id,
        source=request.source,
        sweep_shard=shard,
        unarmed_shard=None if armed else shard,
        timeline=[
            TimelineEntry(
                at=iso(now), event="HELD", state="Reserve", actor=request.source, expires_at=iso(expires)
            )
        ],
    )


def execution_input(reservation: Reservation) -> dict[str, object]:
    """The execution input of a hold written over REST, derived from the record's fixed fields alone,
    so that every start of it (the request, a repeat, the sweeper) sends the same input and joins
    one execution. It carries the armed hold (`hold`), so the execution goes straight to Hold."""
    request = ReservationInput(
        reservation_id=reservation.reservation_id,
        items=reservation.lines,
        hold_seconds=reservation.hold_seconds,
        order_id=reservation.order_id,
        source=reservation.source or "api",
    )
    started = parse_iso(reservation.created_at) + START_SLACK
    armed = ArmedHold(
        reservation_id=reservation.reservation_id,
        timer=timer_until(first_expiry(reservation), started),
        announce=request.source == "api",
    )
    return {**request.model_dump(mode="json", exclude_none=True), "hold": armed.model_dump(mode="json")}


def _failed(
    request: ReservationInput, error: InventoryError, execution_arn: str | None, now: datetime
) -> Reservation:
    return Reservation(
        reservation_id=request.reservation_id,
        lines=list(request.items),
        status=ReservationStatus.FAILED,
        expires_at=iso(now),
        expires_at_epoch=int(now.timestamp()),
        hold_seconds=request.hold_seconds or 0,
        created_at=iso(now),
        updated_at=iso(now),
        execution_arn=execution_arn,
        order_id=request.order_id,
        source=request.source,
        reason=error.message,
        error=type(error).__name__,
        timeline=[
            TimelineEntry(
                at=iso(now),
                event="FAILED",
                state="Reserve",
                actor=request.source,
                error=type(error).__name__,
                reason=error.message,
            )
        ],
    )


def reserve(
    store: ReservationStore,
    events: OutcomePublisher,
    policy: HoldPolicy,
    request: ReservationInput,
    execution_arn: str | None,
    now: datetime,
) -> ArmedHold:
    """The Reserve step: holds every line or none, or finds the hold a REST request wrote for this
    execution. A retry, or a second start of the same reservation, holds nothing twice."""
    found = store.get(request.reservation_id)
    if found is None:
        try:
            hold_seconds = policy.hold_for(request.hold_seconds)
            wanted = new_hold(request, hold_seconds, now, execution_arn or "", armed=True)
            found = store.hold(wanted, actor=request.source)
        except (InsufficientStock, ProductNotFound, StockRecordNotFound, ValidationFailed) as error:
            # the caller (or the order service) hears why, and GET /reservations/{id} shows it
            store.record_failure(_failed(request, error, execution_arn, now))
            events.failure(request, error.code, error.message, error.details)
            raise
        if found is wanted:
            events.reservation(OutcomeEvent.RESERVED, found)
            return ArmedHold(reservation_id=found.reservation_id, timer=timer(found, now))
    conflict_if_different(found, request.items, execution_arn)
    if found.status is not ReservationStatus.HELD:
        # closed before this step ran (a REST confirm or release right after the hold): Release settles
        raise reservation_closed(found)
    if found.unarmed_shard is not None and found.source == "api":
        events.reservation(OutcomeEvent.RESERVED, found)  # held over REST: announced once armed
    return ArmedHold(reservation_id=found.reservation_id, timer=timer(found, now))


def await_decision(
    store: ReservationStore,
    reservation_id: str,
    task_token: str,
    now: datetime,
    armed: HoldTimer | None = None,
    entered_at: datetime | None = None,
    announce_to: OutcomePublisher | None = None,
) -> Reservation:
    """The Hold step: leave the task token where confirm, release and extend will find it.
    ReservationClosed when the record closed first (the state machine then settles it).

    `armed` is the timer the Hold state has waited with since `entered_at`: if it would fire past
    its expiry (the execution started late), StaleTimer hands back a shorter one, before anything
    is written (each one shorter, so it ends). `announce_to` hears RESERVED once the token is
    stored; a retry announces again (at least once)."""
    if armed is not None and entered_at is not None:
        fires = entered_at + timedelta(seconds=armed.hold_seconds)
        if fires > parse_iso(armed.expires_at) + CLOCK_TOLERANCE:
            fresh = timer_until(armed.expires_at, now + START_SLACK)
            if fresh.hold_seconds < armed.hold_seconds:
                raise StaleTimer(json.dumps(fresh.model_dump()))
    held = store.store_token(
        reservation_id, task_token, TimelineEntry(at=iso(now), event="WAITING", state="Hold")
    )
    if announce_to is not None:
        announce_to.reservation(OutcomeEvent.RESERVED, held)
    return held


def _report(events: OutcomePublisher, reservation: Reservation) -> Reservation:
    event = OUTCOME_EVENTS.get(reservation.status)
    if event is not None:
        events.reservation(event, reservation)
    return reservation


def fulfil(
    store: ReservationStore, events: OutcomePublisher, reservation_id: str, actor: str, now: datetime
) -> Reservation:
    """The Fulfil step, after a confirm: sells the hold unless the confirm already did, then reports."""
    reservation = existing(store, reservation_id)
    if reservation.status is ReservationStatus.HELD:
        reservation, _ = store.close(
            reservation,
            Closing(status=ReservationStatus.FULFILLED, reason="confirmed", actor=actor, at=iso(now)),
        )
    return _report(events, reservation)


def release(
    store: ReservationStore,
    events: OutcomePublisher,
    reservation_id: str,
    error: str,
    cause: str | None,
    actor: str,
    now: datetime,
) -> Reservation:
    """The Release step: after a release request, after the timer (`States.Timeout`), or when an
    earlier step found the reservation closed. A hold whose expiry moved later meanwhile (an
    extension whose signal came too late) is not expired: HoldExtended re-arms the timer."""
    reservation = existing(store, reservation_id)
    if reservation.status is ReservationStatus.HELD:
        if error == RELEASE_SIGNAL:
            status, reason = ReservationStatus.RELEASED, (cause or "released on request")[:500]
        elif reservation.expired(now + CLOCK_TOLERANCE):
            status, reason = ReservationStatus.EXPIRED, f"hold expired at {reservation.expires_at}"
        else:
            raise HoldExtended(json.dumps(timer(reservation, now).model_dump()))
        reservation, _ = store.close(
            reservation, Closing(status=status, reason=reason, actor=actor, at=iso(now))
        )
    return _report(events, reservation)


def undo_unarmed(store: ReservationStore, held: Reservation, reason: str, actor: str, now: datetime) -> bool:
    """Releases a hold whose timer can never be armed (its execution name is taken), unless its
    Hold step stored a token meanwhile. Returns whether this call released it."""
    closing = Closing(
        status=ReservationStatus.RELEASED,
        reason=reason,
        actor=actor,
        at=iso(now),
        token=None,
        check_token=True,
    )
    return store.close(held, closing)[1]
