"""Each task of the reservation workflow run twice with the same input changes stock once.

Step Functions retries a task after a timeout or a transient error even when the first attempt
committed, so every task must be idempotent. The functions are invoked directly here, twice each.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from inventory.domain.reservation_models import parse_iso
from inventory.models import utc_now

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import counts, given_stock, record
from tests.support import wait_for

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:local-ReservationStateMachine:"


@pytest.fixture
def reservations(stack: LocalStack) -> Any:
    return local_table(stack, "ReservationsTable")


def invoke(stack: LocalStack, function: str, event: dict[str, Any]) -> tuple[str | None, Any]:
    assert stack.runtime is not None
    result = stack.runtime.invoke(function, event)
    payload = json.loads(result.payload)
    return (payload.get("errorType") if result.function_error else None), payload


def ledger_entries(stack: LocalStack, product_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = local_table(stack, "LedgerTable").query(
        KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product_id}
    )["Items"]
    return items


def reserve_event(
    rid: str, product_id: str, quantity: int, execution: str, hold_seconds: int = 60
) -> dict[str, Any]:
    return {
        "input": {
            "reservation_id": rid,
            "items": [{"product_id": product_id, "quantity": quantity}],
            "hold_seconds": hold_seconds,
        },
        "execution_arn": EXECUTION + execution,
    }


def test_reserve_twice_holds_once_and_answers_the_same(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    event = reserve_event(f"R-{unique_id}", unique_id, 2, unique_id)
    first_error, first = invoke(stack, "ReserveTaskFunction", event)
    second_error, second = invoke(stack, "ReserveTaskFunction", event)
    assert first_error is None and second_error is None
    assert first["timer"]["expires_at"] == second["timer"]["expires_at"]
    assert counts(inventory_table, unique_id) == (5, 2, 3)
    assert [e["kind"] for e in ledger_entries(stack, unique_id)] == ["RESERVED"]


def test_reserve_from_another_execution_is_refused(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    invoke(stack, "ReserveTaskFunction", reserve_event(f"R-{unique_id}", unique_id, 2, "first"))
    error, payload = invoke(
        stack, "ReserveTaskFunction", reserve_event(f"R-{unique_id}", unique_id, 2, "second")
    )
    assert error == "ReservationConflict", payload
    error, payload = invoke(
        stack, "ReserveTaskFunction", reserve_event(f"R-{unique_id}", unique_id, 3, "first")
    )
    assert error == "ReservationConflict", payload
    assert counts(inventory_table, unique_id) == (5, 2, 3)


def test_hold_twice_keeps_the_latest_token(
    stack: LocalStack, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    invoke(stack, "ReserveTaskFunction", reserve_event(rid, unique_id, 1, unique_id))
    for _ in range(2):
        error, _payload = invoke(stack, "HoldTaskFunction", {"reservation_id": rid, "task_token": "token-1"})
        assert error is None
    assert record(reservations, rid)["task_token"] == "token-1"
    assert counts(inventory_table, unique_id) == (5, 1, 4)


def test_fulfil_twice_sells_once(
    stack: LocalStack, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    invoke(stack, "ReserveTaskFunction", reserve_event(rid, unique_id, 2, unique_id))
    for _ in range(2):
        error, payload = invoke(stack, "FulfilTaskFunction", {"reservation_id": rid})
        assert error is None and payload["status"] == "FULFILLED"
    assert counts(inventory_table, unique_id) == (3, 0, 3)
    assert sorted(e["kind"] for e in ledger_entries(stack, unique_id)) == ["FULFILLED", "RESERVED"]
    # and a release step after the sale (its timer fired meanwhile) reports the sale, changing nothing
    error, payload = invoke(
        stack, "ReleaseTaskFunction", {"reservation_id": rid, "decision": {"Error": "States.Timeout"}}
    )
    assert error is None and payload["status"] == "FULFILLED"
    assert counts(inventory_table, unique_id) == (3, 0, 3)


@pytest.mark.parametrize(
    ("signal", "status"), [("ReleaseRequested", "RELEASED"), ("States.Timeout", "EXPIRED")]
)
def test_release_twice_returns_the_units_once(
    stack: LocalStack, inventory_table: Any, reservations: Any, unique_id: str, signal: str, status: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    _, held = invoke(
        stack, "ReserveTaskFunction", reserve_event(rid, unique_id, 4, unique_id, hold_seconds=1)
    )
    if signal == "States.Timeout":  # the timer never fires before the expiry
        wait_for(lambda: utc_now() >= parse_iso(held["timer"]["expires_at"]), timeout=5, what="the expiry")
    decision = {"Error": signal, "Cause": "changed my mind"}
    for _ in range(2):
        error, payload = invoke(stack, "ReleaseTaskFunction", {"reservation_id": rid, "decision": decision})
        assert error is None and payload["status"] == status
    assert counts(inventory_table, unique_id) == (5, 0, 5)
    assert record(reservations, rid)["status"] == status
    assert sorted(e["kind"] for e in ledger_entries(stack, unique_id)) == sorted(["RESERVED", status])


def test_a_timer_that_fires_before_a_later_expiry_rearms_instead_of_expiring(
    stack: LocalStack, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given a hold whose expiry is a minute away (an extension whose signal was lost)
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    invoke(stack, "ReserveTaskFunction", reserve_event(rid, unique_id, 2, unique_id))
    # When the Release step runs after an old timer
    error, payload = invoke(
        stack, "ReleaseTaskFunction", {"reservation_id": rid, "decision": {"Error": "States.Timeout"}}
    )
    # Then it refuses with HoldExtended carrying the timer to the new expiry, and nothing moved
    assert error == "HoldExtended", payload
    rearm = json.loads(payload["errorMessage"])
    assert (
        rearm["expires_at"] == record(reservations, rid)["expires_at"] and 55 <= rearm["hold_seconds"] <= 60
    )
    assert record(reservations, rid)["status"] == "HELD"
    assert counts(inventory_table, unique_id) == (5, 2, 3)
