"""Never lose stock: the sweeper and the reconciliation check.

The sweeper first arms REST holds whose timer never started (the start failed after the hold was
written): it starts their execution, which joins one already running, or releases the hold when its
execution name is taken by an ended execution. Then it releases HELD reservations whose hold ended
more than a grace period ago and whose execution is not running (it failed, or it never survived a
restart of the local stack), exactly as the workflow's Release step would. Both read sparse indexes
holding only the records concerned, and call Step Functions only for those (normally none).
The reconciliation check compares each stock record's reserved_count with the sum of its HELD
reservations and can repair drift with a ledger entry.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pydantic import BaseModel, Field

from inventory.domain.reservation_models import execution_name
from inventory.domain.reservation_ports import OutcomePublisher, ReservationStore, Start, Workflow
from inventory.domain.reservation_workflow import TIMEOUT_ERROR, execution_input, release, undo_unarmed
from inventory.errors import HoldExtended, InventoryError, TransientStoreError

# Arming takes well under a second; a REST hold still unarmed after this long has no execution.
ARM_GRACE_SECONDS = 10


class SweepReport(BaseModel):
    checked: int
    armed: list[str] = Field(default_factory=list, description="REST holds whose timer the sweeper started")
    undone: list[str] = Field(
        default_factory=list, description="REST holds released because their execution had ended unarmed"
    )
    released: list[str] = Field(description="Reservations released here (their execution was gone)")
    running: list[str] = Field(description="Past their expiry, but their execution is still running")
    failed: list[dict[str, str]] = Field(default_factory=list)


def _arm(
    store: ReservationStore, workflow: Workflow, now: datetime, report: SweepReport, grace_seconds: int
) -> None:
    for held in store.unarmed(created_before_epoch=int(now.timestamp()) - grace_seconds):
        try:
            started = workflow.start(execution_name(held.reservation_id), execution_input(held))
        except TransientStoreError as error:
            report.failed.append({"reservation_id": held.reservation_id, "error": str(error)})
            continue
        if started is Start.STARTED:
            report.armed.append(held.reservation_id)
            continue
        if undo_unarmed(
            store, held, "its workflow execution ended before arming the hold's timer", "sweeper", now
        ):
            report.undone.append(held.reservation_id)


def sweep(
    store: ReservationStore,
    workflow: Workflow,
    events: OutcomePublisher,
    now: datetime,
    grace_seconds: int,
    arm_grace_seconds: int = ARM_GRACE_SECONDS,
) -> SweepReport:
    report = SweepReport(checked=0, released=[], running=[])
    _arm(store, workflow, now, report, arm_grace_seconds)
    overdue = store.held(expiring_before_epoch=int(now.timestamp()) - grace_seconds)
    report.checked = len(overdue)
    for reservation in overdue:
        arn = reservation.execution_arn or workflow.execution_arn(execution_name(reservation.reservation_id))
        outcome = workflow.outcome(arn)
        if outcome is not None and outcome.status == "RUNNING":
            report.running.append(reservation.reservation_id)
            continue
        try:
            release(store, events, reservation.reservation_id, TIMEOUT_ERROR, None, actor="sweeper", now=now)
        except InventoryError as error:  # e.g. sold meanwhile: report it, keep sweeping
            report.failed.append({"reservation_id": reservation.reservation_id, "error": error.code})
        except HoldExtended:  # the index lagged behind an extension: not overdue after all
            report.running.append(reservation.reservation_id)
        else:
            report.released.append(reservation.reservation_id)
    return report


class Drift(BaseModel):
    product_id: str
    warehouse_id: str
    stock_count: int
    reserved_count: int
    available: int | None
    held_by_reservations: int
    public_held: int = 0
    held_by_public_holds: int = 0
    problems: list[str]
    repaired: bool = False


class ReconciliationReport(BaseModel):
    records_checked: int
    held_reservations: int
    drift: list[Drift]
    skipped_busy: list[str] = Field(
        default_factory=list, description="Records whose reservations changed during the check; run again"
    )


Sums = dict[tuple[str, str], tuple[int, int]]  # (product, warehouse) -> (held units, of them public)
Holders = dict[tuple[str, str], frozenset[tuple[str, int]]]  # -> (reservation id, units) of each hold


def _held_sums(store: ReservationStore) -> tuple[Sums, Holders, int]:
    held_units: dict[tuple[str, str], int] = defaultdict(int)
    public_units: dict[tuple[str, str], int] = defaultdict(int)
    holders: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
    held = store.held_now()
    for reservation in held:
        for line in reservation.lines:
            key = (line.product_id, line.warehouse_id)
            held_units[key] += line.quantity
            holders[key].add((reservation.reservation_id, line.quantity))
            if reservation.public:
                public_units[key] += line.quantity
    sums = {key: (units, public_units[key]) for key, units in held_units.items()}
    return sums, {key: frozenset(found) for key, found in holders.items()}, len(held)


def reconcile(store: ReservationStore, repair: bool) -> ReconciliationReport:
    """Reads HELD reservations before and after the stock records, so a hold or release committing
    during the check is never mistaken for drift (its record is skipped and reported as busy).
    The holds themselves are compared, not only their sums: a release and a new hold of the same
    quantity between the two reads leave the sums equal, while the record was read between them."""
    _, held_before, count = _held_sums(store)
    items = store.stock_items()
    after, held_after, _ = _held_sums(store)
    drift, busy = [], []
    for item in items:
        key = (str(item["product_id"]), str(item["warehouse_id"]))
        if held_before.get(key, frozenset()) != held_after.get(key, frozenset()):
            busy.append(f"{key[0]}@{key[1]}")
            continue
        stock, reserved = int(item.get("stock_count", 0)), int(item.get("reserved_count", 0))
        available = int(item["available"]) if "available" in item else None
        expected, expected_public = after.get(key, (0, 0))
        public = int(item.get("public_held", 0))
        problems = []
        if reserved != expected:
            problems.append(f"reserved_count {reserved} but HELD reservations hold {expected}")
        if public != expected_public:
            problems.append(f"public_held {public} but HELD storefront holds hold {expected_public}")
        if min(stock, reserved) < 0 or (available is not None and available < 0):
            problems.append("a negative count")
        if available != stock - reserved:
            problems.append(f"available {available} is not stock_count - reserved_count ({stock - reserved})")
        if not problems:
            continue
        found = Drift(
            product_id=key[0],
            warehouse_id=key[1],
            stock_count=stock,
            reserved_count=reserved,
            available=available,
            held_by_reservations=expected,
            public_held=public,
            held_by_public_holds=expected_public,
            problems=problems,
        )
        if repair and stock >= expected >= 0:
            found.repaired = store.set_reserved(
                item, expected, "; ".join(problems), public_held=expected_public
            )
        drift.append(found)
    return ReconciliationReport(
        records_checked=len(items), held_reservations=count, drift=drift, skipped_busy=busy
    )
