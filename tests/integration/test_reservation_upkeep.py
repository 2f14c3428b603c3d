"""Never lose stock: the sweeper releases holds whose execution is gone; reconciliation finds drift."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from inventory.domain.reservation_models import ReservationInput
from inventory.domain.reservation_workflow import new_hold
from inventory.models import utc_now
from inventory.store.reservations import DynamoReservationStore

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import (
    counts,
    entered_states,
    finished,
    given_stock,
    record,
    reservation_events,
    start,
    waiting_token,
)
from tests.support import ADMIN_KEY, http, wait_for

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:local-ReservationStateMachine:"


@pytest.fixture
def reservations(stack: LocalStack) -> Any:
    return local_table(stack, "ReservationsTable")


def invoke(stack: LocalStack, function: str, event: dict[str, Any]) -> Any:
    assert stack.runtime is not None
    result = stack.runtime.invoke(function, event)
    assert result.function_error is None, result.payload
    return json.loads(result.payload)


def orphan_hold(stack: LocalStack, rid: str, product_id: str, quantity: int) -> None:
    """A hold whose execution does not exist (as after a failed start or a local restart)."""
    invoke(
        stack,
        "ReserveTaskFunction",
        {
            "input": {
                "reservation_id": rid,
                "items": [{"product_id": product_id, "quantity": quantity}],
                "hold_seconds": 1,
            },
            "execution_arn": EXECUTION + rid,
        },
    )


def test_the_sweeper_releases_overdue_holds_whose_execution_is_gone(
    stack: LocalStack, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    orphan_hold(stack, rid, unique_id, 3)
    assert counts(inventory_table, unique_id) == (5, 3, 2)
    # wait out the 1 s hold without sleeping blindly: the record says when it ends
    expires = int(record(reservations, rid)["expires_at_epoch"])
    report = invoke_until_released(stack, rid, expires)
    assert rid in report["released"]
    assert record(reservations, rid)["status"] == "EXPIRED"
    assert counts(inventory_table, unique_id) == (5, 0, 5)
    # a second sweep finds nothing more to do
    assert rid not in invoke(stack, "ReservationSweeperFunction", {"grace_seconds": 0})["released"]
    assert counts(inventory_table, unique_id) == (5, 0, 5)


def invoke_until_released(stack: LocalStack, rid: str, expires_epoch: int) -> dict[str, Any]:
    def swept() -> dict[str, Any] | None:
        report: dict[str, Any] = invoke(stack, "ReservationSweeperFunction", {"grace_seconds": 0})
        return report if rid in report["released"] else None

    return wait_for(
        swept, timeout=30, interval=0.5, what=f"the sweeper to release {rid} (expired {expires_epoch})"
    )


def test_the_sweeper_leaves_holds_whose_execution_still_runs(
    stack: LocalStack, aws: Any, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    assert stack.model is not None
    sfn = aws("stepfunctions")
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    arn = start(
        sfn,
        stack.model.state_machines["ReservationStateMachine"],
        rid,
        [{"product_id": unique_id, "quantity": 1}],
        hold_seconds=30,
    )
    token = waiting_token(reservations, rid)
    # Given its record claims an expiry long past (the execution's timer is what counts)
    reservations.update_item(
        Key={"reservation_id": rid},
        UpdateExpression="SET expires_at_epoch = :e",
        ExpressionAttributeValues={":e": 1},
    )
    report = invoke(stack, "ReservationSweeperFunction", {"grace_seconds": 0})
    assert rid in report["running"] and rid not in report["released"]
    assert counts(inventory_table, unique_id) == (5, 1, 4)
    sfn.send_task_success(taskToken=token, output="{}")
    assert finished(sfn, arn)["status"] == "SUCCEEDED"
    assert counts(inventory_table, unique_id) == (4, 0, 4)


def test_reconciliation_finds_and_repairs_drift(
    stack: LocalStack, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given a record whose reserved_count drifted from its (zero) HELD reservations
    given_stock(inventory_table, unique_id, 6)
    inventory_table.update_item(
        Key={"product_id": unique_id, "warehouse_id": "main"},
        UpdateExpression="SET reserved_count = :r, available = :a",
        ExpressionAttributeValues={":r": 2, ":a": 4},
    )
    admin = {"x-api-key": ADMIN_KEY}
    # When an admin checks
    checked = http("GET", f"{api_url}/admin/reconciliation", headers=admin)
    assert checked.status == 200, checked.text
    mine = [d for d in checked.body["drift"] if d["product_id"] == unique_id]
    assert len(mine) == 1 and mine[0]["held_by_reservations"] == 0 and not mine[0]["repaired"]
    assert counts(inventory_table, unique_id) == (6, 2, 4)
    # And repairs
    repaired = http("POST", f"{api_url}/admin/reconciliation", {"repair": True}, admin)
    assert [d["repaired"] for d in repaired.body["drift"] if d["product_id"] == unique_id] == [True]
    assert counts(inventory_table, unique_id) == (6, 0, 6)
    ledger = local_table(stack, "LedgerTable").query(
        KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": unique_id}
    )["Items"]
    assert [m["kind"] for m in ledger] == ["RECONCILED"]
    # Then a new check finds nothing wrong with it; storefront keys may not run it
    again = invoke(stack, "ReconciliationFunction", {"repair": False})
    assert not [d for d in again["drift"] if d["product_id"] == unique_id]
    assert (
        http("GET", f"{api_url}/admin/reconciliation", headers={"x-api-key": "local-storefront-key"}).status
        == 403
    )


def test_after_the_workflow_tests_nothing_has_drifted(stack: LocalStack) -> None:
    """Runs last in this module: every hold, release, sale and expiry so far left counts consistent."""
    report = invoke(stack, "ReconciliationFunction", {"repair": False})
    assert report["records_checked"] > 0
    assert report["drift"] == [], report["drift"]


def unarmed_rest_hold(
    stack: LocalStack, rid: str, product_id: str, hold_seconds: int, written: datetime | None = None
) -> None:
    """A hold written as the REST handler writes it (at `written`), whose StartExecution never happened."""
    request = ReservationInput(
        reservation_id=rid,
        items=[{"product_id": product_id, "quantity": 2}],  # type: ignore[list-item]
        hold_seconds=hold_seconds,
        source="api",
    )
    store = DynamoReservationStore(
        local_table(stack, "ReservationsTable"),
        local_table(stack, "InventoryTable"),
        local_table(stack, "LedgerTable").name,
    )
    now = written or utc_now()
    store.hold(new_hold(request, hold_seconds, now, EXECUTION + rid, armed=False), actor="api")


def test_the_sweeper_starts_the_timer_of_a_rest_hold_whose_start_failed(
    stack: LocalStack, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given a REST hold whose execution never started
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    unarmed_rest_hold(stack, rid, unique_id, hold_seconds=2)
    assert counts(inventory_table, unique_id) == (5, 2, 3) and "unarmed_shard" in record(reservations, rid)
    # When the sweeper runs
    report = invoke(stack, "ReservationSweeperFunction", {"arm_grace_seconds": 0})
    # Then it started the execution, which armed the timer and releases the hold at its expiry
    assert rid in report["armed"], report
    waiting_token(reservations, rid)
    assert "unarmed_shard" not in record(reservations, rid)
    wait_for(lambda: record(reservations, rid)["status"] == "EXPIRED", timeout=30, what="the hold to expire")
    item = record(reservations, rid)
    assert item["closed_at"] >= item["expires_at"] and counts(inventory_table, unique_id) == (5, 0, 5)
    # and a second run finds nothing to arm
    assert rid not in invoke(stack, "ReservationSweeperFunction", {"arm_grace_seconds": 0})["armed"]


def test_a_timer_started_long_after_its_hold_was_written_still_ends_at_the_expiry(
    stack: LocalStack, aws: Any, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given a REST hold of 24 s written 20 s ago, whose execution never started
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    unarmed_rest_hold(stack, rid, unique_id, hold_seconds=24, written=utc_now() - timedelta(seconds=20))
    # When the sweeper starts it (its input's timer assumed a start within seconds of the write)
    report = invoke(stack, "ReservationSweeperFunction", {"arm_grace_seconds": 0})
    assert rid in report["armed"], report
    # Then the Hold step re-arms a timer from the time left instead of waiting ~20 s past the expiry,
    # and the hold expires at its expires_at, announced once
    wait_for(lambda: record(reservations, rid)["status"] == "EXPIRED", timeout=15, what="the hold to expire")
    item = record(reservations, rid)
    assert item["closed_at"] >= item["expires_at"] and counts(inventory_table, unique_id) == (5, 0, 5)
    sfn = aws("stepfunctions")
    done = finished(sfn, EXECUTION + rid)
    assert done["status"] == "SUCCEEDED"
    states = entered_states(sfn, EXECUTION + rid)
    assert states == ["Route", "Hold", "ReadStaleTimer", "RestartTimer", "Hold", "AwaitExpiry", "Release"]
    assert [m["attributes"]["event_type"] for m in reservation_events(stack, rid)] == [
        "InventoryReserved",
        "InventoryReservationExpired",
    ]
