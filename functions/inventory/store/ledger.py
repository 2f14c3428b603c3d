"""The stock ledger: one movement per stock change, written in the same transaction as the change.

Every writer builds its `TransactWriteItems` with `movement_put(...)` beside the stock update, so
the ledger and the stock record can never drift. Items: PK `product_id`, SK `movement_id`
(`<ISO time>#<id>`, so a query in reverse gives newest first).
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Protocol

from boto3.dynamodb.conditions import Key
from pydantic import BaseModel, ConfigDict, Field

from inventory.models import iso, utc_now
from inventory.store.items import from_item


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


def movement_put(table_name: str, movement: Movement) -> dict[str, Any]:
    """A `TransactWriteItems` action appending `movement` (never overwriting one)."""
    return {
        "Put": {
            "TableName": table_name,
            "Item": movement.model_dump(mode="json", exclude_none=True),
            "ConditionExpression": "attribute_not_exists(movement_id)",
        }
    }


class LedgerPage(BaseModel):
    movements: list[Movement]
    next_token: str | None = None


class LedgerReader(Protocol):
    def history(self, product_id: str, limit: int, start_after: str | None = None) -> LedgerPage: ...


class DynamoLedger:
    def __init__(self, table: Any) -> None:
        self._table = table

    def history(self, product_id: str, limit: int, start_after: str | None = None) -> LedgerPage:
        """Newest first. `start_after` is the last movement id of the previous page."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("product_id").eq(product_id),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start_after:
            kwargs["ExclusiveStartKey"] = {"product_id": product_id, "movement_id": start_after}
        page = self._table.query(**kwargs)
        movements = [Movement.model_validate(from_item(item)) for item in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        return LedgerPage(movements=movements, next_token=last["movement_id"] if last else None)
