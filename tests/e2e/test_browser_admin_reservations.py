"""The admin panel's reservations in a real browser: what is holding a product's stock, one hold's
timeline, release with a reason (the shopper's page then shows the stock back), and the list's
sorting, filters in the address, keyboard use and narrow-screen layout."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser_admin_panel import open_panel, put_record, show_product
from tests.e2e.test_browser_demo_shop import X, open_product, stock_product, totals
from tests.support import ADMIN_KEY, http

pytestmark = pytest.mark.e2e


def hold_in_shop(page: Page, shop_url: str, sku: str, quantity: int) -> None:
    open_product(page, shop_url, sku)
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#hold-status")).to_contain_text(f"{quantity} item")


def test_admin_sees_the_shoppers_hold_its_timeline_and_releases_it(
    browser: Browser, page: Page, api_url: str, demo_shop: Any, unique_id: str, screenshot: Any
) -> None:
    # Given a shopper holding 2 units through the demo shop, in their own browser
    stock_product(api_url, unique_id, 6, threshold=5)
    shop = demo_shop(hold_seconds=600)
    shopper = browser.new_context().new_page()
    hold_in_shop(shopper, shop.url, unique_id, 2)
    expect(shopper.locator("#stock-status")).to_have_attribute("data-available", "4")
    # When the admin looks at the product
    open_panel(page, api_url)
    show_product(page, unique_id)
    # Then the open hold is listed with its units, countdown, source and order id
    holds = page.locator("#open-holds tbody tr")
    expect(holds).to_have_count(1)
    hold = holds.first
    expect(hold.locator("[data-field='quantity']")).to_have_text("2")
    expect(hold.locator("[data-field='expires']")).to_have_text(re.compile(r"^expires in (10:00|9:\d\d)$"))
    expect(hold.locator("[data-field='source']")).to_have_text("REST")
    expect(hold.locator("[data-field='order']")).to_have_text(re.compile(r"^order-[0-9a-f]+$"))
    expect(page.locator("#reservations-summary")).to_have_text(
        re.compile(r"^2 units held by 1 open hold \(REST 2\); the next expires in \d+:\d\d\.$")
    )
    # And the countdown ticks
    first = hold.locator("[data-field='expires']").inner_text()
    expect(hold.locator("[data-field='expires']")).not_to_have_text(first, timeout=5_000)
    # When the admin opens its timeline
    hold.get_by_role("button", name=re.compile("^Timeline of cart-")).click()
    detail = page.locator("#reservation-detail")
    expect(detail).to_be_visible()
    expect(detail).to_be_focused()
    expect(page.locator("#detail-timeline li[data-event='HELD']")).to_have_count(1)
    expect(page.locator("#detail-summary")).to_contain_text(f"HELD · 2 {X} {unique_id}@main")
    expect(page.locator("#closed-holds tbody")).to_contain_text("No closed holds yet.")
    expect(page.locator("#alert-feed")).not_to_contain_text("Enter the admin key")
    screenshot(page, "admin-reservations")
    # Releasing needs a reason, which the panel asks for before sending anything
    page.get_by_role("button", name="Release hold").click()
    expect(page.get_by_label("Why release this hold")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#release-reason-error")).to_contain_text("Reason is required")
    assert totals(api_url, unique_id) == (6, 2, 4)
    # When the admin releases it with a reason
    page.get_by_label("Why release this hold").fill("stuck cart")
    page.get_by_role("button", name="Release hold").click()
    # Then it leaves the open holds, the closed list says why, and the stock table shows the units back
    expect(page.locator("#reservations-message")).to_contain_text("Released cart-")
    expect(holds).to_have_count(0)
    expect(page.locator("#reservations-summary")).to_have_text(
        "No open holds: nothing is holding this stock."
    )
    closed = page.locator("#closed-holds tbody tr[data-status='RELEASED']")
    expect(closed.locator("[data-field='reason']")).to_have_text("stuck cart")
    expect(
        page.locator("#warehouse-table tbody tr[data-warehouse='main'] td[data-field='available']")
    ).to_have_text("6")
    assert totals(api_url, unique_id) == (6, 0, 6)
    # And the shopper's page shows the stock back when they return to the tab
    shopper.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(shopper.locator("#stock-status")).to_have_attribute("data-available", "6")
    expect(shopper.locator("#hold-status")).to_have_text(re.compile(r"was released \(stuck cart\)"))
    shopper.context.close()


def test_what_is_holding_a_low_product_from_the_sorted_list(
    page: Page, api_url: str, demo_shop: Any, unique_id: str, inventory_table: Any
) -> None:
    # Given a category with a product made low by a shopper's hold, and two others
    category = f"cat-{unique_id.lower()}"
    put_record(inventory_table, f"{unique_id}-A", stock=50, threshold=5, category=category)
    put_record(inventory_table, f"{unique_id}-C", stock=0, threshold=5, category=category)
    stock_product(api_url, f"{unique_id}-B", 6, threshold=4)
    changed = http(
        "PUT",
        f"{api_url}/inventory/{unique_id}-B",
        {"category": category, "expected_version": 2},
        {"x-api-key": ADMIN_KEY},
    )
    assert changed.status == 200, changed.text
    shop = demo_shop()
    shopper = page.context.new_page()
    hold_in_shop(shopper, shop.url, f"{unique_id}-B", 3)
    # When the admin lists the category and sorts it by status, then by available
    open_panel(page, api_url)
    page.get_by_label("Category").fill(category)
    page.get_by_role("button", name="List stock").click()
    rows = page.locator("#browse-table tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Status").click()
    expect(page.locator("#browse-table th[data-sort-key='status']")).to_have_attribute(
        "aria-sort", "ascending"
    )
    products = [f"{unique_id}-C", f"{unique_id}-B", f"{unique_id}-A"]
    assert [rows.nth(i).get_attribute("data-product") for i in range(3)] == products
    page.get_by_role("button", name="Available").click()
    page.get_by_role("button", name="Available").click()
    expect(page.locator("#browse-table th[data-sort-key='available']")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert [rows.nth(i).get_attribute("data-product") for i in range(3)] == list(reversed(products))
    # Then the filters and the sort are in the address, and a reload shows the same list
    assert f"category={category}" in page.url and "sort=-available" in page.url
    page.reload()
    expect(rows).to_have_count(3)
    expect(page.get_by_label("Category")).to_have_value(category)
    assert [rows.nth(i).get_attribute("data-product") for i in range(3)] == list(reversed(products))
    # When the admin asks what is holding the low product
    low = page.locator(f"#browse-table tbody tr[data-product='{unique_id}-B']")
    low.get_by_role("button", name="What is holding it?").click()
    # Then its holds are shown and focused: 3 units held over REST by the shopper's cart
    expect(page.locator("#view-product-id")).to_have_text(f"{unique_id}-B")
    expect(page.locator("#reservations-summary")).to_contain_text("3 units held by 1 open hold (REST 3)")
    expect(page.locator("#reservations-heading")).to_be_focused()
    assert f"product={unique_id}-B" in page.url


def test_keyboard_only_timeline_and_escape(page: Page, api_url: str, demo_shop: Any, unique_id: str) -> None:
    stock_product(api_url, unique_id, 4)
    shop = demo_shop()
    shopper = page.context.new_page()
    hold_in_shop(shopper, shop.url, unique_id, 1)
    open_panel(page, api_url)
    show_product(page, unique_id)
    button = page.locator("#open-holds tbody tr").first.get_by_role("button")
    # A hold's timeline opens from the keyboard and Escape closes it, giving focus back
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#reservation-detail")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#reservation-detail")).to_be_hidden()
    expect(button).to_be_focused()
    # And the focused control is visibly outlined
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline != "none"


def test_errors_say_what_to_do(page: Page, api_url: str, unique_id: str) -> None:
    # A checkout key may act on reservations but not list a product's holds: the panel says why
    open_panel(page, api_url, key="local-checkout-key")
    show_product(page, "SKU-MUG-CERAMIC")
    expect(page.locator("#product-message")).to_be_hidden()
    expect(page.locator("#reservations-message")).to_have_text(
        "This key may not do that (403): it needs the admin scope. Enter an admin key above."
    )


def test_narrow_screen_has_no_sideways_scrolling(browser: Browser, api_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    phone = context.new_page()
    open_panel(phone, api_url)
    show_product(phone, "SKU-MUG-CERAMIC")
    expect(phone.locator("#view-product-id")).to_have_text("SKU-MUG-CERAMIC")
    expect(phone.locator("#reservations-summary")).not_to_be_empty()
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px screen"
    # Wide tables scroll inside their card instead
    assert phone.locator("#open-holds").evaluate("t => t.closest('.table-wrap') !== null")
    context.close()
