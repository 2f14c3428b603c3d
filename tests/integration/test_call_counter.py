"""`GET /_local/calls` and `GET /_local/profile` on the local AWS endpoint."""

from __future__ import annotations

import json
import uuid
from typing import Any

from local_stack.stack import LocalStack
from tests.support import http, wait_for


def _scratch_table(aws: Any) -> str:
    ddb = aws("dynamodb")
    name = f"counted-{uuid.uuid4().hex[:10]}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def test_calls_and_capacity_are_counted_by_service_action_and_table(stack: LocalStack, aws: Any) -> None:
    # Given a fresh table and zeroed counters
    ddb = aws("dynamodb")
    name = _scratch_table(aws)
    zeroed = http("DELETE", f"{stack.aws_url}/_local/calls").body
    assert zeroed["calls"].get("dynamodb", {}).get("PutItem", 0) == 0
    assert zeroed["state_transitions"] == 0 and zeroed["dynamodb_capacity"]["write_units"] == 0
    # When an item of about 2 KB is put, read strongly and eventually, and written in a transaction
    ddb.put_item(TableName=name, Item={"id": {"S": "a"}, "blob": {"S": "x" * 2000}})
    ddb.get_item(TableName=name, Key={"id": {"S": "a"}}, ConsistentRead=True)
    ddb.get_item(TableName=name, Key={"id": {"S": "a"}})
    ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": name, "Item": {"id": {"S": "b"}, "n": {"N": "1"}}}}]
    )
    # Then the calls are counted by action, and the units follow DynamoDB's rules
    counted = http("GET", f"{stack.aws_url}/_local/calls").body
    assert counted["calls"]["dynamodb"]["PutItem"] >= 1
    assert counted["calls"]["dynamodb"]["GetItem"] >= 2
    assert counted["calls"]["dynamodb"]["TransactWriteItems"] >= 1
    mine = counted["dynamodb_capacity"]["by_table"][name]
    assert mine["write_units"] == 2 + 2  # 2 KB put: 2 units; a small transactional put: 2 units
    assert mine["read_units"] == 1 + 0.5  # one strong, one eventual read under 4 KB
    assert counted["since"].endswith("Z")


def test_lambda_invocations_and_state_transitions_are_counted(stack: LocalStack, aws: Any) -> None:
    # Given zeroed counters and a two-state machine
    sfn = aws("stepfunctions")
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}
    machine = sfn.create_state_machine(
        name=f"count-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/x",
    )["stateMachineArn"]
    http("DELETE", f"{stack.aws_url}/_local/calls")
    # When it runs once, and a function is invoked through the Lambda API
    arn = sfn.start_execution(stateMachineArn=machine, name=f"c-{uuid.uuid4().hex[:8]}")["executionArn"]
    wait_for(
        lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING" or None,
        20.0,
        what="the execution",
    )
    assert stack.model is not None
    function = stack.model.functions["InventoryReadFunction"]
    aws("lambda").invoke(FunctionName=function.name, Payload=b"{}")
    # Then both states entered are billed transitions, and the invocation is counted by logical id
    counted = http("GET", f"{stack.aws_url}/_local/calls").body
    assert counted["state_transitions"] >= 2
    assert counted["calls"]["stepfunctions"]["StartExecution"] == 1
    assert counted["calls"]["lambda"]["Invoke"] >= 1
    assert counted["lambda_invocations"]["InventoryReadFunction"] >= 1
    # And the in-process accessor answers the same document
    assert stack.endpoint is not None
    assert stack.endpoint.calls()["calls"]["stepfunctions"]["StartExecution"] == 1


def test_the_profile_endpoint_samples_the_stack_threads(stack: LocalStack) -> None:
    # When the stack is profiled for a short while
    profile = http("GET", f"{stack.aws_url}/_local/profile?seconds=0.5", timeout=30).body
    # Then it answers its samples, the top functions and the cost centres
    assert profile["samples"] >= 0 and profile["ticks"] > 0
    for line in profile["top"]:
        assert set(line) == {"function", "self_share", "total_share"}
        assert ":" in line["function"] and 0 <= line["self_share"] <= line["total_share"] <= 1
    assert isinstance(profile["cost_centres"], list)


def test_an_unknown_local_route_is_a_404(stack: LocalStack) -> None:
    assert http("GET", f"{stack.aws_url}/_local/nothing").status == 404
