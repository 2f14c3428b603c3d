"""The reservation store under DynamoDB answers moto never gives (a transaction conflict, throttling).

A stubbed client plays DynamoDB; the store must turn retryable cancellations into
`TransientStoreError` (the state machine retries it) and never into a client-facing error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from inventory.domain.reservation_models import Reservation, ReservationLine, ReservationStatus
from inventory.errors import InsufficientStock, TransientStoreError
from inventory.store.reservations import DynamoReservationStore


@pytest.fixture
def stubbed() -> Iterator[tuple[DynamoReservationStore, Stubber]]:
    ddb = boto3.resource(
        "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    store = DynamoReservationStore(ddb.Table("reservations"), ddb.Table("inventory"), "ledger")
    with Stubber(ddb.meta.client) as stubber:
        yield store, stubber


def stock_item(available: int) -> dict[str, Any]:
    return {
        "Item": {
            "product_id": {"S": "P1"},
            "warehouse_id": {"S": "main"},
            "stock_count": {"N": str(available)},
            "reserved_count": {"N": "0"},
            "available": {"N": str(available)},
            "threshold_level": {"N": "0"},
            "last_updated": {"S": "2026-01-01T00:00:00.000Z"},
            "version": {"N": "1"},
        }
    }


def reservation(quantity: int) -> Reservation:
    return Reservation(
        reservation_id="R1",
        lines=[ReservationLine(product_id="P1", quantity=quantity)],
        status=ReservationStatus.HELD,
        expires_at="2026-01-01T00:15:00.000Z",
        expires_at_epoch=1767226500,
        hold_seconds=900,
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
    )


def cancelled(stubber: Stubber, *codes: str) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


def test_a_transaction_conflict_is_transient(stubbed: tuple[DynamoReservationStore, Stubber]) -> None:
    store, stubber = stubbed
    cancelled(stubber, "None", "TransactionConflict", "None")
    with pytest.raises(TransientStoreError):
        store.hold(reservation(2), actor="test")


def test_throttling_is_transient(stubbed: tuple[DynamoReservationStore, Stubber]) -> None:
    store, stubber = stubbed
    stubber.add_client_error("transact_write_items", service_error_code="ThrottlingException")
    with pytest.raises(TransientStoreError):
        store.hold(reservation(2), actor="test")


def test_a_failed_stock_condition_names_the_short_line(
    stubbed: tuple[DynamoReservationStore, Stubber],
) -> None:
    store, stubber = stubbed
    cancelled(stubber, "None", "ConditionalCheckFailed", "None")
    stubber.add_response("get_item", stock_item(1))  # what is left when the hold lost the race
    with pytest.raises(InsufficientStock) as raised:
        store.hold(reservation(2), actor="test")
    assert raised.value.details["lines"] == [
        {"product_id": "P1", "warehouse_id": "main", "requested": 2, "available": 1}
    ]
    assert raised.value.details["available"] == 1


def cancelled_with(stubber: Stubber, *reasons: dict[str, Any]) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        modeled_fields={"CancellationReasons": list(reasons)},
    )


def test_a_refused_hold_names_the_short_line_from_the_cancellation_alone(
    stubbed: tuple[DynamoReservationStore, Stubber],
) -> None:
    # Given a hold whose stock condition failed, the cancellation carrying the line's record then
    store, stubber = stubbed
    cancelled_with(
        stubber, {"Code": "None"}, {"Code": "ConditionalCheckFailed", **stock_item(1)}, {"Code": "None"}
    )

    # When it is refused (no read is stubbed: one would fail the test)
    with pytest.raises(InsufficientStock) as raised:
        store.hold(reservation(2), actor="test")

    # Then the short line and what was available come from the cancellation
    assert raised.value.details["lines"] == [
        {"product_id": "P1", "warehouse_id": "main", "requested": 2, "available": 1}
    ]
    stubber.assert_no_pending_responses()


def test_a_taken_id_answers_with_the_record_the_cancellation_brought(
    stubbed: tuple[DynamoReservationStore, Stubber],
) -> None:
    # Given a hold whose id is taken, the cancellation carrying the record that holds it
    store, stubber = stubbed
    existing = reservation(2).model_copy(update={"status": ReservationStatus.RELEASED})
    item = {
        k: {"S": v} if isinstance(v, str) else {"N": str(v)}
        for k, v in existing.model_dump(mode="json", exclude_none=True, exclude={"lines", "timeline"}).items()
        if not isinstance(v, bool)
    }
    item["lines"] = {
        "L": [{"M": {"product_id": {"S": "P1"}, "warehouse_id": {"S": "main"}, "quantity": {"N": "2"}}}]
    }
    cancelled_with(
        stubber, {"Code": "ConditionalCheckFailed", "Item": item}, {"Code": "None"}, {"Code": "None"}
    )

    # When it is written again, then the existing record answers, read from nowhere else
    assert store.hold(reservation(2), actor="test").status is ReservationStatus.RELEASED
    stubber.assert_no_pending_responses()


def test_the_hold_asks_for_the_items_that_fail_its_conditions(
    stubbed: tuple[DynamoReservationStore, Stubber],
) -> None:
    # Given a client that records what the hold sends
    store, stubber = stubbed
    sent: list[dict[str, Any]] = []
    stubber.client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    stubber.add_response("transact_write_items", {})

    # When a hold is written
    store.hold(reservation(2), actor="test")

    # Then the record's put and each line's update return their item if their condition fails
    actions = sent[0]["TransactItems"]
    assert actions[0]["Put"]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert actions[1]["Update"]["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
