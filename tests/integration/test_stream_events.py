"""The local stack delivers the stock table's stream to the function the template subscribes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from inventory.models import StockStatus, stock_status

from local_stack.stack import LocalStack
from tests.integration.alert_support import put_record, set_stock, wait_for_events, wait_for_status
from tests.support import wait_for


def test_stream_event_sources_use_the_real_stream_arn(stack: LocalStack, aws: Any) -> None:
    assert stack.model is not None
    streams = [s for s in stack.model.event_sources if s.kind == "stream"]
    assert streams
    table = aws("dynamodb").describe_table(TableName=stack.model.tables["InventoryTable"])["Table"]
    assert {s.properties["Stream"] for s in streams} == {table["LatestStreamArn"]}


def test_changes_after_a_cancelled_transaction_still_reach_the_function(
    stack: LocalStack, inventory_table: Any, aws: Any, unique_id: str
) -> None:
    # Given a record in stock
    put_record(inventory_table, unique_id, stock=20, threshold=5)
    wait_for_status(inventory_table, unique_id, "IN_STOCK")
    # When a transaction on the table is cancelled by its condition
    with pytest.raises(ClientError) as cancelled:
        aws("dynamodb").transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "inventory-management",
                        "Key": {"product_id": {"S": unique_id}, "warehouse_id": {"S": "main"}},
                        "UpdateExpression": "SET stock_count = :zero",
                        "ConditionExpression": "stock_count = :never",
                        "ExpressionAttributeValues": {":zero": {"N": "0"}, ":never": {"N": "-1"}},
                    }
                }
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    # Then it changed nothing, and the next change is still delivered through the stream
    item = inventory_table.get_item(Key={"product_id": unique_id, "warehouse_id": "main"})["Item"]
    assert item["stock_count"] == 20
    set_stock(inventory_table, unique_id, 0)
    wait_for_events(stack, unique_id, ["OUT_OF_STOCK"])


def test_changes_made_right_after_the_stack_started_are_delivered(
    stack: LocalStack, inventory_table: Any
) -> None:
    # Given the demo catalogue, loaded the moment the stack had started (see conftest)
    # Then every record low or out of stock by its counts was seen by the alert function: its
    # stored status matches and it is flagged for the scheduled check
    def unsettled() -> list[str]:
        wrong = []
        for item in inventory_table.scan()["Items"]:
            if not str(item["product_id"]).startswith("SKU-"):
                continue
            status = stock_status(
                int(item["stock_count"] - item["reserved_count"]), int(item["threshold_level"])
            )
            if status is not StockStatus.IN_STOCK and (
                "attention" not in item or item.get("status") != status
            ):
                wrong.append(f"{item['product_id']}/{item['warehouse_id']}")
        return wrong

    wait_for(lambda: not unsettled(), 20, what="every low demo record to be flagged")
    assert unsettled() == []
