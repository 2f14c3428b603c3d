"""A shop's checkout against the inventory service: which call at which moment (docs/integration.md).

REST for the storefront and checkout, boto3 for the AWS side (starting a reservation from the
order service with the SDK, reading the outcome events). Runs against a deployment or `make run`:

    python docs/examples/checkout_flow.py --api-url http://127.0.0.1:3000 \\
        --storefront-key local-storefront-key --checkout-key local-checkout-key \\
        --aws-endpoint http://127.0.0.1:4566 --state-machine-arn <ReservationStateMachineArn> \\
        --events-queue-url <OrderEventsQueueUrl> --sku SKU-MUG-CERAMIC
"""

from __future__ import annotations

import argparse
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import boto3

RETRIED = {429, 500, 502, 503, 504}  # safe to repeat: every write below carries its idempotency key


def call(
    api_url: str, key: str, method: str, path: str, body: Any = None, attempts: int = 5
) -> tuple[int, Any]:
    """One REST call with retries on throttling and transient errors (jittered backoff, Retry-After)."""
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(attempts):
        request = urllib.request.Request(
            f"{api_url}{path}",
            data=data,
            method=method,
            headers={"x-api-key": key, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw, status, retry_after = response.read(), response.status, None
        except urllib.error.HTTPError as error:
            raw, status, retry_after = error.read(), error.code, error.headers.get("Retry-After")
        if status not in RETRIED or attempt == attempts - 1:
            return status, json.loads(raw) if raw else None
        time.sleep(float(retry_after or 0) or min(2.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311
    raise AssertionError("unreachable")


def product_page(api_url: str, key: str, sku: str) -> dict[str, Any]:
    """Product page: show availability (or embed the widget, which makes this same call)."""
    status, view = call(api_url, key, "GET", f"/inventory/{sku}")
    assert status == 200, view
    return {"available": view["totals"]["available"], "status": view["totals"]["status"]}


def cart_changed(api_url: str, key: str, lines: list[dict[str, Any]]) -> bool:
    """Add to cart and every cart change: one batch check of the whole cart (holds nothing)."""
    items = [{"sku": line["product_id"], "quantity": line["quantity"]} for line in lines]
    status, answer = call(api_url, key, "POST", "/inventory/check", {"items": items})
    assert status == 200, answer
    return bool(answer["status"] == "AVAILABLE")


def checkout_started(api_url: str, key: str, cart_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Checkout start: hold every line for the payment (the cart id is the idempotency key)."""
    body = {"reservation_id": cart_id, "items": lines, "hold_seconds": 900}
    status, reservation = call(api_url, key, "POST", "/reservations", body)
    assert status in (200, 201), reservation  # 200: this cart was already held, the same hold
    return dict(reservation)


def payment_confirmed(api_url: str, key: str, cart_id: str) -> str:
    """Payment captured: sell the held units (a repeat answers 200 FULFILLED again)."""
    status, reservation = call(api_url, key, "POST", f"/reservations/{cart_id}/confirm")
    assert status == 200, reservation
    return str(reservation["status"])


def order_cancelled(api_url: str, key: str, cart_id: str) -> int:
    """Customer gave up before paying: give the units back (204, also when already released)."""
    status, _ = call(api_url, key, "DELETE", f"/reservations/{cart_id}?reason=cancelled")
    return status


def order_service_reserves(
    sfn: Any, state_machine_arn: str, order_id: str, lines: list[dict[str, Any]]
) -> str:
    """An order service holding stock with the AWS SDK: one execution named after the order."""
    payload = {
        "reservation_id": order_id,
        "items": lines,
        "hold_seconds": 900,
        "order_id": order_id,
        "source": "sdk",
    }
    # A retry with the same name and input joins the running execution (same ARN): nothing is held
    # twice. The same name with other input raises ExecutionAlreadyExists: a bug in the caller.
    started = sfn.start_execution(stateMachineArn=state_machine_arn, name=order_id, input=json.dumps(payload))
    return str(started["executionArn"])


def outcome_events(
    sqs: Any, queue_url: str, reservation_id: str, wanted: set[str], seconds: float = 30
) -> set[str]:
    """The events the order service consumes (OrderEventsQueue): dedupe on (event_type, reservation_id)."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while not wanted <= seen and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            event = json.loads(message["Body"])
            if event.get("reservation_id") == reservation_id:
                seen.add(event["event_type"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description="Walk one cart through checkout against the inventory API")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--storefront-key", required=True, help="public: product pages and carts")
    parser.add_argument("--checkout-key", required=True, help="the shop server's secret: holds and sales")
    parser.add_argument("--sku", default="SKU-MUG-CERAMIC")
    parser.add_argument("--aws-endpoint", default=None, help="only for the local stack")
    parser.add_argument("--state-machine-arn", required=True)
    parser.add_argument("--events-queue-url", required=True)
    args = parser.parse_args()
    aws = {"endpoint_url": args.aws_endpoint} if args.aws_endpoint else {}
    sfn, sqs = boto3.client("stepfunctions", **aws), boto3.client("sqs", **aws)
    lines = [{"product_id": args.sku, "quantity": 1}]
    shop, server = args.storefront_key, args.checkout_key  # the page's key, the backend's key
    report: dict[str, Any] = {"before": product_page(args.api_url, shop, args.sku)}
    report["cart_available"] = cart_changed(args.api_url, shop, lines)

    paid = f"cart-{uuid.uuid4().hex[:12]}"
    report["held"] = checkout_started(args.api_url, server, paid, lines)["status"]
    report["held_again"] = checkout_started(args.api_url, server, paid, lines)["status"]
    report["confirmed"] = payment_confirmed(args.api_url, server, paid)
    report["paid_events"] = sorted(outcome_events(sqs, args.events_queue_url, paid, {"InventoryCommitted"}))

    abandoned = f"cart-{uuid.uuid4().hex[:12]}"
    checkout_started(args.api_url, server, abandoned, lines)
    report["cancelled"] = order_cancelled(args.api_url, server, abandoned)

    order = f"order-{uuid.uuid4().hex[:12]}"
    first = order_service_reserves(sfn, args.state_machine_arn, order, lines)
    report["sdk_retry_joins"] = order_service_reserves(sfn, args.state_machine_arn, order, lines) == first
    report["sdk_events"] = sorted(outcome_events(sqs, args.events_queue_url, order, {"InventoryReserved"}))
    report["sdk_released"] = order_cancelled(args.api_url, server, order)
    report["after"] = product_page(args.api_url, shop, args.sku)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
