"""moto fixes the local stack installs, checked against the session stack (real moto backends)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from local_stack import moto_fixes
from local_stack.stack import LocalStack
from tests.support import wait_for

WAIT_UNTIL = {
    "StartAt": "Until",
    "States": {
        "Until": {"Type": "Wait", "TimestampPath": "$.until", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}
CHOICE_ON_PRESENCE = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.hold", "IsPresent": True, "Next": "Held"}],
            "Default": "Fresh",
        },
        "Held": {"Type": "Pass", "Result": {"route": "held"}, "End": True},
        "Fresh": {"Type": "Pass", "Result": {"route": "fresh"}, "End": True},
    },
}
PASS_ONLY = {"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/local"


@pytest.fixture(autouse=True)
def _no_partial_records_left(stack: LocalStack, unique_id: str) -> Any:
    """These tests write bare items into the session stack's tables; they must not outlive the test
    (the reconciliation and admin-list tests read every stock record)."""
    yield
    for logical_id, sort_key in (("InventoryTable", "warehouse_id"), ("LedgerTable", "movement_id")):
        table = stack.table(logical_id)
        items = table.query(
            KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": unique_id}
        )["Items"]
        for item in items:
            table.delete_item(Key={"product_id": unique_id, sort_key: item[sort_key]})


def _backend_table(stack: LocalStack, name: str) -> Any:
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][stack.options.region].tables[name]


def _machine(aws: Any, definition: dict[str, Any]) -> str:
    sfn = aws("stepfunctions")
    name = f"fix-{uuid.uuid4().hex[:10]}"
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _finished(sfn: Any, arn: str, timeout: float = 20.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found = sfn.describe_execution(executionArn=arn)
        return found if found["status"] != "RUNNING" else None

    return wait_for(done, timeout, what=f"{arn} to finish")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_a_wait_until_a_timestamp_ends_at_it_never_before(aws: Any) -> None:
    # Given a state machine that waits until a timestamp given in its input (with milliseconds)
    sfn = aws("stepfunctions")
    machine = _machine(aws, WAIT_UNTIL)
    until = datetime.now(UTC) + timedelta(seconds=1.6)
    until_text = _iso(until)
    # When an execution runs it
    name = f"wait-{uuid.uuid4().hex[:8]}"
    arn = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps({"until": until_text}))[
        "executionArn"
    ]
    description = _finished(sfn, arn)
    # Then it succeeded, and the wait ended at the timestamp, not before it
    assert description["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=arn)["events"]
    exited = next(e for e in events if e["type"] == "WaitStateExited")["timestamp"]
    target = datetime.strptime(until_text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert exited >= target - timedelta(milliseconds=1), (exited, target)  # history has ms precision
    # (and not whole seconds late, which a rounding to seconds would give)
    assert exited - target < timedelta(seconds=1), (exited, target)


@pytest.mark.parametrize(("given", "route"), [({"hold": {"x": 1}}, "held"), ({"other": 1}, "fresh")])
def test_a_choice_on_an_absent_variable_routes_without_logging_an_error(
    aws: Any, caplog: pytest.LogCaptureFixture, given: dict[str, Any], route: str
) -> None:
    # Given a Choice that asks whether $.hold is present
    sfn = aws("stepfunctions")
    machine = _machine(aws, CHOICE_ON_PRESENCE)
    # When an execution runs it with or without $.hold
    with caplog.at_level("ERROR", logger="moto.stepfunctions"):
        arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(given))["executionArn"]
        description = _finished(sfn, arn)
    # Then it took the matching branch, and an absent variable was not logged as an error
    assert description["status"] == "SUCCEEDED"
    assert json.loads(description["output"]) == {"route": route}
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


def test_a_cancelled_transaction_restores_only_its_items_and_copies_no_table(
    stack: LocalStack, unique_id: str
) -> None:
    # Given a stock-table item and the table moto holds for it
    table = stack.table("InventoryTable")
    client = table.meta.client
    backend_table = _backend_table(stack, table.name)
    shard = backend_table.stream_shard
    key = {"product_id": unique_id, "warehouse_id": "main"}
    table.put_item(Item={**key, "stock_count": 5})
    tables_before = len(Table.instances_tracked)  # type: ignore[attr-defined]
    # When a transaction that updates it, adds another item and then fails a condition is cancelled
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": key,
                        "UpdateExpression": "SET stock_count = :n",
                        "ExpressionAttributeValues": {":n": 99},
                    }
                },
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"product_id": unique_id, "warehouse_id": "second"},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table.name,
                        "Key": {"product_id": unique_id, "warehouse_id": "absent"},
                        "ConditionExpression": "attribute_exists(product_id)",
                    }
                },
            ]
        )
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    # Then the item is as it was, the added item does not exist
    assert table.get_item(Key=key, ConsistentRead=True)["Item"]["stock_count"] == 5
    second = {"product_id": unique_id, "warehouse_id": "second"}
    assert "Item" not in table.get_item(Key=second, ConsistentRead=True)
    # And moto still holds the same table and the same stream shard, and made no table copy
    assert _backend_table(stack, table.name) is backend_table
    assert backend_table.stream_shard is shard
    assert len(Table.instances_tracked) == tables_before  # type: ignore[attr-defined]


def test_a_successful_transaction_writes_every_action(stack: LocalStack, unique_id: str) -> None:
    # Given two items
    table = stack.table("LedgerTable")
    first, second = (
        {"product_id": unique_id, "movement_id": "a"},
        {"product_id": unique_id, "movement_id": "b"},
    )
    table.put_item(Item={**first, "n": 1})
    # When a transaction updates one and creates the other
    table.meta.client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table.name,
                    "Key": first,
                    "UpdateExpression": "SET n = :n",
                    "ConditionExpression": "n = :one",
                    "ExpressionAttributeValues": {":n": 2, ":one": 1},
                }
            },
            {"Put": {"TableName": table.name, "Item": {**second, "n": 7}}},
        ]
    )
    # Then both are written
    assert table.get_item(Key=first, ConsistentRead=True)["Item"]["n"] == 2
    assert table.get_item(Key=second, ConsistentRead=True)["Item"]["n"] == 7


def test_finished_executions_are_pruned_beyond_the_bound(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a bound of 3 finished executions per state machine
    monkeypatch.setattr(moto_fixes, "KEEP_FINISHED_EXECUTIONS", 3)
    sfn = aws("stepfunctions")
    machine = _machine(aws, PASS_ONLY)
    # When 6 executions run to the end, one after another
    arns = []
    for _ in range(6):
        name = f"run-{uuid.uuid4().hex[:8]}"
        arns.append(sfn.start_execution(stateMachineArn=machine, name=name)["executionArn"])
        _finished(sfn, arns[-1])
    sfn.start_execution(stateMachineArn=machine, name=f"last-{uuid.uuid4().hex[:8]}")
    # Then at most the newest 3 finished (and the one just started) are kept
    listed = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(listed) <= 4
    assert arns[0] not in {e["executionArn"] for e in listed}


def test_the_interpreter_reuses_its_clients() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    first = lambda_eval_utils.boto_client_for(region="us-east-1", service="lambda")
    assert lambda_eval_utils.boto_client_for(region="us-east-1", service="lambda") is first


def test_stream_records_read_by_every_poller_are_trimmed(stack: LocalStack, unique_id: str) -> None:
    # Given the stock table's stream, read by the stack's stream mappings
    table = stack.table("InventoryTable")
    shard = _backend_table(stack, table.name).stream_shard
    # When a record is written
    table.put_item(Item={"product_id": unique_id, "warehouse_id": "main", "stock_count": 1})
    written = shard.starting_sequence_number + len(shard.items) - 1
    # Then once every mapping has handled it, the shard no longer holds it
    wait_for(lambda: shard.starting_sequence_number > written or None, 20.0, what="the stream to be trimmed")


def test_shard_iterators_do_not_pile_up(stack: LocalStack, aws: Any) -> None:
    # Given a stream read many times with fresh iterators
    streams = aws("dynamodbstreams")
    arn = stack.table("InventoryTable").latest_stream_arn
    shard_id = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="LATEST")
    for _ in range(5):
        iterator = {
            "ShardIterator": streams.get_records(ShardIterator=iterator["ShardIterator"])["NextShardIterator"]
        }
    # Then the backend keeps iterators in its bounded registry
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    registry = dynamodbstreams_backends[DEFAULT_ACCOUNT_ID][stack.options.region].shard_iterators
    assert isinstance(registry, moto_fixes._ExpiringIterators)
    assert len(registry) <= moto_fixes.SHARD_ITERATOR_MAX


def test_snapshot_dump_matches_a_scan(stack: LocalStack, unique_id: str) -> None:
    # Given an item
    table = stack.table("LedgerTable")
    table.put_item(Item={"product_id": unique_id, "movement_id": "m", "n": 3, "tags": {"a", "b"}})
    assert stack.endpoint is not None
    # When the tables are dumped for a snapshot
    dumped = stack.endpoint.dump_tables([table.name])[table.name]
    # Then the item is there in DynamoDB's JSON form, as a Scan answers it
    read = table.get_item(Key={"product_id": unique_id, "movement_id": "m"}, ConsistentRead=True)["Item"]
    mine = [item for item in dumped if item["product_id"] == {"S": unique_id}]
    assert len(mine) == 1
    decode = TypeDeserializer().deserialize
    assert {name: decode(value) for name, value in mine[0].items()} == read


def test_the_backend_lookup_does_not_list_the_package_per_request() -> None:
    from moto import backends

    assert backends.list_of_moto_modules() is backends.list_of_moto_modules()
    assert "dynamodb" in backends.list_of_moto_modules()


def test_moto_dashboard_data_still_answers(stack: LocalStack) -> None:
    import urllib.request

    started = time.monotonic()
    with urllib.request.urlopen(f"{stack.aws_url}/moto-api/data.json", timeout=60) as response:
        assert response.status == 200
        assert "dynamodb" in json.loads(response.read())
    assert time.monotonic() - started >= 0


def _stock_item_without_retries(stack: LocalStack, unique_id: str) -> tuple[Any, dict[str, Any]]:
    """A stock item with 5 in stock, and a client that does not retry: moto's answer to bad input
    was a 500, which botocore retries, so a refusal must show on the first answer."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_url,
        region_name=stack.options.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    key = {"product_id": {"S": unique_id}, "warehouse_id": {"S": "main"}}
    client.put_item(TableName=stack.table("InventoryTable").name, Item={**key, "stock_count": {"N": "5"}})
    return client, key


@pytest.mark.parametrize(
    ("condition", "names", "reason"),
    [
        ("stock_count = = :n", None, "Syntax error; Bad comparison"),
        ("stock_count = :n ~ :m", None, "Syntax error; Cannot parse condition"),
        ("(stock_count = :n", None, "Syntax error; Unmatched ("),
        ("stock_count = :n AND", None, "Syntax error; Bad AND expression"),
        ("", None, "The expression can not be empty;"),
        ("stock_count = :absent", None, "attribute value: :absent"),
        ("#absent = :n", {"#other": "stock_count"}, "attribute name: #absent"),
    ],
)
def test_an_unparsable_condition_is_a_validation_error_that_changes_nothing(
    stack: LocalStack, unique_id: str, condition: str, names: dict[str, str] | None, reason: str
) -> None:
    # Given a stock item, and a client that does not retry (moto's answer was a 500, retried)
    table = stack.table("InventoryTable")
    client, key = _stock_item_without_retries(stack, unique_id)
    values = {":n": {"N": "5"}, ":m": {"N": "6"}, ":new": {"N": "9"}}
    extra = {"ExpressionAttributeNames": names} if names else {}
    writes = {
        "PutItem": lambda: client.put_item(
            TableName=table.name,
            Item={**key, "stock_count": {"N": "9"}},
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **extra,
        ),
        "UpdateItem": lambda: client.update_item(
            TableName=table.name,
            Key=key,
            UpdateExpression="SET stock_count = :new",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
            **extra,
        ),
        "TransactWriteItems": lambda: client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": key,
                        "UpdateExpression": "SET stock_count = :new",
                        "ExpressionAttributeValues": {":new": {"N": "9"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table.name,
                        "Key": {**key, "warehouse_id": {"S": "second"}},
                        "ConditionExpression": condition,
                        "ExpressionAttributeValues": values,
                        **extra,
                    }
                },
            ]
        ),
        "Query": lambda: client.query(
            TableName=table.name,
            KeyConditionExpression="product_id = :p",
            FilterExpression=condition,
            ExpressionAttributeValues={**values, ":p": key["product_id"]},
            **extra,
        ),
    }
    for action, call in writes.items():
        # When the request carries the expression
        with pytest.raises(ClientError) as raised:
            call()
        # Then DynamoDB's answer: a 400 ValidationException naming the parameter and the problem
        error = raised.value.response
        parameter = "FilterExpression" if action == "Query" else "ConditionExpression"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400, action
        assert error["Error"]["Code"] == "ValidationException", action
        assert error["Error"]["Message"].startswith(f"Invalid {parameter}: "), (action, error["Error"])
        assert reason in error["Error"]["Message"], (action, error["Error"])
    # And the item is as it was
    item = client.get_item(TableName=table.name, Key=key, ConsistentRead=True)["Item"]
    assert item["stock_count"] == {"N": "5"}


def test_a_valid_condition_still_decides(stack: LocalStack, unique_id: str) -> None:
    # Given a stock item
    table = stack.table("InventoryTable")
    key = {"product_id": unique_id, "warehouse_id": "main"}
    table.put_item(Item={**key, "stock_count": 5})
    # When one write's condition holds and another's does not
    table.update_item(
        Key=key,
        UpdateExpression="SET stock_count = :new",
        ConditionExpression="stock_count = :n AND (attribute_exists(product_id))",
        ExpressionAttributeValues={":n": 5, ":new": 6},
    )
    with pytest.raises(ClientError) as raised:
        table.update_item(
            Key=key,
            UpdateExpression="SET stock_count = :new",
            ConditionExpression="stock_count = :n",
            ExpressionAttributeValues={":n": 5, ":new": 7},
        )
    # Then the first is written and the second refused as a failed condition, not as bad input
    assert raised.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert table.get_item(Key=key, ConsistentRead=True)["Item"]["stock_count"] == 6


@pytest.mark.parametrize("wrong", [{"M": {"x": {"S": "y"}}}, {"N": "7"}, {"L": [{"S": "a"}]}])
def test_a_key_of_the_wrong_type_is_a_validation_error_that_changes_nothing(
    stack: LocalStack, unique_id: str, wrong: dict[str, Any]
) -> None:
    # Given a stock item, and a client that does not retry (moto's answer was a 500, retried)
    table = stack.table("InventoryTable")
    client, key = _stock_item_without_retries(stack, unique_id)
    bad = {**key, "product_id": wrong}
    update = {"UpdateExpression": "SET stock_count = :n", "ExpressionAttributeValues": {":n": {"N": "9"}}}
    calls = {
        "GetItem": lambda: client.get_item(TableName=table.name, Key=bad),
        "UpdateItem": lambda: client.update_item(TableName=table.name, Key=bad, **update),
        "DeleteItem": lambda: client.delete_item(TableName=table.name, Key=bad),
        "BatchGetItem": lambda: client.batch_get_item(RequestItems={table.name: {"Keys": [bad]}}),
        "TransactGetItems": lambda: client.transact_get_items(
            TransactItems=[{"Get": {"TableName": table.name, "Key": bad}}]
        ),
        "TransactWriteItems": lambda: client.transact_write_items(
            TransactItems=[
                {"Update": {"TableName": table.name, "Key": key, **update}},
                {"Delete": {"TableName": table.name, "Key": bad}},
            ]
        ),
        "Query": lambda: client.query(
            TableName=table.name,
            KeyConditionExpression="product_id = :p",
            ExpressionAttributeValues={":p": wrong},
        ),
    }
    for action, call in calls.items():
        # When the request names the key with a value of another type than the schema's
        with pytest.raises(ClientError) as raised:
            call()
        # Then DynamoDB's answer: a 400 ValidationException saying the key does not fit the schema
        error = raised.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400, action
        assert error["Error"]["Code"] == "ValidationException", (action, error["Error"])
        expected = (
            "Condition parameter type does not match schema type"
            if action == "Query"
            else "The provided key element does not match the schema"
        )
        assert expected in error["Error"]["Message"], (action, error["Error"])
    # And the item is as it was, and a key of the right type still finds it
    item = client.get_item(TableName=table.name, Key=key, ConsistentRead=True)["Item"]
    assert item["stock_count"] == {"N": "5"}
