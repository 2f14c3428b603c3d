"""POST /inventory/check: availability of a whole cart in one batch read."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_helpers import ADMIN, stocked_product
from tests.support import STOREFRONT_KEY, http

STOREFRONT = {"x-api-key": STOREFRONT_KEY}


def check(api_url: str, items: list[dict[str, Any]]) -> Any:
    return http("POST", f"{api_url}/inventory/check", {"items": items}, headers=STOREFRONT)


def test_every_item_available_is_available(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=5)
    response = check(api_url, [{"sku": unique_id, "quantity": 5}])
    assert response.status == 200
    assert response.body == {
        "status": "AVAILABLE",
        "items": [
            {"sku": unique_id, "warehouse_id": "main", "quantity": 5, "available": 5, "is_available": True}
        ],
    }


def test_one_short_or_unknown_item_makes_the_cart_unavailable(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=3)
    response = check(
        api_url,
        [
            {"sku": unique_id, "quantity": 4},
            {"sku": "SKU-MUG-CERAMIC", "quantity": 1, "warehouse_id": "east"},
            {"sku": "NO-SUCH-SKU", "quantity": 1},
        ],
    )
    assert response.status == 200
    assert response.body["status"] == "UNAVAILABLE"
    assert [(i["sku"], i["available"], i["is_available"]) for i in response.body["items"]] == [
        (unique_id, 3, False),
        ("SKU-MUG-CERAMIC", response.body["items"][1]["available"], True),
        ("NO-SUCH-SKU", 0, False),
    ]


def test_lines_for_the_same_sku_compete_for_the_same_units(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=5)
    response = check(api_url, [{"sku": unique_id, "quantity": 3}, {"sku": unique_id, "quantity": 3}])
    assert response.body["status"] == "UNAVAILABLE"
    assert [i["is_available"] for i in response.body["items"]] == [False, False]


def test_reserved_units_are_not_available(api_url: str, unique_id: str, inventory_table: Any) -> None:
    stocked_product(api_url, unique_id, stock=5)
    inventory_table.update_item(  # a hold, as the reservation workflow writes it
        Key={"product_id": unique_id, "warehouse_id": "main"},
        UpdateExpression="ADD reserved_count :q, available :m",
        ExpressionAttributeValues={":q": 4, ":m": -4},
    )
    response = check(api_url, [{"sku": unique_id, "quantity": 2}])
    assert response.body["items"][0]["available"] == 1
    assert response.body["status"] == "UNAVAILABLE"


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"sku": "SKU-MUG-CERAMIC", "quantity": 0}], "items.0.quantity"),
        ([{"sku": "SKU-MUG-CERAMIC", "quantity": "2"}], "items.0.quantity"),
        ([{"sku": "SKU-MUG-CERAMIC", "quantity": 1.5}], "items.0.quantity"),
        ([{"sku": "bad sku", "quantity": 1}], "items.0.sku"),
        ([{"quantity": 1}], "items.0.sku"),
        ([{"sku": "SKU-MUG-CERAMIC", "quantity": 1, "extra": True}], "items.0.extra"),
        ([{"sku": f"SKU-{i}", "quantity": 1} for i in range(101)], "items"),
    ],
)
def test_invalid_cart_is_400_naming_the_field(api_url: str, items: list[dict[str, Any]], field: str) -> None:
    response = check(api_url, items)
    assert response.status == 400
    assert response.body["error"]["code"] == "VALIDATION_FAILED"
    assert field in [f["field"] for f in response.body["error"]["details"]["fields"]]


def test_check_needs_a_key(api_url: str) -> None:
    response = http(
        "POST", f"{api_url}/inventory/check", {"items": [{"sku": "SKU-MUG-CERAMIC", "quantity": 1}]}
    )
    assert response.status == 401


def test_admin_key_may_check_too(api_url: str) -> None:
    response = http(
        "POST",
        f"{api_url}/inventory/check",
        {"items": [{"sku": "SKU-MUG-CERAMIC", "quantity": 1}]},
        headers=ADMIN,
    )
    assert response.status == 200
