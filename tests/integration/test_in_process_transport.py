"""The stack's own AWS calls (the Step Functions interpreter's tasks, the event-source pollers) reach
its endpoint in process: the same request, the same answer, the same counters, and no socket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from local_stack import in_process, moto_fixes
from local_stack.stack import LocalStack, free_port

SEEN: list[dict[str, Any]] = []


def _echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers DescribeTable with the table named in the request, and keeps what it was given."""
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    SEEN.append({**{k: v for k, v in environ.items() if isinstance(v, str)}, "body": body})
    name = json.loads(body)["TableName"]
    data = json.dumps({"Table": {"TableName": name, "TableStatus": "ACTIVE", "ItemCount": 3}}).encode()
    start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", "r-1")])
    return [data]


def _client(service: str, port: int) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 0}, connect_timeout=1),
    )


@pytest.fixture
def app_port() -> Iterator[int]:
    port = free_port()  # nothing listens there: only the in-process app can answer
    in_process.serve(port, _echo_app)
    SEEN.clear()
    yield port
    in_process.forget(port)


def test_a_request_reaches_the_app_as_a_server_would_pass_it(app_port: int) -> None:
    # Given a client attached to a port served in process
    client = in_process.attach(_client("dynamodb", app_port), app_port)
    # When it calls the API
    answer = client.describe_table(TableName="Stock Table")
    # Then the app's answer is parsed as usual
    assert answer["Table"] == {"TableName": "Stock Table", "TableStatus": "ACTIVE", "ItemCount": 3}
    assert answer["ResponseMetadata"]["RequestId"] == "r-1"
    # and the app saw the request as a WSGI server hands it over
    (request,) = SEEN
    assert request["REQUEST_METHOD"] == "POST"
    assert request["PATH_INFO"] == "/"
    assert request["HTTP_X_AMZ_TARGET"] == "DynamoDB_20120810.DescribeTable"
    assert request["CONTENT_TYPE"] == "application/x-amz-json-1.0"
    assert request["HTTP_HOST"] == f"127.0.0.1:{app_port}"
    assert "us-east-1/dynamodb/aws4_request" in request["HTTP_AUTHORIZATION"]
    assert json.loads(request["body"]) == {"TableName": "Stock Table"}


def test_a_forgotten_port_goes_over_the_network_again(app_port: int) -> None:
    # Given a client attached to a port whose app is gone
    client = in_process.attach(_client("dynamodb", app_port), app_port)
    in_process.forget(app_port)
    # When it calls, then it tries the port itself (where nothing listens)
    with pytest.raises(EndpointConnectionError):
        client.describe_table(TableName="t")
    assert SEEN == []


def test_the_interpreters_lambda_invoke_runs_in_process(stack: LocalStack, monkeypatch: Any) -> None:
    # Given the client the Step Functions interpreter uses for Lambda tasks, with sockets refused
    client = moto_fixes._executor_client("us-east-1", "lambda", False, stack.options.aws_port)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a task call opened a connection")

    monkeypatch.setattr("urllib3.connection.HTTPConnection.connect", refuse)
    assert stack.endpoint is not None and stack.runtime is not None
    before = stack.endpoint.calls()["calls"].get("lambda", {}).get("Invoke", 0)
    # When it invokes a function of the template (one that answers without AWS calls)
    function = stack.runtime.resolve("ReserveTaskFunction")
    assert function is not None
    answer = client.invoke(FunctionName=function.arn, Payload=json.dumps({"not": "a reservation"}))
    # Then the function ran in its sandbox and its answer is the usual streaming payload
    payload = json.loads(answer["Payload"].read())
    assert answer["StatusCode"] == 200
    assert answer.get("FunctionError") == "Unhandled"  # a malformed task input is refused by name
    assert payload["errorType"]
    # and the call was counted as one Lambda Invoke
    assert stack.endpoint.calls()["calls"]["lambda"]["Invoke"] == before + 1


def test_the_stacks_own_clients_run_in_process(stack: LocalStack, monkeypatch: Any) -> None:
    # Given a client the stack makes for itself (its pollers' kind), with sockets refused
    client = stack.client("dynamodb", counted=False)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the stack's own call opened a connection")

    monkeypatch.setattr("urllib3.connection.HTTPConnection.connect", refuse)
    # When it lists the tables, then it gets the template's tables all the same
    names = client.list_tables()["TableNames"]
    assert stack.table("InventoryTable").name in names


def _error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    return {
        "code": response["Error"]["Code"],
        "message": response["Error"]["Message"],
        "status": response["ResponseMetadata"]["HTTPStatusCode"],
    }


def test_the_interpreters_invoke_errors_are_botocores(stack: LocalStack) -> None:
    # Given the interpreter's Lambda client and a botocore client over the port (neither retrying)
    direct = moto_fixes._executor_client("us-east-1", "lambda", False, stack.options.aws_port)
    over_http = _client("lambda", stack.options.aws_port)
    assert stack.endpoint is not None
    # When each invokes a function that does not exist
    missing = [
        _error_of(lambda c=c: c.invoke(FunctionName="no-such-function", Payload=b"{}"))
        for c in (direct, over_http)
    ]
    # Then both raise the same error
    assert missing[0] == missing[1] and missing[0]["status"] == 404
    # And when Lambda throttles the call (an injected fault), both raise it the same way
    function = stack.runtime.resolve("ReserveTaskFunction") if stack.runtime else None
    assert function is not None
    rule = {"target": "aws", "service": "lambda", "action": "Invoke", "status": 429, "match": "throttle-me"}
    throttled = []
    for client in (direct, over_http):
        stack.endpoint.faults.add({**rule, "error": "TooManyRequestsException"})
        invoke = partial(client.invoke, FunctionName=function.arn, Payload=b'{"throttle-me": 1}')
        throttled.append(_error_of(invoke))
    stack.endpoint.faults.clear()
    assert [{**t, "message": t["message"].split()[:2]} for t in throttled] == [
        {"code": "TooManyRequestsException", "message": ["injected", "fault"], "status": 429}
    ] * 2
    assert throttled[0]["code"] == "TooManyRequestsException" and throttled[0]["status"] == 429
