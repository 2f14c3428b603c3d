"""StockAlertsFunction: status transitions from the stock table's stream (every writer, no coupling).

Each stream record is settled on its own (`ReportBatchItemFailures`): a record that fails is
retried from its sequence number, and retries are harmless because every alert has a
deterministic transition id and is claimed with a conditional transaction (see
`inventory.domain.stock_alerts`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.config import AlertSettings, StoreSettings, load
from inventory.domain.stock_alerts import AlertRules, AlertService
from inventory.models import utc_now
from inventory.observability import logger, metrics, tracer
from inventory.store.alerts import DynamoAlertStore, SnsAlertPublisher, snapshot_from_item
from inventory.store.aws import client, dynamodb_table

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "InventoryTable": ("dynamodb:UpdateItem",),
    "InventoryTable/index/*": ("dynamodb:Query",),
    "AlertsTable": (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
    "AlertsTable/index/*": ("dynamodb:Query",),
    "AlertsTopic": ("sns:Publish",),
    "StockAlertsFailureQueue": ("sqs:SendMessage",),
}

store_settings = load(StoreSettings)
settings = load(AlertSettings)
service = AlertService(
    store=DynamoAlertStore(
        dynamodb_table(store_settings.inventory_table_name), dynamodb_table(settings.alerts_table_name)
    ),
    publisher=SnsAlertPublisher(client("sns"), settings.alerts_topic_arn),
    rules=AlertRules(
        cooldown_seconds=settings.alert_cooldown_seconds,
        reminder_after_seconds=settings.reminder_after_seconds,
    ),
    clock=utc_now,
)
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    stream = record.dynamodb
    if stream is None or not stream.new_image:
        return  # a removed record has no status left to announce
    new = snapshot_from_item(stream.new_image)
    if new is None:
        logger.debug("stream image is not a stock record", extra={"keys": str(stream.keys)})
        return
    old = snapshot_from_item(stream.old_image) if stream.old_image else None
    alert = service.on_change(new, old)
    if alert is not None:
        logger.info("alert published", extra={"alert_id": alert.alert_id, "event_type": alert.event_type})
        metrics.add_metric(name="StockAlertsPublished", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event, record_handler, processor, context))
