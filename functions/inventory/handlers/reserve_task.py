"""ReserveTaskFunction: the workflow's Reserve step (all lines held in one transaction, or none)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from inventory.domain.reservation_models import ReservationInput
from inventory.domain.reservation_workflow import reserve
from inventory.handlers.reservation_tasks import build, parse
from inventory.models import utc_now
from inventory.observability import logger, metrics, tracer

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "ReservationsTable": (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    ),
    "InventoryTable": (
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ),
    "LedgerTable": ("dynamodb:PutItem",),
    "ReservationEventsTopic": ("sns:Publish",),
}

store, events, policy = build()


class ReserveTaskEvent(BaseModel):
    input: dict[str, Any]
    execution_arn: str


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = parse(ReserveTaskEvent, event)
    request = parse(ReservationInput, task.input)
    return reserve(store, events, policy, request, task.execution_arn, utc_now()).model_dump()
