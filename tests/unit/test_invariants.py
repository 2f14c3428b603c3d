"""The invariant checker's rules on in-memory sources: each broken record is named with evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from inventory.domain.invariants import Rule, check
from inventory.domain.ledger import Counts, Movement, MovementKind
from inventory.domain.reservation_models import Reservation, ReservationLine, ReservationStatus

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _movement(
    product: str, n: int, kind: MovementKind, stock: int, reserved: int, reference: str | None = None
) -> Movement:
    return Movement(
        product_id=product,
        warehouse_id="main",
        movement_id=f"2026-01-01T00:00:{n:02d}Z#{n}",
        at="2026-01-01T00:00:00Z",
        kind=kind,
        actor="test",
        reason="test",
        reference=reference,
        delta=Counts(stock_count=stock, reserved_count=reserved),
    )


def _held(rid: str, product: str, quantity: int, expires: datetime, arn: str | None = "arn:x") -> Reservation:
    return Reservation(
        reservation_id=rid,
        lines=[ReservationLine(product_id=product, quantity=quantity)],
        status=ReservationStatus.HELD,
        expires_at=_iso(expires),
        expires_at_epoch=int(expires.timestamp()),
        hold_seconds=60,
        created_at=_iso(expires - timedelta(seconds=60)),
        updated_at=_iso(expires - timedelta(seconds=60)),
        execution_arn=arn,
    )


class Sources:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.holds: list[Reservation] = []
        self.ledger: dict[str, list[Movement]] = {}
        self.executions: dict[str, str] = {}
        self.published: list[str] | None = []

    def record(self, product: str, stock: int, reserved: int, available: int | None = None) -> None:
        self.items.append(
            {
                "product_id": product,
                "warehouse_id": "main",
                "stock_count": stock,
                "reserved_count": reserved,
                "available": stock - reserved if available is None else available,
            }
        )

    def stock_pages(self) -> Iterator[list[dict[str, Any]]]:
        yield self.items[:2]
        yield self.items[2:]

    def held_reservations(self) -> Iterator[Reservation]:
        yield from self.holds

    def movements(self, product_id: str) -> Iterator[Movement]:
        yield from self.ledger.get(product_id, [])

    def execution_status(self, execution_arn: str) -> str | None:
        return self.executions.get(execution_arn)

    def published_transition_ids(self) -> Iterable[str] | None:
        return self.published


def _consistent(sources: Sources, product: str, stock: int, reserved: int = 0) -> None:
    sources.record(product, stock, reserved)
    sources.ledger[product] = [
        _movement(product, 1, MovementKind.CREATED, stock, 0),
        *([_movement(product, 2, MovementKind.RESERVED, 0, reserved, f"R-{product}")] if reserved else []),
    ]


def test_consistent_records_have_no_violations() -> None:
    sources = Sources()
    _consistent(sources, "A", 10, 3)
    _consistent(sources, "B", 5)
    sources.holds.append(_held("R-A", "A", 3, NOW + timedelta(seconds=30)))
    sources.published = ["A:main:t1", "B:main:t1"]
    report = check(sources, NOW)
    assert report.ok, report.violations
    assert (report.records_checked, report.reservations_held, report.movements_read) == (2, 1, 3)
    assert report.executions_described == 0  # an unexpired, armed hold needs no Step Functions call


def test_each_broken_rule_is_named_with_its_record() -> None:
    sources = Sources()
    sources.record("NEG", 2, 3, available=-1)  # more reserved than in stock
    sources.ledger["NEG"] = [_movement("NEG", 1, MovementKind.CREATED, 2, 3)]
    sources.record("AVAIL", 5, 0, available=4)
    sources.ledger["AVAIL"] = [_movement("AVAIL", 1, MovementKind.CREATED, 5, 0)]
    sources.record("DUP", 8, 0)
    sources.ledger["DUP"] = [
        _movement("DUP", 1, MovementKind.ADMIN_SET, 10, 0),  # no CREATED first
        _movement("DUP", 2, MovementKind.FULFILLED, -1, 0, "order#1"),
        _movement("DUP", 3, MovementKind.FULFILLED, -1, 0, "order#1"),
    ]
    sources.holds.append(_held("R-GONE", "NOWHERE", 1, NOW + timedelta(seconds=30)))
    sources.holds.append(_held("R-LATE", "AVAIL", 0 + 1, NOW - timedelta(seconds=30), arn="arn:late"))
    sources.executions["arn:late"] = "FAILED"
    sources.published = ["AVAIL:main:t1", "AVAIL:main:t1"]
    report = check(sources, NOW)
    found = {(v.rule, v.record) for v in report.violations}
    assert (Rule.COUNTS_OUT_OF_RANGE, "NEG@main") in found
    assert (Rule.AVAILABLE_WRONG, "AVAIL@main") in found
    assert (Rule.RESERVED_NOT_HELD, "AVAIL@main") in found  # R-LATE holds 1 of it, reserved is 0
    assert (Rule.LEDGER_NO_ORIGIN, "DUP@main") in found
    assert (Rule.LEDGER_DUPLICATE, "DUP@main") in found
    assert (Rule.HELD_UNKNOWN_RECORD, "NOWHERE@main") in found
    assert (Rule.HELD_WITHOUT_TIMER, "R-LATE") in found
    assert (Rule.ALERT_DUPLICATE, "AVAIL:main:t1") in found
    late = next(v for v in report.violations if v.rule is Rule.HELD_WITHOUT_TIMER)
    assert late.evidence["execution_status"] == "FAILED"


def test_a_running_execution_keeps_an_expired_hold_legitimate() -> None:
    sources = Sources()
    _consistent(sources, "A", 10, 2)
    sources.holds.append(_held("R-A", "A", 2, NOW - timedelta(seconds=30), arn="arn:run"))
    sources.executions["arn:run"] = "RUNNING"
    assert check(sources, NOW).ok


def test_a_record_whose_holds_change_during_the_check_is_busy_not_wrong() -> None:
    sources = Sources()
    _consistent(sources, "A", 10)
    reads = iter([[], [_held("R-NEW", "A", 2, NOW + timedelta(seconds=60))]])
    sources.held_reservations = lambda: iter(next(reads))  # type: ignore[method-assign]
    report = check(sources, NOW)
    assert report.busy == ["A@main"] and report.ok


def test_a_prefix_limits_the_check() -> None:
    sources = Sources()
    sources.record("OTHER", 1, 5)
    _consistent(sources, "MINE-1", 3)
    report = check(sources, NOW, product_prefix="MINE-")
    assert report.ok and report.records_checked == 1
