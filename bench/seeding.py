"""Stock for the scenarios, created the way an admin would: `POST /products`, then `PUT /inventory/{id}`."""

from __future__ import annotations

from typing import Any

from bench.rest_client import RestClient


class SeedError(RuntimeError):
    pass


def create_product(rest: RestClient, sku: str, stock: int) -> dict[str, Any]:
    """A product with `stock` units in warehouse `main` (threshold 0: no low-stock alert traffic)."""
    created = rest.call("POST", "/products", {"sku": sku, "name": sku, "threshold_level": 0}, admin=True)
    if created.status != 201:
        raise SeedError(f"POST /products {sku}: {created.status} {created.body}")
    version = created.body["warehouses"][0]["version"]
    updated = rest.call(
        "PUT", f"/inventory/{sku}", {"stock_count": stock, "expected_version": version}, admin=True
    )
    if updated.status != 200:
        raise SeedError(f"PUT /inventory/{sku}: {updated.status} {updated.body}")
    return dict(updated.body)


def stock_of(rest: RestClient, sku: str) -> dict[str, Any]:
    """The `main` warehouse record as the storefront reads it (strongly consistent)."""
    reply = rest.call("GET", f"/inventory/{sku}?warehouse_id=main")
    if reply.status != 200:
        raise SeedError(f"GET /inventory/{sku}: {reply.status} {reply.body}")
    return dict(reply.body["warehouses"][0])
