"""The integration guide's samples (docs/examples/) run against the local stack as written."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.support import CHECKOUT_KEY, ROOT, STOREFRONT_KEY, http

pytestmark = pytest.mark.e2e
EXAMPLES = ROOT / "docs" / "examples"


def _available(api_url: str, sku: str) -> int:
    return int(
        http("GET", f"{api_url}/inventory/{sku}", headers={"x-api-key": STOREFRONT_KEY}).body["totals"][
            "available"
        ]
    )


def test_the_boto3_and_rest_sample_walks_a_cart_through_checkout(
    stack: LocalStack, unique_id: str, aws: Any
) -> None:
    # Given a product with stock
    sku = f"{unique_id}-PY"
    admin = {"x-api-key": "local-admin-key"}
    assert (
        http(
            "POST", f"{stack.api_url}/products", {"sku": sku, "name": "Sample", "category": "guide"}, admin
        ).status
        == 201
    )
    assert (
        http(
            "PUT", f"{stack.api_url}/inventory/{sku}", {"stock_count": 10, "expected_version": 1}, admin
        ).status
        == 200
    )
    outputs = stack.model.outputs if stack.model else {}
    # When the guide's command runs
    command = [
        sys.executable, str(EXAMPLES / "checkout_flow.py"),
        "--api-url", stack.api_url, "--storefront-key", STOREFRONT_KEY, "--checkout-key", CHECKOUT_KEY,
        "--aws-endpoint", stack.aws_url, "--state-machine-arn", outputs["ReservationStateMachineArn"],
        "--events-queue-url", outputs["OrderEventsQueueUrl"], "--sku", sku,
    ]  # fmt: skip
    credentials = {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**credentials, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # Then every moment of the checkout answered as the guide says
    assert report["before"]["available"] == 10 and report["cart_available"] is True
    assert (report["held"], report["held_again"], report["confirmed"]) == ("HELD", "HELD", "FULFILLED")
    # InventoryReserved too, unless the confirm came before the execution reached its Hold step
    assert "InventoryCommitted" in report["paid_events"]
    assert set(report["paid_events"]) <= {"InventoryReserved", "InventoryCommitted"}
    assert report["cancelled"] == 204
    assert report["sdk_retry_joins"] is True and report["sdk_events"] == ["InventoryReserved"]
    assert report["sdk_released"] == 204
    assert report["after"]["available"] == 9 == _available(stack.api_url, sku)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_javascript_sample_walks_a_cart_through_checkout(stack: LocalStack, unique_id: str) -> None:
    sku = f"{unique_id}-JS"
    admin = {"x-api-key": "local-admin-key"}
    assert (
        http(
            "POST", f"{stack.api_url}/products", {"sku": sku, "name": "Sample", "category": "guide"}, admin
        ).status
        == 201
    )
    assert (
        http(
            "PUT", f"{stack.api_url}/inventory/{sku}", {"stock_count": 5, "expected_version": 1}, admin
        ).status
        == 200
    )
    done = subprocess.run(
        ["node", str(EXAMPLES / "checkout-flow.mjs"), stack.api_url, STOREFRONT_KEY, CHECKOUT_KEY, sku],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == {
        "before": 5, "cart": "AVAILABLE", "held": "HELD", "heldAgain": "HELD", "confirmed": "FULFILLED",
        "released": "RELEASED", "after": 4,
    }  # fmt: skip
