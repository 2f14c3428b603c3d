"""The stock ledger's values: one movement per stock change, and how a ledger is read.

Every writer puts a movement in the same transaction as the change it records (see
`inventory.store.ledger.movement_put`), so the ledger and the stock record can never drift.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inventory.models import iso, utc_now


class MovementKind(StrEnum):
    CREATED = "CREATED"  # a new stock record
    ADMIN_SET = "ADMIN_SET"  # PUT /inventory/{id}: absolute stock or threshold
    ADJUSTMENT = "ADJUSTMENT"  # relative change: shipment received, damage, count correction
    RESERVED = "RESERVED"  # a hold raised reserved_count
    RELEASED = "RELEASED"  # a hold was released on request
    EXPIRED = "EXPIRED"  # a hold ran out of time
    FULFILLED = "FULFILLED"  # sold: stock and reservation lowered together
    RECONCILED = "RECONCILED"  # drift repaired by the reconciliation check


class Counts(BaseModel):
    model_config = ConfigDict(frozen=True)

    stock_count: int
    reserved_count: int


class Movement(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    warehouse_id: str
    movement_id: str = Field(description="<ISO time>#<unique id>; sorts by time")
    at: str
    kind: MovementKind
    actor: str = Field(description="Who caused it: admin, storefront, workflow, sweeper, ...")
    reason: str
    reference: str | None = Field(default=None, description="Order, reservation or shipment reference")
    delta: Counts = Field(description="The change: what this movement added to each count (may be negative)")
    before: Counts | None = Field(
        default=None, description="Counts before and after, for changes made on a record as read (admin)"
    )
    after: Counts | None = None

    @model_validator(mode="before")
    @classmethod
    def _delta_from_counts(cls, data: Any) -> Any:
        # movements written before `delta` existed carry before/after only
        if isinstance(data, dict) and "delta" not in data and data.get("before") and data.get("after"):
            before, after = data["before"], data["after"]
            data = {
                **data,
                "delta": {
                    key: int(after[key]) - int(before[key]) for key in ("stock_count", "reserved_count")
                },
            }
        return data


def new_movement(
    *,
    product_id: str,
    warehouse_id: str,
    kind: MovementKind,
    actor: str,
    reason: str,
    before: Counts | None = None,
    after: Counts | None = None,
    delta: Counts | None = None,
    reference: str | None = None,
    unique: str | None = None,
) -> Movement:
    """Either `before` and `after` (a change computed from the record as read) or `delta` alone (a
    conditional `ADD` that never reads the record: reservations, so the hot path makes no read).
    `unique` makes the id deterministic, so a retried step writes the same movement, not a second one."""
    if delta is None:
        if before is None or after is None:
            raise ValueError("a movement needs before and after, or delta")
        delta = Counts(
            stock_count=after.stock_count - before.stock_count,
            reserved_count=after.reserved_count - before.reserved_count,
        )
    at = iso(utc_now())
    suffix = unique or uuid.uuid4().hex
    return Movement(
        product_id=product_id,
        warehouse_id=warehouse_id,
        movement_id=f"{at}#{suffix}",
        at=at,
        kind=kind,
        actor=actor,
        reason=reason,
        reference=reference,
        delta=delta,
        before=before,
        after=after,
    )


class LedgerPage(BaseModel):
    movements: list[Movement]
    next_token: str | None = None


class LedgerReader(Protocol):
    def history(self, product_id: str, limit: int, start_after: str | None = None) -> LedgerPage: ...
