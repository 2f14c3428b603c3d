"""What the OpenAPI document says about every route: key schemes, error bodies, id patterns.

Routes declare the keys they accept with `security=` (the authorizer proves the key; the
resolver's scope check in `api.http` enforces the narrowest scope listed) and the error statuses
they can answer with `errors(...)`, so the generated specification describes what the API does.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import AfterValidator, BaseModel, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"


def _utf8(value: str) -> str:
    # JSON may carry lone surrogates ("\ud800"), which are not text and which DynamoDB refuses.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_utf8)]
"""A free-text field: any Unicode text, but no lone surrogates."""

STOREFRONT_KEY_SCHEME = "storefrontKey"
CHECKOUT_KEY_SCHEME = "checkoutKey"
ADMIN_KEY_SCHEME = "adminKey"
# Each route accepts the key of the scope it needs and of every wider scope (storefront < checkout < admin).
STOREFRONT: list[dict[str, list[str]]] = [
    {STOREFRONT_KEY_SCHEME: []},
    {CHECKOUT_KEY_SCHEME: []},
    {ADMIN_KEY_SCHEME: []},
]
CHECKOUT: list[dict[str, list[str]]] = [{CHECKOUT_KEY_SCHEME: []}, {ADMIN_KEY_SCHEME: []}]
ADMIN: list[dict[str, list[str]]] = [{ADMIN_KEY_SCHEME: []}]
# The scope each key scheme stands for, narrowest first: a route needs the first one it lists.
SCHEME_SCOPES = {
    STOREFRONT_KEY_SCHEME: "storefront",
    CHECKOUT_KEY_SCHEME: "checkout",
    ADMIN_KEY_SCHEME: "admin",
}


def required_scope(security: list[dict[str, list[str]]] | None) -> str | None:
    """The narrowest scope an operation's `security` accepts (None: the operation needs no key)."""
    schemes = [name for option in security or [] for name in option]
    ordered = [scope for name, scope in SCHEME_SCOPES.items() if name in schemes]
    return ordered[0] if ordered else None


SECURITY_SCHEMES: dict[str, Any] = {
    STOREFRONT_KEY_SCHEME: APIKey(
        name="x-api-key",
        in_=APIKeyIn.header,
        description="A storefront key, public by design (it sits in product pages): reads stock and the "
        "catalogue, checks carts, and places small public holds that only their creator can release.",
    ),
    CHECKOUT_KEY_SCHEME: APIKey(
        name="x-api-key",
        in_=APIKeyIn.header,
        description="A checkout key, a server-side secret of the shop's backend and order service: "
        "everything a storefront key may do, and reserving, confirming, releasing, extending and "
        "reading reservations, and selling without a hold.",
    ),
    ADMIN_KEY_SCHEME: APIKey(
        name="x-api-key",
        in_=APIKeyIn.header,
        description="An admin key: everything a checkout key may do, and changing stock and the catalogue.",
    ),
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable error code, e.g. VERSION_CONFLICT")
    message: str = Field(description="What went wrong, for people")
    details: dict[str, Any] = Field(description="Context: offending fields, the current record, ...")


class ErrorResponse(BaseModel):
    """The one shape of every error the API returns."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Invalid input (VALIDATION_FAILED names each field) or a refused change",
    401: "Missing or unknown x-api-key (UNAUTHORIZED)",
    403: "The key's scope may not perform this operation (FORBIDDEN, details.required_scope)",
    404: "Unknown product, warehouse record or resource",
    409: "Conflict with the current state (see the error code)",
    502: "WORKFLOW_FAILED: the reservation workflow could not be reached; retry later",
    503: "SERVICE_BUSY: storage or the workflow is throttling; send the same request again after Retry-After",
}


def errors(
    *statuses: int, success: int = 200, described: dict[int, str] | None = None
) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses: `success` with the route's return type, then the error statuses, all with the
    `ErrorResponse` body."""
    overrides = described or {}
    documented: dict[int, OpenAPIResponse] = {success: {"description": overrides.get(success, "Success")}}
    for status in statuses:
        documented[status] = {
            "description": overrides.get(status, _DESCRIPTIONS.get(status, "Error")),
            "content": {"application/json": {"model": ErrorResponse}},
        }
    return documented
