"""No API key, key digest or release secret ever reaches a log: neither the functions' logs (every
line the session stack's functions write is captured to a file) nor the local stack's own."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from local_stack.stack import key_hash
from tests.reservation_support import given_stock
from tests.support import ADMIN_KEY, CHECKOUT_KEY, STOREFRONT_KEY, http, wait_for

REJECTED = "rejected an unknown API key"


def test_keys_and_release_secrets_never_appear_in_any_log(
    api_url: str, function_log: Path, inventory_table: Any, unique_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    given_stock(inventory_table, unique_id, 10)
    wrong = [f"wrong-key-{uuid.uuid4().hex}" for _ in range(3)]
    rejected_before = function_log.read_text(encoding="utf-8").count(REJECTED)

    # When every kind of caller makes requests that succeed, are refused and fail
    for key in (STOREFRONT_KEY, CHECKOUT_KEY, ADMIN_KEY):
        assert http("GET", f"{api_url}/inventory/{unique_id}", headers={"x-api-key": key}).status == 200
        http("POST", f"{api_url}/inventory/{unique_id}/adjustments", {"delta": "x"}, {"x-api-key": key})
    held = http(
        "POST",
        f"{api_url}/inventory/{unique_id}/reserve",
        {"quantity": 1, "reservationId": f"L-{unique_id}"},
        {"x-api-key": STOREFRONT_KEY},
    )
    secret = held.body["release_secret"]
    own = {"x-api-key": STOREFRONT_KEY, "X-Release-Secret": secret}
    assert http("GET", f"{api_url}/reservations/L-{unique_id}", headers=own).status == 200
    assert http("DELETE", f"{api_url}/reservations/L-{unique_id}", headers=own).status == 204
    for key in wrong:
        assert http("GET", f"{api_url}/inventory/{unique_id}", headers={"x-api-key": key}).status == 401

    # (the authorizer logs each refusal: once all three are in the file, the requests' logs are too)
    def logged() -> str | None:
        text = function_log.read_text(encoding="utf-8")
        return text if text.count(REJECTED) >= rejected_before + len(wrong) else None

    text = wait_for(logged, timeout=30, what="the authorizer's refusals in the function logs")
    # Then no key, digest or secret is in the functions' logs or the stack's own
    stack_logs = caplog.text
    for value in (STOREFRONT_KEY, CHECKOUT_KEY, ADMIN_KEY, *wrong, secret):
        for form in (value, key_hash(value)):
            assert form not in text, f"found in the function logs: {value[:12]}..."
            assert form not in stack_logs, f"found in the local stack's logs: {value[:12]}..."
