"""The demo shop in a real browser: product page -> cart -> checkout, each step holding, changing,
releasing or selling real stock in the local stack through the shop's own server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.integration.api_helpers import create_product
from tests.support import ADMIN_KEY, CHECKOUT_KEY, http

pytestmark = pytest.mark.e2e
ADMIN = {"x-api-key": ADMIN_KEY}
X = "\N{MULTIPLICATION SIGN}"


def stock_product(api_url: str, sku: str, stock: int, threshold: int = 2) -> None:
    create_product(api_url, sku, name=f"Demo {sku}")
    reply = http(
        "PUT",
        f"{api_url}/inventory/{sku}",
        {"stock_count": stock, "threshold_level": threshold, "expected_version": 1},
        ADMIN,
    )
    assert reply.status == 200, reply.text


def totals(api_url: str, sku: str) -> tuple[int, int, int]:
    t = http("GET", f"{api_url}/inventory/{sku}", headers=ADMIN).body["totals"]
    return t["stock_count"], t["reserved_count"], t["available"]


def open_holds(api_url: str, sku: str, state: str = "open") -> list[dict[str, Any]]:
    reply = http("GET", f"{api_url}/inventory/{sku}/reservations?state={state}", headers=ADMIN)
    assert reply.status == 200, reply.text
    return list(reply.body["items"])


def watch_requests(page: Page) -> list[Request]:
    seen: list[Request] = []
    page.on("request", lambda request: seen.append(request))
    return seen


def open_product(page: Page, shop_url: str, sku: str) -> None:
    page.goto(f"{shop_url}/product.html?product={sku}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#product-name")).to_have_text(f"Demo {sku}")


def test_hold_change_release_and_order_through_the_shop(
    page: Page, api_url: str, demo_shop: Any, unique_id: str, screenshot: Any
) -> None:
    # Given a product with 10 units and the shop running
    stock_product(api_url, unique_id, 10)
    shop = demo_shop(hold_seconds=300)
    sent = watch_requests(page)
    open_product(page, shop.url, unique_id)
    widget = page.locator("#stock-status")
    expect(widget).to_have_attribute("data-available", "10")
    # When the shopper adds 2 to the cart
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    # Then the units are held, with a countdown, and the stock line shows what is left
    expect(page.locator("#cart-message")).to_have_text(f"Added: 2 {X} Demo {unique_id} in your cart.")
    expect(page.locator("#hold-status")).to_have_text(re.compile(r"^2 items held for you for [45]:\d\d\.$"))
    expect(widget).to_have_attribute("data-available", "8")
    expect(page.locator("#cart-link")).to_have_text("Cart (2)")
    assert totals(api_url, unique_id) == (10, 2, 8)
    screenshot(page, "demo-shop-product")

    # When the quantity is changed to 3 in the cart
    page.get_by_role("link", name="Cart (2)").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    line = page.locator(f"#cart-lines tr[data-sku='{unique_id}']")
    line.get_by_label(f"Quantity of Demo {unique_id}").fill("3")
    line.get_by_role("button", name="Update").click()
    # Then one hold of 3 replaces the hold of 2 (placed first, then the old one released)
    expect(page.locator("#cart-message")).to_have_text(f"Now 3 {X} Demo {unique_id}.")
    expect(page.locator("#hold-status")).to_have_text(re.compile(r"^3 items held for you for [45]:\d\d\.$"))
    assert totals(api_url, unique_id) == (10, 3, 7)
    held = open_holds(api_url, unique_id)
    assert [(h["quantity"], h["source"]) for h in held] == [(3, "api")]
    screenshot(page, "demo-shop-cart")

    # When the line is removed, the hold is released
    line.get_by_role("button", name=f"Remove Demo {unique_id}").click()
    expect(page.locator("#cart-message")).to_have_text(f"Removed Demo {unique_id}.")
    expect(page.locator("#cart-lines")).to_be_hidden()
    assert totals(api_url, unique_id) == (10, 0, 10)
    assert open_holds(api_url, unique_id) == []
    assert {h["reason"] for h in open_holds(api_url, unique_id, "closed")} == {
        "cart changed",
        "removed from the cart",
    }

    # When the shopper adds 1 again and places the order at checkout
    open_product(page, shop.url, unique_id)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#hold-status")).to_contain_text("1 item held for you")
    page.get_by_role("link", name="View cart").click()
    page.get_by_role("link", name="Go to checkout").click()
    expect(page.locator("#summary")).to_have_text(f"1 {X} Demo {unique_id}")
    page.get_by_role("button", name="Place order").click()
    # Then the order is confirmed through the shop's server and on-hand stock goes down by 1
    expect(page.locator("#order-done")).to_be_visible()
    expect(page.locator("#done-heading")).to_have_text("Thank you: order placed")
    order_id = page.locator("#order-id").inner_text()
    assert order_id.startswith("order-")
    assert totals(api_url, unique_id) == (9, 0, 9)
    sold = open_holds(api_url, unique_id, "closed")[0]
    assert (sold["status"], sold["order_id"], sold["quantity"]) == ("FULFILLED", order_id, 1)
    expect(page.locator("#cart-link")).to_have_text("Cart")
    screenshot(page, "demo-shop-checkout-done")

    # And the browser only ever held the storefront key: the checkout key stayed on the shop's server
    assert sent, "no requests recorded"
    for request in sent:
        assert CHECKOUT_KEY not in str(request.headers) and CHECKOUT_KEY not in request.url
        assert CHECKOUT_KEY not in (request.post_data or "")
    assert all(r.headers.get("x-api-key") in (None, "local-storefront-key") for r in sent)


def test_an_expired_hold_puts_the_stock_back_on_the_page(
    page: Page, api_url: str, demo_shop: Any, unique_id: str
) -> None:
    # Given a shop that holds carts for 3 seconds
    stock_product(api_url, unique_id, 5)
    shop = demo_shop(hold_seconds=3)
    open_product(page, shop.url, unique_id)
    widget = page.locator("#stock-status")
    expect(widget).to_have_attribute("data-available", "5")
    # When the shopper adds 2 and lets the hold run out
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(widget).to_have_attribute("data-available", "3")
    # Then the page says so and the stock line shows the units on sale again
    expect(page.locator("#hold-status")).to_have_text(
        re.compile("expired and the stock went back on sale"), timeout=45_000
    )
    expect(widget).to_have_attribute("data-available", "5")
    expect(widget).to_have_attribute("data-state", "in-stock")
    assert totals(api_url, unique_id) == (5, 0, 5)
    assert [h["status"] for h in open_holds(api_url, unique_id, "closed")] == ["EXPIRED"]


def test_asking_for_more_than_is_left_says_how_many_are(
    page: Page, api_url: str, demo_shop: Any, unique_id: str
) -> None:
    stock_product(api_url, unique_id, 3)
    shop = demo_shop()
    open_product(page, shop.url, unique_id)
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#hold-status")).to_contain_text("2 items held")
    # When the shopper asks for 5 more than the 1 left besides their own hold
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    # Then the cart keeps its hold of 2 and the page says how many are left
    expect(page.locator("#cart-message")).to_have_text("Only 3 left: lower the quantity and try again.")
    expect(page.locator("#hold-status")).to_contain_text("2 items held")
    assert totals(api_url, unique_id) == (3, 2, 1)
    assert [h["quantity"] for h in open_holds(api_url, unique_id)] == [2]


def test_the_shop_refuses_bad_input_and_other_sites(api_url: str, demo_shop: Any, unique_id: str) -> None:
    stock_product(api_url, unique_id, 3)
    shop = demo_shop()
    bad = http("POST", f"{shop.url}/api/cart/lines", {"sku": unique_id, "quantity": 0})
    assert bad.status == 400 and bad.body["error"]["details"]["fields"][0]["field"] == "quantity"
    bad = http("POST", f"{shop.url}/api/cart/lines", {"sku": "not an id", "quantity": 1})
    assert bad.status == 400 and bad.body["error"]["details"]["fields"][0]["field"] == "sku"
    other = http(
        "POST",
        f"{shop.url}/api/cart/lines",
        {"sku": unique_id, "quantity": 1},
        {"Origin": "http://elsewhere.example"},
    )
    assert other.status == 403
    empty = http("POST", f"{shop.url}/api/checkout", {})
    assert empty.status == 409 and empty.body["error"]["code"] == "CART_EMPTY"
    assert totals(api_url, unique_id) == (3, 0, 3)
