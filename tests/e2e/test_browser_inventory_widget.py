"""The product page's stock widget (feature 4.1) in a real browser against the local stack.

Chromium comes from the system (`make browser` installs it); the pages are served by the local
stack from `frontend/`, the same origin as the API.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from inventory.models import StockRecord, iso, utc_now
from inventory.store.stock_records import record_item
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import template_declares
from tests.support import ADMIN_KEY, http

pytestmark = pytest.mark.e2e


def put_record(
    table: Any, product_id: str, *, stock: int, reserved: int = 0, threshold: int = 5, warehouse: str = "main"
) -> StockRecord:
    """Writes a stock record as every writer must: `available` stored and consistent."""
    record = StockRecord(
        product_id=product_id,
        warehouse_id=warehouse,
        stock_count=stock,
        reserved_count=reserved,
        threshold_level=threshold,
        category="frontend-tests",
        last_updated=iso(utc_now()),
        version=1,
    )
    table.put_item(Item=record_item(record))
    return record


LOW_3 = "Low stock (Only 3 left!)"


def open_product(page: Page, api_url: str, product_id: str) -> None:
    page.goto(f"{api_url}/product.html?product={product_id}")


@pytest.mark.parametrize(
    ("warehouses", "text", "state", "can_buy"),
    [
        pytest.param([(40, 0, 5)], "In stock", "in-stock", True, id="in-stock"),
        pytest.param([(10, 7, 5)], LOW_3, "low-stock", True, id="low-stock-counts-reserved"),
        pytest.param([(4, 4, 5), (0, 0, 5)], "Out of stock", "out-of-stock", False, id="out-all-held"),
        pytest.param([(2, 0, 5), (1, 0, 5)], LOW_3, "low-stock", True, id="low-summed-over-warehouses"),
    ],
)
def test_widget_shows_the_stock_status_and_gates_add_to_cart(
    page: Page,
    api_url: str,
    inventory_table: Any,
    unique_id: str,
    warehouses: list[tuple[int, int, int]],
    text: str,
    state: str,
    can_buy: bool,
) -> None:
    # Given a product whose stock records give exactly this status
    for index, (stock, reserved, threshold) in enumerate(warehouses):
        put_record(
            inventory_table,
            unique_id,
            stock=stock,
            reserved=reserved,
            threshold=threshold,
            warehouse=f"w{index}",
        )
    # When a shopper opens its page
    open_product(page, api_url, unique_id)
    # Then the widget shows the status from the API's totals, and Add to cart follows it
    widget = page.locator("#stock-status")
    expect(widget).to_have_attribute("data-state", state)
    expect(widget).to_have_text(text)
    expect(widget).to_have_attribute("role", "status")
    button = page.get_by_role("button", name="Add to cart")
    if can_buy:
        expect(button).to_be_enabled()
    else:
        expect(button).to_be_disabled()


def test_demo_product_is_in_stock_and_can_be_added_to_cart(page: Page, api_url: str) -> None:
    open_product(page, api_url, "SKU-MUG-CERAMIC")
    expect(page.locator("#stock-status")).to_have_text("In stock")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^mug ceramic$", re.IGNORECASE))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-message")).to_contain_text("Added 1")


def test_unknown_product_is_unavailable_and_cannot_be_bought(
    page: Page, api_url: str, unique_id: str
) -> None:
    open_product(page, api_url, f"{unique_id}-NOT-STOCKED")
    expect(page.locator("#stock-status")).to_have_text("Stock status unavailable")
    expect(page.locator("#stock-status")).to_have_attribute("data-error", "PRODUCT_NOT_FOUND")
    expect(page.get_by_role("button", name="Add to cart")).to_be_disabled()


def test_page_without_product_is_unavailable(page: Page, api_url: str) -> None:
    page.goto(f"{api_url}/product.html")
    expect(page.locator("#stock-status")).to_have_text("Stock status unavailable")
    expect(page.get_by_role("heading", level=1)).to_have_text("No product chosen")
    expect(page.get_by_role("button", name="Add to cart")).to_be_disabled()


def test_api_failure_shows_unavailable_and_disables_add_to_cart(page: Page, api_url: str) -> None:
    # Given the inventory API cannot be reached from the shopper's browser
    page.route("**/inventory/**", lambda route: route.abort("connectionrefused"))
    # When the product page loads
    open_product(page, api_url, "SKU-MUG-CERAMIC")
    # Then it says so instead of guessing, and the product cannot be put in the cart
    expect(page.locator("#stock-status")).to_have_text("Stock status unavailable")
    expect(page.locator("#stock-status")).to_have_attribute("data-error", "NETWORK_ERROR")
    expect(page.get_by_role("button", name="Add to cart")).to_be_disabled()


def test_loading_indicator_shows_until_the_answer_arrives(page: Page, api_url: str) -> None:
    # Given the stock request is held on its way to the API
    held: list[Route] = []
    page.route("**/inventory/**", lambda route: held.append(route))
    open_product(page, api_url, "SKU-MUG-CERAMIC")
    widget = page.locator("#stock-status")
    # Then the page shows that it is checking, busy for assistive technology, and Add to cart waits
    expect(widget).to_have_attribute("data-state", "loading")
    expect(widget).to_have_text("Checking stock…")
    expect(widget).to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("button", name="Add to cart")).to_be_disabled()
    # When the request goes through
    deadline = time.monotonic() + 15
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # lets Playwright deliver the request to the route handler
    assert held, "the widget did not ask the API"
    held[0].continue_()
    # Then the answer replaces the indicator
    expect(widget).to_have_text("In stock")
    expect(widget).to_have_attribute("aria-busy", "false")
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()


def test_widget_sends_the_storefront_key_from_its_data_attribute(page: Page, api_url: str) -> None:
    with page.expect_request("**/inventory/SKU-MUG-CERAMIC") as caught:
        open_product(page, api_url, "SKU-MUG-CERAMIC")
    assert caught.value.headers.get("x-api-key") == "local-storefront-key"
    assert "local-storefront-key" not in caught.value.url


@pytest.mark.skipif(
    not (template_declares("POST", "/products") and template_declares("GET", "/products/{}")),
    reason="template.yaml declares no POST /products and GET /products/{sku} yet",
)
def test_product_page_shows_the_catalogue_name(page: Page, api_url: str, unique_id: str) -> None:
    # Given a product in the catalogue
    product = {
        "sku": unique_id,
        "name": "Enamel camping mug",
        "description": "Holds 350 ml.",
        "category": "home",
    }
    created = http("POST", f"{api_url}/products", product, headers={"x-api-key": ADMIN_KEY})
    assert created.status == 201, created.text
    # When its page opens
    open_product(page, api_url, unique_id)
    # Then it shows the catalogue's name and description instead of the SKU
    expect(page.get_by_role("heading", level=1)).to_have_text("Enamel camping mug")
    expect(page.locator("#product-description")).to_have_text("Holds 350 ml.")
