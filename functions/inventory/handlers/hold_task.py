"""HoldTaskFunction: the Hold step (`.waitForTaskToken`) stores the task token on the reservation
(and, for a REST hold, announces it: its execution has no Reserve step)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from inventory.domain.reservation_workflow import HoldTimer, await_decision
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

store, events, _policy = build()


class HoldTaskEvent(BaseModel):
    reservation_id: str
    task_token: str = Field(min_length=1, max_length=2048)
    timer: HoldTimer | None = Field(default=None, description="The timer this Hold state waits with")
    entered_at: datetime | None = Field(default=None, description="When the Hold state was entered")
    announce: bool = Field(default=False, description="Publish RESERVED once armed (REST holds)")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = parse(HoldTaskEvent, event)
    held = await_decision(
        store,
        task.reservation_id,
        task.task_token,
        utc_now(),
        armed=task.timer,
        entered_at=task.entered_at,
        announce_to=events if task.announce else None,
    )
    return {"reservation_id": held.reservation_id, "expires_at": held.expires_at}
