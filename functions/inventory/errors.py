"""Named domain errors.

Lambda tasks raise them unchanged, so the state machine can `Catch` them by name (the Lambda
error type is the class name); the REST layer maps them to HTTP statuses in `HTTP_STATUS` below,
the one place where that mapping lives.
"""

from __future__ import annotations

from typing import Any


class InventoryError(Exception):
    """Base of every error a client can cause or needs to know about."""

    code = "INVENTORY_ERROR"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(InventoryError):
    code = "VALIDATION_FAILED"


class Unauthorized(InventoryError):
    code = "UNAUTHORIZED"


class Forbidden(InventoryError):
    code = "FORBIDDEN"


class ProductNotFound(InventoryError):
    code = "PRODUCT_NOT_FOUND"


class StockRecordNotFound(InventoryError):
    code = "STOCK_RECORD_NOT_FOUND"


class ProductAlreadyExists(InventoryError):
    code = "PRODUCT_ALREADY_EXISTS"


class StockRecordAlreadyExists(InventoryError):
    code = "STOCK_RECORD_ALREADY_EXISTS"


class ReservationNotFound(InventoryError):
    code = "RESERVATION_NOT_FOUND"


class InsufficientStock(InventoryError):
    code = "INSUFFICIENT_STOCK"


class VersionConflict(InventoryError):
    code = "VERSION_CONFLICT"


class StockBelowReserved(InventoryError):
    code = "STOCK_BELOW_RESERVED"


class StockBelowZero(InventoryError):
    """An adjustment would take stock_count below zero."""

    code = "STOCK_BELOW_ZERO"


class ConcurrentUpdate(InventoryError):
    """The record kept changing under a write for every bounded retry; the client may retry."""

    code = "CONCURRENT_UPDATE"


class ReservationClosed(InventoryError):
    """The reservation already reached a final state (fulfilled, released or expired)."""

    code = "RESERVATION_CLOSED"


class ReservationConflict(InventoryError):
    """The same reservation id was used with different contents."""

    code = "RESERVATION_CONFLICT"


class TransientStoreError(Exception):
    """A retryable infrastructure failure (throttling, transaction conflict). Not a client error."""


class HoldExtended(Exception):
    """The Release step found the hold extended after its timer was armed: the message is the new
    timer (JSON), which the state machine's Catch hands back to the Hold state."""


class StaleTimer(Exception):
    """The Hold step started too late for its timer (an execution started long after its hold was
    written, e.g. by the sweeper): the message is a timer to the same expiry from now (JSON), which
    the state machine's Catch arms instead, so the stock still comes back at `expires_at`."""


class PublicHoldLimit(InventoryError):
    """A storefront hold would take public holds on a stock record beyond their ceiling."""

    code = "PUBLIC_HOLD_LIMIT"


HTTP_STATUS: dict[type[InventoryError], int] = {
    ValidationFailed: 400,
    Unauthorized: 401,
    Forbidden: 403,
    ProductNotFound: 404,
    StockRecordNotFound: 404,
    ReservationNotFound: 404,
    ProductAlreadyExists: 409,
    StockRecordAlreadyExists: 409,
    InsufficientStock: 409,
    VersionConflict: 409,
    StockBelowReserved: 400,
    StockBelowZero: 400,
    ConcurrentUpdate: 409,
    ReservationClosed: 409,
    ReservationConflict: 409,
    PublicHoldLimit: 409,
}


def http_status(error: InventoryError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one JSON shape of every error the API returns."""
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


class ServiceBusy(InventoryError):
    """Storage or the workflow kept throttling through every retry; the same request may be repeated."""

    code = "SERVICE_BUSY"


class WorkflowFailed(InventoryError):
    """The reservation's workflow ended on an infrastructure error (not the caller's doing)."""

    code = "WORKFLOW_FAILED"


HTTP_STATUS[ServiceBusy] = 503
HTTP_STATUS[WorkflowFailed] = 502

# Errors a workflow task raises, by the name Step Functions reports them under.
TASK_ERRORS: dict[str, type[InventoryError]] = {cls.__name__: cls for cls in HTTP_STATUS}
