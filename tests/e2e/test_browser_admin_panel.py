"""The admin panel (FR-7) in a real browser against the local stack.

Flows whose REST routes are not in template.yaml yet are skipped until the template declares them,
so they run as soon as the routes land.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from inventory.models import StockRecord, iso, utc_now
from inventory.store.stock_records import record_item
from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import needs
from tests.support import ADMIN_KEY, STOREFRONT_KEY, http

pytestmark = pytest.mark.e2e


def put_record(
    table: Any,
    product_id: str,
    *,
    stock: int,
    reserved: int = 0,
    threshold: int = 5,
    warehouse: str = "main",
    category: str = "frontend-tests",
    version: int = 1,
) -> StockRecord:
    """Writes a stock record as every writer must: `available` stored and consistent."""
    record = StockRecord(
        product_id=product_id,
        warehouse_id=warehouse,
        stock_count=stock,
        reserved_count=reserved,
        threshold_level=threshold,
        category=category,
        last_updated=iso(utc_now()),
        version=version,
    )
    table.put_item(Item=record_item(record))
    return record


def stored(table: Any, product_id: str, warehouse: str = "main") -> dict[str, Any]:
    item: dict[str, Any] = table.get_item(
        Key={"product_id": product_id, "warehouse_id": warehouse}, ConsistentRead=True
    )["Item"]
    return item


def open_panel(page: Page, api_url: str, key: str | None = ADMIN_KEY) -> None:
    page.goto(f"{api_url}/admin-panel.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    if key is not None:
        page.get_by_label("Admin API key").fill(key)
        page.get_by_role("button", name="Use key").click()
        expect(page.locator("#key-status")).to_contain_text("A key is set")


def show_product(page: Page, product_id: str) -> None:
    page.get_by_label("Product id").fill(product_id)
    page.get_by_role("button", name="Show stock").click()


def row(page: Page, warehouse: str) -> Any:
    return page.locator(f"#warehouse-table tbody tr[data-warehouse='{warehouse}']")


def cell(page: Page, warehouse: str, field: str) -> Any:
    return row(page, warehouse).locator(f"td[data-field='{field}']")


def writes(page: Page) -> list[Request]:
    """Every PUT/POST/DELETE the page sends from now on."""
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method in ("PUT", "POST", "DELETE") else None)
    return sent


# -- runs today: GET /inventory/{productId} ----------------------------------------------------
def test_admin_finds_a_product_and_sees_each_warehouse(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given a product stocked in two warehouses, one partly held
    put_record(inventory_table, unique_id, stock=12, reserved=2, threshold=5, warehouse="main")
    put_record(inventory_table, unique_id, stock=0, threshold=3, warehouse="east")
    # When the admin enters the key and searches for it
    open_panel(page, api_url)
    show_product(page, unique_id)
    # Then each warehouse is listed with its counts, and the totals add up
    expect(page.locator("#view-product-id")).to_have_text(unique_id)
    expect(page.locator("#warehouse-table tbody tr")).to_have_count(2)
    expect(cell(page, "main", "stock_count")).to_have_text("12")
    expect(cell(page, "main", "reserved_count")).to_have_text("2")
    expect(cell(page, "main", "available")).to_have_text("10")
    expect(cell(page, "main", "version")).to_have_text("1")
    expect(row(page, "main")).to_contain_text("In stock")
    expect(row(page, "east")).to_contain_text("Out of stock")
    expect(page.locator("#view-totals")).to_contain_text(
        "12 on hand, 2 reserved, 10 available in 2 warehouses"
    )
    # And the edit form starts from the chosen warehouse's values and version
    page.locator("#edit-warehouse").select_option("main")
    expect(page.get_by_label("Stock count (on hand)")).to_have_value("12")
    expect(page.get_by_label("Low-stock threshold")).to_have_value("5")
    expect(page.locator("#edit-version")).to_have_text("1")


def test_demo_product_shows_both_demo_warehouses(page: Page, api_url: str) -> None:
    open_panel(page, api_url)
    show_product(page, "SKU-MUG-CERAMIC")
    expect(page.locator("#warehouse-table tbody tr")).to_have_count(2)
    expect(row(page, "main")).to_be_visible()
    expect(row(page, "east")).to_be_visible()


def test_admin_key_stays_out_of_the_url_and_lasts_for_the_tab_only(page: Page, api_url: str) -> None:
    # Given the admin enters the key
    open_panel(page, api_url)
    # Then it is in this tab's session storage, not in the address or the field
    assert ADMIN_KEY not in page.url
    assert page.evaluate("() => sessionStorage.getItem('inventory.adminKey')") == ADMIN_KEY
    expect(page.get_by_label("Admin API key")).to_have_value("")
    # And requests carry it as a header only
    with page.expect_request("**/inventory/SKU-MUG-CERAMIC") as caught:
        show_product(page, "SKU-MUG-CERAMIC")
    assert caught.value.headers.get("x-api-key") == ADMIN_KEY
    assert ADMIN_KEY not in caught.value.url
    # And it survives a reload of the tab, until the admin forgets it
    page.reload()
    expect(page.locator("#key-status")).to_contain_text("A key is set")
    page.get_by_role("button", name="Forget key").click()
    expect(page.locator("#key-status")).to_contain_text("No key set")
    assert page.evaluate("() => sessionStorage.getItem('inventory.adminKey')") is None
    expect(page.locator("#alert-feed")).to_contain_text("Enter the admin key to see alerts.")


def test_search_errors_name_the_problem(page: Page, api_url: str, unique_id: str) -> None:
    # Without a key the panel asks for one instead of calling the API
    open_panel(page, api_url, key=None)
    show_product(page, "SKU-MUG-CERAMIC")
    expect(page.locator("#product-message")).to_have_text("Enter the admin key first (top of the page).")
    # A malformed id is refused next to the field
    page.get_by_label("Admin API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Use key").click()
    show_product(page, "not an id!")
    expect(page.get_by_label("Product id")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#search-product-error")).to_contain_text("Product id may use letters, digits")
    # An unknown product says which one was not found
    show_product(page, f"{unique_id}-MISSING")
    expect(page.locator("#product-message")).to_have_text(
        f'No stock records for product "{unique_id}-MISSING".'
    )
    expect(page.get_by_label("Product id")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#product-view")).to_be_hidden()


def test_rejected_key_is_reported(page: Page, api_url: str) -> None:
    open_panel(page, api_url, key="not-a-real-key")
    show_product(page, "SKU-MUG-CERAMIC")
    expect(page.locator("#product-message")).to_have_text(
        "The admin key was not accepted (401). Enter it again above."
    )


def test_edit_form_checks_the_numbers_before_sending(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    put_record(inventory_table, unique_id, stock=12, reserved=2, threshold=5)
    open_panel(page, api_url)
    show_product(page, unique_id)
    expect(cell(page, "main", "stock_count")).to_have_text("12")
    sent = writes(page)
    stock, threshold = page.get_by_label("Stock count (on hand)"), page.get_by_label("Low-stock threshold")
    save = page.get_by_role("button", name="Save")

    stock.fill("-1")
    save.click()
    expect(page.locator("#edit-stock-count-error")).to_have_text("Stock count must be 0 or more.")
    expect(stock).to_have_attribute("aria-invalid", "true")

    stock.fill("1")
    save.click()
    expect(page.locator("#edit-stock-count-error")).to_contain_text("Stock count must be at least 2")

    stock.fill("8")
    threshold.fill("2.5")
    save.click()
    expect(page.locator("#edit-threshold-error")).to_have_text("Low-stock threshold must be a whole number.")
    expect(stock).not_to_have_attribute("aria-invalid", "true")
    assert sent == []
    assert stored(inventory_table, unique_id)["stock_count"] == 12


def test_adjustment_form_checks_its_fields_before_sending(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    put_record(inventory_table, unique_id, stock=12)
    open_panel(page, api_url)
    show_product(page, unique_id)
    expect(cell(page, "main", "stock_count")).to_have_text("12")
    sent = writes(page)
    page.get_by_label("Change in units").fill("0")
    page.get_by_role("button", name="Apply adjustment").click()
    expect(page.locator("#adjust-delta-error")).to_have_text("Change must not be 0.")
    expect(page.locator("#adjust-reason-error")).to_contain_text("Reason is required")
    expect(page.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    assert sent == []


def test_alert_feed_falls_back_to_the_local_sns_feed(
    page: Page, api_url: str, aws: Any, inventory_table: Any, unique_id: str
) -> None:
    # Given a stage without GET /alerts (as before that route is deployed)
    page.route(
        re.compile(r"/alerts(\?|$)"),
        lambda route: route.fulfill(
            status=404,
            content_type="application/json",
            body=json.dumps({"error": {"code": "NOT_FOUND", "message": "no such resource", "details": {}}}),
        ),
    )
    # And a low-stock alert published on SNS
    sns = aws("sns")
    topic = sns.create_topic(Name="frontend-test-alerts")["TopicArn"]
    alert = {
        "alert_id": f"alert-{unique_id}",
        "event_type": "LOW_STOCK",
        "product_id": unique_id,
        "warehouse_id": "main",
        "stock_count": 3,
        "reserved_count": 0,
        "available": 3,
        "threshold_level": 5,
        "previous_status": "IN_STOCK",
        "new_status": "LOW_STOCK",
        "at": iso(utc_now()),
    }
    sns.publish(TopicArn=topic, Subject=f"Low stock: {unique_id}", Message=json.dumps(alert))
    # When the admin opens the panel
    open_panel(page, api_url)
    # Then the feed shows the alert from the local SNS record
    feed = page.locator("#alert-feed")
    expect(feed).to_have_attribute("data-source", "local-sns")
    item = feed.locator(f"li[data-alert-id='alert-{unique_id}']")
    expect(item).to_contain_text(f"{unique_id} @ main")
    expect(item).to_contain_text("Low stock")
    expect(item).to_contain_text("available 3")
    expect(item).to_contain_text("IN_STOCK → LOW_STOCK")
    # And picking the alert's product shows its stock
    put_record(inventory_table, unique_id, stock=3, threshold=5)
    item.get_by_role("button", name=f"{unique_id} @ main").click()
    expect(page.locator("#view-product-id")).to_have_text(unique_id)
    expect(cell(page, "main", "available")).to_have_text("3")


# -- waiting for their routes ------------------------------------------------------------------
@needs("PUT /inventory/{productId}")
def test_admin_sets_stock_and_threshold(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given a product the admin is looking at
    put_record(inventory_table, unique_id, stock=12, reserved=2, threshold=5)
    open_panel(page, api_url)
    show_product(page, unique_id)
    expect(cell(page, "main", "stock_count")).to_have_text("12")
    # When the admin sets new numbers and saves
    page.get_by_label("Stock count (on hand)").fill("20")
    page.get_by_label("Low-stock threshold").fill("4")
    with page.expect_request(lambda r: r.method == "PUT") as caught:
        page.get_by_role("button", name="Save").click()
    # Then the request names the version the admin saw, the panel confirms, and the table is current
    assert caught.value.post_data_json["expected_version"] == 1
    expect(page.locator("#edit-message")).to_contain_text(
        "Saved: main now has 20 on hand, threshold 4 (version 2)"
    )
    expect(cell(page, "main", "stock_count")).to_have_text("20")
    expect(cell(page, "main", "available")).to_have_text("18")
    expect(cell(page, "main", "version")).to_have_text("2")
    expect(page.locator("#edit-version")).to_have_text("2")
    item = stored(inventory_table, unique_id)
    assert (item["stock_count"], item["threshold_level"], item["version"]) == (20, 4, 2)


@needs("PUT /inventory/{productId}")
def test_concurrent_change_is_not_overwritten_and_the_form_refreshes(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given the admin opened a record at version 1
    put_record(inventory_table, unique_id, stock=12, threshold=5)
    open_panel(page, api_url)
    show_product(page, unique_id)
    expect(page.locator("#edit-version")).to_have_text("1")
    # And someone else changes it meanwhile
    put_record(inventory_table, unique_id, stock=50, threshold=7, version=2)
    # When the admin saves a value based on version 1
    page.get_by_label("Stock count (on hand)").fill("15")
    page.get_by_role("button", name="Save").click()
    # Then nothing is overwritten, the panel says why and shows the current values
    message = page.locator("#edit-message")
    expect(message).to_contain_text("changed by someone else")
    expect(message).to_contain_text("50 on hand, threshold 7, version 2")
    expect(page.get_by_label("Stock count (on hand)")).to_have_value("50")
    expect(page.get_by_label("Low-stock threshold")).to_have_value("7")
    expect(page.locator("#edit-version")).to_have_text("2")
    expect(cell(page, "main", "stock_count")).to_have_text("50")
    assert stored(inventory_table, unique_id)["stock_count"] == 50
    # And saving again from the refreshed values works
    page.get_by_label("Stock count (on hand)").fill("15")
    page.get_by_role("button", name="Save").click()
    expect(message).to_contain_text("Saved: main now has 15 on hand")
    assert stored(inventory_table, unique_id)["stock_count"] == 15


@needs("POST /inventory/{productId}/adjustments")
def test_admin_adjusts_stock_with_a_reason(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    put_record(inventory_table, unique_id, stock=12, threshold=5)
    open_panel(page, api_url)
    show_product(page, unique_id)
    expect(cell(page, "main", "stock_count")).to_have_text("12")
    page.get_by_label("Change in units").fill("5")
    page.get_by_label("Reason").fill("shipment received")
    page.get_by_label("Reference (optional)").fill("PO-77")
    page.get_by_role("button", name="Apply adjustment").click()
    expect(page.locator("#adjust-message")).to_contain_text("Adjusted main by +5: now 17 on hand (version 2)")
    expect(cell(page, "main", "stock_count")).to_have_text("17")
    expect(page.get_by_label("Reason")).to_have_value("")
    item = stored(inventory_table, unique_id)
    assert (item["stock_count"], item["available"], item["version"]) == (17, 17, 2)


@needs("POST /inventory/{productId}/adjustments", "GET /inventory/{productId}/history")
def test_history_lists_movements_newest_first(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given two adjustments made through the API
    put_record(inventory_table, unique_id, stock=10, threshold=5)
    url = f"{api_url}/inventory/{unique_id}/adjustments"
    for delta, reason in ((4, "shipment received"), (-1, "damaged in store")):
        response = http("POST", url, {"delta": delta, "reason": reason}, headers={"x-api-key": ADMIN_KEY})
        assert response.status == 200, response.text
    # When the admin opens the product's history
    open_panel(page, api_url)
    show_product(page, unique_id)
    page.get_by_role("button", name="Show history").click()
    # Then the movements are listed, newest first, with before/after counts and reasons
    rows = page.locator("#history-table tbody tr")
    expect(rows.nth(0)).to_contain_text("damaged in store")
    expect(rows.nth(0)).to_contain_text("14 → 13 (-1)")
    expect(rows.nth(1)).to_contain_text("shipment received")
    expect(rows.nth(1)).to_contain_text("10 → 14 (+4)")
    expect(rows.nth(0)).to_contain_text("ADJUSTMENT")


@needs("GET /inventory")
def test_admin_lists_stock_by_category_and_status(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given three products in a category of their own, one of them low
    category = f"cat-{unique_id.lower()}"
    for suffix, stock in (("A", 40), ("B", 3), ("C", 60)):
        put_record(inventory_table, f"{unique_id}-{suffix}", stock=stock, threshold=5, category=category)
    open_panel(page, api_url)
    # When the admin lists that category
    page.get_by_label("Category").fill(category)
    page.get_by_role("button", name="List stock").click()
    # Then exactly its records are listed
    rows = page.locator("#browse-table tbody tr")
    expect(rows).to_have_count(3)
    # And filtering by status narrows the list
    page.locator("#browse-status").select_option("LOW_STOCK")
    page.get_by_role("button", name="List stock").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-product", f"{unique_id}-B")
    # And a listed product opens in the product view
    rows.first.get_by_role("button", name=f"{unique_id}-B").click()
    expect(page.locator("#view-product-id")).to_have_text(f"{unique_id}-B")
    expect(cell(page, "main", "stock_count")).to_have_text("3")


@needs("GET /alerts")
def test_alert_feed_shows_what_get_alerts_returns(
    page: Page, api_url: str, inventory_table: Any, unique_id: str
) -> None:
    # Given a product that falls below its threshold (the stream's alert path may record it)
    put_record(inventory_table, unique_id, stock=20, threshold=5)
    put_record(inventory_table, unique_id, stock=2, threshold=5, version=2)
    # When the admin opens the panel
    open_panel(page, api_url)
    feed = page.locator("#alert-feed")
    expect(feed).to_have_attribute("data-source", "alerts")
    expect(feed).to_have_attribute("aria-busy", "false")
    # Then every alert shown is one GET /alerts returns, newest first
    shown = feed.locator("li").evaluate_all("items => items.map(li => li.dataset.alertId)")
    listed = http("GET", f"{api_url}/alerts?limit=100", headers={"x-api-key": ADMIN_KEY})
    assert listed.status == 200, listed.text
    ids = [a["alert_id"] for a in listed.body["alerts"]]
    assert shown == [i for i in ids if i in shown]
    if ids:
        assert shown, "GET /alerts has alerts but the panel shows none"
    else:
        expect(feed).to_contain_text("No alerts yet.")


@needs("GET /alerts")
def test_alert_feed_needs_an_admin_key(page: Page, api_url: str) -> None:
    open_panel(page, api_url, key=STOREFRONT_KEY)
    expect(page.locator("#alert-feed [data-alert-message]")).to_contain_text("Alerts could not be loaded")
    expect(page.locator("#alert-feed [data-alert-message]")).to_contain_text("FORBIDDEN")
