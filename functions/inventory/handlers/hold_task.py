"""HoldTaskFunction: the Hold step (`.waitForTaskToken`) stores the task token on the reservation."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from inventory.domain.reservation_workflow import await_decision
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
    "ReservationEventsTopic": ("sns:Publish",),
}

store, _events, _policy = build()


class HoldTaskEvent(BaseModel):
    reservation_id: str
    task_token: str = Field(min_length=1, max_length=2048)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = parse(HoldTaskEvent, event)
    held = await_decision(store, task.reservation_id, task.task_token, utc_now())
    return {"reservation_id": held.reservation_id, "expires_at": held.expires_at}
