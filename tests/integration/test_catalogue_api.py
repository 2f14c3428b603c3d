"""The catalogue through the emulated API Gateway: POST /products, GET /products/{sku}, GET /products."""

from __future__ import annotations

from typing import Any

import pytest

from local_stack.demo_data import demo_products
from tests.integration.api_helpers import ADMIN, create_product, history
from tests.support import STOREFRONT_KEY, http

STOREFRONT = {"x-api-key": STOREFRONT_KEY}


def test_given_a_new_sku_when_created_then_product_and_zero_stock_record_exist(
    api_url: str, unique_id: str
) -> None:
    # When
    response = http(
        "POST",
        f"{api_url}/products",
        {
            "sku": unique_id,
            "name": "Blue mug",
            "price": 12.5,
            "category": "home",
            "image_url": "https://x.example/m.png",
        },
        headers=ADMIN,
    )
    # Then
    assert response.status == 201, response.text
    assert response.headers["location"] == f"/products/{unique_id}"
    assert response.body["price"] == 12.5
    assert [(w["warehouse_id"], w["stock_count"], w["version"]) for w in response.body["warehouses"]] == [
        ("main", 0, 1)
    ]
    read = http("GET", f"{api_url}/products/{unique_id}", headers=STOREFRONT)
    assert read.status == 200
    assert read.body["name"] == "Blue mug"
    assert read.body["totals"] == {
        "stock_count": 0,
        "reserved_count": 0,
        "available": 0,
        "status": "OUT_OF_STOCK",
    }
    stock = http("GET", f"{api_url}/inventory/{unique_id}", headers=STOREFRONT)
    assert stock.body["warehouses"][0]["category"] == "home"
    assert [m["kind"] for m in history(api_url, unique_id)] == ["CREATED"]


def test_product_can_start_in_another_warehouse(api_url: str, unique_id: str) -> None:
    created = create_product(api_url, unique_id, warehouse_id="east", threshold_level=3)
    assert [(w["warehouse_id"], w["threshold_level"]) for w in created["warehouses"]] == [("east", 3)]


def test_duplicate_sku_is_409_and_changes_nothing(api_url: str, unique_id: str) -> None:
    create_product(api_url, unique_id)
    again = http("POST", f"{api_url}/products", {"sku": unique_id, "name": "Other"}, headers=ADMIN)
    assert again.status == 409
    assert again.body["error"]["code"] == "PRODUCT_ALREADY_EXISTS"
    assert http("GET", f"{api_url}/products/{unique_id}", headers=ADMIN).body["name"] != "Other"
    assert len(history(api_url, unique_id)) == 1


def test_sku_with_an_existing_stock_record_is_409(api_url: str, unique_id: str, inventory_table: Any) -> None:
    # Given stock written outside the catalogue
    inventory_table.put_item(
        Item={
            "product_id": unique_id,
            "warehouse_id": "main",
            "stock_count": 4,
            "reserved_count": 0,
            "available": 4,
            "threshold_level": 1,
            "status": "IN_STOCK",
            "last_updated": "2026-01-01T00:00:00.000Z",
            "version": 1,
        }
    )
    # When the product is created there
    response = http("POST", f"{api_url}/products", {"sku": unique_id, "name": "X"}, headers=ADMIN)
    # Then it is refused and neither the product nor the stock changed
    assert response.status == 409
    assert response.body["error"]["code"] == "STOCK_RECORD_ALREADY_EXISTS"
    assert http("GET", f"{api_url}/products/{unique_id}", headers=ADMIN).status == 404
    assert http("GET", f"{api_url}/inventory/{unique_id}", headers=ADMIN).body["totals"]["stock_count"] == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "no sku"}, "sku"),
        ({"sku": "ok-sku"}, "name"),
        ({"sku": "bad sku", "name": "x"}, "sku"),
        ({"sku": "ok-sku", "name": "x", "price": -1}, "price"),
        ({"sku": "ok-sku", "name": "x", "threshold_level": "5"}, "threshold_level"),
        ({"sku": "ok-sku", "name": "x", "colour": "red"}, "colour"),
        ({"sku": "ok-sku", "name": "x", "image_url": "javascript:alert(1)"}, "image_url"),
    ],
)
def test_invalid_product_is_400_naming_the_field(api_url: str, body: dict[str, Any], field: str) -> None:
    response = http("POST", f"{api_url}/products", body, headers=ADMIN)
    assert response.status == 400
    assert response.body["error"]["code"] == "VALIDATION_FAILED"
    assert field in [f["field"] for f in response.body["error"]["details"]["fields"]]
    assert http("GET", f"{api_url}/products/ok-sku", headers=ADMIN).status == 404


def test_malformed_json_is_400(api_url: str) -> None:
    response = http("POST", f"{api_url}/products", "{not json", headers=ADMIN)
    assert response.status == 400
    assert response.body["error"]["code"] == "VALIDATION_FAILED"


def test_storefront_key_cannot_create_products(api_url: str, unique_id: str) -> None:
    response = http("POST", f"{api_url}/products", {"sku": unique_id, "name": "x"}, headers=STOREFRONT)
    assert response.status == 403
    assert response.body["error"]["code"] == "FORBIDDEN"
    assert http("GET", f"{api_url}/products/{unique_id}", headers=STOREFRONT).status == 404


def test_products_need_a_key(api_url: str) -> None:
    assert http("GET", f"{api_url}/products").status == 401
    assert http("POST", f"{api_url}/products", {"sku": "K-1", "name": "x"}).status == 401
    assert http("GET", f"{api_url}/products/SKU-MUG-CERAMIC", headers={"x-api-key": "nope"}).status == 401


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/products/NO-SUCH-SKU", 404, "PRODUCT_NOT_FOUND"),
        ("/products/bad%20sku", 400, "VALIDATION_FAILED"),
        ("/products?limit=0", 400, "VALIDATION_FAILED"),
        ("/products?limit=101", 400, "VALIDATION_FAILED"),
        ("/products?next_token=garbage!", 400, "VALIDATION_FAILED"),
        ("/products?next_token=eyJvdGhlciI6IngifQ", 400, "VALIDATION_FAILED"),  # {"other":"x"}
    ],
)
def test_product_read_errors(api_url: str, path: str, status: int, code: str) -> None:
    response = http("GET", f"{api_url}{path}", headers=STOREFRONT)
    assert response.status == status
    assert response.body["error"]["code"] == code


def test_demo_product_has_details_and_stock_in_both_warehouses(api_url: str) -> None:
    response = http("GET", f"{api_url}/products/SKU-MUG-CERAMIC", headers=STOREFRONT)
    assert response.status == 200
    assert response.body["category"] == "home"
    assert {w["warehouse_id"] for w in response.body["warehouses"]} == {"main", "east"}
    assert response.body["totals"]["stock_count"] == sum(
        w["stock_count"] for w in response.body["warehouses"]
    )


def test_listing_pages_through_the_whole_catalogue_once(api_url: str) -> None:
    seen: list[str] = []
    token: str | None = None
    for _ in range(200):
        url = f"{api_url}/products?limit=7" + (f"&next_token={token}" if token else "")
        page = http("GET", url, headers=STOREFRONT)
        assert page.status == 200, page.text
        assert len(page.body["items"]) <= 7
        seen.extend(p["sku"] for p in page.body["items"])
        token = page.body["next_token"]
        if token is None:
            break
    assert token is None
    assert len(seen) == len(set(seen))
    assert {p.sku for p in demo_products()} <= set(seen)
