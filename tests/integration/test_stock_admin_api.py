"""Admin stock routes through the emulated API Gateway: PUT, adjustments, history, list, scopes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.api_helpers import ADMIN, create_product, history, stocked_product
from tests.support import STOREFRONT_KEY, http

STOREFRONT = {"x-api-key": STOREFRONT_KEY}


def read(api_url: str, sku: str, warehouse_id: str = "main") -> dict[str, Any]:
    response = http("GET", f"{api_url}/inventory/{sku}?warehouse_id={warehouse_id}", headers=ADMIN)
    assert response.status == 200, response.text
    return dict(response.body["warehouses"][0])


def hold(inventory_table: Any, sku: str, quantity: int, warehouse_id: str = "main") -> None:
    """A hold exactly as the reservation workflow writes it: counts only, no version change."""
    inventory_table.update_item(
        Key={"product_id": sku, "warehouse_id": warehouse_id},
        UpdateExpression="ADD reserved_count :q, available :m",
        ConditionExpression="available >= :q",
        ExpressionAttributeValues={":q": quantity, ":m": -quantity},
    )


# ---------------------------------------------------------------- PUT /inventory/{productId}


def test_put_with_expected_version_sets_stock_and_records_the_movement(api_url: str, unique_id: str) -> None:
    create_product(api_url, unique_id)
    response = http(
        "PUT",
        f"{api_url}/inventory/{unique_id}",
        {"stock_count": 12, "threshold_level": 4, "category": "garden", "expected_version": 1},
        headers=ADMIN,
    )
    assert response.status == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.body
    assert (body["stock_count"], body["threshold_level"], body["category"], body["version"]) == (
        12,
        4,
        "garden",
        2,
    )
    assert (body["available"], body["status"]) == (12, "IN_STOCK")
    assert read(api_url, unique_id) == body
    latest = history(api_url, unique_id)[0]
    assert latest["kind"] == "ADMIN_SET"
    assert latest["before"] == {"stock_count": 0, "reserved_count": 0}
    assert latest["after"] == {"stock_count": 12, "reserved_count": 0}


@pytest.mark.parametrize("etag", ['"2"', "2", 'W/"2"'])
def test_put_with_if_match(api_url: str, unique_id: str, etag: str) -> None:
    stocked_product(api_url, unique_id, stock=10)
    response = http(
        "PUT",
        f"{api_url}/inventory/{unique_id}",
        {"threshold_level": 10},
        headers={**ADMIN, "If-Match": etag},
    )
    assert response.status == 200, response.text
    assert (response.body["version"], response.body["status"]) == (3, "LOW_STOCK")


def test_stale_version_is_409_with_the_current_record_and_changes_nothing(
    api_url: str, unique_id: str
) -> None:
    stocked_product(api_url, unique_id, stock=10)
    before = read(api_url, unique_id)
    response = http(
        "PUT", f"{api_url}/inventory/{unique_id}", {"stock_count": 99, "expected_version": 1}, headers=ADMIN
    )
    assert response.status == 409
    assert response.body["error"]["code"] == "VERSION_CONFLICT"
    assert response.body["error"]["details"]["current"] == before
    assert read(api_url, unique_id) == before


def test_stock_below_reserved_is_refused(api_url: str, unique_id: str, inventory_table: Any) -> None:
    stocked_product(api_url, unique_id, stock=10)
    hold(inventory_table, unique_id, 6)
    response = http(
        "PUT", f"{api_url}/inventory/{unique_id}", {"stock_count": 5, "expected_version": 2}, headers=ADMIN
    )
    assert response.status == 400
    assert response.body["error"]["code"] == "STOCK_BELOW_RESERVED"
    assert "6" in response.body["error"]["message"]
    assert read(api_url, unique_id)["stock_count"] == 10


def test_holds_do_not_move_the_version_and_a_set_keeps_them(
    api_url: str, unique_id: str, inventory_table: Any
) -> None:
    # Given an admin read version 2, then shoppers held 3 units
    stocked_product(api_url, unique_id, stock=10)
    hold(inventory_table, unique_id, 3)
    # When the admin sets stock with the version read before the hold
    response = http(
        "PUT", f"{api_url}/inventory/{unique_id}", {"stock_count": 20, "expected_version": 2}, headers=ADMIN
    )
    # Then it succeeds, and the hold is kept
    assert response.status == 200, response.text
    assert (response.body["stock_count"], response.body["reserved_count"], response.body["available"]) == (
        20,
        3,
        17,
    )
    stored = inventory_table.get_item(Key={"product_id": unique_id, "warehouse_id": "main"})["Item"]
    assert (stored["available"], stored["status"]) == (17, "IN_STOCK")
    assert history(api_url, unique_id)[0]["before"] == {"stock_count": 10, "reserved_count": 3}


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"stock_count": "5", "expected_version": 2}, {}, "stock_count"),
        ({"stock_count": 5.5, "expected_version": 2}, {}, "stock_count"),
        ({"stock_count": -1, "expected_version": 2}, {}, "stock_count"),
        ({"threshold_level": -3, "expected_version": 2}, {}, "threshold_level"),
        ({"stock_count": 5, "expected_version": 2, "colour": "red"}, {}, "colour"),
        ({"stock_count": 5}, {}, "expected_version"),
        ({"stock_count": 5}, {"If-Match": "yesterday"}, "If-Match"),
        ({"stock_count": 5, "expected_version": 3}, {"If-Match": '"2"'}, "If-Match"),
        ({"expected_version": 2}, {}, "body"),
        ({"stock_count": 5, "expected_version": 2, "warehouse_id": "no such"}, {}, "warehouse_id"),
    ],
)
def test_invalid_put_is_400_naming_the_field_and_changes_nothing(
    api_url: str, unique_id: str, body: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    stocked_product(api_url, unique_id, stock=10)
    response = http("PUT", f"{api_url}/inventory/{unique_id}", body, headers={**ADMIN, **headers})
    assert response.status == 400, response.text
    assert response.body["error"]["code"] == "VALIDATION_FAILED"
    assert field in [f["field"] for f in response.body["error"]["details"]["fields"]]
    assert read(api_url, unique_id)["version"] == 2


def test_put_unknown_product_or_warehouse_is_404(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id)
    body = {"stock_count": 1, "expected_version": 1}
    unknown = http("PUT", f"{api_url}/inventory/NO-SUCH-PRODUCT", body, headers=ADMIN)
    assert (unknown.status, unknown.body["error"]["code"]) == (404, "PRODUCT_NOT_FOUND")
    elsewhere = http(
        "PUT", f"{api_url}/inventory/{unique_id}", {**body, "warehouse_id": "west"}, headers=ADMIN
    )
    assert (elsewhere.status, elsewhere.body["error"]["code"]) == (404, "STOCK_RECORD_NOT_FOUND")


def test_put_create_adds_a_warehouse_record_once(api_url: str, unique_id: str) -> None:
    create_product(api_url, unique_id, category="garden")
    body = {"warehouse_id": "west", "stock_count": 8, "create": True}
    response = http("PUT", f"{api_url}/inventory/{unique_id}", body, headers=ADMIN)
    assert response.status == 201, response.text
    assert response.headers["etag"] == '"1"'
    assert (response.body["stock_count"], response.body["category"], response.body["version"]) == (
        8,
        "garden",
        1,
    )
    view = http("GET", f"{api_url}/inventory/{unique_id}", headers=STOREFRONT).body
    assert [w["warehouse_id"] for w in view["warehouses"]] == ["main", "west"]
    assert history(api_url, unique_id)[0]["after"] == {"stock_count": 8, "reserved_count": 0}
    again = http("PUT", f"{api_url}/inventory/{unique_id}", body, headers=ADMIN)
    assert (again.status, again.body["error"]["code"]) == (409, "STOCK_RECORD_ALREADY_EXISTS")
    unknown = http("PUT", f"{api_url}/inventory/NO-SUCH-PRODUCT", body, headers=ADMIN)
    assert (unknown.status, unknown.body["error"]["code"]) == (404, "PRODUCT_NOT_FOUND")


def test_browsers_may_read_the_etag_from_an_allowed_origin(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id)
    response = http("GET", f"{api_url}/inventory/{unique_id}", headers={**ADMIN, "Origin": api_url})
    put = http(
        "PUT",
        f"{api_url}/inventory/{unique_id}",
        {"threshold_level": 1},
        headers={**ADMIN, "Origin": api_url, "If-Match": '"2"'},
    )
    assert response.headers["access-control-allow-origin"] == api_url
    assert put.headers["access-control-allow-origin"] == api_url
    assert "ETag" in put.headers["access-control-expose-headers"]


# ---------------------------------------------------------------- adjustments


def test_adjustments_add_and_remove_with_reason_and_reference(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=10)
    url = f"{api_url}/inventory/{unique_id}/adjustments"
    received = http(
        "POST", url, {"delta": 50, "reason": "shipment received", "reference": "PO-17"}, headers=ADMIN
    )
    assert received.status == 200, received.text
    assert (received.body["stock_count"], received.body["version"]) == (60, 3)
    assert received.headers["etag"] == '"3"'
    damaged = http("POST", url, {"delta": -2, "reason": "damaged"}, headers=ADMIN)
    assert damaged.body["stock_count"] == 58
    newest, older = history(api_url, unique_id)[:2]
    assert (newest["kind"], newest["reason"], newest.get("reference")) == ("ADJUSTMENT", "damaged", None)
    assert (older["reason"], older["reference"]) == ("shipment received", "PO-17")
    assert (older["before"]["stock_count"], older["after"]["stock_count"]) == (10, 60)


def test_adjustment_below_zero_or_reserved_is_refused(
    api_url: str, unique_id: str, inventory_table: Any
) -> None:
    stocked_product(api_url, unique_id, stock=5)
    url = f"{api_url}/inventory/{unique_id}/adjustments"
    below_zero = http("POST", url, {"delta": -6, "reason": "recount"}, headers=ADMIN)
    assert (below_zero.status, below_zero.body["error"]["code"]) == (400, "STOCK_BELOW_ZERO")
    hold(inventory_table, unique_id, 4)
    below_reserved = http("POST", url, {"delta": -2, "reason": "recount"}, headers=ADMIN)
    assert (below_reserved.status, below_reserved.body["error"]["code"]) == (400, "STOCK_BELOW_RESERVED")
    assert read(api_url, unique_id)["stock_count"] == 5
    assert len(history(api_url, unique_id)) == 2  # CREATED and the set: nothing for the refusals


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0, "reason": "x"}, "delta"),
        ({"delta": "1", "reason": "x"}, "delta"),
        ({"delta": 1}, "reason"),
        ({"delta": 1, "reason": "   "}, "reason"),
        ({"delta": 1, "reason": "x", "when": "now"}, "when"),
    ],
)
def test_invalid_adjustment_is_400(api_url: str, body: dict[str, Any], field: str) -> None:
    response = http("POST", f"{api_url}/inventory/SKU-MUG-CERAMIC/adjustments", body, headers=ADMIN)
    assert response.status == 400
    assert field in [f["field"] for f in response.body["error"]["details"]["fields"]]


def test_adjusting_unknown_stock_is_404(api_url: str) -> None:
    body = {"delta": 1, "reason": "x"}
    response = http("POST", f"{api_url}/inventory/NO-SUCH-PRODUCT/adjustments", body, headers=ADMIN)
    assert (response.status, response.body["error"]["code"]) == (404, "PRODUCT_NOT_FOUND")
    body["warehouse_id"] = "west"
    response = http("POST", f"{api_url}/inventory/SKU-MUG-CERAMIC/adjustments", body, headers=ADMIN)
    assert (response.status, response.body["error"]["code"]) == (404, "STOCK_RECORD_NOT_FOUND")


# ---------------------------------------------------------------- history


def test_history_pages_newest_first(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=1)
    for delta in (1, 2, 3):
        http(
            "POST",
            f"{api_url}/inventory/{unique_id}/adjustments",
            {"delta": delta, "reason": "r"},
            headers=ADMIN,
        )
    first = http("GET", f"{api_url}/inventory/{unique_id}/history?limit=2", headers=ADMIN)
    assert first.status == 200
    assert [m["after"]["stock_count"] for m in first.body["movements"]] == [7, 4]
    token = first.body["next_token"]
    second = http(
        "GET", f"{api_url}/inventory/{unique_id}/history?limit=2&next_token={quote(token)}", headers=ADMIN
    )
    assert [m["after"]["stock_count"] for m in second.body["movements"]] == [2, 1]
    assert [m["kind"] for m in history(api_url, unique_id)] == ["ADJUSTMENT"] * 3 + ["ADMIN_SET", "CREATED"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/inventory/NO-SUCH-PRODUCT/history", 404, "PRODUCT_NOT_FOUND"),
        ("/inventory/SKU-MUG-CERAMIC/history?limit=0", 400, "VALIDATION_FAILED"),
        ("/inventory/SKU-MUG-CERAMIC/history?next_token=bad", 400, "VALIDATION_FAILED"),
    ],
)
def test_history_errors(api_url: str, path: str, status: int, code: str) -> None:
    response = http("GET", f"{api_url}{path}", headers=ADMIN)
    assert (response.status, response.body["error"]["code"]) == (status, code)


def test_demo_stock_history_starts_with_its_creation(api_url: str) -> None:
    # the demo catalogue writes each record with its CREATED movement, so its ledger sums to its counts
    response = http("GET", f"{api_url}/inventory/SKU-NOVEL-SEA/history", headers=ADMIN)
    assert response.status == 200 and response.body["next_token"] is None
    records = http("GET", f"{api_url}/inventory/SKU-NOVEL-SEA", headers=ADMIN).body["warehouses"]
    created = {m["warehouse_id"]: m for m in response.body["movements"]}
    assert [m["kind"] for m in response.body["movements"]] == ["CREATED"] * len(records)
    for record in records:
        delta = created[record["warehouse_id"]]["delta"]
        assert (delta["stock_count"], delta["reserved_count"]) == (record["stock_count"], 0)


# ---------------------------------------------------------------- list


def list_all(api_url: str, query: str, limit: int = 10) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(500):
        url = f"{api_url}/inventory?limit={limit}&{query}" + (f"&next_token={token}" if token else "")
        page = http("GET", url, headers=ADMIN)
        assert page.status == 200, page.text
        items.extend(page.body["items"])
        token = page.body["next_token"]
        if token is None:
            return items
    raise AssertionError("pagination did not end")


def test_list_by_category_and_warehouse(api_url: str) -> None:
    items = list_all(api_url, "category=home&warehouse_id=east")
    assert {"SKU-MUG-CERAMIC", "SKU-LAMP-DESK", "SKU-VASE-GLASS"} <= {i["product_id"] for i in items}
    assert {(i["category"], i["warehouse_id"]) for i in items} == {("home", "east")}


def test_list_by_status_uses_recomputed_status(api_url: str, unique_id: str, inventory_table: Any) -> None:
    # Given a record stored IN_STOCK that holds took down to LOW_STOCK without refreshing its status
    stocked_product(api_url, unique_id, stock=10)  # threshold 5
    hold(inventory_table, unique_id, 8)
    # Then the IN_STOCK list leaves it out (its real status disagrees) ...
    assert unique_id not in {i["product_id"] for i in list_all(api_url, "status=IN_STOCK", limit=100)}
    # ... and once an admin change refreshes the stored status, the LOW_STOCK list has it
    http(
        "POST",
        f"{api_url}/inventory/{unique_id}/adjustments",
        {"delta": 1, "reason": "recount"},
        headers=ADMIN,
    )
    low = list_all(api_url, "status=LOW_STOCK", limit=100)
    assert unique_id in {i["product_id"] for i in low}
    assert {i["status"] for i in low} == {"LOW_STOCK"}


def test_list_by_category_and_status(api_url: str) -> None:
    items = list_all(api_url, "category=footwear&status=OUT_OF_STOCK")
    assert items
    assert {(i["category"], i["status"]) for i in items} == {("footwear", "OUT_OF_STOCK")}


def test_unfiltered_list_pages_through_everything_once(api_url: str) -> None:
    items = list_all(api_url, "", limit=25)
    keys = [(i["product_id"], i["warehouse_id"]) for i in items]
    assert len(keys) == len(set(keys))
    assert ("SKU-MUG-CERAMIC", "east") in keys
    for item in items:
        assert item["available"] == item["stock_count"] - item["reserved_count"]


@pytest.mark.parametrize(
    "query",
    [
        "status=SOLD_OUT",
        "limit=0",
        "limit=101",
        "next_token=%%%",
        "next_token=eyJza3UiOiJ4In0",
        "category=%20",
    ],
)
def test_invalid_list_query_is_400(api_url: str, query: str) -> None:
    response = http("GET", f"{api_url}/inventory?{query}", headers=ADMIN)
    assert response.status == 400, response.text
    assert response.body["error"]["code"] == "VALIDATION_FAILED"


# ---------------------------------------------------------------- keys and scopes


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/inventory", None),
        ("PUT", "/inventory/SKU-MUG-CERAMIC", {"stock_count": 1, "expected_version": 1}),
        ("POST", "/inventory/SKU-MUG-CERAMIC/adjustments", {"delta": 1, "reason": "x"}),
        ("GET", "/inventory/SKU-MUG-CERAMIC/history", None),
    ],
)
def test_admin_routes_refuse_storefront_keys_and_missing_keys(
    api_url: str, method: str, path: str, body: Any
) -> None:
    before = read(api_url, "SKU-MUG-CERAMIC")
    forbidden = http(method, f"{api_url}{path}", body, headers=STOREFRONT)
    assert (forbidden.status, forbidden.body["error"]["code"]) == (403, "FORBIDDEN")
    assert STOREFRONT_KEY not in forbidden.text
    assert http(method, f"{api_url}{path}", body).status == 401
    assert http(method, f"{api_url}{path}", body, headers={"x-api-key": "guess"}).status == 401
    assert read(api_url, "SKU-MUG-CERAMIC") == before
