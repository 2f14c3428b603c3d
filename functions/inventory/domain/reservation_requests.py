"""What callers ask of reservations (REST and the queue), answered synchronously within a deadline.

A new reservation starts its own workflow execution, named after the reservation, and the answer
waits for the Reserve step's outcome (the record appears, or the execution fails). Decisions
(confirm, release, extend) are signals to the Hold task's token, after which the answer waits for
the record to show their effect. Nobody has to poll; a deadline bounds every wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from inventory.domain.reservation_models import (
    FINAL_STATUSES,
    HoldPolicy,
    Reservation,
    ReservationInput,
    ReservationStatus,
    execution_name,
    seconds_until,
)
from inventory.domain.reservation_workflow import EXTEND_SIGNAL, RELEASE_SIGNAL
from inventory.errors import (
    TASK_ERRORS,
    InsufficientStock,
    ReservationClosed,
    ReservationNotFound,
    ReservationPending,
    WorkflowFailed,
)
from inventory.models import iso
from inventory.store.reservations import ReservationStore, conflict_if_different
from inventory.store.workflow import ExecutionOutcome, Signal, TimelineEntry, Workflow

POLL_SECONDS = 0.05


class Deadline:
    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def passed(self) -> bool:
        return time.monotonic() >= self._end

    @staticmethod
    def pause() -> None:
        time.sleep(POLL_SECONDS)


def _get(store: ReservationStore, reservation_id: str) -> Reservation:
    reservation = store.get(reservation_id)
    if reservation is None:
        raise ReservationNotFound(
            f"reservation {reservation_id!r} does not exist", reservation_id=reservation_id
        )
    return reservation


def _closed(reservation: Reservation) -> ReservationClosed:
    return ReservationClosed(
        f"reservation {reservation.reservation_id!r} is already {reservation.status.value}"
        + (f": {reservation.reason}" if reservation.reason else ""),
        reservation_id=reservation.reservation_id,
        status=reservation.status.value,
        reason=reservation.reason,
    )


def place(
    store: ReservationStore,
    workflow: Workflow,
    policy: HoldPolicy,
    request: ReservationInput,
    wait_seconds: float,
) -> tuple[Reservation, bool]:
    """Holds the request's lines; returns the reservation and whether this call created it."""
    existing = store.get(request.reservation_id)
    if existing is not None:
        conflict_if_different(existing, list(request.items), None)
        return existing, False
    policy.hold_for(request.hold_seconds)  # a bad hold time is the caller's 400, not a failed execution
    name = execution_name(request.reservation_id)
    arn = workflow.start(name, request.model_dump(mode="json", exclude_none=True))
    deadline = Deadline(wait_seconds)
    checks = 0
    while True:
        held = store.get(request.reservation_id)
        if held is not None:
            conflict_if_different(held, list(request.items), None)
            return held, held.execution_arn == arn
        checks += 1
        if checks % 4 == 1:  # the record is the fast signal; the execution tells why it failed
            outcome = workflow.outcome(arn)
            if outcome is not None and _finished(outcome):
                if store.get(request.reservation_id) is None:  # it may have been written just now
                    raise _failure(store, request, outcome.error, outcome.error_message)
                continue
        if deadline.passed():
            raise ReservationPending(
                "the reservation is still being processed; repeat the same request to get its outcome",
                reservation_id=request.reservation_id,
            )
        deadline.pause()


def _finished(outcome: ExecutionOutcome) -> bool:
    # moto marks an execution FAILED a moment before it records the error: wait for both
    return outcome.status != "RUNNING" and not (outcome.status == "FAILED" and outcome.error is None)


def _failure(
    store: ReservationStore, request: ReservationInput, error: str | None, message: str | None
) -> Exception:
    cls = TASK_ERRORS.get(error or "")
    if cls is InsufficientStock:
        short = store.shortages(list(request.items))
        return InsufficientStock(
            message or "not enough stock available",
            available=short[0]["available"] if short else 0,
            lines=short,
        )
    if cls is not None:
        return cls(message or error or "the reservation failed", reservation_id=request.reservation_id)
    return WorkflowFailed(
        f"the workflow of reservation {request.reservation_id!r} ended with {error or 'no reservation'}",
        reservation_id=request.reservation_id,
        error=error,
    )


def _signal_until_closed(
    store: ReservationStore,
    reservation_id: str,
    send: Callable[[str], Signal],
    wait_seconds: float,
    settled: Callable[[Reservation], bool] = lambda r: r.status in FINAL_STATUSES,
) -> Reservation:
    """Sends one signal to whichever token the Hold task is waiting on, then waits for its effect.

    A stale token (the timer fired, or an extension replaced the token) is not an error: the record
    is read again and the signal goes to the new token, or the final state is the answer.
    """
    deadline = Deadline(wait_seconds)
    sent_to: str | None = None
    delivered = False
    while True:
        reservation = _get(store, reservation_id)
        if settled(reservation) or reservation.status in FINAL_STATUSES:
            return reservation
        token = reservation.task_token
        if not delivered and token and token != sent_to:
            delivered = send(token) is Signal.DELIVERED
            sent_to = token
        if deadline.passed():
            raise ReservationPending(
                "the reservation has not answered yet; repeat the same request", reservation_id=reservation_id
            )
        deadline.pause()


def confirm(
    store: ReservationStore, workflow: Workflow, reservation_id: str, wait_seconds: float
) -> Reservation:
    """FR-5 after a hold: sells the held units. Confirming twice is harmless; after expiry it is 409."""
    reservation = _get(store, reservation_id)
    if reservation.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
        raise _closed(reservation)
    done = _signal_until_closed(
        store, reservation_id, lambda token: workflow.succeed(token, {"decision": "confirm"}), wait_seconds
    )
    if done.status is not ReservationStatus.FULFILLED:
        raise _closed(done)
    return done


def cancel(
    store: ReservationStore,
    workflow: Workflow,
    reservation_id: str,
    reason: str,
    wait_seconds: float,
    product_id: str | None = None,
) -> Reservation:
    """Releases the hold. Releasing a released or expired reservation is harmless; a sold one is 409."""
    reservation = _get(store, reservation_id)
    if product_id is not None and not reservation.has_product(product_id):
        raise ReservationNotFound(
            f"reservation {reservation_id!r} holds no {product_id!r}", reservation_id=reservation_id
        )
    done = _signal_until_closed(
        store, reservation_id, lambda token: workflow.fail(token, RELEASE_SIGNAL, reason[:256]), wait_seconds
    )
    if done.status is ReservationStatus.FULFILLED:
        raise _closed(done)
    return done


def extend(
    store: ReservationStore,
    workflow: Workflow,
    policy: HoldPolicy,
    reservation_id: str,
    hold_seconds: int,
    now: datetime,
    wait_seconds: float,
) -> Reservation:
    """Moves the expiry to `hold_seconds` from now (bounded by the policy) and restarts the Hold timer."""
    deadline = Deadline(wait_seconds)
    while True:
        reservation = _get(store, reservation_id)
        if reservation.status is not ReservationStatus.HELD:
            raise _closed(reservation)
        if reservation.task_token:
            break
        if deadline.passed():
            raise ReservationPending(
                "the reservation is not waiting yet; repeat the request", reservation_id=reservation_id
            )
        deadline.pause()
    created = datetime.fromisoformat(reservation.created_at.replace("Z", "+00:00"))
    expires = policy.extended_expiry(created, now, hold_seconds)
    old_token = reservation.task_token
    store.extend(reservation, iso(expires), int(expires.timestamp()))
    if workflow.fail(old_token, EXTEND_SIGNAL, str(seconds_until(expires, now))) is Signal.STALE:
        # the timer fired (or a decision won) just before: the outcome decides the answer
        done = _signal_until_closed(store, reservation_id, lambda _t: Signal.STALE, wait_seconds)
        raise _closed(done)
    done = _signal_until_closed(
        store,
        reservation_id,
        lambda _token: Signal.DELIVERED,
        wait_seconds,
        settled=lambda r: r.task_token not in (None, old_token),
    )
    if done.status is not ReservationStatus.HELD:
        raise _closed(done)
    return done


class ReservationReport(BaseModel):
    reservation: Reservation | None
    execution_status: str | None
    error: str | None
    error_message: str | None
    timeline: list[TimelineEntry]


def report(store: ReservationStore, workflow: Workflow, reservation_id: str) -> ReservationReport:
    """A reservation and what happened to it, from its execution's history. A reservation whose
    Reserve step failed has no record; its execution still tells why."""
    reservation = store.get(reservation_id)
    arn = (reservation.execution_arn if reservation else None) or workflow.execution_arn(
        execution_name(reservation_id)
    )
    outcome = workflow.outcome(arn)
    if reservation is None and outcome is None:
        raise ReservationNotFound(
            f"reservation {reservation_id!r} does not exist", reservation_id=reservation_id
        )
    return ReservationReport(
        reservation=reservation,
        execution_status=outcome.status if outcome else None,
        error=outcome.error if outcome else None,
        error_message=outcome.error_message if outcome else None,
        timeline=workflow.timeline(arn) if outcome else [],
    )
