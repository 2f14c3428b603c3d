"""The reservation state machine under the real template: moto executes the ASL, our runtime the tasks.

Holds are 1-3 s so expiry paths finish quickly; nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
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


def test_confirm_fulfils_the_hold_in_three_transitions(
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
    # Then the units are sold, nothing stays reserved, and it cost Reserve, Hold, Fulfil
    assert done["status"] == "SUCCEEDED"
    assert counts(inventory_table, unique_id) == (7, 0, 7)
    assert record(reservations, f"R-{unique_id}")["status"] == "FULFILLED"
    assert entered_states(sfn, arn) == ["Reserve", "Hold", "Fulfil"]


def test_release_returns_the_units_in_three_transitions(
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
    assert entered_states(sfn, arn) == ["Reserve", "Hold", "Release"]


def test_expiry_releases_the_units_in_three_transitions(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 4)
    arn = start(sfn, machine, f"R-{unique_id}", [{"product_id": unique_id, "quantity": 2}], hold_seconds=1)
    done = finished(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert counts(inventory_table, unique_id) == (4, 0, 4)
    item = record(reservations, f"R-{unique_id}")
    assert item["status"] == "EXPIRED" and "expired" in item["reason"]
    assert entered_states(sfn, arn) == ["Reserve", "Hold", "Release"]


def test_extend_goes_back_to_hold_with_the_new_timeout(
    sfn: Any, machine: str, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 4)
    arn = start(sfn, machine, f"R-{unique_id}", [{"product_id": unique_id, "quantity": 1}], hold_seconds=30)
    token = waiting_token(reservations, f"R-{unique_id}")
    sfn.send_task_failure(taskToken=token, error="ExtendRequested", cause="1")
    done = finished(sfn, arn)
    assert done["status"] == "SUCCEEDED"
    assert entered_states(sfn, arn) == ["Reserve", "Hold", "Extend", "Hold", "Release"]
    assert record(reservations, f"R-{unique_id}")["status"] == "EXPIRED"
    assert counts(inventory_table, unique_id) == (4, 0, 4)
