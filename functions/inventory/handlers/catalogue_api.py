"""CatalogueFunction: POST /products (admin), GET /products and GET /products/{sku} (storefront)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from inventory.api import catalogue_routes
from inventory.api.http import make_resolver
from inventory.config import ApiSettings, StoreSettings, load
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import dynamodb_table
from inventory.store.products import DynamoProductStore
from inventory.store.stock_changes import DynamoStockChanges
from inventory.store.stock_records import DynamoStockRecordStore

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "ProductsTable": (
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:PutItem",
    ),
    "InventoryTable": (
        "dynamodb:Query",
        "dynamodb:PutItem",
    ),
    "LedgerTable": ("dynamodb:PutItem",),
}


class CatalogueSettings(StoreSettings):
    products_table_name: str = Field(min_length=3)


settings = load(CatalogueSettings)
app = make_resolver(load(ApiSettings))
app.include_router(catalogue_routes.router)
_inventory = dynamodb_table(settings.inventory_table_name)
deps = catalogue_routes.CatalogueDeps(
    products=DynamoProductStore(dynamodb_table(settings.products_table_name)),
    stock_store=DynamoStockRecordStore(_inventory),
    stock_changes=DynamoStockChanges(_inventory, settings.ledger_table_name, settings.products_table_name),
)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    catalogue_routes.deps.install(app, deps)
    return app.resolve(event, context)
