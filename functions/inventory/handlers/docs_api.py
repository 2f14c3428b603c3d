"""ApiDocsFunction: GET /openapi.json and GET /docs, public (the document holds no secrets)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.api import docs_routes
from inventory.api.http import make_resolver
from inventory.config import ApiSettings, load
from inventory.observability import logger, metrics, tracer

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS: dict[str, tuple[str, ...]] = {}

app = make_resolver(load(ApiSettings))
app.include_router(docs_routes.router)
docs_routes.spec()  # built at cold start, so a broken route fails the deployment's first call loudly


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
