"""Admin alert feed: GET /alerts, newest first."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from inventory.api.contract import ADMIN, errors
from inventory.api.http import Scope, require_scope
from inventory.store.alerts import AlertFeed, AlertPage

router = Router()


def alert_feed() -> AlertFeed:
    feed: AlertFeed = router.context["alert_feed"]
    return feed


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
    require_scope(router, Scope.ADMIN)  # type: ignore[arg-type]
    return alert_feed().recent(limit, next_token)
