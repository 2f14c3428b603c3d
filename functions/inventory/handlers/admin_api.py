"""InventoryAdminFunction: the admin stock routes (list, set, adjust, history); admin keys only."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.api import admin_routes
from inventory.api.http import make_resolver
from inventory.config import ApiSettings, StoreSettings, load
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import dynamodb_table
from inventory.store.ledger import DynamoLedger
from inventory.store.stock_changes import DynamoStockChanges
from inventory.store.stock_queries import DynamoStockQueries
from inventory.store.stock_records import DynamoStockRecordStore

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "InventoryTable": (
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:UpdateItem",
        "dynamodb:PutItem",
        "dynamodb:BatchGetItem",
    ),
    "InventoryTable/index/*": ("dynamodb:Query",),
    "LedgerTable": (
        "dynamodb:PutItem",
        "dynamodb:Query",
    ),
}

store_settings = load(StoreSettings)
app = make_resolver(load(ApiSettings))
app.include_router(admin_routes.router)
_inventory = dynamodb_table(store_settings.inventory_table_name)
deps = admin_routes.AdminDeps(
    stock_store=DynamoStockRecordStore(_inventory),
    stock_changes=DynamoStockChanges(_inventory, store_settings.ledger_table_name),
    stock_queries=DynamoStockQueries(_inventory),
    ledger=DynamoLedger(dynamodb_table(store_settings.ledger_table_name)),
)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    admin_routes.deps.install(app, deps)
    return app.resolve(event, context)
