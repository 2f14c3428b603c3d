"""FulfilTaskFunction: the Fulfil step lowers stock and reserved counts together (confirmed sale)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from inventory.domain.reservation_workflow import fulfil
from inventory.handlers.reservation_tasks import build, parse
from inventory.models import utc_now
from inventory.observability import logger, metrics, tracer

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "ReservationsTable": (
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    ),
    "InventoryTable": ("dynamodb:UpdateItem",),
    "LedgerTable": ("dynamodb:PutItem",),
    "ReservationEventsTopic": ("sns:Publish",),
}

store, events, _policy = build()


class FulfilTaskEvent(BaseModel):
    reservation_id: str


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = parse(FulfilTaskEvent, event)
    done = fulfil(store, events, task.reservation_id, actor="workflow", now=utc_now())
    return {"reservation_id": done.reservation_id, "status": done.status.value}
