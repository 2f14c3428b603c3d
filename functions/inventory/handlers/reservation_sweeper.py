"""ReservationSweeperFunction (scheduled): releases overdue holds whose execution is gone."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from inventory.config import WorkflowSettings, load
from inventory.domain.reservation_upkeep import ARM_GRACE_SECONDS, sweep
from inventory.handlers.reservation_tasks import build, parse
from inventory.models import utc_now
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import client
from inventory.store.workflow import StepFunctionsWorkflow

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    # Lambda sends a failed asynchronous (scheduled) run here on the function's behalf
    "ScheduleDeadLetters": ("sqs:SendMessage",),
    "ReservationsTable": (
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
    ),
    "ReservationsTable/index/*": ("dynamodb:Query",),
    "InventoryTable": ("dynamodb:UpdateItem",),
    "LedgerTable": ("dynamodb:PutItem",),
    "ReservationEventsTopic": ("sns:Publish",),
    "ReservationStateMachine": ("states:StartExecution",),
    "ReservationStateMachine:execution/*": ("states:DescribeExecution",),
}

store, events, _policy = build()
settings = load(WorkflowSettings)
workflow = StepFunctionsWorkflow(client("stepfunctions"), settings.reservation_state_machine_arn)


class SweepEvent(BaseModel):
    """A schedule event carries nothing we use; a manual run may shorten the grace period."""

    grace_seconds: int | None = Field(default=None, ge=0)
    arm_grace_seconds: int | None = Field(default=None, ge=0)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    asked = parse(SweepEvent, {k: v for k, v in event.items() if k in SweepEvent.model_fields})
    grace = settings.sweep_grace_seconds if asked.grace_seconds is None else asked.grace_seconds
    arm_grace = ARM_GRACE_SECONDS if asked.arm_grace_seconds is None else asked.arm_grace_seconds
    report = sweep(store, workflow, events, utc_now(), grace, arm_grace)
    if report.released or report.armed or report.undone or report.failed:
        logger.warning("sweeper repaired holds", extra=report.model_dump())
    metrics.add_metric(name="ReservationsSwept", unit="Count", value=len(report.released))
    metrics.add_metric(
        name="ReservationTimersArmed", unit="Count", value=len(report.armed) + len(report.undone)
    )
    return report.model_dump()
