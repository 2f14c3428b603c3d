"""Every route of the API with one request that, when the caller may make it, has a known answer
and changes nothing (reads, unknown ids, an existing product). Shared by the route x scope table
and the bad-input tests."""

from __future__ import annotations

from typing import Any

MUG, NONE = "SKU-MUG-CERAMIC", "SKU-NO-SUCH-THING"

# (method, template path, concrete path, body, scope needed or None, status when allowed)
ROUTES: list[tuple[str, str, str, Any, str | None, int]] = [
    ("GET", "/inventory/{productId}", f"/inventory/{MUG}", None, "storefront", 200),
    (
        "POST",
        "/inventory/check",
        "/inventory/check",
        {"items": [{"sku": MUG, "quantity": 1}]},
        "storefront",
        200,
    ),
    ("GET", "/products", "/products", None, "storefront", 200),
    ("GET", "/products/{sku}", f"/products/{MUG}", None, "storefront", 200),
    ("POST", "/products", "/products", {"sku": MUG, "name": "Mug"}, "admin", 409),
    ("GET", "/inventory", "/inventory", None, "admin", 200),
    (
        "PUT",
        "/inventory/{productId}",
        f"/inventory/{NONE}",
        {"stock_count": 1, "expected_version": 1},
        "admin",
        404,
    ),
    (
        "POST",
        "/inventory/{productId}/adjustments",
        f"/inventory/{NONE}/adjustments",
        {"delta": 1, "reason": "count"},
        "admin",
        404,
    ),
    ("GET", "/inventory/{productId}/history", f"/inventory/{NONE}/history", None, "admin", 404),
    ("GET", "/inventory/{productId}/reservations", f"/inventory/{NONE}/reservations", None, "admin", 404),
    ("GET", "/openapi.json", "/openapi.json", None, None, 200),
    ("GET", "/docs", "/docs", None, None, 200),
    ("GET", "/alerts", "/alerts", None, "admin", 200),
    (
        "POST",
        "/inventory/{productId}/reserve",
        f"/inventory/{NONE}/reserve",
        {"quantity": 1, "reservationId": "scope-table-1"},
        "storefront",
        404,
    ),
    (
        "DELETE",
        "/inventory/{productId}/reserve/{reservationId}",
        f"/inventory/{MUG}/reserve/scope-table-unknown",
        None,
        "storefront",
        404,
    ),
    (
        "POST",
        "/reservations",
        "/reservations",
        {"reservation_id": "scope-table-2", "items": [{"product_id": NONE, "quantity": 1}]},
        "storefront",
        404,
    ),
    ("GET", "/reservations/{reservationId}", "/reservations/scope-table-unknown", None, "storefront", 404),
    (
        "POST",
        "/reservations/{reservationId}/confirm",
        "/reservations/scope-table-unknown/confirm",
        None,
        "checkout",
        404,
    ),
    (
        "POST",
        "/reservations/{reservationId}/extend",
        "/reservations/scope-table-unknown/extend",
        {"hold_seconds": 60},
        "storefront",
        404,
    ),
    ("DELETE", "/reservations/{reservationId}", "/reservations/scope-table-unknown", None, "storefront", 404),
    (
        "POST",
        "/inventory/fulfill",
        "/inventory/fulfill",
        {"order_id": "scope-table-3", "items": [{"product_id": NONE, "quantity": 1}]},
        "checkout",
        404,
    ),
    ("GET", "/admin/reconciliation", "/admin/reconciliation", None, "admin", 200),
    ("POST", "/admin/reconciliation", "/admin/reconciliation", {}, "admin", 200),
]
