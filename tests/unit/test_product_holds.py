"""What is holding a product's stock: open holds and recently closed ones, read from the product's
ledger and the reservations it names (in-memory adapters with DynamoDB's paging rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from inventory.domain import reservation_requests as requests
from inventory.domain.ledger import Counts, MovementKind, new_movement
from inventory.domain.product_holds import HoldState, product_holds
from inventory.domain.reservation_models import HoldPolicy, ReservationInput, ReservationLine
from inventory.errors import ProductNotFound, ValidationFailed
from inventory.models import utc_now

from tests.unit.fakes import (
    FakeProductReservations,
    FakeReservationStore,
    FakeStockRecordStore,
    FakeWorkflow,
    Tables,
)

POLICY = HoldPolicy(default_seconds=60, min_seconds=1, max_seconds=600)


@pytest.fixture
def tables() -> Tables:
    tables = Tables()
    tables.given_stock("P1", 20)
    tables.given_stock("P1", 5, warehouse_id="east")
    tables.given_stock("P2", 9)
    return tables


def hold(
    tables: Tables, rid: str, lines: list[tuple[str, str, int]], source: str = "api", order: str | None = None
) -> None:
    request = ReservationInput(
        reservation_id=rid,
        items=[ReservationLine(product_id=p, warehouse_id=w, quantity=q) for p, w, q in lines],
        hold_seconds=60,
        order_id=order,
        source=source,
    )
    requests.place(FakeReservationStore(tables), FakeWorkflow(), POLICY, request, utc_now())


def page(
    tables: Tables, state: HoldState, limit: int = 50, token: str | None = None, product: str = "P1"
) -> Any:
    reader = FakeProductReservations(tables)
    return product_holds(
        reader, FakeStockRecordStore(tables), product, state, limit, token, utc_now(), POLICY
    )


def test_open_holds_name_units_source_order_and_expiry_newest_first(tables: Tables) -> None:
    # Given holds placed over REST, the SDK and the order queue, one of them on two products
    hold(tables, "r-rest", [("P1", "main", 2)], source="api", order="order-1")
    hold(tables, "r-sdk", [("P1", "main", 3), ("P2", "main", 1)], source="sdk")
    hold(tables, "r-queue", [("P1", "east", 1)], source="queue", order="order-3")
    # When the admin asks what holds P1
    found = page(tables, HoldState.OPEN)
    # Then every open hold of P1 is listed with its units of P1
    assert {(h.reservation_id, h.warehouse_id, h.quantity, h.source) for h in found.items} == {
        ("r-queue", "east", 1, "queue"),
        ("r-sdk", "main", 3, "sdk"),
        ("r-rest", "main", 2, "api"),
    }
    by_id = {h.reservation_id: h for h in found.items}
    assert by_id["r-rest"].order_id == "order-1" and by_id["r-sdk"].lines == 2
    assert all(h.status == "HELD" and h.expires_at and h.closed_at is None for h in found.items)
    assert sum(h.quantity for h in found.items) == tables.counts("P1")[1] + tables.counts("P1", "east")[1]
    assert found.next_token is None


def test_closed_holds_are_not_open_and_are_listed_with_when_and_why(tables: Tables) -> None:
    hold(tables, "r-1", [("P1", "main", 2)])
    hold(tables, "r-2", [("P1", "main", 1)])
    requests.cancel(FakeReservationStore(tables), FakeWorkflow(), "r-1", "customer left", utc_now())
    requests.confirm(FakeReservationStore(tables), FakeWorkflow(), "r-2", utc_now())
    assert page(tables, HoldState.OPEN).items == []
    closed = page(tables, HoldState.CLOSED).items
    assert {(h.reservation_id, h.status) for h in closed} == {("r-2", "FULFILLED"), ("r-1", "RELEASED")}
    released = next(h for h in closed if h.reservation_id == "r-1")
    assert released.reason == "customer left" and released.closed_at is not None


def test_pages_follow_the_token_and_never_repeat_a_hold(tables: Tables) -> None:
    for n in range(7):
        hold(tables, f"r-{n}", [("P1", "main", 1)])
    seen, token, pages = [], None, 0
    while True:
        found = page(tables, HoldState.OPEN, limit=3, token=token)
        seen += [h.reservation_id for h in found.items]
        pages += 1
        token = found.next_token
        if token is None:
            break
        assert pages < 10
    assert sorted(seen) == sorted(f"r-{n}" for n in range(7)) and len(seen) == 7


def test_open_holds_are_read_only_back_to_the_maximum_hold_time(tables: Tables) -> None:
    # Given a RESERVED movement older than any hold can live (its reservation long gone)
    old = new_movement(
        product_id="P1",
        warehouse_id="main",
        kind=MovementKind.RESERVED,
        actor="api",
        reason="reserved",
        reference="r-ancient",
        delta=Counts(stock_count=0, reserved_count=1),
    )
    stamp = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    tables.ledger.append(old.model_copy(update={"movement_id": f"{stamp}#x", "at": stamp}))
    hold(tables, "r-now", [("P1", "main", 1)])
    reader = FakeProductReservations(tables)
    found = product_holds(
        reader, FakeStockRecordStore(tables), "P1", HoldState.OPEN, 50, None, utc_now(), POLICY
    )
    assert [h.reservation_id for h in found.items] == ["r-now"]


def test_a_read_is_bounded_when_most_recent_holds_are_closed(tables: Tables) -> None:
    for n in range(12):
        hold(tables, f"r-{n}", [("P1", "main", 1)])
        requests.cancel(FakeReservationStore(tables), FakeWorkflow(), f"r-{n}", "gone", utc_now())
    reader = FakeProductReservations(tables)
    found = product_holds(
        reader, FakeStockRecordStore(tables), "P1", HoldState.OPEN, 2, None, utc_now(), POLICY
    )
    # a few key queries, then a token to go on with, rather than reading the whole partition
    assert found.items == [] and found.next_token is not None and reader.pages_read <= 4


def test_an_unknown_product_is_404_and_a_bad_token_is_400(tables: Tables) -> None:
    with pytest.raises(ProductNotFound):
        page(tables, HoldState.OPEN, product="P-NOPE")
    assert page(tables, HoldState.OPEN, product="P2").items == []
    with pytest.raises(ValidationFailed):
        page(tables, HoldState.OPEN, token="not-a-token")
