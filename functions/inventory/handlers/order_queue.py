"""OrderQueueFunction: `ReserveInventory` messages from the order service's queue start reservations.

Each message is handled on its own; failures are reported per message (ReportBatchItemFailures)
so one bad message never blocks or repeats the others, and it reaches the dead-letter queue after
the queue's maxReceiveCount.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.config import WorkflowSettings, load
from inventory.domain.order_intake import ReserveInventory, start_reservation
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import client
from inventory.store.workflow import StepFunctionsWorkflow

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "ReservationStateMachine": ("states:StartExecution",),
}

workflow = StepFunctionsWorkflow(
    client("stepfunctions"), load(WorkflowSettings).reservation_state_machine_arn
)
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    message = ReserveInventory.model_validate_json(record.body)
    arn = start_reservation(workflow, message)
    logger.info(
        "reservation started for an order", extra={"order_id": message.order_id, "execution_arn": arn}
    )
    return arn


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
