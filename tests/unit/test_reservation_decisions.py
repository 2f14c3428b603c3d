"""Every window between a REST request's write and its start or signal, with AWS's own answers.

DynamoDB is moto in-process; Step Functions is a stubbed client answering as AWS does (stale
tokens, throttling, names taken), and the workflow's steps are the real domain functions, run
where the state machine would run them. After each race the stock is exact and nothing is sold
or released twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from inventory.domain import reservation_requests as requests
from inventory.domain.reservation_models import HoldPolicy, ReservationInput, ReservationStatus
from inventory.domain.reservation_ports import OutcomeEvent
from inventory.domain.reservation_upkeep import sweep
from inventory.domain.reservation_workflow import (
    RELEASE_SIGNAL,
    TIMEOUT_ERROR,
    await_decision,
    fulfil,
    release,
    reserve,
)
from inventory.errors import HoldExtended, ReservationClosed, ReservationConflict
from inventory.models import StockRecord, iso
from inventory.store.reservations import HELD_INDEX, UNARMED_INDEX, DynamoReservationStore
from inventory.store.stock_records import DynamoStockRecordStore
from inventory.store.workflow import StepFunctionsWorkflow
from moto import mock_aws

POLICY = HoldPolicy(default_seconds=60, min_seconds=1, max_seconds=600)
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:reservations"
STARTED = {"executionArn": f"{MACHINE}:x", "startDate": "2026-01-01T00:00:00Z"}


class RecordedEvents:
    """Collects outcome events instead of publishing them (the publisher is not under test here)."""

    def __init__(self) -> None:
        self.types: list[str] = []

    def reservation(self, event: OutcomeEvent, reservation: Any) -> None:
        self.types.append(event.value)

    def failure(self, request: Any, code: str, message: str, details: dict[str, Any]) -> None:
        self.types.append("failure")


class BeforeFirstClose:
    """The real store, except that `race` runs just before the first write that closes a hold: what
    another request or a workflow step did between the caller's read and its write."""

    def __init__(self, store: DynamoReservationStore, race: Callable[[], None]) -> None:
        self._store, self._race = store, race

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def close(self, reservation: Any, change: Any) -> Any:
        race, self._race = self._race, lambda: None
        race()
        return self._store.close(reservation, change)


def _table(ddb: Any, name: str, keys: list[tuple[str, str]], **extra: Any) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": k, "KeyType": t} for k, t in keys],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )


def _index(name: str, hash_key: str, range_key: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": hash_key, "KeyType": "HASH"},
            {"AttributeName": range_key, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


@pytest.fixture
def world() -> Iterator[tuple[DynamoReservationStore, StepFunctionsWorkflow, RecordedEvents, Stubber]]:
    with mock_aws():
        ddb = boto3.resource("dynamodb", region_name="us-east-1")
        strings = lambda *names: [{"AttributeName": n, "AttributeType": "S"} for n in names]  # noqa: E731
        _table(
            ddb,
            "inventory",
            [("product_id", "HASH"), ("warehouse_id", "RANGE")],
            AttributeDefinitions=strings("product_id", "warehouse_id"),
        )
        _table(
            ddb,
            "ledger",
            [("product_id", "HASH"), ("movement_id", "RANGE")],
            AttributeDefinitions=strings("product_id", "movement_id"),
        )
        _table(
            ddb,
            "reservations",
            [("reservation_id", "HASH")],
            AttributeDefinitions=[
                *strings("reservation_id", "sweep_shard", "unarmed_shard"),
                {"AttributeName": "expires_at_epoch", "AttributeType": "N"},
                {"AttributeName": "created_at_epoch", "AttributeType": "N"},
            ],
            GlobalSecondaryIndexes=[
                _index(HELD_INDEX, "sweep_shard", "expires_at_epoch"),
                _index(UNARMED_INDEX, "unarmed_shard", "created_at_epoch"),
            ],
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
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        with Stubber(sfn) as stubber:
            yield store, StepFunctionsWorkflow(sfn, MACHINE), RecordedEvents(), stubber
            stubber.assert_no_pending_responses()


def now() -> datetime:
    return datetime.now(UTC)


def request(rid: str, hold_seconds: int = 60) -> ReservationInput:
    items = [{"product_id": "P1", "quantity": 2}]
    return ReservationInput(reservation_id=rid, items=items, hold_seconds=hold_seconds, source="api")  # type: ignore[arg-type]


def held_over_rest(
    store: DynamoReservationStore,
    workflow: StepFunctionsWorkflow,
    stubber: Stubber,
    rid: str,
    armed: bool = True,
) -> None:
    """A REST hold whose execution started (and, when `armed`, reached the Hold step)."""
    stubber.add_response("start_execution", STARTED)
    requests.place(store, workflow, POLICY, request(rid), now())
    if armed:
        await_decision(store, rid, f"token-{rid}", now())


def counts(store: DynamoReservationStore) -> tuple[int, int]:
    record = DynamoStockRecordStore(store._inventory).record("P1", "main")
    assert record is not None
    return record.stock_count, record.reserved_count


def expire_now(store: DynamoReservationStore, rid: str) -> None:
    """The hold's expiry moved to the past, as if its time ran out."""
    past = now() - timedelta(seconds=1)
    store._reservations.update_item(
        Key={"reservation_id": rid},
        UpdateExpression="SET expires_at = :e",
        ExpressionAttributeValues={":e": iso(past)},
    )


def test_confirm_racing_the_expiry_is_refused_and_the_stock_comes_back_once(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R1")

    def timer_fires() -> None:
        expire_now(store, "R1")
        release(store, events, "R1", TIMEOUT_ERROR, None, actor="workflow", now=now())

    # When the timer's Release step commits between the confirm's read and its write
    with pytest.raises(ReservationClosed) as raised:
        requests.confirm(BeforeFirstClose(store, timer_fires), workflow, "R1", now())  # type: ignore[arg-type]
    # Then the confirm is refused as expired, no signal was sent, and the stock came back once
    assert raised.value.details["status"] == "EXPIRED"
    assert counts(store) == (5, 0)
    assert events.types == ["InventoryReservationExpired"]


def test_confirm_after_the_expiry_but_before_the_timer_is_refused(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R1b")
    expire_now(store, "R1b")
    with pytest.raises(ReservationClosed) as raised:
        requests.confirm(store, workflow, "R1b", now())
    assert raised.value.details["status"] == "EXPIRED" and "expired" in raised.value.details["reason"]
    assert counts(store) == (5, 2)  # the timer, not the refused confirm, gives the stock back
    release(store, events, "R1b", TIMEOUT_ERROR, None, actor="workflow", now=now())
    assert counts(store) == (5, 0)


@pytest.mark.parametrize("answer", ["TaskTimedOut", "ThrottlingException"])
def test_confirm_whose_signal_is_stale_or_throttled_sells_once(world: Any, answer: str) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R2")
    stubber.add_client_error("send_task_success", service_error_code=answer)
    # When the confirm's signal finds the timer fired (or Step Functions throttled)
    done = requests.confirm(store, workflow, "R2", now())
    # Then the sale stands, and the Release step the timer leads to only reports it
    assert done.status is ReservationStatus.FULFILLED and counts(store) == (3, 0)
    expire_now(store, "R2")
    reported = release(store, events, "R2", TIMEOUT_ERROR, None, actor="workflow", now=now())
    assert reported.status is ReservationStatus.FULFILLED and counts(store) == (3, 0)
    assert events.types == [OutcomeEvent.COMMITTED.value]


def test_confirm_racing_the_hold_step_signals_the_token_it_stored(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R3", armed=False)
    # When the Hold step stores its token between the confirm's read (no token) and its write
    stubber.add_response(
        "send_task_success", {}, {"taskToken": "token-R3", "output": json.dumps({"decision": "confirm"})}
    )
    racing = BeforeFirstClose(store, lambda: await_decision(store, "R3", "token-R3", now()))
    done = requests.confirm(racing, workflow, "R3", now())  # type: ignore[arg-type]
    # Then the write is retried with the stored token, and that token gets the signal (stubber checks)
    assert done.status is ReservationStatus.FULFILLED and counts(store) == (3, 0)
    fulfilled = fulfil(store, events, "R3", actor="workflow", now=now())
    assert fulfilled.status is ReservationStatus.FULFILLED and counts(store) == (3, 0)


def test_a_hold_step_after_a_confirm_is_refused_and_the_release_step_reports_the_sale(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R4", armed=False)
    requests.confirm(store, workflow, "R4", now())  # no token yet: nothing to signal
    with pytest.raises(ReservationClosed):
        await_decision(store, "R4", "token-R4", now())
    reported = release(store, events, "R4", "ReservationClosed", None, actor="workflow", now=now())
    assert reported.status is ReservationStatus.FULFILLED and counts(store) == (3, 0)
    assert events.types == [OutcomeEvent.COMMITTED.value]


def test_a_reserve_step_after_a_release_is_refused_and_reports_it(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R5", armed=False)
    requests.cancel(store, workflow, "R5", "cart emptied", now())
    arn = workflow.execution_arn("R5")
    with pytest.raises(ReservationClosed):
        reserve(store, events, POLICY, request("R5"), arn, now())
    reported = release(store, events, "R5", "ReservationClosed", None, actor="workflow", now=now())
    assert reported.status is ReservationStatus.RELEASED and reported.reason == "cart emptied"
    assert counts(store) == (5, 0) and events.types == [OutcomeEvent.RELEASED.value]


def test_release_whose_signal_is_stale_returns_the_units_once(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R6")
    stubber.add_client_error("send_task_failure", service_error_code="TaskDoesNotExist")
    done = requests.cancel(store, workflow, "R6", "cart emptied", now())
    assert done.status is ReservationStatus.RELEASED and counts(store) == (5, 0)
    again = release(store, events, "R6", RELEASE_SIGNAL, "cart emptied", actor="workflow", now=now())
    assert again.status is ReservationStatus.RELEASED and counts(store) == (5, 0)


def test_an_extension_whose_signal_is_lost_rearms_at_the_old_timer(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R7")
    stubber.add_client_error("send_task_failure", service_error_code="ThrottlingException")
    extended = requests.extend(store, workflow, POLICY, "R7", 300, now())
    # When the old timer's Release step runs before the new expiry
    with pytest.raises(HoldExtended) as raised:
        release(store, events, "R7", TIMEOUT_ERROR, None, actor="workflow", now=now())
    # Then it re-arms to the new expiry instead of expiring, and nothing moved
    rearm = json.loads(str(raised.value))
    assert rearm["expires_at"] == extended.expires_at and 295 <= rearm["hold_seconds"] <= 300
    assert counts(store) == (5, 2) and events.types == []


def test_a_hold_whose_start_is_throttled_stands_and_the_sweeper_arms_it(world: Any) -> None:
    store, workflow, events, stubber = world
    stubber.add_client_error("start_execution", service_error_code="ThrottlingException")
    # When the hold is written but its execution cannot start
    reservation, created = requests.place(store, workflow, POLICY, request("R8"), now())
    assert created and reservation.status is ReservationStatus.HELD and counts(store) == (5, 2)
    # Then the sweeper's next run starts it with the same input the request sent
    stubber.add_response("start_execution", STARTED, {"stateMachineArn": MACHINE, "name": "R8", "input": ANY})
    report = sweep(store, workflow, events, now() + timedelta(seconds=30), grace_seconds=60)
    assert report.armed == ["R8"] and counts(store) == (5, 2)


def test_a_repeat_of_the_request_starts_the_timer_with_the_same_input(world: Any) -> None:
    store, workflow, _events, stubber = world
    stubber.add_client_error("start_execution", service_error_code="ServiceUnavailable")
    requests.place(store, workflow, POLICY, request("R9"), now())
    sent: list[str] = []
    stubber.add_response("start_execution", STARTED)
    original = workflow._sfn.start_execution

    def capture(**kwargs: Any) -> Any:
        sent.append(kwargs["input"])
        return original(**kwargs)

    workflow._sfn.start_execution = capture  # type: ignore[method-assign]
    again, created = requests.place(store, workflow, POLICY, request("R9"), now())
    assert not created and again.status is ReservationStatus.HELD and counts(store) == (5, 2)
    assert json.loads(sent[0])["reservation_id"] == "R9" and json.loads(sent[0])["source"] == "api"


def test_a_name_taken_by_another_execution_undoes_the_hold(world: Any) -> None:
    store, workflow, _events, stubber = world
    stubber.add_client_error("start_execution", service_error_code="ExecutionAlreadyExists")
    with pytest.raises(ReservationConflict):
        requests.place(store, workflow, POLICY, request("R10"), now())
    assert counts(store) == (5, 0)
    assert store.get("R10").status is ReservationStatus.RELEASED  # type: ignore[union-attr]


def test_the_sweeper_undoes_an_unarmed_hold_whose_execution_ended(world: Any) -> None:
    store, workflow, events, stubber = world
    held_over_rest(store, workflow, stubber, "R11", armed=False)
    stubber.add_client_error("start_execution", service_error_code="ExecutionAlreadyExists")
    report = sweep(store, workflow, events, now() + timedelta(seconds=30), grace_seconds=60)
    assert report.undone == ["R11"] and counts(store) == (5, 0)
    # and the next run finds nothing more to do
    assert sweep(store, workflow, events, now() + timedelta(seconds=30), grace_seconds=60).undone == []
