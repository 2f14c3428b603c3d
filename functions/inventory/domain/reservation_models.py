"""Reservations: what a hold on stock is, the execution input that starts one, and its hold-time rules."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from inventory.errors import ReservationClosed, ReservationNotFound, ValidationFailed
from inventory.models import DEFAULT_WAREHOUSE, parse_iso

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
SWEEP_SHARDS = 8
MAX_LINES = 25  # a transaction holds at most 100 actions: 2 per line (stock + ledger) plus the record
MAX_HOLD_SECONDS = 31_536_000  # a Standard execution lives at most one year

Identifier = Annotated[str, Field(pattern=ID_PATTERN, description="1-128 of A-Z a-z 0-9 . _ : -")]
MAX_QUANTITY = 1_000_000
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, description="Units (1 to 1,000,000)")]


class ReservationStatus(StrEnum):
    HELD = "HELD"
    FULFILLED = "FULFILLED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"  # never held: the workflow refused it (SDK or queue starts; REST answers at once)


class ReservationLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: Identifier
    warehouse_id: Identifier = DEFAULT_WAREHOUSE
    quantity: Annotated[Quantity, Field(description="Units to hold")]


def _distinct_lines(items: list[ReservationLine]) -> list[ReservationLine]:
    # One transaction cannot touch an item twice, and two lines for one record are a client mistake.
    seen = set()
    for line in items:
        key = (line.product_id, line.warehouse_id)
        if key in seen:
            raise ValueError(f"{line.product_id}@{line.warehouse_id} appears twice; merge the quantities")
        seen.add(key)
    return items


ReservationLines = Annotated[
    list[ReservationLine], Field(min_length=1, max_length=MAX_LINES), AfterValidator(_distinct_lines)
]
"""The lines of one reservation or order: 1 to MAX_LINES, each stock record at most once."""


class ReservationInput(BaseModel):
    """The input of one reservation workflow execution (`StartExecution`).

    Start the execution with the name `execution_name(reservation_id)` (the id itself when it is a
    valid execution name), so that a second start of the same reservation is refused or joined,
    never run twice.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", title="ReservationInput")

    reservation_id: Identifier = Field(description="Unique per reservation (cart, checkout or order id)")
    items: ReservationLines
    hold_seconds: int | None = Field(
        default=None, ge=1, le=MAX_HOLD_SECONDS, description="Hold time; the deployment's default when absent"
    )
    order_id: Identifier | None = Field(default=None, description="Order reference, carried on the events")
    source: Identifier = Field(default="sdk", description="Who started it: api, sdk, queue")


class TimelineEntry(BaseModel):
    """One step in a reservation's life, written with the change it describes (no execution history)."""

    model_config = ConfigDict(frozen=True)

    at: str
    event: str = Field(description="HELD, WAITING, EXTENDED, FULFILLED, RELEASED, EXPIRED or FAILED")
    state: str | None = Field(default=None, description="The workflow step: Reserve, Hold, Fulfil, Release")
    actor: str | None = None
    reason: str | None = None
    expires_at: str | None = None
    error: str | None = None


class Reservation(BaseModel):
    """The stored reservation record (ReservationsTable, PK `reservation_id`)."""

    model_config = ConfigDict(frozen=True)

    reservation_id: str
    lines: list[ReservationLine]
    status: ReservationStatus
    expires_at: str = Field(description="ISO 8601; when the hold ends unless confirmed, released or extended")
    expires_at_epoch: int = Field(description="expires_at in Unix seconds (for the sweeper's index)")
    hold_seconds: int
    created_at: str
    updated_at: str
    execution_arn: str | None = None
    task_token: str | None = None
    reason: str | None = None
    order_id: str | None = None
    source: str | None = None
    extensions: int = 0
    sweep_shard: str | None = Field(default=None, description="Set only while HELD (sparse index)")
    unarmed_shard: str | None = Field(
        default=None, description="Set from a REST hold's write until its timer is armed (sparse index)"
    )
    created_at_epoch: int | None = None
    error: str | None = Field(default=None, description="FAILED: the named error that refused it")
    public: bool | None = Field(default=None, description="True: placed with a storefront (public) key")
    secret_digest: str | None = Field(default=None, description="SHA-256 of a public hold's release secret")
    timeline: list[TimelineEntry] = Field(default_factory=list)

    def same_lines(self, lines: list[ReservationLine]) -> bool:
        return sorted(self.lines, key=_line_key) == sorted(lines, key=_line_key)

    def expired(self, now: datetime) -> bool:
        return parse_iso(self.expires_at) <= now

    def has_product(self, product_id: str) -> bool:
        return any(line.product_id == product_id for line in self.lines)


def _line_key(line: ReservationLine) -> tuple[str, str]:
    return (line.product_id, line.warehouse_id)


class HoldPolicy(BaseModel):
    """Hold-time bounds of a deployment (template parameters)."""

    model_config = ConfigDict(frozen=True)

    default_seconds: int = Field(ge=1)
    min_seconds: int = Field(ge=1)
    max_seconds: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> HoldPolicy:
        if not self.min_seconds <= self.default_seconds <= self.max_seconds:
            raise ValueError("hold bounds must satisfy min <= default <= max")
        return self

    def hold_for(self, requested: int | None) -> int:
        seconds = self.default_seconds if requested is None else requested
        if not self.min_seconds <= seconds <= self.max_seconds:
            raise ValidationFailed(
                f"hold_seconds: must be between {self.min_seconds} and {self.max_seconds}",
                field="hold_seconds",
                minimum=self.min_seconds,
                maximum=self.max_seconds,
            )
        return seconds

    def extended_expiry(self, created_at: datetime, now: datetime, hold_seconds: int) -> datetime:
        """A new expiry `hold_seconds` from now; a reservation lives at most `max_seconds` in all."""
        self.hold_for(hold_seconds)
        latest = created_at + timedelta(seconds=self.max_seconds)
        if now + timedelta(seconds=hold_seconds) > latest:
            raise ValidationFailed(
                f"hold_seconds: a reservation may be held at most {self.max_seconds} s in all",
                field="hold_seconds",
                latest_expires_at=latest.isoformat(),
            )
        # a whole-second expiry (see expiry_after), never beyond the whole second before `latest`
        return min(expiry_after(now, hold_seconds), latest.replace(microsecond=0))


_EXECUTION_NAME = re.compile(r"^[A-Za-z0-9._-]{1,80}$")


def execution_name(reservation_id: str) -> str:
    """Step Functions names allow 80 characters and no ':'; other ids get a stable digest name."""
    if _EXECUTION_NAME.match(reservation_id) and not reservation_id.startswith("h-"):
        return reservation_id
    return "h-" + hashlib.sha256(reservation_id.encode()).hexdigest()[:64]


def sweep_shard(reservation_id: str) -> str:
    return str(int(hashlib.sha256(reservation_id.encode()).hexdigest()[:8], 16) % SWEEP_SHARDS)


def expiry_after(now: datetime, hold_seconds: int) -> datetime:
    """`hold_seconds` from now, rounded up to a whole second: Step Functions' Wait until a timestamp
    ignores milliseconds, so only a whole-second expiry can be met exactly by the workflow's timer."""
    wanted = now + timedelta(seconds=hold_seconds)
    whole = wanted.replace(microsecond=0)
    return whole if whole == wanted else whole + timedelta(seconds=1)


def wait_timestamp(moment: datetime) -> str:
    """The form a Wait state's TimestampPath takes (second precision, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timer_seconds(moment: datetime, now: datetime) -> int:
    """The Hold task's timeout: whole seconds left, rounded down so that it never fires after `moment`
    (a Wait until `moment` covers the fraction); at least 1, since a callback timeout must be positive."""
    return max(1, math.floor((moment - now).total_seconds()))


def reservation_not_found(reservation_id: str) -> ReservationNotFound:
    return ReservationNotFound(
        f"reservation {reservation_id!r} does not exist", reservation_id=reservation_id
    )


def reservation_closed(reservation: Reservation) -> ReservationClosed:
    """A decision on a reservation that already reached a final state."""
    return ReservationClosed(
        f"reservation {reservation.reservation_id!r} is already {reservation.status.value}"
        + (f": {reservation.reason}" if reservation.reason else ""),
        reservation_id=reservation.reservation_id,
        status=reservation.status.value,
        reason=reservation.reason,
    )


def reservation_expired(reservation: Reservation) -> ReservationClosed:
    """A hold past its expiry is closed for decisions even before its timer has released the stock."""
    reason = f"hold expired at {reservation.expires_at}"
    return ReservationClosed(
        f"reservation {reservation.reservation_id!r} is already EXPIRED: {reason}",
        reservation_id=reservation.reservation_id,
        status=ReservationStatus.EXPIRED.value,
        reason=reason,
    )
