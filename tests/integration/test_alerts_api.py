"""GET /alerts: the admin alert feed, newest first, through the emulated API Gateway."""

from __future__ import annotations

from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.integration.alert_support import put_record, set_stock, wait_for_events, wait_for_status
from tests.support import http

ALERT_FIELDS = {
    "alert_id",
    "event_type",
    "product_id",
    "warehouse_id",
    "stock_count",
    "reserved_count",
    "available",
    "threshold_level",
    "previous_status",
    "new_status",
    "at",
}


def test_admins_read_alerts_newest_first_page_by_page(
    stack: LocalStack, inventory_table: Any, api_url: str, admin_headers: dict[str, str], unique_id: str
) -> None:
    # Given a product that ran low and then out
    put_record(inventory_table, unique_id, stock=9, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    set_stock(inventory_table, unique_id, 3)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    set_stock(inventory_table, unique_id, 0)
    wait_for_events(stack, unique_id, ["LOW_STOCK", "OUT_OF_STOCK"])
    # When an admin reads the feed one alert per page
    first = http("GET", f"{api_url}/alerts?limit=1", headers=admin_headers)
    assert first.status == 200, first.text
    second = http(
        "GET", f"{api_url}/alerts?limit=1&next_token={first.body['next_token']}", headers=admin_headers
    )
    # Then the newest alert comes first, and the next page continues with the one before it
    assert second.status == 200, second.text
    newest, before = first.body["alerts"][0], second.body["alerts"][0]
    assert set(newest) >= ALERT_FIELDS
    assert (newest["product_id"], newest["event_type"]) == (unique_id, "OUT_OF_STOCK")
    assert (before["product_id"], before["event_type"]) == (unique_id, "LOW_STOCK")
    assert newest["at"] >= before["at"]
    assert newest["available"] == 0 and newest["previous_status"] == "LOW_STOCK"


def test_a_storefront_key_may_not_read_alerts(api_url: str, storefront_headers: dict[str, str]) -> None:
    response = http("GET", f"{api_url}/alerts", headers=storefront_headers)
    assert response.status == 403
    assert response.body["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=many", "limit"),
        ("next_token=not-a-token", "next_token"),
    ],
)
def test_bad_paging_is_a_400_naming_the_field(
    api_url: str, admin_headers: dict[str, str], query: str, field: str
) -> None:
    response = http("GET", f"{api_url}/alerts?{query}", headers=admin_headers)
    assert response.status == 400, response.text
    error = response.body["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert field in error["message"]


def test_a_record_created_low_is_listed_with_no_previous_status(
    stack: LocalStack, inventory_table: Any, api_url: str, admin_headers: dict[str, str], unique_id: str
) -> None:
    # Given a record created already low
    put_record(inventory_table, unique_id, stock=1, threshold=5)
    wait_for_events(stack, unique_id, ["LOW_STOCK"])
    # When an admin reads the newest alerts
    response = http("GET", f"{api_url}/alerts?limit=5", headers=admin_headers)
    # Then it is there, announced as new (no previous status)
    assert response.status == 200, response.text
    mine = [a for a in response.body["alerts"] if a["product_id"] == unique_id]
    assert len(mine) == 1
    assert mine[0]["previous_status"] is None and mine[0]["new_status"] == "LOW_STOCK"
