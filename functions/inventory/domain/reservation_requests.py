"""What callers ask of reservations over REST, answered from DynamoDB at once.

Every request writes its change first, with a conditional write (the hold, the sale, the release
or the new expiry, together with the stock and the ledger in one transaction), and then starts or
signals the reservation's execution once. No request waits for the workflow, polls it or reads
it: the workflow's steps find the work done and only report it, and its timer follows the record.

Between the write and the start or signal, anything may fail; each case is safe:
- the start fails: the hold stands, marked unarmed; a repeat of the request, or the sweeper within
  one run, starts the same execution (its input comes from the record, so every start joins it);
- a signal fails or finds the token stale: the execution reaches the record later (at the latest
  when its timer fires) and reports what the request already did; nothing is sold or released twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from inventory.domain.public_holds import PublicCaller, PublicHoldRules, new_secret
from inventory.domain.reservation_models import (
    HoldPolicy,
    Reservation,
    ReservationInput,
    ReservationStatus,
    execution_name,
    reservation_closed,
    reservation_expired,
    reservation_not_found,
)
from inventory.domain.reservation_ports import (
    Closing,
    ReservationStore,
    Signal,
    Start,
    Workflow,
    conflict_if_different,
    existing,
)
from inventory.domain.reservation_workflow import (
    EXTEND_SIGNAL,
    RELEASE_SIGNAL,
    execution_input,
    new_hold,
    timer,
    undo_unarmed,
)
from inventory.errors import (
    TASK_ERRORS,
    ConcurrentUpdate,
    InsufficientStock,
    InventoryError,
    ReservationClosed,
    ReservationConflict,
    ReservationNotFound,
    TransientStoreError,
    WorkflowFailed,
)
from inventory.models import iso, parse_iso

# A decision retries only when the record changed between its read and its write (a token stored).
ATTEMPTS = 4


def _signal(send: Callable[[str], Signal], token: str | None) -> None:
    """Best effort: a stale token or a failed call leaves the execution to find the record itself."""
    if token is None:
        return
    try:
        send(token)
    except TransientStoreError:
        pass


def place(
    store: ReservationStore,
    workflow: Workflow,
    policy: HoldPolicy,
    request: ReservationInput,
    now: datetime,
) -> tuple[Reservation, bool]:
    """Holds the request's lines and starts their timer; returns the reservation and whether this
    call created it (the same request again returns the same hold, holding nothing twice)."""
    hold_seconds = policy.hold_for(request.hold_seconds)  # a bad hold time is the caller's 400
    name = execution_name(request.reservation_id)
    wanted = new_hold(request, hold_seconds, now, workflow.execution_arn(name), armed=False)
    return _place(store, workflow, wanted, request, name, now, None)


def place_public(
    store: ReservationStore,
    workflow: Workflow,
    policy: HoldPolicy,
    rules: PublicHoldRules,
    request: ReservationInput,
    now: datetime,
    line_field: str = "items.{index}.quantity",
) -> tuple[Reservation, bool, str | None]:
    """A hold placed with a storefront key, within the public caps and the per-record ceiling.
    Returns the release secret only to the call that created the hold (a repeat gets None)."""
    rules.check(request, line_field)
    hold_seconds = rules.policy(policy).hold_for(request.hold_seconds)
    name = execution_name(request.reservation_id)
    secret, secret_digest = new_secret()
    wanted = new_hold(request, hold_seconds, now, workflow.execution_arn(name), armed=False).model_copy(
        update={"public": True, "secret_digest": secret_digest}
    )
    held, created = _place(store, workflow, wanted, request, name, now, rules.ceiling)
    return held, created, secret if created else None


def _place(
    store: ReservationStore,
    workflow: Workflow,
    wanted: Reservation,
    request: ReservationInput,
    name: str,
    now: datetime,
    public_ceiling: int | None,
) -> tuple[Reservation, bool]:
    held = store.hold(wanted, actor=request.source, public_ceiling=public_ceiling)
    created = held is wanted
    if not created:
        if public_ceiling is not None and not held.public:
            # a storefront key never sees a hold of another scope: the id is simply taken
            raise ReservationConflict(
                f"reservation {held.reservation_id!r} already exists", reservation_id=held.reservation_id
            )
        if held.status is ReservationStatus.FAILED:
            raise _recorded_failure(store, held)
        conflict_if_different(held, list(request.items), None)
    if held.status is ReservationStatus.HELD and held.unarmed_shard is not None:
        _start_timer(store, workflow, held, name, now)
    return held, created


def _find(store: ReservationStore, reservation_id: str, caller: PublicCaller | None) -> Reservation:
    """The reservation, or ReservationNotFound; for a storefront caller, only its own public hold
    (another scope's hold, or the wrong secret, looks exactly like an unknown id)."""
    if caller is not None:
        caller.require_secret()  # 400 before anything is read
    reservation = store.get(reservation_id)
    if reservation is None or (caller is not None and not caller.may_touch(reservation)):
        raise reservation_not_found(reservation_id)
    return reservation


def _start_timer(
    store: ReservationStore, workflow: Workflow, held: Reservation, name: str, now: datetime
) -> None:
    try:
        started = workflow.start(name, execution_input(held))
    except TransientStoreError:
        return  # the hold stands, unarmed: a repeat of this request or the sweeper starts the timer
    if started is Start.TAKEN:
        # The name is taken by an execution with other input (an SDK start of the same id), or by
        # one that ended without arming this hold: no timer can follow it, so it is undone.
        undo_unarmed(store, held, "the reservation id belongs to another workflow execution", "api", now)
        raise ReservationConflict(
            f"reservation {held.reservation_id!r} is used by another workflow execution",
            reservation_id=held.reservation_id,
        )


def _recorded_failure(store: ReservationStore, failed: Reservation) -> InventoryError:
    """The answer for an id whose SDK or queue reservation was refused: the same refusal."""
    cls = TASK_ERRORS.get(failed.error or "")
    if cls is InsufficientStock:
        short = store.shortages(failed.lines)
        return InsufficientStock(
            failed.reason or "not enough stock available",
            available=short[0]["available"] if short else 0,
            lines=short,
        )
    if cls is not None:
        return cls(failed.reason or "the reservation failed", reservation_id=failed.reservation_id)
    return WorkflowFailed(
        f"the reservation {failed.reservation_id!r} failed with {failed.error}",
        reservation_id=failed.reservation_id,
        error=failed.error,
    )


def _decide(
    store: ReservationStore,
    reservation: Reservation,
    closing: Callable[[Reservation], Closing],
    settled: Callable[[Reservation], bool],
) -> tuple[Reservation, bool]:
    """Closes the hold as it was read; if the record changed first (the Hold step stored a token, or
    someone else decided), reads it again. Returns the record and whether this call closed it."""
    for _attempt in range(ATTEMPTS):
        if settled(reservation):
            return reservation, False
        done, changed = store.close(reservation, closing(reservation))
        if changed:
            return done, True
        reservation = done
    if settled(reservation):
        return reservation, False
    raise ConcurrentUpdate(
        f"reservation {reservation.reservation_id!r} kept changing; repeat the request",
        reservation_id=reservation.reservation_id,
    )


def confirm(store: ReservationStore, workflow: Workflow, reservation_id: str, now: datetime) -> Reservation:
    """FR-5 after a hold: sells the held units. Confirming twice is harmless; after expiry it is 409."""

    def settled(r: Reservation) -> bool:
        if r.status is ReservationStatus.FULFILLED:
            return True
        if r.status is not ReservationStatus.HELD:
            raise reservation_closed(r)
        if r.expired(now):
            raise reservation_expired(r)
        return False

    done, changed = _decide(
        store,
        existing(store, reservation_id),
        lambda r: Closing(
            status=ReservationStatus.FULFILLED,
            reason="confirmed",
            actor="api",
            at=iso(now),
            token=r.task_token,
            check_token=True,
            unexpired_at=iso(now),
        ),
        settled,
    )
    if changed:
        _signal(lambda token: workflow.succeed(token, {"decision": "confirm"}), done.task_token)
    return done


def cancel(
    store: ReservationStore,
    workflow: Workflow,
    reservation_id: str,
    reason: str,
    now: datetime,
    product_id: str | None = None,
    caller: PublicCaller | None = None,
) -> Reservation:
    """Releases the hold. Releasing a released, expired or refused one is harmless; a sold one is 409."""
    reservation = _find(store, reservation_id, caller)
    if product_id is not None and not reservation.has_product(product_id):
        raise ReservationNotFound(
            f"reservation {reservation_id!r} holds no {product_id!r}", reservation_id=reservation_id
        )

    def settled(r: Reservation) -> bool:
        if r.status is ReservationStatus.FULFILLED:
            raise reservation_closed(r)
        return r.status is not ReservationStatus.HELD

    done, changed = _decide(
        store,
        reservation,
        lambda r: Closing(
            status=ReservationStatus.RELEASED,
            reason=reason,
            actor="api",
            at=iso(now),
            token=r.task_token,
            check_token=True,
        ),
        settled,
    )
    if changed:
        _signal(lambda token: workflow.fail(token, RELEASE_SIGNAL, reason[:256]), done.task_token)
    return done


def extend(
    store: ReservationStore,
    workflow: Workflow,
    policy: HoldPolicy,
    reservation_id: str,
    hold_seconds: int,
    now: datetime,
    caller: PublicCaller | None = None,
) -> Reservation:
    """Moves the expiry to `hold_seconds` from now (bounded by the policy), then re-arms the timer.
    If the signal is lost, the Release step finds the later expiry and re-arms it itself."""
    reservation = _find(store, reservation_id, caller)
    if reservation.status is not ReservationStatus.HELD:
        raise reservation_closed(reservation)
    if reservation.expired(now):
        raise reservation_expired(reservation)
    expires = policy.extended_expiry(parse_iso(reservation.created_at), now, hold_seconds)
    try:
        done = store.extend(reservation, iso(expires), int(expires.timestamp()), iso(now))
    except ReservationClosed:
        current = existing(store, reservation_id)
        raise (
            reservation_expired(current)
            if current.status is ReservationStatus.HELD
            else reservation_closed(current)
        ) from None
    cause = json.dumps(timer(done, now).model_dump())
    _signal(lambda token: workflow.fail(token, EXTEND_SIGNAL, cause), done.task_token)
    return done


def report(store: ReservationStore, reservation_id: str, caller: PublicCaller | None = None) -> Reservation:
    """A reservation and what happened to it (its timeline is written with each change)."""
    return _find(store, reservation_id, caller)
