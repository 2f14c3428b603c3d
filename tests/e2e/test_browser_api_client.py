"""`frontend/js/api-client.js` run in a real browser against the local stack's REST API."""

from __future__ import annotations

from typing import Any

import pytest
from inventory.models import StockRecord, iso, utc_now
from inventory.store.stock_records import record_item
from playwright.sync_api import Page

from tests.e2e.conftest import template_declares
from tests.integration.api_helpers import stocked_product
from tests.support import ADMIN_KEY, STOREFRONT_KEY, free_port, http

pytestmark = pytest.mark.e2e

# Runs one ApiClient call in the page; returns {"ok": body} or {"error": {...ApiError fields}}.
CALL = """
async ([baseUrl, apiKey, method, args]) => {
  const { ApiClient } = await import("/js/api-client.js");
  const api = new ApiClient({ baseUrl, apiKey, timeoutMs: 10000 });
  try {
    return { ok: await api[method](...args) };
  } catch (e) {
    return { error: { name: e.name, status: e.status, code: e.code, message: e.message,
                      details: e.details, fields: e.fields, current: e.current } };
  }
}
"""


@pytest.fixture
def page(page: Page, api_url: str) -> Page:
    page.goto(f"{api_url}/")
    return page


def call(page: Page, base_url: str, key: str, method: str, *args: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(CALL, [base_url, key, method, list(args)])
    return result


def test_reads_a_product_like_the_api_returns_it(page: Page, api_url: str) -> None:
    # Given the same product read directly
    direct = http("GET", f"{api_url}/inventory/SKU-MUG-CERAMIC", headers={"x-api-key": STOREFRONT_KEY})
    # When the client reads it, with a base URL given with a trailing slash
    result = call(page, f"{api_url}/", STOREFRONT_KEY, "getInventory", "SKU-MUG-CERAMIC")
    # Then it returns the API's body
    assert result["ok"]["totals"] == direct.body["totals"]
    assert {w["warehouse_id"] for w in result["ok"]["warehouses"]} == {"main", "east"}


def test_reads_one_warehouse(page: Page, api_url: str) -> None:
    result = call(page, "", STOREFRONT_KEY, "getInventory", "SKU-MUG-CERAMIC", {"warehouseId": "east"})
    assert [w["warehouse_id"] for w in result["ok"]["warehouses"]] == ["east"]


def test_not_found_becomes_an_api_error_with_the_code(page: Page, unique_id: str) -> None:
    result = call(page, "", STOREFRONT_KEY, "getInventory", unique_id)
    error = result["error"]
    assert (error["name"], error["status"], error["code"]) == ("ApiError", 404, "PRODUCT_NOT_FOUND")
    assert error["message"]
    assert isinstance(error["details"], dict)


def test_validation_failure_names_the_field(page: Page) -> None:
    result = call(page, "", STOREFRONT_KEY, "getInventory", "SKU-MUG-CERAMIC", {"warehouseId": "no spaces!"})
    error = result["error"]
    assert (error["status"], error["code"]) == (400, "VALIDATION_FAILED")
    assert [f["field"] for f in error["fields"]] == ["warehouse_id"]


def test_missing_or_wrong_key_is_unauthorized(page: Page) -> None:
    for key in ("", "not-a-key"):
        error = call(page, "", key, "getInventory", "SKU-MUG-CERAMIC")["error"]
        assert (error["status"], error["code"]) == (401, "UNAUTHORIZED")


def test_empty_product_id_is_refused_before_any_request(page: Page) -> None:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    error = call(page, "", STOREFRONT_KEY, "getInventory", "  ")["error"]
    assert (error["status"], error["code"], error["message"]) == (
        0,
        "VALIDATION_FAILED",
        "product_id: is required",
    )
    assert not [url for url in sent if "/inventory" in url]


def test_unreachable_api_is_a_network_error(page: Page) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    error = call(page, closed, STOREFRONT_KEY, "getInventory", "SKU-MUG-CERAMIC")["error"]
    assert (error["status"], error["code"]) == (0, "NETWORK_ERROR")


@pytest.mark.skipif(
    not template_declares("PUT", "/inventory/{}"),
    reason="template.yaml declares no PUT /inventory/{productId} yet",
)
def test_update_sends_the_expected_version_and_exposes_the_current_record_on_conflict(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given a record at version 2
    record = StockRecord(
        product_id=unique_id,
        warehouse_id="main",
        stock_count=30,
        reserved_count=4,
        threshold_level=5,
        category="frontend-tests",
        last_updated=iso(utc_now()),
        version=2,
    )
    inventory_table.put_item(Item=record_item(record))
    # When the client updates it believing it is at version 1
    stale = {"warehouseId": "main", "stockCount": 10, "expectedVersion": 1}
    error = call(page, "", ADMIN_KEY, "updateInventory", unique_id, stale)["error"]
    # Then the conflict carries the record as it is now
    assert (error["status"], error["code"]) == (409, "VERSION_CONFLICT")
    assert (error["current"]["version"], error["current"]["stock_count"]) == (2, 30)
    # And an update from the current version succeeds
    fresh = {"warehouseId": "main", "stockCount": 10, "thresholdLevel": 3, "expectedVersion": 2}
    saved = call(page, "", ADMIN_KEY, "updateInventory", unique_id, fresh)["ok"]
    assert (saved["stock_count"], saved["threshold_level"], saved["available"], saved["version"]) == (
        10,
        3,
        6,
        3,
    )


def test_a_storefront_hold_is_released_with_its_secret_only(page: Page, api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=10)
    # Given a hold placed in the page with the public storefront key
    held = call(
        page, "", STOREFRONT_KEY, "reserve", unique_id, {"quantity": 2, "reservationId": f"B-{unique_id}"}
    )
    secret = held["ok"]["release_secret"]
    assert held["ok"]["public"] is True and secret
    # When it is released without its secret, Then the client throws the 400 naming the header
    refused = call(page, "", STOREFRONT_KEY, "release", unique_id, f"B-{unique_id}")["error"]
    assert refused["status"] == 400 and refused["code"] == "VALIDATION_FAILED"
    # And with it, the hold is read and released
    options = {"releaseSecret": secret}
    assert (
        call(page, "", STOREFRONT_KEY, "getReservation", f"B-{unique_id}", options)["ok"]["status"] == "HELD"
    )
    assert "error" not in call(page, "", STOREFRONT_KEY, "release", unique_id, f"B-{unique_id}", options)
    after = http("GET", f"{api_url}/inventory/{unique_id}", headers={"x-api-key": STOREFRONT_KEY}).body
    assert after["totals"]["reserved_count"] == 0
