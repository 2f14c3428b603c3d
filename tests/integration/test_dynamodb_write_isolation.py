"""The local AWS endpoint keeps concurrent DynamoDB writes that a cancelled transaction did not touch.

moto undoes a cancelled transaction by restoring whole-table copies taken when it began; the
endpoint runs writes one at a time so that no other thread's write is lost in between.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local_stack.stack import LocalStack


def test_cancelled_transactions_never_undo_other_writes(stack: LocalStack, aws: Any, unique_id: str) -> None:
    assert stack.model is not None
    ddb = aws("dynamodb")
    table = stack.model.tables["LedgerTable"]

    def write(n: int) -> None:
        key = {"product_id": {"S": unique_id}, "movement_id": {"S": f"{n:03d}"}}
        actions: list[dict[str, Any]] = [{"Put": {"TableName": table, "Item": key}}]
        if n % 2:  # odd transactions write a second item, then fail on a condition that never holds
            actions.append(
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"product_id": {"S": unique_id}, "movement_id": {"S": f"x{n:03d}"}},
                    }
                }
            )
            actions.append(
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"product_id": {"S": f"{unique_id}-absent"}, "movement_id": {"S": "0"}},
                        "ConditionExpression": "attribute_exists(product_id)",
                    }
                }
            )
        try:
            ddb.transact_write_items(TransactItems=actions)
        except ddb.exceptions.TransactionCanceledException:
            assert n % 2

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(write, range(60)))
    items = ddb.query(
        TableName=table,
        KeyConditionExpression="product_id = :p",
        ExpressionAttributeValues={":p": {"S": unique_id}},
    )["Items"]
    assert sorted(i["movement_id"]["S"] for i in items) == [f"{n:03d}" for n in range(0, 60, 2)]
