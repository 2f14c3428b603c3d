"""A fixture template's state machine, queue and schedule run their functions through the local runtime.

Uses a fixture template (tests/fixtures/sandbox_app) in a child-process stack, since moto's
backends are process-global and the session stack already holds the real template.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import ROOT, StackProcess, aws_client, http, wait_for

FIXTURE = ROOT / "tests" / "fixtures" / "sandbox_app" / "template.yaml"


@pytest.fixture(scope="module")
def fixture_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    state = tmp_path_factory.mktemp("fixture") / "state.json"
    args = ("--template", str(FIXTURE), "--parameter", "FirstMark=from-parameter", "--schedule-every", "0.5")
    with StackProcess(state, *args) as proc:
        yield proc


def finished(sfn: Any, arn: str) -> dict[str, Any] | None:
    description = sfn.describe_execution(executionArn=arn)
    return description if description["status"] != "RUNNING" else None


def test_tasks_run_in_isolated_sandboxes_with_their_own_environment(fixture_stack: StackProcess) -> None:
    sfn = aws_client("stepfunctions", fixture_stack.aws_url)
    ddb = aws_client("dynamodb", fixture_stack.aws_url)
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    # Given an execution that runs two functions and then waits for a callback
    arn = sfn.start_execution(stateMachineArn=machine, name="iso-1", input=json.dumps({"hold_seconds": 30}))[
        "executionArn"
    ]
    # When the callback token arrives (stored by the third function) and is answered
    token = wait_for(
        lambda: ddb.get_item(TableName=table_name(ddb), Key={"id": {"S": "iso-1"}}).get("Item"),
        timeout=30,
        what="the task token",
    )["token"]["S"]
    sfn.send_task_success(taskToken=token, output=json.dumps({"decision": "confirm"}))
    done = wait_for(lambda: finished(sfn, arn), timeout=30, what="the execution to finish")
    # Then it succeeded, and each function saw only its own environment in its own process
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    first, second = output["first"], output["second"]
    assert first["mark"] == "from-parameter" and first["only_second"] is None
    assert second["mark"] == "second-value" and second["only_second"].startswith("us-east-1-")
    assert first["shared"] == second["shared"] == "from-globals"
    assert first["pid"] != second["pid"]
    assert output["decision"] == {"decision": "confirm"}


def test_callback_timeout_from_input_is_caught_as_states_timeout(fixture_stack: StackProcess) -> None:
    sfn = aws_client("stepfunctions", fixture_stack.aws_url)
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    started = time.monotonic()
    arn = sfn.start_execution(
        stateMachineArn=machine, name="timeout-1", input=json.dumps({"hold_seconds": 2})
    )["executionArn"]
    done = wait_for(lambda: finished(sfn, arn), timeout=30, what="the hold to time out")
    elapsed = time.monotonic() - started
    assert done["status"] == "SUCCEEDED"
    output = json.loads(done["output"])
    assert output["outcome"] == "EXPIRED"
    assert output["timeout"]["Error"] == "States.Timeout"
    assert elapsed >= 2


def test_sqs_events_reach_the_consumer_and_failures_go_to_the_dead_letter_queue(
    fixture_stack: StackProcess,
) -> None:
    sqs = aws_client("sqs", fixture_stack.aws_url)
    ddb = aws_client("dynamodb", fixture_stack.aws_url)
    urls = sqs.list_queues()["QueueUrls"]
    intake = next(u for u in urls if u.endswith("IntakeQueue"))
    dead = next(u for u in urls if u.endswith("IntakeDeadLetters"))
    # Given one good and one failing message
    sqs.send_message(QueueUrl=intake, MessageBody="hello")
    sqs.send_message(QueueUrl=intake, MessageBody="fail-me")
    # Then the good one is consumed once, and its note is in the local SNS feed
    item = wait_for(
        lambda: ddb.get_item(TableName=table_name(ddb), Key={"id": {"S": "msg-hello"}}).get("Item"),
        timeout=30,
        what="the consumed message",
    )
    assert item["source"]["S"] == "aws:sqs"
    feed = wait_for(
        lambda: [
            m
            for m in http("GET", f"{fixture_stack.api_url}/_local/sns").body["messages"]
            if m["message"] == "hello"
        ],
        timeout=10,
        what="the published note",
    )
    assert feed[0]["subject"] == "consumed"
    # And the failing one is retried until the redrive policy moves it to the dead-letter queue
    moved = wait_for(
        lambda: sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=1).get("Messages"),
        timeout=30,
        what="the dead-lettered message",
    )
    assert moved[0]["Body"] == "fail-me"


def test_schedules_invoke_their_function_with_a_scheduled_event(fixture_stack: StackProcess) -> None:
    ddb = aws_client("dynamodb", fixture_stack.aws_url)

    def ticks() -> dict[str, Any] | None:
        item = ddb.get_item(TableName=table_name(ddb), Key={"id": {"S": "ticks"}}).get("Item")
        return item if item and int(item["count"]["N"]) >= 2 else None

    item = wait_for(ticks, timeout=30, what="two scheduled ticks")
    assert item["detail_type"]["S"] == "Scheduled Event"


def table_name(ddb: Any) -> str:
    names = ddb.list_tables()["TableNames"]
    assert len(names) == 1
    return str(names[0])
