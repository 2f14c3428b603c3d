"""Bare DynamoDB calls on the same local engine, measured in the same run: what a REST call is compared to."""

from __future__ import annotations

import time
from typing import Any

SCRATCH_TABLE = "bench-scratch"


def _ms(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def conditional_update_ms(ddb: Any, rounds: int) -> list[float]:
    """Serial conditional `UpdateItem`s (`ADD n :one` if `n < :cap`) on a scratch item in a table of its
    own, so the baseline neither triggers the stock table's stream nor touches real stock."""
    existing = ddb.list_tables()["TableNames"]
    if SCRATCH_TABLE not in existing:
        ddb.create_table(
            TableName=SCRATCH_TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    key = {"pk": {"S": "scratch"}}
    ddb.put_item(TableName=SCRATCH_TABLE, Item={**key, "n": {"N": "0"}})

    def update() -> None:
        ddb.update_item(
            TableName=SCRATCH_TABLE,
            Key=key,
            UpdateExpression="ADD n :one",
            ConditionExpression="n < :cap",
            ExpressionAttributeValues={":one": {"N": "1"}, ":cap": {"N": "1000000000"}},
        )

    update()  # the first call pays for connection setup
    return [_ms(update) for _ in range(rounds)]


def consistent_get_ms(ddb: Any, table: str, key: dict[str, Any]) -> float:
    return _ms(lambda: ddb.get_item(TableName=table, Key=key, ConsistentRead=True))
