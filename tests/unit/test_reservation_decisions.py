"""Every window between a REST request's write and its start or signal, on in-memory adapters.

The workflow's steps are the real domain functions, run where the state machine would run them;
Step Functions answers as AWS does (stale tokens, throttling, names taken). After each race the
stock is exact and nothing is sold or released twice. (How the real adapter reads AWS's answers:
`test_workflow_signals.py`; the real store and state machine: the integration tests.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from inventory.domain import reservation_requests as requests
from inventory.domain import reservation_workflow as workflow
from inventory.domain.reservation_models import (
    HoldPolicy,
    ReservationInput,
    ReservationStatus,
    wait_timestamp,
)
from inventory.domain.reservation_ports import Closing, Signal, Start
from inventory.domain.reservation_upkeep import sweep
from inventory.domain.reservation_workflow import (
    RELEASE_SIGNAL,
    TIMEOUT_ERROR,
    HoldTimer,
    await_decision,
    fulfil,
    release,
    reserve,
)
from inventory.errors import (
    HoldExtended,
    ReservationClosed,
    ReservationConflict,
    StaleTimer,
    TransientStoreError,
)
from inventory.models import iso, parse_iso

from tests.unit.fakes import FakeReservationStore, FakeWorkflow, RecordedEvents, Tables

POLICY = HoldPolicy(default_seconds=60, min_seconds=1, max_seconds=600)


class World:
    def __init__(self) -> None:
        self.tables = Tables()
        self.tables.given_stock("P1", 5)
        self.store = FakeReservationStore(self.tables)
        self.workflow = FakeWorkflow()
        self.events = RecordedEvents()

    def counts(self) -> tuple[int, int]:
        stock, reserved, _available = self.tables.counts("P1")
        return stock, reserved

    def held_over_rest(self, rid: str, armed: bool = True) -> None:
        """A REST hold whose execution started (and, when `armed`, reached the Hold step)."""
        requests.place(self.store, self.workflow, POLICY, request(rid), now())
        if armed:
            await_decision(self.store, rid, f"token-{rid}", now())

    def expire_now(self, rid: str) -> None:
        held = self.tables.reservations[rid]
        self.tables.reservations[rid] = held.model_copy(
            update={"expires_at": iso(now() - timedelta(seconds=1))}
        )


class BeforeFirstClose(FakeReservationStore):
    """The store, except that `race` runs just before the first write that closes a hold: what
    another request or a workflow step did between the caller's read and its write."""

    def __init__(self, tables: Tables, race: Callable[[], None]) -> None:
        super().__init__(tables)
        self._race = race

    def close(self, reservation: Any, change: Closing) -> Any:
        race, self._race = self._race, lambda: None
        race()
        return super().close(reservation, change)


@pytest.fixture
def world() -> World:
    return World()


def now() -> datetime:
    return datetime.now(UTC)


def request(rid: str, hold_seconds: int = 60) -> ReservationInput:
    items = [{"product_id": "P1", "quantity": 2}]
    return ReservationInput(reservation_id=rid, items=items, hold_seconds=hold_seconds, source="api")  # type: ignore[arg-type]


def test_a_rest_hold_writes_first_then_starts_its_execution_with_the_record_as_input(world: World) -> None:
    reservation, created = requests.place(world.store, world.workflow, POLICY, request("R0"), now())
    assert created and reservation.status is ReservationStatus.HELD and world.counts() == (5, 2)
    assert reservation.unarmed_shard is not None  # until the Hold step stores its token
    [(name, payload)] = world.workflow.starts
    assert name == "R0" and payload["reservation_id"] == "R0" and payload["hold_seconds"] == 60
    assert world.tables.kinds("P1") == ["RESERVED"]
    # the Reserve step then finds the hold, writes nothing, and announces it
    armed = reserve(
        world.store, world.events, POLICY, request("R0"), world.workflow.execution_arn("R0"), now()
    )
    assert 58 <= armed.timer.hold_seconds <= 60 and world.counts() == (5, 2)
    assert world.events.types == ["InventoryReserved"]


def test_confirm_racing_the_expiry_is_refused_and_the_stock_comes_back_once(world: World) -> None:
    world.held_over_rest("R1")

    def timer_fires() -> None:
        world.expire_now("R1")
        release(world.store, world.events, "R1", TIMEOUT_ERROR, None, actor="workflow", now=now())

    # When the timer's Release step commits between the confirm's read and its write
    racing = BeforeFirstClose(world.tables, timer_fires)
    with pytest.raises(ReservationClosed) as raised:
        requests.confirm(racing, world.workflow, "R1", now())
    # Then the confirm is refused as expired, no signal was sent, and the stock came back once
    assert raised.value.details["status"] == "EXPIRED"
    assert world.counts() == (5, 0) and world.workflow.signals == []
    assert world.events.types == ["InventoryReservationExpired"]


def test_confirm_after_the_expiry_but_before_the_timer_is_refused(world: World) -> None:
    world.held_over_rest("R1b")
    world.expire_now("R1b")
    with pytest.raises(ReservationClosed) as raised:
        requests.confirm(world.store, world.workflow, "R1b", now())
    assert raised.value.details["status"] == "EXPIRED" and "expired" in raised.value.details["reason"]
    assert world.counts() == (5, 2)  # the timer, not the refused confirm, gives the stock back
    release(world.store, world.events, "R1b", TIMEOUT_ERROR, None, actor="workflow", now=now())
    assert world.counts() == (5, 0)


@pytest.mark.parametrize("answer", [Signal.STALE, TransientStoreError("ThrottlingException")])
def test_confirm_whose_signal_is_stale_or_throttled_sells_once(world: World, answer: Any) -> None:
    world.held_over_rest("R2")
    world.workflow.signal_answers.append(answer)
    # When the confirm's signal finds the timer fired (or Step Functions throttled)
    done = requests.confirm(world.store, world.workflow, "R2", now())
    # Then the sale stands, and the Release step the timer leads to only reports it
    assert done.status is ReservationStatus.FULFILLED and world.counts() == (3, 0)
    reported = release(world.store, world.events, "R2", TIMEOUT_ERROR, None, actor="workflow", now=now())
    assert reported.status is ReservationStatus.FULFILLED and world.counts() == (3, 0)
    assert world.events.types == ["InventoryCommitted"] and world.tables.kinds("P1") == [
        "FULFILLED",
        "RESERVED",
    ]


def test_confirm_racing_the_hold_step_signals_the_token_it_stored(world: World) -> None:
    world.held_over_rest("R3", armed=False)
    # When the Hold step stores its token between the confirm's read (no token) and its write
    racing = BeforeFirstClose(world.tables, lambda: await_decision(world.store, "R3", "token-R3", now()))
    done = requests.confirm(racing, world.workflow, "R3", now())
    # Then the write is retried with the stored token, and that token gets the signal
    assert done.status is ReservationStatus.FULFILLED and world.counts() == (3, 0)
    assert world.workflow.signals == [("success", "token-R3", None)]
    fulfilled = fulfil(world.store, world.events, "R3", actor="workflow", now=now())
    assert fulfilled.status is ReservationStatus.FULFILLED and world.counts() == (3, 0)


def test_a_hold_step_after_a_confirm_is_refused_and_the_release_step_reports_the_sale(world: World) -> None:
    world.held_over_rest("R4", armed=False)
    requests.confirm(world.store, world.workflow, "R4", now())  # no token yet: nothing to signal
    assert world.workflow.signals == []
    with pytest.raises(ReservationClosed):
        await_decision(world.store, "R4", "token-R4", now())
    reported = release(
        world.store, world.events, "R4", "ReservationClosed", None, actor="workflow", now=now()
    )
    assert reported.status is ReservationStatus.FULFILLED and world.counts() == (3, 0)
    assert world.events.types == ["InventoryCommitted"]


def test_a_reserve_step_after_a_release_is_refused_and_reports_it(world: World) -> None:
    world.held_over_rest("R5", armed=False)
    requests.cancel(world.store, world.workflow, "R5", "cart emptied", now())
    arn = world.workflow.execution_arn("R5")
    with pytest.raises(ReservationClosed):
        reserve(world.store, world.events, POLICY, request("R5"), arn, now())
    reported = release(
        world.store, world.events, "R5", "ReservationClosed", None, actor="workflow", now=now()
    )
    assert reported.status is ReservationStatus.RELEASED and reported.reason == "cart emptied"
    assert world.counts() == (5, 0) and world.events.types == ["InventoryReleased"]


def test_release_whose_signal_is_stale_returns_the_units_once(world: World) -> None:
    world.held_over_rest("R6")
    world.workflow.signal_answers.append(Signal.STALE)
    done = requests.cancel(world.store, world.workflow, "R6", "cart emptied", now())
    assert done.status is ReservationStatus.RELEASED and world.counts() == (5, 0)
    assert world.workflow.signals == [("failure", "token-R6", RELEASE_SIGNAL)]
    again = release(
        world.store, world.events, "R6", RELEASE_SIGNAL, "cart emptied", actor="workflow", now=now()
    )
    assert again.status is ReservationStatus.RELEASED and world.counts() == (5, 0)
    assert world.tables.kinds("P1") == ["RELEASED", "RESERVED"]


def test_an_extension_whose_signal_is_lost_rearms_at_the_old_timer(world: World) -> None:
    world.held_over_rest("R7")
    world.workflow.signal_answers.append(TransientStoreError("ThrottlingException"))
    extended = requests.extend(world.store, world.workflow, POLICY, "R7", 300, now())
    # When the old timer's Release step runs before the new expiry
    with pytest.raises(HoldExtended) as raised:
        release(world.store, world.events, "R7", TIMEOUT_ERROR, None, actor="workflow", now=now())
    # Then it re-arms to the new expiry instead of expiring, and nothing moved
    rearm = json.loads(str(raised.value))
    assert rearm["expires_at"] == extended.expires_at and 295 <= rearm["hold_seconds"] <= 300
    assert world.counts() == (5, 2) and world.events.types == []


def test_a_hold_whose_start_is_throttled_stands_and_the_sweeper_arms_it(world: World) -> None:
    world.workflow.start_answers.append(TransientStoreError("ThrottlingException"))
    # When the hold is written but its execution cannot start
    reservation, created = requests.place(world.store, world.workflow, POLICY, request("R8"), now())
    assert created and reservation.status is ReservationStatus.HELD and world.counts() == (5, 2)
    # Then the sweeper's next run starts it with the same input the request sent
    report = sweep(world.store, world.workflow, world.events, now() + timedelta(seconds=30), grace_seconds=60)
    assert report.armed == ["R8"] and world.counts() == (5, 2)
    (_, first), (_, second) = world.workflow.starts
    assert json.dumps(first) == json.dumps(second)


def test_a_repeat_of_the_request_starts_the_timer_with_the_same_input(world: World) -> None:
    world.workflow.start_answers.append(TransientStoreError("ServiceUnavailable"))
    requests.place(world.store, world.workflow, POLICY, request("R9"), now())
    again, created = requests.place(world.store, world.workflow, POLICY, request("R9"), now())
    assert not created and again.status is ReservationStatus.HELD and world.counts() == (5, 2)
    (_, first), (_, second) = world.workflow.starts
    assert json.dumps(first) == json.dumps(second) and first["source"] == "api"
    # once the Hold step armed it, a repeat starts nothing more
    await_decision(world.store, "R9", "token-R9", now())
    requests.place(world.store, world.workflow, POLICY, request("R9"), now())
    assert len(world.workflow.starts) == 2


def test_a_name_taken_by_another_execution_undoes_the_hold(world: World) -> None:
    world.workflow.start_answers.append(Start.TAKEN)
    with pytest.raises(ReservationConflict):
        requests.place(world.store, world.workflow, POLICY, request("R10"), now())
    assert world.counts() == (5, 0)
    assert world.tables.reservations["R10"].status is ReservationStatus.RELEASED


def test_the_sweeper_undoes_an_unarmed_hold_whose_execution_ended(world: World) -> None:
    world.held_over_rest("R11", armed=False)
    world.workflow.start_answers.append(Start.TAKEN)
    report = sweep(world.store, world.workflow, world.events, now() + timedelta(seconds=30), grace_seconds=60)
    assert report.undone == ["R11"] and world.counts() == (5, 0)
    # and the next run finds nothing more to do
    assert (
        sweep(
            world.store, world.workflow, world.events, now() + timedelta(seconds=30), grace_seconds=60
        ).undone
        == []
    )


def test_a_refused_rest_hold_keeps_nothing(world: World) -> None:
    big = ReservationInput(reservation_id="R12", items=[{"product_id": "P1", "quantity": 9}], source="api")  # type: ignore[list-item]
    with pytest.raises(Exception, match="not enough stock"):
        requests.place(world.store, world.workflow, POLICY, big, now())
    assert world.tables.reservations == {} and world.workflow.starts == [] and world.counts() == (5, 0)


def test_an_sdk_refusal_is_kept_and_a_rest_request_for_the_id_gets_the_same_refusal(world: World) -> None:
    big = ReservationInput(reservation_id="R13", items=[{"product_id": "P1", "quantity": 9}], source="sdk")  # type: ignore[list-item]
    with pytest.raises(Exception, match="not enough stock"):
        reserve(world.store, world.events, POLICY, big, world.workflow.execution_arn("R13"), now())
    assert world.tables.reservations["R13"].status is ReservationStatus.FAILED
    assert world.events.types == ["InventoryReservationFailed"]
    with pytest.raises(Exception, match="not enough stock"):
        requests.place(world.store, world.workflow, POLICY, big.model_copy(update={"source": "api"}), now())
    assert world.workflow.starts == [] and world.counts() == (5, 0)


# -- the REST execution's armed timer --------------------------------------------------------------
def test_a_rest_start_carries_the_armed_hold_from_the_records_fixed_fields(world: World) -> None:
    # Given a REST hold of 60 s
    written = datetime(2026, 1, 5, 10, 0, 0, 400_000, tzinfo=UTC)
    requests.place(world.store, world.workflow, POLICY, request("T1"), written)
    ((_, payload),) = world.workflow.starts
    # Then its execution input holds the timer (whole seconds to the expiry from 2 s after the write:
    # the Hold state may start that late) and announces the hold
    assert payload["hold"] == {
        "reservation_id": "T1",
        "timer": {
            "hold_seconds": 58,
            "wait_until": "2026-01-05T10:01:01Z",
            "expires_at": "2026-01-05T10:01:01.000Z",
        },
        "announce": True,
    }
    # And an extension before the timer started changes nothing in it (every start joins one execution)
    world.tables.reservations["T1"] = world.tables.reservations["T1"].model_copy(
        update={"expires_at": "2026-01-05T10:05:00.000Z"}
    )
    assert workflow.execution_input(world.tables.reservations["T1"]) == payload


def armed(seconds: int, expires: datetime) -> HoldTimer:
    return HoldTimer(hold_seconds=seconds, wait_until=wait_timestamp(expires), expires_at=iso(expires))


def test_a_hold_entered_too_late_for_its_timer_hands_back_a_shorter_one_and_writes_nothing(
    world: World,
) -> None:
    # Given a REST hold whose Hold state was entered 10 s after the write, with the input's 57 s timer
    requests.place(world.store, world.workflow, POLICY, request("T2"), now())
    expires = parse_iso(world.tables.reservations["T2"].expires_at)
    entered = expires - timedelta(seconds=50)
    # When the Hold step runs
    with pytest.raises(StaleTimer) as raised:
        await_decision(world.store, "T2", "token-T2", entered, armed(57, expires), entered, world.events)
    # Then it stored no token, announced nothing, and the new timer ends before the expiry
    fresh = HoldTimer.model_validate_json(str(raised.value))
    assert fresh.expires_at == iso(expires) and entered + timedelta(seconds=fresh.hold_seconds) <= expires
    assert world.tables.reservations["T2"].task_token is None and world.events.types == []
    # And armed with that timer, it waits: the token is stored and the hold announced once
    await_decision(world.store, "T2", "token-T2", entered, fresh, entered, world.events)
    assert world.tables.reservations["T2"].task_token == "token-T2"
    assert world.events.types == ["InventoryReserved"]


def test_a_timer_that_cannot_be_shorter_is_armed_as_it_is(world: World) -> None:
    # Given a hold 0.5 s from its expiry whose Hold state has the shortest timer there is (1 s)
    requests.place(world.store, world.workflow, POLICY, request("T3"), now())
    expires = parse_iso(world.tables.reservations["T3"].expires_at)
    entered = expires - timedelta(seconds=0.5)
    # When the Hold step runs, then it arms (no endless re-arming); AwaitExpiry and Release follow
    held = await_decision(world.store, "T3", "token-T3", entered, armed(1, expires), entered)
    assert held.task_token == "token-T3"
