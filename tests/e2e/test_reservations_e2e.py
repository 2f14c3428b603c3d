"""Reservations through `make run`'s server: REST over HTTP, and a checkout service using the AWS SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from inventory.domain.reservation_models import ReservationInput, execution_name

from tests.support import ADMIN_KEY, CHECKOUT_KEY, ROOT, StackProcess, aws_client, http, wait_for

pytestmark = pytest.mark.e2e
HEADERS = {"x-api-key": CHECKOUT_KEY}
SAMPLES = sorted((ROOT / "events" / "ReservationStateMachine").glob("*.json"))


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    with StackProcess(tmp_path_factory.mktemp("reservations") / "state.json") as proc:
        yield proc


def available(proc: StackProcess, product_id: str, warehouse_id: str) -> int:
    reply = http("GET", f"{proc.api_url}/inventory/{product_id}?warehouse_id={warehouse_id}", headers=HEADERS)
    assert reply.status == 200, reply.text
    return int(reply.body["totals"]["available"])


def test_rest_reserve_read_confirm(running: StackProcess) -> None:
    before = available(running, "SKU-MUG-CERAMIC", "main")
    body = {
        "reservation_id": "e2e-cart-1",
        "items": [{"product_id": "SKU-MUG-CERAMIC", "quantity": 2}],
        "hold_seconds": 60,
    }
    created = http("POST", f"{running.api_url}/reservations", body, HEADERS)
    assert created.status == 201, created.text
    assert available(running, "SKU-MUG-CERAMIC", "main") == before - 2
    shown = http("GET", f"{running.api_url}/reservations/e2e-cart-1", headers=HEADERS)
    assert shown.status == 200 and shown.body["status"] == "HELD"
    confirmed = http("POST", f"{running.api_url}/reservations/e2e-cart-1/confirm", headers=HEADERS)
    assert confirmed.status == 200 and confirmed.body["status"] == "FULFILLED"
    record = http(
        "GET", f"{running.api_url}/inventory/SKU-MUG-CERAMIC?warehouse_id=main", headers=HEADERS
    ).body
    assert record["totals"]["available"] == before - 2 and record["totals"]["reserved_count"] == 0


def test_rest_product_reserve_and_release(running: StackProcess) -> None:
    before = available(running, "SKU-CANDLE-SOY", "east")
    url = f"{running.api_url}/inventory/SKU-CANDLE-SOY/reserve"
    reply = http("POST", url, {"quantity": 1, "reservationId": "e2e-item-1", "warehouse_id": "east"}, HEADERS)
    assert reply.status == 201, reply.text
    assert available(running, "SKU-CANDLE-SOY", "east") == before - 1
    assert http("DELETE", f"{url}/e2e-item-1", headers=HEADERS).status == 204
    assert available(running, "SKU-CANDLE-SOY", "east") == before


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_a_checkout_service_starts_executions_with_the_sdk(running: StackProcess, sample: Path) -> None:
    # Given the documented input, and the state machine's ARN from the stack's outputs
    request = ReservationInput.model_validate_json(sample.read_text())
    sfn = aws_client("stepfunctions", running.aws_url)
    machine = http("GET", f"{running.api_url}/_local/stack").body["outputs"]["ReservationStateMachineArn"]
    line = request.items[0]
    before = available(running, line.product_id, line.warehouse_id)
    # When the checkout service starts the execution named after the reservation
    arn = sfn.start_execution(
        stateMachineArn=machine, name=execution_name(request.reservation_id), input=sample.read_text()
    )["executionArn"]
    # Then the reservation is held and visible over REST, and a release ends the execution
    held = wait_for(
        lambda: held_reservation(running, request.reservation_id),
        timeout=30,
        what="the reservation to be held",
    )
    assert held["execution_arn"] == arn
    assert available(running, line.product_id, line.warehouse_id) == before - line.quantity
    assert (
        http("DELETE", f"{running.api_url}/reservations/{request.reservation_id}", headers=HEADERS).status
        == 204
    )
    done = wait_for(lambda: finished(sfn, arn), timeout=30, what="the execution to finish")
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"])["outcome"]["status"] == "RELEASED"
    assert available(running, line.product_id, line.warehouse_id) == before


def held_reservation(proc: StackProcess, reservation_id: str) -> dict[str, Any] | None:
    reply = http("GET", f"{proc.api_url}/reservations/{reservation_id}", headers=HEADERS)
    return reply.body if reply.status == 200 and reply.body.get("status") == "HELD" else None


def finished(sfn: Any, arn: str) -> dict[str, Any] | None:
    description: dict[str, Any] = sfn.describe_execution(executionArn=arn)
    return description if description["status"] != "RUNNING" else None


def test_the_order_service_reserves_through_the_queue(running: StackProcess) -> None:
    outputs = http("GET", f"{running.api_url}/_local/stack").body["outputs"]
    sqs = aws_client("sqs", running.aws_url)
    before = available(running, "SKU-MUG-CERAMIC", "east")
    message = {
        "type": "ReserveInventory",
        "order_id": "e2e-order-1",
        "customer_id": "customer-1",
        "items": [{"sku": "SKU-MUG-CERAMIC", "quantity": 1, "warehouse_id": "east"}],
        "timestamp": "2026-11-22T05:00:00Z",
    }
    sqs.send_message(QueueUrl=outputs["OrderQueueUrl"], MessageBody=json.dumps(message))
    events: list[dict[str, Any]] = []

    def reserved() -> bool:
        reply = sqs.receive_message(
            QueueUrl=outputs["OrderEventsQueueUrl"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for received in reply.get("Messages", []):
            events.append(json.loads(received["Body"]))
            sqs.delete_message(
                QueueUrl=outputs["OrderEventsQueueUrl"], ReceiptHandle=received["ReceiptHandle"]
            )
        return any(e["event_type"] == "InventoryReserved" and e["order_id"] == "e2e-order-1" for e in events)

    wait_for(reserved, timeout=30, what="InventoryReserved on the order events queue")
    assert available(running, "SKU-MUG-CERAMIC", "east") == before - 1
    confirmed = http("POST", f"{running.api_url}/reservations/e2e-order-1/confirm", headers=HEADERS)
    assert confirmed.status == 200 and confirmed.body["status"] == "FULFILLED"
    wait_for(lambda: reserved() and any(e["event_type"] == "InventoryCommitted" for e in events), 30)


def test_afterwards_reconciliation_finds_no_drift(running: StackProcess) -> None:
    report = http("GET", f"{running.api_url}/admin/reconciliation", headers={"x-api-key": ADMIN_KEY})
    assert report.status == 200, report.text
    assert report.body["records_checked"] > 0 and report.body["drift"] == []
