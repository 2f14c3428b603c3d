"""Injected faults (`local_stack/faults.py`): each rule fires on what it matches, as often as asked."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from local_stack.faults import Faults
from local_stack.lambda_runtime import FunctionSpec, InvokeResult

SPEC = FunctionSpec(
    logical_id="ReleaseTaskFunction",
    name="local-ReleaseTaskFunction",
    arn="arn:aws:lambda:us-east-1:123456789012:function:local-ReleaseTaskFunction",
    handler="x.handler",
    code_dir=Path("."),
    environment={},
)


class Recorder:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, spec: FunctionSpec, event: Any) -> InvokeResult:
        self.events.append(event)
        return InvokeResult(b'{"ok": true}')


@pytest.mark.parametrize(
    ("mode", "runs", "error"),
    [
        ("error_before", 0, "RuntimeError"),
        ("timeout_before", 0, "Sandbox.Timedout"),
        ("error_after", 1, "RuntimeError"),
        ("timeout_after", 1, "Sandbox.Timedout"),
        ("duplicate", 2, None),
    ],
)
def test_a_lambda_rule_fails_or_repeats_the_matching_invocation(
    mode: str, runs: int, error: str | None
) -> None:
    faults, run = Faults(), Recorder()
    faults.add({"target": "lambda", "function": "ReleaseTaskFunction", "mode": mode, "match": "R-1"})
    assert faults.invoke(SPEC, {"reservation_id": "R-2"}, run).function_error is None  # not matched
    result = faults.invoke(SPEC, {"reservation_id": "R-1"}, run)
    assert len(run.events) == 1 + runs
    if error is None:
        assert result.function_error is None
    else:
        assert result.function_error == "Unhandled" and json.loads(result.payload)["errorType"] == error
    # it fired once, then disarmed
    assert faults.invoke(SPEC, {"reservation_id": "R-1"}, run).function_error is None
    assert faults.document()["injected"] == 1 and not faults.active


def test_reverse_delivers_a_batch_in_the_other_order() -> None:
    faults, run = Faults(), Recorder()
    faults.add({"target": "lambda", "function": SPEC.name, "mode": "reverse"})
    faults.invoke(SPEC, {"Records": [1, 2, 3]}, run)
    assert run.events == [{"Records": [3, 2, 1]}]


def _request(target: str, body: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    data = json.dumps(body).encode()
    return {"HTTP_X_AMZ_TARGET": target, "PATH_INFO": "/", "wsgi.input": io.BytesIO(data)}, data


def test_an_aws_rule_answers_the_error_before_or_after_the_call() -> None:
    faults = Faults()
    forwarded: list[str] = []

    def forward(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        forwarded.append(environ["HTTP_X_AMZ_TARGET"])
        start_response("200 OK", [])
        return [b"{}"]

    answers: list[str] = []
    body = {"TransactItems": [{"Put": {}}, {"Update": {}}, {"Put": {}}], "x": "R-1"}
    environ, data = _request("DynamoDB_20120810.TransactWriteItems", body)
    faults.add(
        {
            "target": "aws",
            "service": "dynamodb",
            "action": "TransactWriteItems",
            "error": "TransactionConflict",
            "when": "after",
        }
    )
    answer = faults.intercept(environ, data, lambda status, headers: answers.append(status), forward)
    assert answer is not None and forwarded == ["DynamoDB_20120810.TransactWriteItems"]
    error = json.loads(b"".join(answer))
    assert answers == ["400 Injected"]
    assert error["__type"].endswith("#TransactionCanceledException")
    assert [r["Code"] for r in error["CancellationReasons"]] == ["None", "TransactionConflict", "None"]
    # with no rule left, requests pass untouched
    assert faults.intercept(environ, data, lambda *a: None, forward) is None

    faults.add(
        {
            "target": "aws",
            "service": "stepfunctions",
            "action": "StartExecution",
            "error": "ServiceUnavailable",
            "count": 2,
        }
    )
    environ, data = _request("AWSStepFunctions.StartExecution", {"name": "R-1"})
    statuses: list[str] = []
    for attempt in range(2):
        answer = faults.intercept(environ, data, lambda status, headers: statuses.append(status), forward)
        assert answer is not None and statuses == ["503 Injected"] * (attempt + 1)
        assert json.loads(b"".join(answer))["__type"] == "ServiceUnavailable"
    assert forwarded == ["DynamoDB_20120810.TransactWriteItems"]  # "before": never forwarded


def test_the_control_route_refuses_a_rule_it_cannot_apply() -> None:
    faults = Faults()
    assert faults.route("POST", b'{"target": "lambda"}')[0] == 400
    assert faults.route("POST", b'{"target": "aws", "service": "dynamodb", "nope": 1}')[0] == 400
    status, rule = faults.route("POST", b'{"target": "lambda", "function": "F", "mode": "duplicate"}')
    assert status == 201 and faults.route("GET", b"")[1]["rules"][0]["id"] == rule["id"]
    assert faults.route("DELETE", b"")[1]["rules"] == []
