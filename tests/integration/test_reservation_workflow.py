"""The reservation state machine under the real template: moto executes the ASL, our runtime the tasks.

Holds are 1-3 s so expiry paths finish quickly; nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import (
    counts,
    entered_states,
    finished,
    given_stock,
    record,
    start,
    waiting_token,
)
from tests.support import http, wait_for


@pytest.fixture
def sfn(aws: Any) -> Any:
    return aws("stepfunctions")


@pytest.fixture
def machine(stack: LocalStack) -> str:
    assert stack.model is not None
    return stack.model.state_machines["ReservationStateMachine"]


@pytest.fixture
def reservations(stack: LocalStack) -> Any:
    return local_table(stack, "ReservationsTable")


def test_a_rest_hold_goes_straight_to_hold_and_is_announced_once(
    stack: LocalStack,
    sfn: Any,
    machine: str,
    api_url: str,
    checkout_headers: dict[str, str],
    inventory_table: Any,
    reservations: Any,
    unique_id: str,
) -> None:
    # Given 10 units, and a hold of 3 placed over REST (the request writes it and starts the timer)
    given_stock(inventory_table, unique_id, 10)
    rid = f"R-{unique_id}"
    body = {"quantity": 3, "reservationId": rid, "hold_seconds": 30}
    held = http("POST", f"{api_url}/inventory/{unique_id}/reserve", body, checkout_headers)
    assert held.status == 201, held.text
    waiting_token(reservations, rid)
    # When the checkout confirms over REST
    confirmed = http("POST", f"{api_url}/reservations/{rid}/confirm", None, checkout_headers)
    assert confirmed.status == 200, confirmed.text
    arn = record(reservations, rid)["execution_arn"]
    done = finished(sfn, arn)
    # Then the execution skipped Reserve (3 transitions, no Reserve task), sold once, and announced
    # the hold once (from the Hold step) and the sale once
    assert done["status"] == "SUCCEEDED"
    assert entered_states(sfn, arn) == ["Route", "Hold", "Fulfil"]
    assert counts(inventory_table, unique_id) == (7, 0, 7)
    events = wait_for(lambda: events_for(stack, rid)[1:] and events_for(stack, rid), 10, what="two events")
    assert [m["attributes"]["event_type"] for m in events] == ["InventoryReserved", "InventoryCommitted"]


def test_confirm_fulfils_an_sdk_hold_in_four_transitions(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given 10 units and a reservation of 3
    given_stock(inventory_table, unique_id, 10)
    arn = start(sfn, machine, f"R-{unique_id}", [{"product_id": unique_id, "quantity": 3}], hold_seconds=30)
    token = waiting_token(reservations, f"R-{unique_id}")
    assert counts(inventory_table, unique_id) == (10, 3, 7)
    # When the checkout confirms
    sfn.send_task_success(taskToken=token, output=json.dumps({"decision": "confirm"}))
    done = finished(sfn, arn)
    # Then the units are sold, nothing stays reserved, and it cost Route, Reserve, Hold, Fulfil
    assert done["status"] == "SUCCEEDED"
    assert counts(inventory_table, unique_id) == (7, 0, 7)
    assert record(reservations, f"R-{unique_id}")["status"] == "FULFILLED"
    assert entered_states(sfn, arn) == ["Route", "Reserve", "Hold", "Fulfil"]


def test_release_returns_the_units_of_an_sdk_hold_in_four_transitions(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    arn = start(sfn, machine, f"R-{unique_id}", [{"product_id": unique_id, "quantity": 5}], hold_seconds=30)
    token = waiting_token(reservations, f"R-{unique_id}")
    assert counts(inventory_table, unique_id) == (5, 5, 0)
    sfn.send_task_failure(taskToken=token, error="ReleaseRequested", cause="cart emptied")
    done = finished(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert counts(inventory_table, unique_id) == (5, 0, 5)
    item = record(reservations, f"R-{unique_id}")
    assert item["status"] == "RELEASED" and item["reason"] == "cart emptied"
    assert (
        "sweep_shard" not in item and "unarmed_shard" not in item
    )  # closed holds leave the sweeper's indexes
    assert entered_states(sfn, arn) == ["Route", "Reserve", "Hold", "Release"]


def test_expiry_releases_the_units_of_an_sdk_hold_in_five_transitions(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 4)
    arn = start(sfn, machine, f"R-{unique_id}", [{"product_id": unique_id, "quantity": 2}], hold_seconds=1)
    done = finished(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert counts(inventory_table, unique_id) == (4, 0, 4)
    item = record(reservations, f"R-{unique_id}")
    assert item["status"] == "EXPIRED" and "expired" in item["reason"]
    # the Hold timer counts whole seconds down; AwaitExpiry waits out the rest until expires_at
    assert entered_states(sfn, arn) == ["Route", "Reserve", "Hold", "AwaitExpiry", "Release"]
    assert item["closed_at"] >= item["expires_at"]


def test_extend_goes_back_to_hold_with_the_new_timeout(
    sfn: Any,
    machine: str,
    api_url: str,
    checkout_headers: dict[str, str],
    inventory_table: Any,
    reservations: Any,
    unique_id: str,
) -> None:
    # Given an SDK reservation waiting on a 30 s timer
    given_stock(inventory_table, unique_id, 4)
    rid = f"R-{unique_id}"
    arn = start(sfn, machine, rid, [{"product_id": unique_id, "quantity": 1}], hold_seconds=30)
    waiting_token(reservations, rid)
    # When it is extended to 2 s from now (shorter: the extension counts from now)
    extended = http("POST", f"{api_url}/reservations/{rid}/extend", {"hold_seconds": 2}, checkout_headers)
    assert extended.status == 200, extended.text
    # Then the Hold state restarts with the new timer and the hold expires at the new time
    done = finished(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert entered_states(sfn, arn) == [
        "Route",
        "Reserve",
        "Hold",
        "Extend",
        "Hold",
        "AwaitExpiry",
        "Release",
    ]
    item = record(reservations, rid)
    assert item["status"] == "EXPIRED" and item["expires_at"] == extended.body["expires_at"]
    assert item["closed_at"] >= item["expires_at"]
    assert counts(inventory_table, unique_id) == (4, 0, 4)


def events_for(stack: LocalStack, reservation_id: str) -> list[dict[str, Any]]:
    assert stack.model is not None
    topic = stack.model.topics["ReservationEventsTopic"]
    return [m for m in stack.feed.messages(topic) if m["attributes"].get("reservation_id") == reservation_id]


def test_outcomes_are_published_with_filterable_attributes(
    stack: LocalStack, sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 3)
    rid = f"R-{unique_id}"
    arn = start(
        sfn, machine, rid, [{"product_id": unique_id, "quantity": 1}], hold_seconds=30, order_id="O-1"
    )
    token = waiting_token(reservations, rid)
    sfn.send_task_success(taskToken=token, output="{}")
    finished(sfn, arn)
    published = events_for(stack, rid)
    assert [m["attributes"]["event_type"] for m in published] == ["InventoryReserved", "InventoryCommitted"]
    assert all(m["attributes"]["order_id"] == "O-1" for m in published)
    body = json.loads(published[-1]["message"])
    assert body["status"] == "FULFILLED" and body["lines"][0]["product_id"] == unique_id


def test_insufficient_stock_fails_cleanly_naming_the_short_lines_and_holds_nothing(
    stack: LocalStack, sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given two products, one with too little stock for the order
    plenty, scarce = f"{unique_id}-A", f"{unique_id}-B"
    given_stock(inventory_table, plenty, 10)
    given_stock(inventory_table, scarce, 1, warehouse_id="east")
    rid = f"R-{unique_id}"
    # When one reservation asks for both
    arn = start(
        sfn,
        machine,
        rid,
        [
            {"product_id": plenty, "quantity": 4},
            {"product_id": scarce, "warehouse_id": "east", "quantity": 2},
        ],
    )
    done = finished(sfn, arn)
    # Then the execution failed on Reserve with the short line named, and no line was held
    assert done["status"] == "FAILED"
    assert done["error"] == "InsufficientStock"
    assert f"{scarce}@east" in done["cause"] and plenty not in json.loads(done["cause"])["errorMessage"]
    assert counts(inventory_table, plenty) == (10, 0, 10)
    assert counts(inventory_table, scarce, "east") == (1, 0, 1)
    refused = record(reservations, rid)  # kept for GET /reservations/{id}: why it was never held
    assert refused is not None and refused["status"] == "FAILED" and refused["error"] == "InsufficientStock"
    assert "sweep_shard" not in refused and "unarmed_shard" not in refused
    assert entered_states(sfn, arn) == ["Route", "Reserve"]
    failed = events_for(stack, rid)
    assert [m["attributes"]["event_type"] for m in failed] == ["InventoryReservationFailed"]
    assert json.loads(failed[0]["message"])["error"]["details"]["lines"] == [
        {"product_id": scarce, "warehouse_id": "east", "requested": 2, "available": 1}
    ]


def test_multi_line_reservation_holds_and_releases_every_line(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    first, second = f"{unique_id}-A", f"{unique_id}-B"
    given_stock(inventory_table, first, 5)
    given_stock(inventory_table, second, 5, warehouse_id="east")
    rid = f"R-{unique_id}"
    arn = start(
        sfn,
        machine,
        rid,
        [{"product_id": first, "quantity": 2}, {"product_id": second, "warehouse_id": "east", "quantity": 5}],
        hold_seconds=1,
    )
    waiting_token(reservations, rid)
    assert counts(inventory_table, first) == (5, 2, 3)
    assert counts(inventory_table, second, "east") == (5, 5, 0)
    assert finished(sfn, arn)["status"] == "SUCCEEDED"
    assert counts(inventory_table, first) == (5, 0, 5)
    assert counts(inventory_table, second, "east") == (5, 0, 5)


def test_duplicate_start_with_the_same_name_joins_the_running_execution(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    items = [{"product_id": unique_id, "quantity": 2}]
    first = start(sfn, machine, rid, items, hold_seconds=30)
    second = start(sfn, machine, rid, items, hold_seconds=30)
    assert first == second
    token = waiting_token(reservations, rid)
    assert counts(inventory_table, unique_id) == (5, 2, 3)
    sfn.send_task_failure(taskToken=token, error="ReleaseRequested", cause="test")
    finished(sfn, first)
    assert counts(inventory_table, unique_id) == (5, 0, 5)


def test_a_second_execution_for_a_held_reservation_fails_without_touching_it(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given a reservation held by one execution
    given_stock(inventory_table, unique_id, 5)
    rid = f"R-{unique_id}"
    items = [{"product_id": unique_id, "quantity": 2}]
    first = start(sfn, machine, rid, items, hold_seconds=30)
    token = waiting_token(reservations, rid)
    # When another execution (another name) starts for the same reservation id
    other = sfn.start_execution(
        stateMachineArn=machine,
        name=f"other-{unique_id}",
        input=json.dumps({"reservation_id": rid, "items": items}),
    )["executionArn"]
    done = finished(sfn, other)
    # Then it fails on Reserve, and the hold is still the first one's, once
    assert done["status"] == "FAILED" and done["error"] == "ReservationConflict"
    assert entered_states(sfn, other) == ["Route", "Reserve"]
    assert counts(inventory_table, unique_id) == (5, 2, 3)
    assert record(reservations, rid)["task_token"] == token
    sfn.send_task_failure(taskToken=token, error="ReleaseRequested", cause="test")
    finished(sfn, first)
    assert counts(inventory_table, unique_id) == (5, 0, 5)


def test_invalid_input_fails_the_execution_with_a_named_error(sfn: Any, machine: str, unique_id: str) -> None:
    arn = sfn.start_execution(
        stateMachineArn=machine,
        name=f"bad-{unique_id}",
        input=json.dumps({"reservation_id": unique_id, "items": [{"product_id": unique_id, "quantity": 0}]}),
    )["executionArn"]
    done = finished(sfn, arn)
    assert done["status"] == "FAILED" and done["error"] == "ValidationFailed"
    assert "items.0.quantity" in done["cause"]


def test_concurrent_reservers_on_the_last_units_never_oversell(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    # Given 4 units and 10 shoppers asking for one each at the same time
    given_stock(inventory_table, unique_id, 4)
    rids = [f"R-{unique_id}-{n}" for n in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        arns = list(
            pool.map(
                lambda r: start(sfn, machine, r, [{"product_id": unique_id, "quantity": 1}], hold_seconds=8),
                rids,
            )
        )
    outcomes = [finished(sfn, arn, timeout=60) for arn in arns]
    # Then exactly 4 were held (and later expired), 6 failed for lack of stock, nothing oversold or leaked
    held = [r for r in rids if record(reservations, r)["status"] != "FAILED"]
    assert len(held) == 4, [record(reservations, r) for r in rids]
    assert sorted(o["status"] for o in outcomes) == ["FAILED"] * 6 + ["SUCCEEDED"] * 4
    assert {o.get("error") for o in outcomes if o["status"] == "FAILED"} == {"InsufficientStock"}
    assert all(record(reservations, r)["status"] == "EXPIRED" for r in held)
    assert counts(inventory_table, unique_id) == (4, 0, 4)
