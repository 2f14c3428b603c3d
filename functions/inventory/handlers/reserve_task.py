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
