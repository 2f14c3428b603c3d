"""The stock and catalogue API over HTTP against `make run`'s server (a child process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support import ADMIN_KEY, STOREFRONT_KEY, StackProcess, http, wait_for

pytestmark = pytest.mark.e2e
ADMIN = {"x-api-key": ADMIN_KEY}
STOREFRONT = {"x-api-key": STOREFRONT_KEY}


def test_an_admin_stocks_a_new_product_and_a_shopper_sees_it(tmp_path: Path) -> None:
    with StackProcess(tmp_path / "state.json") as stack:
        api = stack.api_url
        # Given a new product in the catalogue
        created = http(
            "POST", f"{api}/products", {"sku": "SKU-E2E-1", "name": "Kettle", "price": 39.9}, headers=ADMIN
        )
        assert created.status == 201, created.text
        # When the admin sets its stock with the version read, then a shipment arrives
        put = http(
            "PUT",
            f"{api}/inventory/SKU-E2E-1",
            {"stock_count": 3, "threshold_level": 5},
            headers={**ADMIN, "If-Match": '"1"'},
        )
        assert (put.status, put.headers["etag"], put.body["status"]) == (200, '"2"', "LOW_STOCK")
        adjusted = http(
            "POST",
            f"{api}/inventory/SKU-E2E-1/adjustments",
            {"delta": 10, "reason": "shipment", "reference": "PO-9"},
            headers=ADMIN,
        )
        assert (adjusted.status, adjusted.body["stock_count"], adjusted.body["status"]) == (
            200,
            13,
            "IN_STOCK",
        )
        # Then a shopper sees the stock, and a cart of 13 fits but 14 does not
        view = http("GET", f"{api}/products/SKU-E2E-1", headers=STOREFRONT)
        assert (view.status, view.body["totals"]["available"]) == (200, 13)
        fits = http(
            "POST",
            f"{api}/inventory/check",
            {"items": [{"sku": "SKU-E2E-1", "quantity": 13}]},
            headers=STOREFRONT,
        )
        assert fits.body["status"] == "AVAILABLE"
        short = http(
            "POST",
            f"{api}/inventory/check",
            {"items": [{"sku": "SKU-E2E-1", "quantity": 14}]},
            headers=STOREFRONT,
        )
        assert short.body["status"] == "UNAVAILABLE"
        # And the ledger tells the story, newest first
        ledger = http("GET", f"{api}/inventory/SKU-E2E-1/history", headers=ADMIN)
        assert [m["kind"] for m in ledger.body["movements"]] == ["ADJUSTMENT", "ADMIN_SET", "CREATED"]
        # And a stale write is refused with the current record
        stale = http(
            "PUT", f"{api}/inventory/SKU-E2E-1", {"stock_count": 1, "expected_version": 2}, headers=ADMIN
        )
        assert (stale.status, stale.body["error"]["details"]["current"]["version"]) == (409, 3)

        # And the stack, started --quiet, kept its published messages to itself: listed, not printed
        # (the stream mapping gathers changes for up to its batching window before the alert)
        def alerts_for_the_product() -> list[dict[str, Any]] | None:
            messages = http("GET", f"{api}/_local/sns").body["messages"]
            return [m for m in messages if "SKU-E2E-1" in m["message"]] or None

        assert wait_for(alerts_for_the_product, timeout=20, what="the low-stock alert to be published")
        assert "[sns]" not in stack.output


def test_admin_operations_and_docs_over_http(tmp_path: Path) -> None:
    with StackProcess(tmp_path / "state.json") as stack:
        api = stack.api_url
        low = http("GET", f"{api}/inventory?status=LOW_STOCK&limit=100", headers=ADMIN)
        assert low.status == 200 and low.body["items"]
        assert {i["status"] for i in low.body["items"]} == {"LOW_STOCK"}
        catalogue = http("GET", f"{api}/products?limit=5", headers=STOREFRONT)
        assert (catalogue.status, len(catalogue.body["items"])) == (200, 5)
        assert http("GET", f"{api}/inventory", headers=STOREFRONT).status == 403
        assert http("POST", f"{api}/products", {"sku": "X-1", "name": "x"}, headers=STOREFRONT).status == 403
        assert http("GET", f"{api}/inventory").status == 401
        spec = http("GET", f"{api}/openapi.json")
        assert spec.status == 200 and "/inventory/{productId}/adjustments" in spec.body["paths"]
        assert http("GET", f"{api}/docs").status == 200
