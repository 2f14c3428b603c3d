"""ReconciliationFunction: checks (and with `{"repair": true}` repairs) reserved counts against HELD
reservations. By hand: `make invoke EVENT=events/ReconciliationFunction/check.json` (or repair.json)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from inventory.domain.reservation_upkeep import reconcile
from inventory.handlers.reservation_tasks import build, parse
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

store, _events, _policy = build()


class ReconcileEvent(BaseModel):
    repair: bool = False


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    asked = parse(ReconcileEvent, {k: v for k, v in event.items() if k == "repair"})
    report = reconcile(store, repair=asked.repair)
    if report.drift:
        logger.warning("stock drift found", extra={"drift": [d.model_dump() for d in report.drift]})
    return report.model_dump()
