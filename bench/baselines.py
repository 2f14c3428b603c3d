"""Bare DynamoDB calls on the same local engine, measured in the same run: what a REST call is compared to."""

from __future__ import annotations

import time
from typing import Any

SCRATCH_TABLE = "bench-scratch"
SCRATCH_MACHINE = "bench-scratch"
# One state and done: the execution's own work after the start is as small as the engine's can be.
_SCRATCH_DEFINITION = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'
_SCRATCH_ROLE = "arn:aws:iam::123456789012:role/bench-scratch"


def _ms(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _scratch_table(ddb: Any) -> None:
    if SCRATCH_TABLE not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName=SCRATCH_TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def _scratch_machine(sfn: Any) -> str:
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == SCRATCH_MACHINE:
            return str(machine["stateMachineArn"])
    created = sfn.create_state_machine(
        name=SCRATCH_MACHINE, definition=_SCRATCH_DEFINITION, roleArn=_SCRATCH_ROLE
    )
    return str(created["stateMachineArn"])


def conditional_update_ms(ddb: Any, rounds: int) -> list[float]:
    """Serial conditional `UpdateItem`s (`ADD n :one` if `n < :cap`) on a scratch item in a table of its
    own, so the baseline neither triggers the stock table's stream nor touches real stock."""
    _scratch_table(ddb)
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


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def hold_transaction_ms(ddb: Any, rounds: int) -> list[float]:
    """Serial `TransactWriteItems` shaped like a REST hold's (a new reservation record with its lines
    and timeline, the stock counters' conditional `ADD`, a new ledger movement), on the scratch table:
    the engine's cost of the hold's one write, without the stock table's stream or indexes."""
    _scratch_table(ddb)
    stock = {"pk": _s("scratch-stock")}
    ddb.put_item(TableName=SCRATCH_TABLE, Item={**stock, "reserved": _n(0), "available": _n(10**12)})
    at = "2026-01-01T00:00:00.000Z"
    line = {"M": {"product_id": _s("scratch-stock"), "warehouse_id": _s("main"), "quantity": _n(1)}}
    entry = {"M": {"at": _s(at), "event": _s("HELD"), "state": _s("Reserve"), "actor": _s("api")}}

    def hold(n: int) -> None:
        rid = f"scratch-hold-{time.monotonic_ns()}-{n}"
        record = {
            "pk": _s(rid),
            "status": _s("HELD"),
            "lines": {"L": [line]},
            "timeline": {"L": [entry]},
            "expires_at": _s(at),
            "created_at": _s(at),
            "execution_arn": _s(f"arn:aws:states:us-east-1:123456789012:execution:scratch:{rid}"),
        }
        movement = {"pk": _s(f"{at}#{rid}#RESERVED#0"), "kind": _s("RESERVED"), "reference": _s(rid)}
        absent = "attribute_not_exists(pk)"
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": SCRATCH_TABLE, "Item": record, "ConditionExpression": absent}},
                {
                    "Update": {
                        "TableName": SCRATCH_TABLE,
                        "Key": stock,
                        "UpdateExpression": "ADD reserved :q, available :minus_q SET last_updated = :now",
                        "ConditionExpression": "available >= :q",
                        "ExpressionAttributeValues": {":q": _n(1), ":minus_q": _n(-1), ":now": _s(at)},
                    }
                },
                {"Put": {"TableName": SCRATCH_TABLE, "Item": movement, "ConditionExpression": absent}},
            ]
        )

    hold(-1)  # connection setup
    return [_ms(lambda n=n: hold(n)) for n in range(rounds)]


def start_execution_ms(sfn: Any, rounds: int) -> list[float]:
    """Serial `StartExecution`s of a one-state machine of its own (`Succeed`): what starting any
    execution costs the engine, next to the reservation machine's start on the REST path."""
    arn = _scratch_machine(sfn)

    def start(n: int) -> None:
        sfn.start_execution(stateMachineArn=arn, name=f"scratch-{time.monotonic_ns()}-{n}", input="{}")

    start(-1)
    return [_ms(lambda n=n: start(n)) for n in range(rounds)]


def consistent_get_ms(ddb: Any, table: str, key: dict[str, Any]) -> float:
    return _ms(lambda: ddb.get_item(TableName=table, Key=key, ConsistentRead=True))
