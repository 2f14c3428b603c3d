"""Helpers for the REST tests: a fresh product per test, through the API itself."""

from __future__ import annotations

from typing import Any

from tests.support import ADMIN_KEY, http

ADMIN = {"x-api-key": ADMIN_KEY}


def create_product(api_url: str, sku: str, **fields: Any) -> dict[str, Any]:
    body = {"sku": sku, "name": f"Test product {sku}", "category": "testing", **fields}
    response = http("POST", f"{api_url}/products", body, headers=ADMIN)
    assert response.status == 201, response.text
    return dict(response.body)


def stocked_product(api_url: str, sku: str, stock: int = 10, warehouse_id: str = "main") -> dict[str, Any]:
    """A product with `stock` units in `warehouse_id`, created and stocked through the API."""
    create_product(api_url, sku, warehouse_id=warehouse_id)
    response = http(
        "PUT",
        f"{api_url}/inventory/{sku}",
        {"warehouse_id": warehouse_id, "stock_count": stock, "expected_version": 1},
        headers=ADMIN,
    )
    assert response.status == 200, response.text
    return dict(response.body)


def history(api_url: str, sku: str, limit: int = 100) -> list[dict[str, Any]]:
    movements: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        url = f"{api_url}/inventory/{sku}/history?limit={limit}"
        if token:
            from urllib.parse import quote

            url += f"&next_token={quote(token)}"
        response = http("GET", url, headers=ADMIN)
        assert response.status == 200, response.text
        movements.extend(response.body["movements"])
        token = response.body["next_token"]
        if not token:
            return movements
