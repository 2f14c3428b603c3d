"""AlertsApiFunction: GET /alerts (the admin alert feed)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.api import alerts_routes
from inventory.api.http import make_resolver
from inventory.config import AlertFeedSettings, ApiSettings, load
from inventory.observability import logger, metrics, tracer
from inventory.store.alerts import DynamoAlertFeed
from inventory.store.aws import dynamodb_table

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "AlertsTable/index/*": ("dynamodb:Query",),
}

settings = load(AlertFeedSettings)
app = make_resolver(load(ApiSettings))
app.include_router(alerts_routes.router)
deps = alerts_routes.AlertDeps(feed=DynamoAlertFeed(dynamodb_table(settings.alerts_table_name)))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    alerts_routes.deps.install(app, deps)
    return app.resolve(event, context)
