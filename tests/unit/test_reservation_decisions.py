"""Confirm, release and extend when the Hold token went stale at the last moment (AWS's answers).

DynamoDB is moto in-process; Step Functions is a stubbed client answering as AWS does. The timer
"fires" exactly when the signal is sent: `TimerFiresFirst` runs the real Release step and then
hands the signal to the real adapter, whose stubbed client answers `TaskTimedOut`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from inventory.domain import reservation_requests as requests
from inventory.domain.reservation_models import HoldPolicy, ReservationInput, ReservationStatus
from inventory.domain.reservation_workflow import TIMEOUT_ERROR, await_decision, release, reserve
from inventory.errors import ReservationClosed
from inventory.models import StockRecord, iso
from inventory.store.outcome_events import OutcomeEvent
from inventory.store.reservations import HELD_INDEX, DynamoReservationStore
from inventory.store.stock_records import DynamoStockRecordStore
from inventory.store.workflow import Signal, StepFunctionsWorkflow
from moto import mock_aws

POLICY = HoldPolicy(default_seconds=60, min_seconds=1, max_seconds=600)
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:reservations"


class RecordedEvents:
    """Collects outcome events instead of publishing them (the publisher is not under test here)."""

    def __init__(self) -> None:
        self.types: list[str] = []

    def reservation(self, event: OutcomeEvent, reservation: Any) -> None:
        self.types.append(event.value)

    def failure(self, request: Any, code: str, message: str, details: dict[str, Any]) -> None:
        self.types.append("failure")


class TimerFiresFirst:
    """The real adapter, except that the hold's timer fires (real Release step) just before each signal."""

    def __init__(
        self, store: DynamoReservationStore, events: RecordedEvents, adapter: StepFunctionsWorkflow
    ) -> None:
        self._store, self._events, self._adapter = store, events, adapter

    def _expire(self, token: str) -> None:
        for reservation in self._store.held():
            if reservation.task_token == token:
                release(
                    self._store,
                    self._events,
                    reservation.reservation_id,
                    TIMEOUT_ERROR,
                    None,
                    actor="workflow",
                )

    def succeed(self, token: str, output: dict[str, Any]) -> Signal:
        self._expire(token)
        return self._adapter.succeed(token, output)

    def fail(self, token: str, error: str, cause: str) -> Signal:
        self._expire(token)
        return self._adapter.fail(token, error, cause)


@pytest.fixture
def world() -> Iterator[tuple[DynamoReservationStore, Any, RecordedEvents, Stubber]]:
    with mock_aws():
        ddb = boto3.resource("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="inventory",
            KeySchema=[
                {"AttributeName": "product_id", "KeyType": "HASH"},
                {"AttributeName": "warehouse_id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": "S"} for n in ("product_id", "warehouse_id")
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.create_table(
            TableName="ledger",
            KeySchema=[
                {"AttributeName": "product_id", "KeyType": "HASH"},
                {"AttributeName": "movement_id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": "S"} for n in ("product_id", "movement_id")
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.create_table(
            TableName="reservations",
            KeySchema=[{"AttributeName": "reservation_id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "reservation_id", "AttributeType": "S"},
                {"AttributeName": "sweep_shard", "AttributeType": "S"},
                {"AttributeName": "expires_at_epoch", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": HELD_INDEX,
                    "KeySchema": [
                        {"AttributeName": "sweep_shard", "KeyType": "HASH"},
                        {"AttributeName": "expires_at_epoch", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        DynamoStockRecordStore(ddb.Table("inventory")).create(
            StockRecord(
                product_id="P1",
                warehouse_id="main",
                stock_count=5,
                reserved_count=0,
                threshold_level=0,
                last_updated=iso(datetime.now(UTC)),
                version=1,
            )
        )
        store = DynamoReservationStore(ddb.Table("reservations"), ddb.Table("inventory"), "ledger")
        events = RecordedEvents()
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        with Stubber(sfn) as stubber:
            adapter = StepFunctionsWorkflow(sfn, MACHINE)
            yield store, TimerFiresFirst(store, events, adapter), events, stubber


def held(store: DynamoReservationStore, events: RecordedEvents, rid: str) -> None:
    request = ReservationInput(reservation_id=rid, items=[{"product_id": "P1", "quantity": 2}])  # type: ignore[list-item]
    reserve(
        store,
        events,
        POLICY,
        request,
        f"arn:aws:states:us-east-1:123456789012:execution:r:{rid}",
        datetime.now(UTC),
    )
    await_decision(store, rid, f"token-{rid}")


def available(store: DynamoReservationStore) -> tuple[int, int]:
    record = DynamoStockRecordStore(store._inventory).record("P1", "main")
    assert record is not None
    return record.stock_count, record.reserved_count


def test_confirm_racing_the_timer_is_refused_and_releases_once(world: Any) -> None:
    store, workflow, events, stubber = world
    held(store, events, "R1")
    stubber.add_client_error("send_task_success", service_error_code="TaskTimedOut")
    with pytest.raises(ReservationClosed) as raised:
        requests.confirm(store, workflow, "R1", wait_seconds=5)
    assert raised.value.details["status"] == "EXPIRED"
    assert available(store) == (5, 0)
    assert events.types == ["InventoryReserved", "InventoryReservationExpired"]
    stubber.assert_no_pending_responses()


def test_release_racing_the_timer_is_harmless(world: Any) -> None:
    store, workflow, events, stubber = world
    held(store, events, "R2")
    stubber.add_client_error("send_task_failure", service_error_code="TaskDoesNotExist")
    done = requests.cancel(store, workflow, "R2", "cart emptied", wait_seconds=5)
    assert done.status is ReservationStatus.EXPIRED
    assert available(store) == (5, 0)


def test_extend_racing_the_timer_is_refused(world: Any) -> None:
    store, workflow, events, stubber = world
    held(store, events, "R3")
    stubber.add_client_error("send_task_failure", service_error_code="InvalidToken")
    with pytest.raises(ReservationClosed):
        requests.extend(store, workflow, POLICY, "R3", 120, datetime.now(UTC), wait_seconds=5)
    assert available(store) == (5, 0)
