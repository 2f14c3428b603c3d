"""The OpenAPI document, generated from every router in `inventory.api` (`*_routes` modules).

Powertools documents its own 422 for validation failures; this API answers 400 instead, and its
gateway answers 401/403 before a function runs, so the document is completed here to say so.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router

import inventory.api
from inventory.api.contract import SECURITY_SCHEMES, ErrorResponse, required_scope

TITLE = "Checkout inventory API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Real-time stock, reservations and stock administration. Send `x-api-key`: a storefront key "
    "(public), a checkout key (the shop's server) or an admin key; `x-required-scope` on each "
    "operation names the narrowest one it accepts. "
    'Every error has the body `{"error": {"code", "message", "details"}}`.'
)
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


def route_modules() -> list[str]:
    package = inventory.api
    return sorted(
        f"{package.__name__}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.endswith("_routes")
    )


def all_routers() -> list[Router]:
    return [importlib.import_module(name).router for name in route_modules()]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR_REF}}}


def build_spec() -> dict[str, Any]:
    app = APIGatewayRestResolver(enable_validation=True)
    for router in all_routers():
        app.include_router(router)
    spec: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title=TITLE, version=VERSION, description=DESCRIPTION, security_schemes=SECURITY_SCHEMES
        )
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorResponse"] = error_schema
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("400", _error("Invalid input: VALIDATION_FAILED names each field"))
            if operation.get("requestBody"):
                responses.setdefault("413", _error("REQUEST_TOO_LARGE: the body is over API Gateway's 10 MB"))
            scope = required_scope(operation.get("security"))
            if scope is not None:
                responses.setdefault(
                    "429",
                    _error("THROTTLED (send again after Retry-After) or QUOTA_EXCEEDED: over the usage plan"),
                )
                operation["x-required-scope"] = scope
                responses.setdefault("401", _error("Missing or unknown x-api-key (UNAUTHORIZED)"))
                responses["403"] = _error(
                    f"FORBIDDEN: this operation needs a {scope} key (or a wider one); "
                    "details.required_scope names it"
                )
    _add_links(spec)
    spec["servers"] = [{"url": "/", "description": "This API (the stage URL on AWS)"}]
    return spec


_RESERVATION = "$response.body#/reservation_id"
_HOLD = "$response.body#/reservationId"
_SKU = "$response.body#/sku"
# What a client can do next with what an answer returned: (path, method, status) -> the operations
# it leads to and where their parameters come from (OpenAPI links; schemathesis follows them).
LINKS: dict[tuple[str, str, str], list[tuple[str, str, dict[str, str]]]] = {
    ("/reservations", "post", "201"): [
        ("/reservations/{reservationId}", "get", {"reservationId": _RESERVATION}),
        ("/reservations/{reservationId}/confirm", "post", {"reservationId": _RESERVATION}),
        ("/reservations/{reservationId}/extend", "post", {"reservationId": _RESERVATION}),
        ("/reservations/{reservationId}", "delete", {"reservationId": _RESERVATION}),
    ],
    ("/inventory/{productId}/reserve", "post", "201"): [
        ("/reservations/{reservationId}", "get", {"reservationId": _HOLD}),
        ("/reservations/{reservationId}/confirm", "post", {"reservationId": _HOLD}),
        ("/reservations/{reservationId}/extend", "post", {"reservationId": _HOLD}),
        (
            "/inventory/{productId}/reserve/{reservationId}",
            "delete",
            {"productId": "$response.body#/product_id", "reservationId": _HOLD},
        ),
    ],
    ("/products", "post", "201"): [
        ("/products/{sku}", "get", {"sku": _SKU}),
        ("/inventory/{productId}", "get", {"productId": _SKU}),
        ("/inventory/{productId}", "put", {"productId": _SKU}),
        ("/inventory/{productId}/adjustments", "post", {"productId": _SKU}),
        ("/inventory/{productId}/history", "get", {"productId": _SKU}),
        ("/inventory/{productId}/reserve", "post", {"productId": _SKU}),
    ],
}


def _add_links(spec: dict[str, Any]) -> None:
    paths = spec.get("paths", {})
    for (path, method, status), targets in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        links = response.setdefault("links", {})
        for target_path, target_method, parameters in targets:
            target = paths.get(target_path, {}).get(target_method)
            if target is None or "operationId" not in target:
                continue
            links[target["operationId"]] = {"operationId": target["operationId"], "parameters": parameters}
