"""The reconciliation check against holds that change while it reads the stock records."""

from __future__ import annotations

from typing import Any

from inventory.domain.reservation_models import Reservation, ReservationInput
from inventory.domain.reservation_upkeep import reconcile
from inventory.domain.reservation_workflow import new_hold
from inventory.models import utc_now

PRODUCT = "SKU-RACE"


def hold(reservation_id: str, quantity: int) -> Reservation:
    request = ReservationInput(
        reservation_id=reservation_id,
        items=[{"product_id": PRODUCT, "quantity": quantity}],  # type: ignore[list-item]
        hold_seconds=60,
        source="api",
    )
    return new_hold(request, 60, utc_now(), f"arn:execution:{reservation_id}", armed=True)


class ChangingStore:
    """HELD reservations as read before and after the stock records (`held_reads`, one list per
    read), and the stock record as read in between."""

    def __init__(self, held_reads: list[list[Reservation]], reserved_count: int) -> None:
        self.held_reads = held_reads
        self.item = {
            "product_id": PRODUCT,
            "warehouse_id": "main",
            "stock_count": 10,
            "reserved_count": reserved_count,
            "available": 10 - reserved_count,
        }
        self.repairs: list[int] = []

    def held_now(self) -> list[Reservation]:
        return self.held_reads.pop(0)

    def stock_items(self) -> list[dict[str, Any]]:
        return [dict(self.item)]

    def set_reserved(
        self, item: dict[str, Any], reserved_count: int, reason: str, public_held: int = 0
    ) -> bool:
        self.repairs.append(reserved_count)
        return True


def test_a_release_and_an_equal_new_hold_during_the_check_are_busy_not_drift() -> None:
    # Given hold A (2 units) released and hold B (2 units) placed while the check runs, the stock
    # record read between the two (2 reserved, A's units already back, B's not yet taken)
    store = ChangingStore([[hold("A", 2), hold("X", 2)], [hold("B", 2), hold("X", 2)]], reserved_count=2)
    # When the check runs, with repair
    report = reconcile(store, repair=True)  # type: ignore[arg-type]
    # Then the record is reported busy (run again), not drifted, and nothing is written
    assert report.drift == [] and report.skipped_busy == [f"{PRODUCT}@main"]
    assert store.repairs == []


def test_drift_under_unchanged_holds_is_still_found() -> None:
    # Given the same holds on both reads, and a record that disagrees with them
    store = ChangingStore([[hold("X", 2)], [hold("X", 2)]], reserved_count=5)
    # When the check runs
    report = reconcile(store, repair=False)  # type: ignore[arg-type]
    # Then it is drift: 5 reserved where the holds hold 2
    assert [(d.reserved_count, d.held_by_reservations) for d in report.drift] == [(5, 2)]
    assert report.skipped_busy == []
