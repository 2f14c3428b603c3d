"""ReconciliationApiFunction: the admin reconciliation routes (check, and repair on request)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.api import reconciliation_routes
from inventory.api.http import make_resolver
from inventory.config import ApiSettings, load
from inventory.handlers.reservation_tasks import build
from inventory.observability import logger, metrics, tracer

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "ReservationsTable": ("dynamodb:Scan",),
    "InventoryTable": (
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
    ),
    "LedgerTable": ("dynamodb:PutItem",),
}

app = make_resolver(load(ApiSettings))
app.include_router(reconciliation_routes.router)
store, _events, _policy = build()
deps = reconciliation_routes.ReconciliationDeps(store=store)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reconciliation_routes.deps.install(app, deps)
    return app.resolve(event, context)
