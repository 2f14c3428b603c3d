"""The local DynamoDB serialises requests, so a cancelled transaction cannot undo other writes.

moto restores a table snapshot when a transaction is cancelled; without serialisation, writes made
by other clients while the transaction ran would silently vanish (DynamoDB never loses them).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local_stack.stack import LocalStack

WRITERS = 6
INCREMENTS = 15


@pytest.fixture
def scratch_table(stack: LocalStack) -> Any:
    # The ledger's key is (product_id, movement_id); an item under a unique product id is read by nobody.
    return stack.table("LedgerTable")


def test_cancelled_transactions_do_not_undo_concurrent_writes(scratch_table: Any, unique_id: str) -> None:
    inventory_table = scratch_table
    client = inventory_table.meta.client
    key = {"product_id": unique_id, "movement_id": "counter"}
    inventory_table.put_item(Item={**key, "counter": 0})

    def increment(_: int) -> None:
        for _ in range(INCREMENTS):
            inventory_table.update_item(
                Key=key,
                UpdateExpression="ADD #c :one",
                ExpressionAttributeNames={"#c": "counter"},
                ExpressionAttributeValues={":one": 1},
            )

    def failing_transactions(_: int) -> int:
        cancelled = 0
        for _ in range(INCREMENTS):
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": inventory_table.name,
                                "Key": key,
                                "UpdateExpression": "SET touched = :t",
                                "ConditionExpression": "attribute_not_exists(product_id)",
                                "ExpressionAttributeValues": {":t": 1},
                            }
                        }
                    ]
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                cancelled += 1
        return cancelled

    with ThreadPoolExecutor(max_workers=2 * WRITERS) as pool:
        incrementers = [pool.submit(increment, i) for i in range(WRITERS)]
        cancellers = [pool.submit(failing_transactions, i) for i in range(WRITERS)]
        assert sum(f.result() for f in cancellers) == WRITERS * INCREMENTS
        for future in incrementers:
            future.result()

    item = inventory_table.get_item(Key=key, ConsistentRead=True)["Item"]
    assert item["counter"] == WRITERS * INCREMENTS
    assert "touched" not in item
