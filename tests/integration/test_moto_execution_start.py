"""moto fixes for starting executions: the definition is parsed once, JSONPaths are compiled once,
and StartExecution answers without waiting for the execution's thread (session stack, real moto)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from local_stack import moto_fixes
from local_stack.stack import LocalStack
from tests.support import wait_for

ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/local"
PASS_THROUGH = {
    "StartAt": "Copy",
    "States": {
        "Copy": {"Type": "Pass", "Parameters": {"copied.$": "$.value"}, "ResultPath": "$.out", "End": True}
    },
}


def _run(sfn: Any, machine: str, value: int) -> dict[str, Any]:
    arn = sfn.start_execution(
        stateMachineArn=machine, name=uuid.uuid4().hex, input=json.dumps({"value": value})
    )["executionArn"]

    def done() -> dict[str, Any] | None:
        found: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        return found if found["status"] != "RUNNING" else None

    return wait_for(done, timeout=20, what=f"{arn} to finish")


def test_executions_of_one_definition_share_its_program_and_keep_their_own_state(
    stack: LocalStack, aws: Any
) -> None:
    # Given a state machine, and the parse cache as it is now
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"parse-{uuid.uuid4().hex[:8]}", definition=json.dumps(PASS_THROUGH), roleArn=ROLE
    )["stateMachineArn"]
    program_of = ExecutionWorker._get_evaluation_entrypoint.__closure__  # the patched entrypoint's cache
    assert program_of is not None, "the entrypoint is the local stack's (build once)"
    # When it runs three times with different inputs
    results = [_run(sfn, machine, n) for n in (1, 2, 3)]
    # Then each execution computed its own output from one built program
    assert [json.loads(r["output"])["out"]["copied"] for r in results] == [1, 2, 3]
    cache = next(cell.cell_contents for cell in program_of if hasattr(cell.cell_contents, "cache_info"))
    assert cache.cache_info().misses >= 1 and cache.cache_info().hits >= 2


RETRIED = {
    "StartAt": "Fail",
    "States": {
        "Fail": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "no-such-function", "Payload": {"n.$": "$.value"}},
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Literal"}],
            "End": True,
        },
        "Literal": {"Type": "Pass", "Result": {"seen": []}, "ResultPath": "$.literal", "End": True},
    },
}


def _attempts(sfn: Any, arn: str) -> int:
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return sum(1 for e in events if e["type"] == "TaskScheduled")


def test_concurrent_executions_of_one_program_keep_their_own_retries_and_literals(
    stack: LocalStack, aws: Any
) -> None:
    # Given a definition whose task always fails, is retried twice, then caught into a literal Result
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"retry-{uuid.uuid4().hex[:8]}", definition=json.dumps(RETRIED), roleArn=ROLE
    )["stateMachineArn"]
    # When four executions run it at the same time
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda n: _run(sfn, machine, n), range(4)))
    # Then each made exactly its own three attempts (its retry count was never another's)
    assert [r["status"] for r in results] == ["SUCCEEDED"] * 4
    assert [_attempts(sfn, r["executionArn"]) for r in results] == [3, 3, 3, 3]
    # and each got the literal as written
    assert all(json.loads(r["output"])["literal"] == {"seen": []} for r in results)


def test_json_paths_are_compiled_once_per_text() -> None:
    first = json_path.extract_json("$.a.b", {"a": {"b": 1}})
    info_before = json_path.parse.cache_info()  # type: ignore[attr-defined]
    second = json_path.extract_json("$.a.b", {"a": {"b": 2}})
    assert (first, second) == (1, 2)
    assert json_path.parse.cache_info().hits == info_before.hits + 1  # type: ignore[attr-defined]


def test_starting_an_execution_does_not_wait_for_its_thread() -> None:
    # Given an execution whose logic cannot run until it is released
    release, ran = threading.Event(), threading.Event()

    class Held:
        def _execution_logic(self) -> None:
            release.wait(10)
            ran.set()

    # When it is started, the call returns while the logic has not run
    ExecutionWorker.start(Held())  # type: ignore[arg-type]
    assert not ran.is_set()
    # Then the logic runs on its own thread once it may
    release.set()
    assert ran.wait(10)


def test_an_execution_begins_a_moment_after_its_start_answered() -> None:
    # Given an execution that notes when its logic begins
    began: list[float] = []
    ran = threading.Event()

    class Noted:
        def _execution_logic(self) -> None:
            began.append(time.monotonic())
            ran.set()

    # When it is started
    started = time.monotonic()
    ExecutionWorker.start(Noted())  # type: ignore[arg-type]
    # Then its logic begins no sooner than the start delay, so the answer goes back first
    assert ran.wait(10)
    assert began[0] - started >= moto_fixes.EXECUTION_START_DELAY_S > 0
