"""Admin changes to stock (FR-2, US-4/7): absolute sets guarded by a version, relative adjustments,
and new warehouse records. Every change writes its ledger movement in the same transaction.

The version is the client's concurrency token: it moves on admin sets, adjustments and
fulfilments only, so shoppers' holds on a busy product never make an admin's edit fail. Holds do
change `reserved_count`, though, so every write is also conditional on the counts it read; when
only the counts moved, the change is recomputed and retried (bounded, jittered), never blindly
overwritten.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from inventory.domain.ledger import Counts, MovementKind, new_movement
from inventory.domain.stock_ports import RecordChanged, StockChanges, StockRecordStore, missing_record
from inventory.errors import (
    ConcurrentUpdate,
    ProductNotFound,
    StockBelowReserved,
    StockBelowZero,
    ValidationFailed,
    VersionConflict,
)
from inventory.models import StockRecord, iso, utc_now

MAX_ATTEMPTS = 25
ADMIN = "admin"


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.1, 0.005 * 2**attempt)))  # noqa: S311 - jitter, not crypto


def _counts(record: StockRecord) -> Counts:
    return Counts(stock_count=record.stock_count, reserved_count=record.reserved_count)


def _record_json(record: StockRecord) -> dict[str, Any]:
    return record.model_dump(mode="json")


def _check_stock(record: StockRecord, stock_count: int) -> None:
    if stock_count < 0:
        raise StockBelowZero(
            f"stock_count would become {stock_count}; it cannot go below zero",
            stock_count=record.stock_count,
            requested_stock_count=stock_count,
        )
    if stock_count < record.reserved_count:
        raise StockBelowReserved(
            f"stock_count {stock_count} is below the {record.reserved_count} units reserved by open "
            "reservations; release or fulfil them first",
            reserved_count=record.reserved_count,
            requested_stock_count=stock_count,
        )


def _changed(record: StockRecord, **changes: Any) -> StockRecord:
    return record.model_copy(
        update={**changes, "version": record.version + 1, "last_updated": iso(utc_now())}
    )


def _apply(
    store: StockRecordStore,
    changes: StockChanges,
    product_id: str,
    warehouse_id: str,
    change: Callable[[StockRecord], StockRecord],
    *,
    kind: MovementKind,
    reason: str,
    reference: str | None,
    pause: Callable[[int], None],
) -> StockRecord:
    """Reads the record, computes the change from it and writes both with its movement, conditional
    on the counts read; when only the counts moved meanwhile (a hold), recomputes and retries."""
    for attempt in range(MAX_ATTEMPTS):
        current = store.record(product_id, warehouse_id)
        if current is None:
            raise missing_record(store, product_id, warehouse_id)
        after = change(current)
        movement = new_movement(
            product_id=product_id,
            warehouse_id=warehouse_id,
            kind=kind,
            actor=ADMIN,
            reason=reason,
            reference=reference,
            before=_counts(current),
            after=_counts(after),
        )
        try:
            changes.replace(current, after, movement)
            return after
        except RecordChanged:
            pause(attempt)
    raise ConcurrentUpdate("the stock record kept changing; retry the request", product_id=product_id)


def set_stock(
    store: StockRecordStore,
    changes: StockChanges,
    product_id: str,
    warehouse_id: str,
    *,
    expected_version: int,
    stock_count: int | None = None,
    threshold_level: int | None = None,
    category: str | None = None,
    pause: Callable[[int], None] = _pause,
) -> StockRecord:
    """PUT: absolute values, only if the record is still at `expected_version`."""
    if stock_count is None and threshold_level is None and category is None:
        raise ValidationFailed(
            "body: give at least one of stock_count, threshold_level, category",
            fields=[{"field": "body", "problem": "nothing to change"}],
        )

    def change(current: StockRecord) -> StockRecord:
        if current.version != expected_version:
            raise VersionConflict(
                f"the record is at version {current.version}, not {expected_version}; "
                "re-read it and apply your change again",
                current=_record_json(current),
            )
        new_stock = current.stock_count if stock_count is None else stock_count
        _check_stock(current, new_stock)
        return _changed(
            current,
            stock_count=new_stock,
            threshold_level=current.threshold_level if threshold_level is None else threshold_level,
            category=current.category if category is None else category,
        )

    return _apply(
        store,
        changes,
        product_id,
        warehouse_id,
        change,
        kind=MovementKind.ADMIN_SET,
        reason="admin set",
        reference=None,
        pause=pause,
    )


def adjust_stock(
    store: StockRecordStore,
    changes: StockChanges,
    product_id: str,
    warehouse_id: str,
    *,
    delta: int,
    reason: str,
    reference: str | None = None,
    pause: Callable[[int], None] = _pause,
) -> StockRecord:
    """A relative change (shipment received, damage, recount): never lost, never below reserved."""

    def change(current: StockRecord) -> StockRecord:
        new_stock = current.stock_count + delta
        _check_stock(current, new_stock)
        return _changed(current, stock_count=new_stock)

    return _apply(
        store,
        changes,
        product_id,
        warehouse_id,
        change,
        kind=MovementKind.ADJUSTMENT,
        reason=reason,
        reference=reference,
        pause=pause,
    )


def add_warehouse_record(
    store: StockRecordStore,
    changes: StockChanges,
    product_id: str,
    warehouse_id: str,
    *,
    stock_count: int | None = None,
    threshold_level: int | None = None,
    category: str | None = None,
) -> StockRecord:
    """A known product starts being stocked in another warehouse (PUT with `create: true`)."""
    existing = store.records_for_product(product_id)
    if not existing:
        raise ProductNotFound(
            f"product {product_id!r} has no stock records; create it with POST /products",
            product_id=product_id,
        )
    siblings = sorted(existing, key=lambda r: r.warehouse_id)
    record = StockRecord(
        product_id=product_id,
        warehouse_id=warehouse_id,
        stock_count=stock_count or 0,
        reserved_count=0,
        threshold_level=siblings[0].threshold_level if threshold_level is None else threshold_level,
        category=category
        if category is not None
        else next((r.category for r in siblings if r.category), None),
        last_updated=iso(utc_now()),
        version=1,
    )
    movement = new_movement(
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind=MovementKind.CREATED,
        actor=ADMIN,
        reason="warehouse record added",
        before=Counts(stock_count=0, reserved_count=0),
        after=_counts(record),
    )
    changes.add_record(record, movement)
    return record
