"""What every REST function shares: the resolver, CORS, caller scopes and the error mapping.

All errors leave in one shape, `{"error": {"code", "message", "details"}}`. Domain errors map to
statuses through `inventory.errors.HTTP_STATUS`; request validation failures are 400 (not
Powertools' default 422) and name each field; anything unexpected is a 500 that says nothing
about internals.
"""

from __future__ import annotations

import json
import re
from typing import Any, Generic, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import Route, Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from inventory.api.contract import ID_PATTERN, required_scope
from inventory.config import ApiSettings
from inventory.domain.api_keys import Scope
from inventory.errors import (
    Forbidden,
    InventoryError,
    ServiceBusy,
    TransientStoreError,
    error_body,
    http_status,
)
from inventory.validation import validation_details

logger = Logger(child=True)

API_KEY_HEADER = "x-api-key"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, default=str),
        headers=headers or {},
    )


ModelT = TypeVar("ModelT", bound=BaseModel)


def answer(status: int, body: ModelT) -> Response[ModelT]:
    """A typed JSON answer (documented in the OpenAPI document by its model)."""
    return Response(status_code=status, content_type="application/json", body=body)


def _scope_refusal(app: APIGatewayRestResolver, route: Route | None = None) -> Response | None:
    """403 when the caller's scope is narrower than the one the route's `security` names (the same
    list the OpenAPI document shows), so what is documented is what is enforced."""
    route = route or app.context.get("_route")
    needed = required_scope(route.security) if route is not None else None
    if needed is None:
        return None
    scope = caller_scope(app)
    if scope is not None and scope.allows(Scope(needed)):
        return None
    refused = forbidden(Scope(needed))
    return json_response(403, error_body(refused.code, refused.message, refused.details))


_ID = re.compile(ID_PATTERN)
_ID_PROBLEM = "must be 1-128 of A-Z a-z 0-9 . _ : -, starting with a letter or digit"


def _declared_route(app: APIGatewayRestResolver) -> Route | None:
    """The route API Gateway matched (`resource`) when the resolver's own path rule refused the
    request's path, e.g. for a control character or an emoji in an id."""
    resource = app.current_event.raw_event.get("resource")
    method = app.current_event.http_method.upper()
    for route in [*app._static_routes, *app._dynamic_routes]:  # Powertools' registered routes
        if route.openapi_path == resource and route.method == method:
            return route
    return None


def _bad_path_ids(app: APIGatewayRestResolver) -> Response | None:
    params = app.current_event.path_parameters or {}
    bad = sorted(name for name, value in params.items() if not _ID.fullmatch(value or ""))
    if not bad:
        return None
    details = [{"field": name, "problem": _ID_PROBLEM} for name in bad]
    return json_response(
        400, error_body("VALIDATION_FAILED", f"{bad[0]}: {_ID_PROBLEM}", {"fields": details})
    )


def _unmatched_path(app: APIGatewayRestResolver) -> Response:
    """A path the resolver's own route rules did not take as API Gateway did: answered as the route
    API Gateway matched would answer a bad id in it (its scope first), else 404."""
    route = _declared_route(app)
    if route is not None:  # a real operation, with an id its path rule could not take
        refusal = _scope_refusal(app, route) or _bad_path_ids(app)
        if refusal is not None:
            return refusal
    return json_response(404, error_body("NOT_FOUND", "no such resource"))


def enforce_scope(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """The caller's scope, then the ids in the path, as API Gateway read them. Powertools matches a
    route with `$`, which also matches before a trailing newline: `/inventory/SKU%0A` would be read
    as product `SKU`, and `/inventory/%0A` as the product list. The route API Gateway matched
    (`resource`) and the ids it passed (`pathParameters`) decide instead."""
    route = app.context.get("_route")
    resource = app.current_event.raw_event.get("resource")
    if route is not None and resource and route.openapi_path != resource:
        return _unmatched_path(app)
    return _scope_refusal(app) or _bad_path_ids(app) or next_middleware(app)


def reject_unknown_query_parameters(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """A misspelt filter (`?warehouse=east`) must not silently widen a query: unknown names are a 400."""
    route = app.context.get("_route")
    if route is not None:
        known = {param.alias for param in route.dependant.query_params}
        unknown = sorted(set(app.current_event.query_string_parameters or {}) - known)
        if unknown:
            details = [
                {"field": name or "(empty name)", "problem": "unknown query parameter"} for name in unknown
            ]
            message = f"{details[0]['field']}: unknown query parameter"
            return json_response(400, error_body("VALIDATION_FAILED", message, {"fields": details}))
    return next_middleware(app)


# Headers whose meaning is one value: sent twice, which one counts would be a guess.
SINGLE_HEADERS = ("if-match", "content-type", "x-release-secret")


def reject_repeated_headers(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    repeated = sorted(
        name.lower()
        for name, values in (app.current_event.multi_value_headers or {}).items()
        if name.lower() in SINGLE_HEADERS and len(values or []) > 1
    )
    if repeated:
        details = [{"field": name, "problem": "sent more than once"} for name in repeated]
        return json_response(
            400, error_body("VALIDATION_FAILED", f"{repeated[0]}: sent more than once", {"fields": details})
        )
    return next_middleware(app)


def make_resolver(settings: ApiSettings) -> APIGatewayRestResolver:
    origins = settings.allowed_origins
    cors = CORSConfig(
        allow_origin=origins[0] if origins else "",
        extra_origins=origins[1:],
        allow_headers=[API_KEY_HEADER, "If-Match", "Content-Type", "X-Release-Secret"],
        expose_headers=["ETag"],
        max_age=600,
    )
    app = APIGatewayRestResolver(enable_validation=True, cors=cors if origins else None)
    app.use(middlewares=[enforce_scope, reject_repeated_headers, reject_unknown_query_parameters])

    @app.exception_handler(InventoryError)
    def _domain_error(error: InventoryError) -> Response:
        return json_response(http_status(error), error_body(error.code, error.message, error.details))

    @app.exception_handler(TransientStoreError)
    def _busy(error: TransientStoreError) -> Response:
        # throttling that outlasted the SDK's retries: the client's retry is safe (every call is idempotent)
        logger.warning("throttled through every retry", extra={"error": str(error)})
        busy = ServiceBusy("the service is busy; send the same request again shortly")
        return json_response(503, error_body(busy.code, busy.message), headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        # Powertools validates input before any middleware runs: a caller without the scope learns
        # nothing about what input the operation takes.
        if (refusal := _scope_refusal(app)) is not None:
            return refusal
        details = validation_details(list(error.errors()))
        first = details[0] if details else {"field": "body", "problem": "invalid"}
        message = f"{first['field']}: {first['problem']}"
        return json_response(400, error_body("VALIDATION_FAILED", message, {"fields": details}))

    @app.not_found
    def _no_route(_error: NotFoundError) -> Response:
        return _unmatched_path(app)

    def _unreadable_body(problem: str) -> Response:
        """A body that never reached validation: refused as the scope requires, else a 400 naming it."""
        if (refusal := _scope_refusal(app)) is not None:
            return refusal
        fields = [{"field": "body", "problem": problem}]
        return json_response(400, error_body("VALIDATION_FAILED", f"body: {problem}", {"fields": fields}))

    @app.exception_handler(json.JSONDecodeError)
    def _malformed_json(_error: json.JSONDecodeError) -> Response:
        return _unreadable_body("is not valid JSON")

    @app.exception_handler(RecursionError)
    def _too_deep(_error: RecursionError) -> Response:
        # json.loads gives up on a body nested thousands of levels deep
        return _unreadable_body("is nested too deeply")

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(_error: UnicodeDecodeError) -> Response:
        # A binary body arrives base64-encoded; decoding it as the JSON text it should be fails here.
        return _unreadable_body("is not UTF-8 JSON")

    return app


__all__ = [
    "RouteDeps",
    "Scope",
    "answer",
    "caller_scope",
    "forbidden",
    "json_response",
    "make_resolver",
]

DepsT = TypeVar("DepsT")


class RouteDeps(Generic[DepsT]):
    """The adapters a router's routes use, as one typed value (a frozen dataclass per function).

    The handler builds it at cold start and installs it for each request; a test installs its own
    (fakes), so nothing is looked up by a string key or kept in a global the routes read."""

    def __init__(self, router: Router, name: str) -> None:
        self._router, self._name = router, name

    def install(self, app: APIGatewayRestResolver, deps: DepsT) -> None:
        app.append_context(**{self._name: deps})

    def __call__(self) -> DepsT:
        deps: DepsT = self._router.context[self._name]
        return deps


def caller_scope(app: APIGatewayRestResolver | Router) -> Scope | None:
    # what the authorizer returned as its context (REST API proxy events)
    context = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    try:
        return Scope(context.get("scope", ""))
    except ValueError:
        return None


def forbidden(needed: Scope) -> Forbidden:
    # names the scope the operation needs, never anything about the key that was sent
    return Forbidden(f"this operation needs a {needed.value} key", required_scope=needed.value)
