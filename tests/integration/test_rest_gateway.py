"""GET /inventory/{productId} through the emulated API Gateway, authorizer included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import http


def test_given_storefront_key_when_reading_a_product_then_all_warehouses_and_totals(
    api_url: str, storefront_headers: dict[str, str]
) -> None:
    response = http("GET", f"{api_url}/inventory/SKU-MUG-CERAMIC", headers=storefront_headers)
    assert response.status == 200
    body = response.body
    assert [w["warehouse_id"] for w in body["warehouses"]] == ["east", "main"]
    assert body["totals"]["stock_count"] == sum(w["stock_count"] for w in body["warehouses"])
    for record in body["warehouses"]:
        assert record["available"] == record["stock_count"] - record["reserved_count"]
        assert record["status"] in {"IN_STOCK", "LOW_STOCK", "OUT_OF_STOCK"}


def test_reads_are_strongly_consistent(
    api_url: str, storefront_headers: dict[str, str], inventory_table: Any, unique_id: str
) -> None:
    # Given a record written just now
    inventory_table.put_item(
        Item={
            "product_id": unique_id,
            "warehouse_id": "main",
            "stock_count": 7,
            "reserved_count": 2,
            "threshold_level": 5,
            "status": "LOW_STOCK",
            "last_updated": "2026-01-01T00:00:00.000Z",
            "version": 1,
        }
    )
    # When it is read at once
    response = http("GET", f"{api_url}/inventory/{unique_id}?warehouse_id=main", headers=storefront_headers)
    # Then the read sees it
    assert response.status == 200
    assert response.body["warehouses"][0]["available"] == 5
    assert response.body["totals"]["status"] == "LOW_STOCK"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/inventory/NO-SUCH-PRODUCT", 404, "PRODUCT_NOT_FOUND"),
        ("/inventory/SKU-MUG-CERAMIC?warehouse_id=nowhere", 404, "STOCK_RECORD_NOT_FOUND"),
        ("/inventory/SKU-MUG-CERAMIC?warehouse_id=bad%20id", 400, "VALIDATION_FAILED"),
    ],
)
def test_errors_have_one_json_shape(
    api_url: str, storefront_headers: dict[str, str], path: str, status: int, code: str
) -> None:
    response = http("GET", f"{api_url}{path}", headers=storefront_headers)
    assert response.status == status
    assert response.body["error"]["code"] == code
    assert response.body["error"]["message"]


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "not-a-key"}])
def test_missing_or_wrong_key_is_401_without_detail(api_url: str, headers: dict[str, str]) -> None:
    response = http("GET", f"{api_url}/inventory/SKU-MUG-CERAMIC", headers=headers)
    assert response.status == 401
    assert response.body["error"]["code"] == "UNAUTHORIZED"
    assert "not-a-key" not in response.text


def test_unknown_route_is_a_json_404(api_url: str, storefront_headers: dict[str, str]) -> None:
    response = http("POST", f"{api_url}/no/such/route", headers=storefront_headers)
    assert response.status == 404
    assert response.body["error"]["code"] == "NOT_FOUND"


def test_cors_preflight_is_answered_without_a_key(api_url: str) -> None:
    response = http("OPTIONS", f"{api_url}/inventory/SKU-MUG-CERAMIC", headers={"Origin": api_url})
    assert response.status == 200
    assert "x-api-key" in response.headers["access-control-allow-headers"]


def test_allowed_origin_gets_cors_headers_on_the_response(
    api_url: str, storefront_headers: dict[str, str]
) -> None:
    response = http(
        "GET", f"{api_url}/inventory/SKU-MUG-CERAMIC", headers={**storefront_headers, "Origin": api_url}
    )
    assert response.headers.get("access-control-allow-origin") == api_url
    other = http(
        "GET",
        f"{api_url}/inventory/SKU-MUG-CERAMIC",
        headers={**storefront_headers, "Origin": "https://evil.example"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_a_failure_of_the_gateway_itself_is_a_json_500(
    api_url: str, storefront_headers: dict[str, str], stack: Any, unique_id: str, monkeypatch: Any
) -> None:
    # Given a sandbox that cannot be started for one product's reads
    invoke = stack.runtime.invoke

    def failing(function: str, event: Any, *args: Any, **kwargs: Any) -> Any:
        if unique_id in str((event or {}).get("path", "")):
            raise OSError("cannot start the sandbox")
        return invoke(function, event, *args, **kwargs)

    monkeypatch.setattr(stack.runtime, "invoke", failing)
    # When that product is read
    response = http("GET", f"{api_url}/inventory/{unique_id}", headers=storefront_headers)
    # Then the answer is API Gateway's 500 in JSON, and the next request is served as usual
    assert response.status == 500
    assert isinstance(response.body, dict) and response.body != {}
    assert http("GET", f"{api_url}/inventory/SKU-MUG-CERAMIC", headers=storefront_headers).status == 200
