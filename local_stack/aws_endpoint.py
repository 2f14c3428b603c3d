"""The local AWS endpoint: moto's server, with Lambda invocations answered by our own runtime.

moto without Docker cannot run handler code, and its Step Functions executor calls Lambda at
`http://localhost:$MOTO_PORT`. This WSGI app sits in front of moto on that port: a Lambda Invoke
for a template function runs in our runtime; every other request goes to moto unchanged. It also
notes SNS publishes (for the local message feed) and DynamoDB writes (so snapshots run only after
a change).
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.etree import ElementTree

from moto.core.responses import ActionResult, EmptyResult
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.stepfunctions.responses import StepFunctionResponse

from local_stack.lambda_runtime import LambdaRuntime
from local_stack.moto_fixes import keep_streams_across_rollbacks

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_DDB_WRITES = (
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "ExecuteStatement",
)

StartResponse = Callable[..., Any]


def _send_task_failure_with_cause(self: StepFunctionResponse) -> ActionResult:
    """moto's SendTaskFailure drops `cause` (its executor supports it): pass it on, as AWS does."""
    backend: Any = self.stepfunction_backend
    error, cause = self._get_param("error"), self._get_param("cause")
    try:
        backend.send_task_failure(self._get_param("taskToken"), error=error, cause=cause)
    except TypeError:  # the non-executing backend takes no cause
        backend.send_task_failure(self._get_param("taskToken"), error=error)
    return EmptyResult()


StepFunctionResponse.send_task_failure = _send_task_failure_with_cause  # type: ignore[method-assign]


class SnsFeed:
    """The last messages published to SNS topics, newest last."""

    def __init__(self, limit: int = 500) -> None:
        self._messages: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.listeners: list[Callable[[dict[str, Any]], None]] = []

    def add(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._messages.append(message)
        for listener in self.listeners:
            listener(message)

    def messages(self, topic_arn: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self._messages if topic_arn is None or m["topic_arn"] == topic_arn]

    def restore(self, messages: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._messages.extend(messages)


def _sns_attributes(form: dict[str, list[str]], prefix: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    index = 1
    while f"{prefix}.entry.{index}.Name" in form:
        name = form[f"{prefix}.entry.{index}.Name"][0]
        value = form.get(f"{prefix}.entry.{index}.Value.StringValue", [""])[0]
        attributes[name] = value
        index += 1
    return attributes


class AwsEndpoint:
    def __init__(self, runtime: LambdaRuntime, feed: SnsFeed) -> None:
        self.runtime = runtime
        self.feed = feed
        keep_streams_across_rollbacks()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.dynamodb_writes = 0
        # moto applies a transaction's actions one by one and, if one fails, restores whole tables:
        # a request running meanwhile could read the half-done transaction (or its stream records)
        # or have its own write undone. DynamoDB requests therefore reach moto one at a time.
        self._dynamodb_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        match = _INVOKE.match(path)
        if match and environ["REQUEST_METHOD"] == "POST":
            spec = self.runtime.resolve(unquote(match.group("name")))
            if spec is not None:
                return self._invoke(spec.name, environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB"):  # DynamoDB_20120810.* and DynamoDBStreams_20120810.*
            with self._dynamodb_lock:
                if target.startswith("DynamoDB_") and target.split(".", 1)[-1] in _DDB_WRITES:
                    self.dynamodb_writes += 1
                return list(self.moto(environ, start_response))
        if environ["REQUEST_METHOD"] == "POST" and "/sns/aws4_request" in environ.get(
            "HTTP_AUTHORIZATION", ""
        ):
            return self._sns(environ, start_response)
        return self.moto(environ, start_response)

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _invoke(self, name: str, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = self._read_body(environ)
        try:
            event = json.loads(body or b"{}")
        except json.JSONDecodeError:
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"Type":"User","message":"Could not parse request body into json"}']
        invocation_type = environ.get("HTTP_X_AMZ_INVOCATION_TYPE", "RequestResponse")
        request_id = str(uuid.uuid4())
        if invocation_type == "Event":
            threading.Thread(target=self.runtime.invoke, args=(name, event), daemon=True).start()
            start_response("202 Accepted", [("x-amzn-RequestId", request_id)])
            return [b""]
        if invocation_type == "DryRun":
            start_response("204 No Content", [("x-amzn-RequestId", request_id)])
            return [b""]
        result = self.runtime.invoke(name, event)
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", request_id),
            ("X-Amz-Executed-Version", "$LATEST"),
        ]
        if result.function_error:
            headers.append(("X-Amz-Function-Error", result.function_error))
        if environ.get("HTTP_X_AMZ_LOG_TYPE") == "Tail":
            headers.append(("X-Amz-Log-Result", base64.b64encode(b"").decode()))
        start_response("200 OK", headers)
        return [result.payload]

    def _sns(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = self._read_body(environ)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        action = form.get("Action", [""])[0]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            captured["status"] = status
            return start_response(status, headers, *args)

        chunks = list(self.moto(environ, capture))
        if action in ("Publish", "PublishBatch") and str(captured.get("status", "")).startswith("200"):
            self._record(action, form, b"".join(chunks))
        return chunks

    def _record(self, action: str, form: dict[str, list[str]], response: bytes) -> None:
        topic = form.get("TopicArn", form.get("TargetArn", [""]))[0]
        # moto's own response on loopback, not untrusted input
        ids = [el.text for el in ElementTree.fromstring(response).iter() if el.tag.endswith("MessageId")]  # noqa: S314
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if action == "Publish":
            entries = [("", form)]
        else:
            count = len({k.split(".")[2] for k in form if k.startswith("PublishBatchRequestEntries.member.")})
            entries = [(f"PublishBatchRequestEntries.member.{i}.", form) for i in range(1, count + 1)]
        for index, (prefix, fields) in enumerate(entries):
            self.feed.add(
                {
                    "message_id": ids[index] if index < len(ids) else str(uuid.uuid4()),
                    "topic_arn": topic,
                    "subject": fields.get(f"{prefix}Subject", [None])[0],
                    "message": fields.get(f"{prefix}Message", [""])[0],
                    "attributes": _sns_attributes(fields, f"{prefix}MessageAttributes"),
                    "published_at": now,
                }
            )
