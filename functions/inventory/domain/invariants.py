"""The invariants that say no stock was lost or invented, checked over everything that is stored.

- every stock record: 0 <= reserved_count <= stock_count, and the stored `available` is their difference;
- every stock record's `reserved_count` equals the sum of its lines in HELD reservations;
- every HELD reservation has a timer: an unexpired hold whose timer is armed, or a running execution;
- the ledger's movements of a record start with its creation, each is consistent in itself, no
  reservation or order moves a record twice the same way, and together they sum to its counts;
- at most one alert was published per transition id.

Read-only and paged: the sources yield one page at a time, the ledger is read per product, and Step
Functions is asked only about the few HELD reservations that look timer-less. HELD reservations are
read before and after the stock records (as reconciliation does), so a hold committing during the
check is reported as busy, never as a violation. This is an operator's and a test's tool, never a
request path.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from inventory.domain.ledger import Movement, MovementKind
from inventory.domain.reservation_models import Reservation
from inventory.models import parse_iso

# Kinds a reservation or order writes at most once per record it touches.
_ONCE_PER_REFERENCE = {
    MovementKind.RESERVED,
    MovementKind.RELEASED,
    MovementKind.EXPIRED,
    MovementKind.FULFILLED,
}
# A hold whose expiry passed this long ago must have been released by its timer (or still be running).
EXPIRY_TOLERANCE = timedelta(seconds=2)
# A REST hold's timer is armed well within this; the sweeper arms (or releases) later ones.
ARM_TOLERANCE = timedelta(seconds=10)


class Rule(StrEnum):
    COUNTS_OUT_OF_RANGE = "COUNTS_OUT_OF_RANGE"  # reserved < 0, reserved > stock, or stock < 0
    AVAILABLE_WRONG = "AVAILABLE_WRONG"  # stored available != stock_count - reserved_count
    RESERVED_NOT_HELD = "RESERVED_NOT_HELD"  # reserved_count != sum of HELD lines
    HELD_WITHOUT_TIMER = "HELD_WITHOUT_TIMER"  # HELD, no running execution, and expired or never armed
    HELD_UNKNOWN_RECORD = "HELD_UNKNOWN_RECORD"  # a HELD line on a stock record that does not exist
    LEDGER_MISMATCH = "LEDGER_MISMATCH"  # the movements do not sum to the counts
    LEDGER_NO_ORIGIN = "LEDGER_NO_ORIGIN"  # the chain does not start with the record's creation
    LEDGER_INCONSISTENT = "LEDGER_INCONSISTENT"  # a movement's after - before is not its delta
    LEDGER_DUPLICATE = "LEDGER_DUPLICATE"  # one reservation or order moved a record twice the same way
    ALERT_DUPLICATE = "ALERT_DUPLICATE"  # one transition id published more than once


class Violation(BaseModel):
    rule: Rule
    record: str = Field(description="product@warehouse, or the reservation or transition id")
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class InvariantReport(BaseModel):
    checked_at: str
    records_checked: int = 0
    reservations_held: int = 0
    movements_read: int = 0
    executions_described: int = 0
    alerts_checked: int = 0
    busy: list[str] = Field(
        default_factory=list, description="Records whose HELD reservations changed while checked"
    )
    violations: list[Violation] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_rule(self) -> dict[str, int]:
        return dict(Counter(v.rule.value for v in self.violations))


class InvariantSources(Protocol):
    """Paged, read-only access to everything the checker looks at."""

    def stock_pages(self) -> Iterator[list[dict[str, Any]]]:
        """Raw stock items, one page at a time (a broken record must still be readable)."""
        ...

    def held_reservations(self) -> Iterator[Reservation]:
        """Every HELD reservation, read consistently."""
        ...

    def movements(self, product_id: str) -> Iterator[Movement]:
        """The product's ledger in the order it was written (oldest first)."""
        ...

    def execution_status(self, execution_arn: str) -> str | None:
        """RUNNING, SUCCEEDED, FAILED, ...; None when there is no such execution."""
        ...

    def published_transition_ids(self) -> Iterable[str] | None:
        """The transition ids of every alert message published, when this deployment can list them."""
        ...


def _key(product_id: str, warehouse_id: str) -> str:
    return f"{product_id}@{warehouse_id}"


def _held_sums(
    sources: InvariantSources, in_scope: Any
) -> tuple[dict[str, int], dict[str, Reservation], dict[str, list[str]]]:
    sums: dict[str, int] = defaultdict(int)
    held: dict[str, Reservation] = {}
    holders: dict[str, list[str]] = defaultdict(list)
    for reservation in sources.held_reservations():
        lines = [line for line in reservation.lines if in_scope(line.product_id)]
        if not lines:
            continue
        held[reservation.reservation_id] = reservation
        for line in lines:
            key = _key(line.product_id, line.warehouse_id)
            sums[key] += line.quantity
            holders[key].append(reservation.reservation_id)
    return sums, held, holders


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_counts(key: str, item: dict[str, Any], report: InvariantReport) -> None:
    stock, reserved = _int(item.get("stock_count")), _int(item.get("reserved_count", 0))
    available = _int(item.get("available"))
    evidence = {"stock_count": stock, "reserved_count": reserved, "available": available}
    if stock is None or reserved is None or stock < 0 or reserved < 0 or reserved > stock:
        report.violations.append(
            Violation(
                rule=Rule.COUNTS_OUT_OF_RANGE,
                record=key,
                message="counts must satisfy 0 <= reserved_count <= stock_count",
                evidence=evidence,
            )
        )
    if stock is not None and reserved is not None and available != stock - reserved:
        report.violations.append(
            Violation(
                rule=Rule.AVAILABLE_WRONG,
                record=key,
                message=f"available {available} is not stock_count - reserved_count ({stock - reserved})",
                evidence=evidence,
            )
        )


def _check_ledger(
    product_id: str, items: dict[str, dict[str, Any]], sources: InvariantSources, report: InvariantReport
) -> None:
    by_record: dict[str, list[Movement]] = defaultdict(list)
    for movement in sources.movements(product_id):
        report.movements_read += 1
        by_record[movement.warehouse_id].append(movement)
    for warehouse_id, item in items.items():
        key = _key(product_id, warehouse_id)
        movements = by_record.get(warehouse_id, [])
        stock_sum = sum(m.delta.stock_count for m in movements)
        reserved_sum = sum(m.delta.reserved_count for m in movements)
        stock, reserved = _int(item.get("stock_count")), _int(item.get("reserved_count", 0))
        if (stock_sum, reserved_sum) != (stock, reserved):
            report.violations.append(
                Violation(
                    rule=Rule.LEDGER_MISMATCH,
                    record=key,
                    message=(
                        f"the ledger's {len(movements)} movements sum to stock {stock_sum}, reserved "
                        f"{reserved_sum}; the record holds stock {stock}, reserved {reserved}"
                    ),
                    evidence={
                        "ledger_stock_count": stock_sum,
                        "ledger_reserved_count": reserved_sum,
                        "stock_count": stock,
                        "reserved_count": reserved,
                        "last_movements": [m.movement_id for m in movements[-5:]],
                    },
                )
            )
        if movements and movements[0].kind is not MovementKind.CREATED:
            report.violations.append(
                Violation(
                    rule=Rule.LEDGER_NO_ORIGIN,
                    record=key,
                    message=f"the ledger starts with {movements[0].kind.value}, not CREATED",
                    evidence={"first_movement": movements[0].movement_id},
                )
            )
        _check_movements(key, movements, report)


def _check_movements(key: str, movements: list[Movement], report: InvariantReport) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for movement in movements:
        if movement.before is not None and movement.after is not None:
            expected = (
                movement.after.stock_count - movement.before.stock_count,
                movement.after.reserved_count - movement.before.reserved_count,
            )
            if expected != (movement.delta.stock_count, movement.delta.reserved_count):
                report.violations.append(
                    Violation(
                        rule=Rule.LEDGER_INCONSISTENT,
                        record=key,
                        message=f"movement {movement.movement_id}: after - before is not its delta",
                        evidence=movement.model_dump(mode="json", include={"before", "after", "delta"}),
                    )
                )
        if movement.kind in _ONCE_PER_REFERENCE and movement.reference:
            seen[(movement.kind.value, movement.reference)] += 1
    for (kind, reference), count in seen.items():
        if count > 1:
            report.violations.append(
                Violation(
                    rule=Rule.LEDGER_DUPLICATE,
                    record=key,
                    message=f"{kind} written {count} times for {reference}",
                    evidence={"kind": kind, "reference": reference, "count": count},
                )
            )


def _check_timers(
    held: dict[str, Reservation],
    sources: InvariantSources,
    now: datetime,
    report: InvariantReport,
    arm_grace: timedelta,
) -> None:
    for reservation in held.values():
        expired = parse_iso(reservation.expires_at) + EXPIRY_TOLERANCE < now
        created = parse_iso(reservation.created_at)
        unarmed = reservation.unarmed_shard is not None and created + arm_grace < now
        if not (expired or unarmed):
            continue
        status = sources.execution_status(reservation.execution_arn) if reservation.execution_arn else None
        report.executions_described += 1
        if status == "RUNNING":
            continue
        why = "its hold expired" if expired else "its timer was never armed"
        report.violations.append(
            Violation(
                rule=Rule.HELD_WITHOUT_TIMER,
                record=reservation.reservation_id,
                message=f"HELD but {why} and its execution is {status or 'missing'}",
                evidence={
                    "expires_at": reservation.expires_at,
                    "created_at": reservation.created_at,
                    "unarmed": reservation.unarmed_shard is not None,
                    "execution_arn": reservation.execution_arn,
                    "execution_status": status,
                    "lines": [line.model_dump() for line in reservation.lines],
                },
            )
        )


def _check_alerts(sources: InvariantSources, in_scope: Any, report: InvariantReport) -> None:
    published = sources.published_transition_ids()
    if published is None:
        return
    counts: Counter[str] = Counter()
    for transition in published:
        if in_scope(transition.split(":", 1)[0]):
            counts[transition] += 1
    report.alerts_checked = sum(counts.values())
    for transition, count in counts.items():
        if count > 1:
            report.violations.append(
                Violation(
                    rule=Rule.ALERT_DUPLICATE,
                    record=transition,
                    message=f"alert for transition {transition} published {count} times",
                    evidence={"transition_id": transition, "published": count},
                )
            )


def check(
    sources: InvariantSources,
    now: datetime,
    product_prefix: str | None = None,
    arm_grace: timedelta = ARM_TOLERANCE,
) -> InvariantReport:
    """Every invariant over every record (or those whose product id starts with `product_prefix`).
    A REST hold whose timer is not armed `arm_grace` after it was written has no timer."""

    def in_scope(product_id: str) -> bool:
        return product_prefix is None or product_id.startswith(product_prefix)

    report = InvariantReport(checked_at=now.isoformat())
    before, held, holders = _held_sums(sources, in_scope)
    pages = list(sources.stock_pages())
    after, held_after, _ = _held_sums(sources, in_scope)
    report.reservations_held = len(held_after)
    known: set[str] = set()
    for page in pages:
        by_product: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for item in page:
            product_id, warehouse_id = str(item.get("product_id")), str(item.get("warehouse_id"))
            if not in_scope(product_id):
                continue
            key = _key(product_id, warehouse_id)
            known.add(key)
            report.records_checked += 1
            _check_counts(key, item, report)
            if before.get(key, 0) != after.get(key, 0):
                report.busy.append(key)
                continue
            reserved = _int(item.get("reserved_count", 0))
            if reserved != after.get(key, 0):
                report.violations.append(
                    Violation(
                        rule=Rule.RESERVED_NOT_HELD,
                        record=key,
                        message=f"reserved_count {reserved} but HELD reservations hold {after.get(key, 0)}",
                        evidence={
                            "reserved_count": reserved,
                            "held_by_reservations": after.get(key, 0),
                            "held_by": holders.get(key, [])[:20],
                        },
                    )
                )
            by_product[product_id][warehouse_id] = item
        for product_id, items in by_product.items():
            _check_ledger(product_id, items, sources, report)
    for key in sorted(set(after) - known):
        report.violations.append(
            Violation(
                rule=Rule.HELD_UNKNOWN_RECORD,
                record=key,
                message=f"HELD reservations hold {after[key]} of a stock record that does not exist",
                evidence={"held_by": holders.get(key, [])[:20]},
            )
        )
    stable = {rid: r for rid, r in held_after.items() if rid in held}
    _check_timers(stable, sources, now, report, arm_grace)
    _check_alerts(sources, in_scope, report)
    return report
