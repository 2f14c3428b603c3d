"""Admin alert feed: GET /alerts, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from inventory.api.contract import ADMIN, errors
from inventory.api.http import RouteDeps
from inventory.domain.stock_alerts import AlertFeed, AlertPage

router = Router()


@dataclass(frozen=True)
class AlertDeps:
    """What the alert feed route uses."""

    feed: AlertFeed


deps: RouteDeps[AlertDeps] = RouteDeps(router, "alerts")


@router.get(
    "/alerts",
    summary="Stock alerts",
    description="Status transitions (low, out of stock, back in stock) and reminders, newest first.",
    responses=errors(400, 401, 403),
    tags=["Alerts"],
    security=ADMIN,
)
def list_alerts(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 50,
    next_token: Annotated[
        str | None, Query(max_length=2048, description="From the previous page's next_token")
    ] = None,
) -> AlertPage:
    return deps().feed.recent(limit, next_token)
