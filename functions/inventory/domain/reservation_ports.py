"""What the reservation use cases need from the outside, and the values they exchange with it:
the reservation store, the workflow (Step Functions) and the outcome publisher. `inventory.store`
implements them; the handlers wire the implementations at cold start.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from inventory.domain.ledger import LedgerPage, MovementKind
from inventory.domain.reservation_models import (
    Reservation,
    ReservationInput,
    ReservationLine,
    ReservationStatus,
    TimelineEntry,
    reservation_not_found,
)
from inventory.errors import ReservationConflict


class ReservationStore(Protocol):
    def get(self, reservation_id: str) -> Reservation | None: ...

    def hold(self, reservation: Reservation, actor: str, public_ceiling: int | None = None) -> Reservation:
        """Holds every line or none; a public reservation's lines also count against the units
        public holds may hold on each record (`public_ceiling`), in the same conditional write."""
        ...

    def record_failure(self, reservation: Reservation) -> Reservation: ...

    def store_token(self, reservation_id: str, token: str, entry: TimelineEntry) -> Reservation: ...

    def close(self, reservation: Reservation, change: Closing) -> tuple[Reservation, bool]: ...

    def extend(
        self, reservation: Reservation, expires_at: str, expires_at_epoch: int, now: str
    ) -> Reservation: ...

    def held(self, expiring_before_epoch: int | None = None) -> list[Reservation]: ...

    def unarmed(self, created_before_epoch: int) -> list[Reservation]: ...

    def shortages(self, lines: list[ReservationLine]) -> list[dict[str, Any]]: ...

    def sell(self, record: Reservation, actor: str) -> tuple[Reservation, bool]: ...

    def held_now(self) -> list[Reservation]: ...

    def stock_items(self) -> list[dict[str, Any]]: ...

    def set_reserved(
        self, item: dict[str, Any], reserved_count: int, reason: str, public_held: int = 0
    ) -> bool: ...


class ProductReservationReader(Protocol):
    """Reads the holds on one product by key: its ledger partition, then the reservations it names."""

    def movements(
        self,
        product_id: str,
        kinds: frozenset[MovementKind],
        limit: int,
        since: str | None = None,
        start_after: str | None = None,
    ) -> LedgerPage:
        """Movements of these kinds, newest first, `since` a movement id (inclusive lower bound);
        a page may hold fewer than `limit` (the kind is filtered after the key query)."""
        ...

    def reservations(self, reservation_ids: list[str]) -> dict[str, Reservation]: ...


def existing(store: ReservationStore, reservation_id: str) -> Reservation:
    """The reservation, or ReservationNotFound."""
    reservation = store.get(reservation_id)
    if reservation is None:
        raise reservation_not_found(reservation_id)
    return reservation


# The ledger movement each way out of HELD writes.
CLOSING_MOVEMENTS = {
    ReservationStatus.FULFILLED: MovementKind.FULFILLED,
    ReservationStatus.RELEASED: MovementKind.RELEASED,
    ReservationStatus.EXPIRED: MovementKind.EXPIRED,
}


class Closing(BaseModel):
    """One move out of HELD: to what, why, by whom, and what the record must still look like.

    `token` is the task token the caller saw (None: none yet); the write is refused if the Hold step
    stored another one meanwhile, so the caller never misses the token it has to signal.
    `unexpired_at`, when set, refuses the write if the hold has expired by then (a late confirm)."""

    model_config = ConfigDict(frozen=True)

    status: ReservationStatus
    reason: str
    actor: str
    at: str
    token: str | None = None
    check_token: bool = False
    unexpired_at: str | None = None


class OutcomeEvent(StrEnum):
    RESERVED = "InventoryReserved"
    RESERVATION_FAILED = "InventoryReservationFailed"
    RELEASED = "InventoryReleased"
    EXPIRED = "InventoryReservationExpired"
    COMMITTED = "InventoryCommitted"


class OutcomePublisher(Protocol):
    def reservation(self, event: OutcomeEvent, reservation: Reservation) -> None: ...

    def failure(
        self, request: ReservationInput, code: str, message: str, details: dict[str, Any]
    ) -> None: ...


class Signal(StrEnum):
    DELIVERED = "DELIVERED"
    STALE = "STALE"


class Start(StrEnum):
    STARTED = "STARTED"  # started now, or the same start repeated while it runs (Step Functions joins it)
    TAKEN = "TAKEN"  # the name belongs to another input, or to an execution that has ended


class ExecutionOutcome(BaseModel):
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    error: str | None = None
    error_message: str | None = None


class Workflow(Protocol):
    def execution_arn(self, name: str) -> str: ...

    def start(self, name: str, payload: dict[str, Any]) -> Start: ...

    def outcome(self, execution_arn: str) -> ExecutionOutcome | None: ...

    def succeed(self, token: str, output: dict[str, Any]) -> Signal: ...

    def fail(self, token: str, error: str, cause: str) -> Signal: ...


def conflict_if_different(
    existing: Reservation, lines: list[ReservationLine], execution_arn: str | None
) -> None:
    """A reservation id already used for other lines, or held by another execution, is refused."""
    if not existing.same_lines(lines):
        raise ReservationConflict(
            f"reservation {existing.reservation_id!r} already exists with other lines",
            reservation_id=existing.reservation_id,
        )
    if execution_arn is not None and existing.execution_arn not in (None, execution_arn):
        raise ReservationConflict(
            f"reservation {existing.reservation_id!r} is held by another execution",
            reservation_id=existing.reservation_id,
            execution_arn=existing.execution_arn,
        )
