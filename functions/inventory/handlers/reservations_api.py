"""ReservationApiFunction: reserve, confirm, extend, release and read reservations, sell without a
hold, and list the holds on a product, over REST."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.api import product_hold_routes, reservation_routes, sales_routes
from inventory.api.http import make_resolver
from inventory.config import (
    ApiSettings,
    PublicHoldSettings,
    ReservationSettings,
    StoreSettings,
    WorkflowSettings,
    load,
)
from inventory.domain.public_holds import PublicHoldRules
from inventory.handlers.reservation_tasks import build
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import client, dynamodb_table
from inventory.store.product_reservations import DynamoProductReservations
from inventory.store.stock_records import DynamoStockRecordStore
from inventory.store.workflow import StepFunctionsWorkflow

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "ReservationsTable": (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
    "InventoryTable": (
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ),
    "LedgerTable": ("dynamodb:PutItem",),
    "ReservationEventsTopic": ("sns:Publish",),
    "ReservationStateMachine": ("states:StartExecution",),
    "*": (
        "states:SendTaskSuccess",
        "states:SendTaskFailure",
    ),
}

app = make_resolver(load(ApiSettings))
app.include_router(reservation_routes.router)
app.include_router(sales_routes.router)
app.include_router(product_hold_routes.router)
store, events, policy = build()
workflow = StepFunctionsWorkflow(
    client("stepfunctions"), load(WorkflowSettings).reservation_state_machine_arn
)
limits = load(PublicHoldSettings)
public = PublicHoldRules(
    max_units=limits.public_hold_max_units,
    max_lines=limits.public_hold_max_lines,
    max_seconds=limits.public_hold_max_seconds,
    ceiling=limits.public_held_units_ceiling,
)
deps = reservation_routes.ReservationDeps(
    store=store, workflow=workflow, policy=policy, events=events, public=public
)
sales = sales_routes.SalesDeps(store=store, events=events)
_stores = load(StoreSettings)
holds = product_hold_routes.ProductHoldDeps(
    reader=DynamoProductReservations(
        dynamodb_table(_stores.ledger_table_name),
        dynamodb_table(load(ReservationSettings).reservations_table_name),
    ),
    stock_store=DynamoStockRecordStore(dynamodb_table(_stores.inventory_table_name)),
    policy=policy,
)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reservation_routes.deps.install(app, deps)
    sales_routes.deps.install(app, sales)
    product_hold_routes.deps.install(app, holds)
    return app.resolve(event, context)
