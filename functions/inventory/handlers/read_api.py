"""InventoryReadFunction: GET /inventory/{productId} (getInventoryLevel) and POST /inventory/check."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.api import read_routes
from inventory.api.http import make_resolver
from inventory.config import ApiSettings, StoreSettings, load
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import dynamodb_table
from inventory.store.stock_queries import DynamoStockQueries
from inventory.store.stock_records import DynamoStockRecordStore

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "InventoryTable": (
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
    ),
}

store_settings = load(StoreSettings)
app = make_resolver(load(ApiSettings))
app.include_router(read_routes.router)
deps = read_routes.ReadDeps(
    stock_store=DynamoStockRecordStore(dynamodb_table(store_settings.inventory_table_name)),
    stock_queries=DynamoStockQueries(dynamodb_table(store_settings.inventory_table_name)),
)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    read_routes.deps.install(app, deps)
    return app.resolve(event, context)
