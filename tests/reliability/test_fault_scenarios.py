"""Injected faults at every step of the reservation path, under the local stack with real executions.

Each scenario stocks its own product through the API, injects its faults (`/_local/faults`, matched
on the scenario's ids so nothing else is hit), drives the product over REST, the AWS SDK, the
order queue or the stock stream, and waits for the workflow to end. Then the invariant checker runs
on the scenario's records: it must find nothing, or the sweeper (one run) must repair what it found
and say so, after which the checker finds nothing.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from inventory.domain.reservation_models import execution_name
from inventory.models import parse_iso, utc_now

from local_stack.stack import LocalStack
from tests.integration.api_helpers import ADMIN, stocked_product
from tests.reliability.support import FIGURES, FULL, FaultControl, check_invariants, describe
from tests.reservation_support import counts, finished, record, start, waiting_token
from tests.support import CHECKOUT_KEY, aws_client, http, wait_for

CHECKOUT = {"x-api-key": CHECKOUT_KEY}
FINAL = {"FULFILLED", "RELEASED", "EXPIRED", "FAILED"}
ARM_GRACE = timedelta(seconds=1)
# The functions' clients make 4 attempts (botocore's `max_attempts: 3` counts the retries): a fault
# firing this often outlasts them.
CLIENT_ATTEMPTS = 4


class Scenario:
    def __init__(self, stack: LocalStack, faults: FaultControl, product_id: str) -> None:
        assert stack.model is not None
        self.stack, self.faults, self.product_id = stack, faults, product_id
        self.api = stack.api_url
        self.sfn = aws_client("stepfunctions", stack.aws_url)
        self.machine = stack.model.state_machines["ReservationStateMachine"]
        self.reservations = stack.table("ReservationsTable")
        self.inventory = stack.table("InventoryTable")
        # the DynamoDB fault of a write scenario
        self.error, self.when, self.count = "ThrottlingException", "before", CLIENT_ATTEMPTS

    # -- ways in -------------------------------------------------------------------------------
    def rest_hold(self, rid: str, quantity: int = 2, hold_seconds: int = 30) -> Any:
        body = {"quantity": quantity, "reservationId": rid, "hold_seconds": hold_seconds}
        return http("POST", f"{self.api}/inventory/{self.product_id}/reserve", body, CHECKOUT)

    def sdk_start(self, rid: str, quantity: int = 2, hold_seconds: int = 1) -> str:
        items = [{"product_id": self.product_id, "quantity": quantity}]
        return start(self.sfn, self.machine, rid, items, hold_seconds=hold_seconds)

    def until_ok(self, call: Any, ok: tuple[int, ...], attempts: int = CLIENT_ATTEMPTS + 2) -> Any:
        """A request answered 503 SERVICE_BUSY is repeated, as its Retry-After says is safe."""
        for _ in range(attempts):
            response = call()
            if response.status != 503:
                assert response.status in ok, response.text
                return response
            assert response.body["error"]["code"] == "SERVICE_BUSY", response.text
        raise AssertionError(f"still busy after {attempts} attempts")

    # -- waiting -------------------------------------------------------------------------------
    def execution_arn(self, rid: str) -> str:
        prefix, _, machine = self.machine.partition(":stateMachine:")
        return f"{prefix}:execution:{machine}:{execution_name(rid)}"

    def ended(self, rid: str, timeout: float = 60) -> dict[str, Any]:
        return finished(self.sfn, self.execution_arn(rid), timeout=timeout)

    def past_expiry(self, rid: str) -> None:
        """Waits until a hold still HELD is past its expiry by the checker's tolerance."""
        item = record(self.reservations, rid)
        if item is None or item["status"] != "HELD":
            return
        until = parse_iso(item["expires_at"]) + timedelta(seconds=2.5)
        wait_for(lambda: utc_now() > until, timeout=60, what=f"{rid} to be past its expiry")

    # -- judging -------------------------------------------------------------------------------
    def sweep(self) -> dict[str, Any]:
        assert self.stack.runtime is not None
        result = self.stack.runtime.invoke(
            "ReservationSweeperFunction", {"grace_seconds": 0, "arm_grace_seconds": 0}
        )
        assert result.function_error is None, result.payload
        report: dict[str, Any] = json.loads(result.payload)
        return report

    def verify(self, name: str, expect_faults: bool = True) -> list[str]:
        """The checker finds nothing, or one sweeper run repairs what it found (and says so)."""
        report = check_invariants(self.stack, self.product_id, arm_grace=ARM_GRACE)
        found, repaired = len(report.violations), []
        if found:
            swept = self.sweep()
            repaired = swept["armed"] + swept["undone"] + swept["released"]
            wrong = {v.record for v in report.violations if v.rule.value == "HELD_WITHOUT_TIMER"}
            assert wrong <= set(repaired), (describe(report), swept)
            report = check_invariants(self.stack, self.product_id, arm_grace=ARM_GRACE)
        assert report.ok, describe(report)
        fired = self.faults.fired()
        if expect_faults:
            assert fired > 0, "the scenario's fault never fired"
        FIGURES.scenario(name, fired, found, repaired, len(report.violations))
        return repaired

    def counts(self) -> tuple[int, int, int]:
        return counts(self.inventory, self.product_id)


@pytest.fixture
def scenario(stack: LocalStack, faults: FaultControl, unique_id: str) -> Scenario:
    stocked_product(stack.api_url, unique_id, 10)
    return Scenario(stack, faults, unique_id)


# -- an exception and a timeout in each task, before and after its write ---------------------------
TASKS = ("ReserveTaskFunction", "HoldTaskFunction", "FulfilTaskFunction", "ReleaseTaskFunction")
MODES = ("error_before", "error_after", "timeout_before", "timeout_after")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("function", TASKS)
def test_a_task_fails_or_times_out(scenario: Scenario, function: str, mode: str) -> None:
    rid = f"R-{scenario.product_id}"
    scenario.faults.add(target="lambda", function=function, mode=mode, match=rid)
    # When a checkout starts the workflow itself (the Reserve step writes the hold) and, for the
    # Fulfil step, confirms with the task token; otherwise the 1-3 s hold expires into Release
    scenario.sdk_start(rid, hold_seconds=3 if function == "FulfilTaskFunction" else 1)
    if function == "FulfilTaskFunction":
        scenario.sfn.send_task_success(taskToken=waiting_token(scenario.reservations, rid), output="{}")
    outcome = scenario.ended(rid)
    scenario.past_expiry(rid)
    repaired = scenario.verify(f"{function} {mode}")
    # Then a timed-out step was retried and the workflow ended as it would have anyway
    item = record(scenario.reservations, rid)
    if mode.startswith("timeout"):
        assert outcome["status"] == "SUCCEEDED", outcome
        assert item is not None and item["status"] in ("FULFILLED", "EXPIRED")
    elif function == "ReserveTaskFunction" and mode == "error_before":
        assert item is None or item["status"] == "FAILED"
    else:
        assert outcome["status"] == "FAILED", outcome
        assert item is not None and item["status"] in FINAL, item
        # a failed step after its write left nothing to repair; before it, the sweeper released it
        if mode == "error_after" and function in ("FulfilTaskFunction", "ReleaseTaskFunction"):
            assert repaired == []
    stock, reserved, _ = scenario.counts()
    assert reserved == 0
    assert stock == (8 if item is not None and item["status"] == "FULFILLED" else 10)


# -- the start or signal failing after the REST write ----------------------------------------------
@pytest.mark.parametrize(
    "error", ["ThrottlingException", "ServiceUnavailable"] if FULL else ["ServiceUnavailable"]
)
def test_the_start_fails_after_the_rest_hold(scenario: Scenario, error: str) -> None:
    rid = f"R-{scenario.product_id}"
    # every attempt of the handler's client fails
    scenario.faults.add(
        target="aws",
        service="stepfunctions",
        action="StartExecution",
        error=error,
        match=rid,
        count=CLIENT_ATTEMPTS,
    )
    held = scenario.rest_hold(rid, hold_seconds=2)
    assert held.status == 201, held.text  # the hold is real: the answer stands
    assert "unarmed_shard" in record(scenario.reservations, rid)
    time.sleep(ARM_GRACE.total_seconds() + 0.2)
    repaired = scenario.verify(f"StartExecution {error} after the hold")
    assert rid in repaired, (
        record(scenario.reservations, rid),
        scenario.faults.state(),
    )  # the sweeper started the timer...
    scenario.ended(rid)  # ...which released the hold at its expiry
    assert record(scenario.reservations, rid)["status"] == "EXPIRED" and scenario.counts() == (10, 0, 10)


SIGNAL_FAULTS = [
    ("confirm", "SendTaskSuccess", "ThrottlingException"),
    ("release", "SendTaskFailure", "InternalServerError"),
    ("confirm", "SendTaskSuccess", "ServiceUnavailable"),
    ("release", "SendTaskFailure", "ThrottlingException"),
]


@pytest.mark.parametrize(("decision", "action", "error"), SIGNAL_FAULTS if FULL else SIGNAL_FAULTS[:2])
def test_the_signal_fails_after_the_rest_decision(
    scenario: Scenario, decision: str, action: str, error: str
) -> None:
    rid = f"R-{scenario.product_id}"
    assert scenario.rest_hold(rid, hold_seconds=2).status == 201
    waiting_token(scenario.reservations, rid)
    scenario.faults.add(
        target="aws", service="stepfunctions", action=action, error=error, count=CLIENT_ATTEMPTS
    )
    if decision == "confirm":
        answer = http("POST", f"{scenario.api}/reservations/{rid}/confirm", None, CHECKOUT)
        assert answer.status == 200 and answer.body["status"] == "FULFILLED", answer.text
    else:
        answer = http("DELETE", f"{scenario.api}/reservations/{rid}", None, CHECKOUT)
        assert answer.status == 204, answer.text
    # Then the execution, never signalled, finds the decision when its timer fires
    assert scenario.ended(rid)["status"] == "SUCCEEDED"
    scenario.verify(f"{action} {error} after the {decision}")
    assert scenario.counts() == ((8, 0, 8) if decision == "confirm" else (10, 0, 10))


def test_send_task_success_after_the_timeout_and_twice(scenario: Scenario, unique_id: str) -> None:
    # Given one hold that times out and one confirmed twice with the same token
    late, twice = f"L-{unique_id}", f"D-{unique_id}"
    scenario.sdk_start(late, quantity=1, hold_seconds=1)
    late_token = waiting_token(scenario.reservations, late)
    scenario.sdk_start(twice, quantity=2, hold_seconds=30)
    token = waiting_token(scenario.reservations, twice)
    scenario.ended(late)
    with pytest.raises(scenario.sfn.exceptions.ClientError):
        scenario.sfn.send_task_success(taskToken=late_token, output="{}")
    scenario.sfn.send_task_success(taskToken=token, output="{}")
    try:
        scenario.sfn.send_task_success(taskToken=token, output="{}")
    except scenario.sfn.exceptions.ClientError:
        pass  # AWS refuses a second use; moto accepts it silently
    assert scenario.ended(twice)["status"] == "SUCCEEDED"
    scenario.verify("SendTaskSuccess after the timeout, and twice", expect_faults=False)
    assert record(scenario.reservations, late)["status"] == "EXPIRED"
    assert record(scenario.reservations, twice)["status"] == "FULFILLED"
    assert scenario.counts() == (8, 0, 8)


# -- the order queue and the stock stream -----------------------------------------------------------
def _order(order_id: str, product_id: str, quantity: int) -> str:
    return json.dumps(
        {
            "type": "ReserveInventory",
            "order_id": order_id,
            "customer_id": "C-1",
            "items": [{"sku": product_id, "quantity": quantity}],
            "timestamp": utc_now().isoformat(),
            "hold_seconds": 4,  # both orders are read while the first is still held
        }
    )


@pytest.mark.parametrize("mode", ["duplicate", "reverse"])
def test_an_order_message_duplicated_or_reordered(scenario: Scenario, unique_id: str, mode: str) -> None:
    assert scenario.stack.model is not None
    sqs = aws_client("sqs", scenario.stack.aws_url)
    url = scenario.stack.model.queues["OrderQueue"]
    orders = [f"O-{unique_id}-{n}" for n in (1, 2)]
    scenario.faults.add(target="lambda", function="OrderQueueFunction", mode=mode, match=f"O-{unique_id}")
    # Two orders for 6 of the 10 units each, sent in one batch: only one can be held
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(n), "MessageBody": _order(o, scenario.product_id, 6)} for n, o in enumerate(orders)
        ],
    )
    for order in orders:
        wait_for(lambda o=order: record(scenario.reservations, o), timeout=60, what=f"order {order}")
        scenario.ended(order)
        scenario.past_expiry(order)
    statuses = sorted(record(scenario.reservations, o)["status"] for o in orders)
    assert statuses == ["EXPIRED", "FAILED"], statuses
    scenario.verify(f"order message {mode}")
    assert scenario.counts() == (10, 0, 10)


def test_a_stream_batch_delivered_twice(scenario: Scenario) -> None:
    product = scenario.product_id
    # (stocking it announced BACK_IN_STOCK: that batch is delivered once)
    wait_for(
        lambda: [m for m in scenario.stack.feed.messages() if f'"product_id": "{product}"' in m["message"]],
        timeout=30,
        what="the back-in-stock alert",
    )
    scenario.faults.add(target="lambda", function="StockAlertsFunction", mode="duplicate", match=product)
    # When the record falls below its threshold (one transition) and its stream batch arrives twice
    answer = http(
        "PUT", f"{scenario.api}/inventory/{product}", {"threshold_level": 20, "expected_version": 2}, ADMIN
    )
    assert answer.status == 200, answer.text

    def alerts() -> list[dict[str, Any]]:
        return [
            m
            for m in scenario.stack.feed.messages()
            if f'"product_id": "{product}"' in m["message"] and '"event_type": "LOW_STOCK"' in m["message"]
        ]

    wait_for(alerts, timeout=30, what="the low-stock alert")
    wait_for(lambda: scenario.faults.fired() > 0, timeout=30, what="the second delivery")
    time.sleep(1)  # a second publish, if any, would follow the second delivery at once
    scenario.verify("stream batch delivered twice")
    assert len(alerts()) == 1, [m["message"] for m in alerts()]


# -- DynamoDB throttling and transaction conflicts at each write ------------------------------------
ERRORS = ("ThrottlingException", "ProvisionedThroughputExceededException", "TransactionConflict")


def _hold_write(s: Scenario, rid: str) -> None:
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="TransactWriteItems",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    s.until_ok(lambda: s.rest_hold(rid, hold_seconds=2), (200, 201))
    s.ended(rid)


def _decision_write(s: Scenario, rid: str, decision: str) -> None:
    assert s.rest_hold(rid, hold_seconds=30).status == 201
    waiting_token(s.reservations, rid)
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="TransactWriteItems",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    if decision == "confirm":
        s.until_ok(lambda: http("POST", f"{s.api}/reservations/{rid}/confirm", None, CHECKOUT), (200,))
    else:
        s.until_ok(lambda: http("DELETE", f"{s.api}/reservations/{rid}", None, CHECKOUT), (204,))
    assert s.ended(rid)["status"] == "SUCCEEDED"


def _extend_write(s: Scenario, rid: str) -> None:
    assert s.rest_hold(rid, hold_seconds=30).status == 201
    waiting_token(s.reservations, rid)
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="UpdateItem",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    s.until_ok(
        lambda: http("POST", f"{s.api}/reservations/{rid}/extend", {"hold_seconds": 60}, CHECKOUT), (200,)
    )
    assert http("DELETE", f"{s.api}/reservations/{rid}", None, CHECKOUT).status == 204
    s.ended(rid)


def _token_write(s: Scenario, rid: str) -> None:
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="UpdateItem",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    assert s.rest_hold(rid, hold_seconds=2).status == 201
    s.ended(rid)


def _expiry_write(s: Scenario, rid: str) -> None:
    assert s.rest_hold(rid, hold_seconds=1).status == 201
    waiting_token(s.reservations, rid)
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="TransactWriteItems",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    assert s.ended(rid)["status"] == "SUCCEEDED"


def _sale_write(s: Scenario, rid: str) -> None:
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="TransactWriteItems",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    body = {"order_id": rid, "items": [{"product_id": s.product_id, "quantity": 2}]}
    s.until_ok(lambda: http("POST", f"{s.api}/inventory/fulfill", body, CHECKOUT), (200, 201))


def _adjustment_write(s: Scenario, rid: str) -> None:
    s.faults.add(
        target="aws",
        service="dynamodb",
        action="TransactWriteItems",
        error=s.error,
        when=s.when,
        match=rid,
        count=s.count,
    )
    body = {"delta": 5, "reason": "shipment received", "reference": rid}
    s.until_ok(lambda: http("POST", f"{s.api}/inventory/{s.product_id}/adjustments", body, ADMIN), (200, 201))


WRITES = {
    "REST hold": _hold_write,
    "REST confirm": lambda s, rid: _decision_write(s, rid, "confirm"),
    "REST release": lambda s, rid: _decision_write(s, rid, "release"),
    "REST extend": _extend_write,
    "Hold step token": _token_write,
    "Release step expiry": _expiry_write,
    "sale without a hold": _sale_write,
    "admin adjustment": _adjustment_write,
}
# Throttling and conflicts refuse the write ("before": nothing was written, as DynamoDB answers them);
# a 500 may come after the write committed ("after": its answer is lost and the client retries a write
# that already happened). `make reliability`: every error at every write; `make test`: each write
# once, the errors taking turns, and two lost answers.
LOST = [(w, "InternalServerError", "after") for w in WRITES]
WRITE_FAULTS = (
    [(w, e, "before") for w in WRITES for e in ERRORS] + LOST
    if FULL
    else [(w, ERRORS[n % 3], "before") for n, w in enumerate(WRITES)] + LOST[:2]
)


@pytest.mark.parametrize(("write", "error", "when"), WRITE_FAULTS)
def test_dynamodb_refuses_a_write(scenario: Scenario, write: str, error: str, when: str) -> None:
    # "before": every attempt of the caller's client is refused; "after": the write commits and its
    # answer is lost once (the client retries a write that already happened)
    scenario.error, scenario.when, scenario.count = error, when, (CLIENT_ATTEMPTS if when == "before" else 1)
    rid = f"W-{scenario.product_id}"
    WRITES[write](scenario, rid)
    scenario.past_expiry(rid)
    scenario.verify(f"DynamoDB {error} {when} the {write} write")
    stock, reserved, available = scenario.counts()
    assert reserved == 0 and available == stock


# -- the local stack killed and restarted mid-hold --------------------------------------------------
def test_the_local_stack_killed_and_restarted_mid_hold(tmp_path: Any, unique_id: str) -> None:
    from tests.reliability.restart import killed_mid_hold

    killed_mid_hold(tmp_path, unique_id)
