"""A refused hold answers from its transaction alone: the cancellation brings the records it needs."""

from __future__ import annotations

from typing import Any

import pytest
from inventory.domain.reservation_models import ReservationInput
from inventory.domain.reservation_workflow import new_hold
from inventory.errors import InsufficientStock
from inventory.models import utc_now
from inventory.store.reservations import DynamoReservationStore

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import counts, given_stock

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:local-ReservationStateMachine:"


def _store_and_calls(stack: LocalStack) -> tuple[DynamoReservationStore, list[str]]:
    """The store as a REST handler builds it, and every DynamoDB operation its client sends."""
    reservations, inventory = local_table(stack, "ReservationsTable"), local_table(stack, "InventoryTable")
    store = DynamoReservationStore(reservations, inventory, local_table(stack, "LedgerTable").name)
    sent: list[str] = []
    for table in (reservations, inventory):
        table.meta.client.meta.events.register(
            "before-call.dynamodb", lambda model, **_: sent.append(model.name)
        )
    return store, sent


def _hold(reservation_id: str, product_id: str, quantity: int) -> Any:
    request = ReservationInput(
        reservation_id=reservation_id,
        items=[{"product_id": product_id, "quantity": quantity}],  # type: ignore[list-item]
        hold_seconds=60,
        source="api",
    )
    return new_hold(request, 60, utc_now(), EXECUTION + reservation_id, armed=False)


def test_a_short_line_is_named_with_what_was_available_and_nothing_is_read(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given a product with 3 units and the store a REST handler uses
    given_stock(inventory_table, unique_id, 3)
    store, sent = _store_and_calls(stack)

    # When a hold of 5 is refused
    with pytest.raises(InsufficientStock) as raised:
        store.hold(_hold(f"R-{unique_id}", unique_id, 5), actor="api")

    # Then it names the line with the 3 available, from the one transaction it sent
    assert raised.value.details["lines"] == [
        {"product_id": unique_id, "warehouse_id": "main", "requested": 5, "available": 3}
    ]
    assert sent == ["TransactWriteItems"]
    assert counts(inventory_table, unique_id) == (3, 0, 3)


def test_a_hold_written_twice_answers_with_the_first_and_reads_nothing(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given a hold already written
    given_stock(inventory_table, unique_id, 3)
    store, sent = _store_and_calls(stack)
    first = store.hold(_hold(f"R-{unique_id}", unique_id, 2), actor="api")

    # When the same hold is written again (a retried request)
    sent.clear()
    again = store.hold(_hold(f"R-{unique_id}", unique_id, 2), actor="api")

    # Then the first record answers, brought by the cancelled transaction, and stock moved once
    assert again.reservation_id == first.reservation_id and again.created_at == first.created_at
    assert sent == ["TransactWriteItems"]
    assert counts(inventory_table, unique_id) == (3, 2, 1)
