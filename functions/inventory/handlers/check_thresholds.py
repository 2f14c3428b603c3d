"""CheckThresholdsFunction (checkThresholds): the scheduled safety net behind the stream.

Reads only what needs attention - records flagged in the sparse `attention-index` and alerts not
yet confirmed as published - never the whole table, and reports how many items it read.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.config import AlertSettings, StoreSettings, load
from inventory.domain.stock_alerts import AlertRules, AlertService
from inventory.models import utc_now
from inventory.observability import logger, metrics, tracer
from inventory.store.alerts import DynamoAlertStore, SnsAlertPublisher
from inventory.store.aws import client, dynamodb_table

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    # Lambda sends a failed asynchronous (scheduled) run here on the function's behalf
    "ScheduleDeadLetters": ("sqs:SendMessage",),
    "InventoryTable": ("dynamodb:UpdateItem",),
    "InventoryTable/index/*": ("dynamodb:Query",),
    "AlertsTable": (
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
    "AlertsTable/index/*": ("dynamodb:Query",),
    "AlertsTopic": ("sns:Publish",),
}

store_settings = load(StoreSettings)
settings = load(AlertSettings)
store = DynamoAlertStore(
    dynamodb_table(store_settings.inventory_table_name), dynamodb_table(settings.alerts_table_name)
)
service = AlertService(
    store=store,
    publisher=SnsAlertPublisher(client("sns"), settings.alerts_topic_arn),
    rules=AlertRules(
        cooldown_seconds=settings.alert_cooldown_seconds,
        reminder_after_seconds=settings.reminder_after_seconds,
    ),
    clock=utc_now,
)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = asdict(service.check())
    if report["publish_failures"]:
        logger.warning("threshold check could not publish everything; left pending", extra=report)
    else:
        logger.info("threshold check done", extra=report)
    metrics.add_metric(name="CheckThresholdsRecordsRead", unit="Count", value=report["records_read"])
    metrics.add_metric(name="CheckThresholdsReminders", unit="Count", value=report["reminders"])
    return report
