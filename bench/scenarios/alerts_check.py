"""How many items the scheduled threshold check reads, against the size of the stock table.

Builds the stock and alerts tables exactly as template.yaml declares them (in-process moto, no local
stack needed), fills 10,000 stock records of which 10 are low, lets the alert logic see every insert
as the stream would deliver it, then runs the check. It should read the 10, never the table.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import boto3
from inventory.domain.stock_alerts import AlertRules, AlertService
from inventory.models import StockRecord, iso, utc_now
from inventory.store.alerts import DynamoAlertStore, SnsAlertPublisher, snapshot_from_item
from inventory.store.stock_records import record_item
from moto import mock_aws

from bench.scenario import Context
from bench.stats import figures_table
from local_stack.cfn import load_template

ROOT = Path(__file__).resolve().parent.parent.parent
_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


def _create_table(ddb: Any, template: dict[str, Any], logical_id: str, name: str) -> Any:
    props = template["Resources"][logical_id]["Properties"]
    ddb.create_table(TableName=name, **{k: props[k] for k in _TABLE_KEYS if k in props})
    return ddb.Table(name)


def _records(records: int, low: int) -> list[StockRecord]:
    now = iso(utc_now())
    low_every = records // low
    return [
        StockRecord(
            product_id=f"SKU-{n:05d}",
            warehouse_id="main",
            stock_count=3 if n % low_every == 0 else 50 + n % 200,
            reserved_count=0,
            threshold_level=5,
            category=f"cat-{n % 12}",
            last_updated=now,
            version=1,
        )
        for n in range(records)
    ]


def _count(table: Any) -> int:
    """A full scan - what a scan-based check would read every time - only to print the table size."""
    total, kwargs = 0, {"Select": "COUNT"}
    while True:
        page = table.scan(**kwargs)
        total += page["ScannedCount"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run(ctx: Context) -> dict[str, Any]:
    records, low = (300, 3) if ctx.smoke else (10_000, 10)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = load_template(ROOT / "template.yaml")
    with mock_aws():
        ddb = boto3.resource("dynamodb", region_name="us-east-1")
        inventory = _create_table(ddb, template, "InventoryTable", "inventory-management")
        alerts = _create_table(ddb, template, "AlertsTable", "alerts")
        sns = boto3.client("sns", region_name="us-east-1")
        topic = sns.create_topic(Name="inventory-alerts")["TopicArn"]
        store = DynamoAlertStore(inventory, alerts)
        service = AlertService(store, SnsAlertPublisher(sns, topic), AlertRules(), clock=utc_now)

        started = time.perf_counter()
        items = [record_item(r) for r in _records(records, low)]
        with inventory.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)
        published = 0
        for item in items:  # what the stream delivers: one INSERT per record
            snapshot = snapshot_from_item(item)
            if snapshot is not None and service.on_change(snapshot, None) is not None:
                published += 1
        filled = time.perf_counter() - started

        started = time.perf_counter()
        report = service.check()
        checked = time.perf_counter() - started
        figures = {
            "table_items": _count(inventory),
            "low_records": low,
            "alerts_on_insert": published,
            "check_stock_items_read": report.records_read,
            "check_alert_items_read": report.alerts_read,
            "check_items_read_total": store.items_read + report.alerts_read,
            "fill_s": round(filled, 1),
            "check_ms": round(checked * 1000, 1),
        }
    print(figures_table("alerts check: items the scheduled threshold check reads", figures))
    return figures
