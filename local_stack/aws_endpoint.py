"""The local AWS endpoint: moto's server, with Lambda invocations answered by our own runtime.

moto without Docker cannot run handler code, and its Step Functions executor calls Lambda at
`http://localhost:$MOTO_PORT`. This WSGI app sits in front of moto on that port: a Lambda Invoke
for a template function runs in our runtime; every other request goes to moto unchanged. It also
notes SNS publishes (for the local message feed) and DynamoDB writes (so snapshots run only after
a change), and counts every call (`GET /_local/calls`, see `call_counter.py`).

Local routes on this port (not AWS APIs, never counted):
- `GET /_local/calls`: calls by service and action, Lambda invocations by logical id, billed state
  transitions, DynamoDB consumed capacity; `DELETE /_local/calls` zeroes them (and answers zeros);
- `GET /_local/profile?seconds=N`: where this process's threads spend their time (`profiler.py`);
- `GET /_local/timeline?seconds=N`: when each gateway request, Lambda invocation and AWS call began
  and ended over the next N seconds (`timeline.py`).
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

from moto.server import DomainDispatcherApplication, create_backend_app

from local_stack import moto_fixes, profiler
from local_stack.call_counter import CallCounter, item_size, read_units, stored_item_size, write_units
from local_stack.fair_lock import FairLock
from local_stack.faults import Faults
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.timeline import TIMELINE

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations/?$")
_DDB_WRITES = (
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "ExecuteStatement",
)

_DDB_READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")
# Requests carrying this header are the local stack's own bookkeeping (restoring a snapshot), which
# does not exist on AWS: they are not counted.
UNCOUNTED_HEADER = "x-local-stack-uncounted"
_UNCOUNTED_ENVIRON = "HTTP_" + UNCOUNTED_HEADER.upper().replace("-", "_")
# X-Amz-Target prefixes (JSON protocols) and SigV4 signing names that differ from the service.
_TARGET_SERVICES = {
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
    "AWSStepFunctions": "stepfunctions",
    "AmazonSQS": "sqs",
    "AWSEvents": "events",
    "Logs_20140328": "logs",
    "AmazonSSM": "ssm",
    "secretsmanager": "secretsmanager",
    "AWSKinesisFirehose": "firehose",
    "Kinesis_20131202": "kinesis",
}
_SIGNING_SERVICES = {"states": "stepfunctions", "execute-api": "apigateway", "monitoring": "cloudwatch"}
_SCOPE = re.compile(r"Credential=[^/]*/[^/]*/(?P<region>[^/]*)/(?P<service>[^/]*)/")
_ACTION = re.compile(r"(?:^|&)Action=(?P<action>[A-Za-z0-9]+)")

StartResponse = Callable[..., Any]


def _json(data: bytes) -> Any:
    try:
        return json.loads(data or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}


def _seconds(environ: dict[str, Any], default: float = 5.0) -> float:
    """A local route's `?seconds=N` (the default when absent or not a number)."""
    try:
        return float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", [default])[0])
    except ValueError:
        return default


def _span_name(environ: dict[str, Any]) -> str:
    """The action of a call, as far as its headers tell (a form-encoded body names its own)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rpartition(".")[2]
    if _INVOKE.match(environ.get("PATH_INFO", "")):
        return "Invoke"
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return f"{environ.get('REQUEST_METHOD', 'GET')} {scope.group('service') if scope else 'unknown'}"


def _dynamodb_backend(region: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region]


def _index_keys(table: Any, item: Any) -> list[tuple[Any, ...] | None]:
    keys: list[tuple[Any, ...] | None] = []
    for index in table.global_indexes or []:
        names = [k["AttributeName"] for k in index.schema]
        if item is None or any(name not in item.attrs for name in names):
            keys.append(None)
        else:
            keys.append(tuple((item.attrs[n].type, str(item.attrs[n].value)) for n in names))
    return keys


class _Write:
    """One item a write request touches: its size and index keys before, to price the write after."""

    __slots__ = ("indexes_before", "key", "name", "size_before", "table", "transactional")

    def __init__(self, table: Any, name: str, key: dict[str, Any], transactional: bool) -> None:
        item = moto_fixes.stored_item(table, key)
        self.table, self.name, self.key, self.transactional = table, name, key, transactional
        self.size_before = stored_item_size(item)
        self.indexes_before = _index_keys(table, item)

    def units(self, succeeded: bool) -> float:
        item = moto_fixes.stored_item(self.table, self.key)
        size = max(self.size_before, stored_item_size(item) if succeeded else 0)
        units = write_units(size, self.transactional)
        if succeeded:
            for before, after in zip(self.indexes_before, _index_keys(self.table, item), strict=True):
                if before is not None or after is not None:
                    changed = before is not None and after is not None and before != after
                    units += write_units(size) * (2 if changed else 1)
        return units


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
    def __init__(self, runtime: LambdaRuntime, feed: SnsFeed, region: str = "us-east-1") -> None:
        self.runtime = runtime
        self.feed = feed
        self.region = region
        moto_fixes.apply_all()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.dynamodb_writes = 0
        self.counter = CallCounter()
        runtime.listeners.append(self.counter.lambda_invoked)
        moto_fixes.state_transition_listeners[:] = [self.counter.state_transition]
        # moto applies a transaction's actions one by one: a request running meanwhile could read
        # the half-done transaction (or its stream records), or have its own write undone when the
        # transaction is rolled back. DynamoDB requests therefore reach moto one at a time, in the
        # order they arrived (a plain Lock lets a few requests wait far longer than the rest).
        self._dynamodb_lock = FairLock()
        self.faults = runtime.faults = Faults()  # only tests add rules (`/_local/faults`)

    def calls(self) -> dict[str, Any]:
        """The counters (`GET /_local/calls`)."""
        return self.counter.document()

    def reset_calls(self) -> dict[str, Any]:
        """Zeroes the counters (`DELETE /_local/calls`) and answers the zeroed document."""
        self.counter.reset()
        return self.counter.document()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_local/"):
            return self._local(path, environ, start_response)
        if TIMELINE.recording:
            span = TIMELINE.begin("aws", _span_name(environ))
            try:
                return self._faulted_or_served(environ, start_response)
            finally:
                TIMELINE.end(span)
        return self._faulted_or_served(environ, start_response)

    def _faulted_or_served(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.faults.active:
            injected = self.faults.intercept(environ, self._read_body(environ), start_response, self._serve)
            if injected is not None:
                return injected
        return self._serve(environ, start_response)

    def _serve(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        counted = _UNCOUNTED_ENVIRON not in environ
        match = _INVOKE.match(path)
        if match and environ["REQUEST_METHOD"] == "POST":
            if counted:
                self.counter.call("lambda", "Invoke")
            spec = self.runtime.resolve(unquote(match.group("name")))
            if spec is not None:
                return self._invoke(spec.name, environ, start_response)
            return self.moto(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB"):  # DynamoDB_20120810.* and DynamoDBStreams_20120810.*
            prefix, _, action = target.partition(".")
            if prefix.startswith("DynamoDBStreams"):
                if counted:
                    self.counter.call("dynamodbstreams", action)
                with self._dynamodb_lock:
                    return list(self.moto(environ, start_response))
            return self._dynamodb(action, environ, start_response, counted)
        if target:
            prefix, _, action = target.partition(".")
            if counted:
                self.counter.call(_TARGET_SERVICES.get(prefix, prefix.lower()), action)
            return self.moto(environ, start_response)
        if environ["REQUEST_METHOD"] == "POST" and "/sns/aws4_request" in environ.get(
            "HTTP_AUTHORIZATION", ""
        ):
            return self._sns(environ, start_response, counted)
        if counted and not path.startswith("/moto-api"):
            self._count_other(environ)
        return self.moto(environ, start_response)

    # -- counting ----------------------------------------------------------------------------------
    def _count_other(self, environ: dict[str, Any]) -> None:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group("service") if scope else "unknown"
        service = _SIGNING_SERVICES.get(service, service)
        action = None
        found = _ACTION.search(environ.get("QUERY_STRING", ""))
        if found is None and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            found = _ACTION.search(self._read_body(environ).decode("utf-8", "replace"))
        if found is not None:
            action = found.group("action")
        if action is None:
            action = f"{environ.get('REQUEST_METHOD', 'GET')} {service}"
        self.counter.call(service, action)

    def _region(self, environ: dict[str, Any]) -> str:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        return scope.group("region") if scope else self.region

    def _dynamodb(
        self, action: str, environ: dict[str, Any], start_response: StartResponse, counted: bool
    ) -> Iterable[bytes]:
        if counted:
            self.counter.call("dynamodb", action)
        metered = counted and (action in _DDB_WRITES or action in _DDB_READS)
        request = _json(self._read_body(environ)) if metered else {}
        captured: dict[str, str] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            captured["status"] = status
            return start_response(status, headers, *args)

        with self._dynamodb_lock:
            if action in _DDB_WRITES:
                self.dynamodb_writes += 1
            writes = self._writes(action, request, environ) if metered and action in _DDB_WRITES else []
            chunks = list(self.moto(environ, capture))
            succeeded = captured.get("status", "").startswith("200")
            for write in writes:
                self.counter.capacity(write.name, write=write.units(succeeded))
        if metered and action in _DDB_READS and succeeded:
            self._meter_reads(action, request, _json(b"".join(chunks)))
        return chunks

    def _writes(self, action: str, request: dict[str, Any], environ: dict[str, Any]) -> list[_Write]:
        try:
            backend = _dynamodb_backend(self._region(environ))
            found: list[_Write] = []

            def add(name: str, op_type: str, op: dict[str, Any], transactional: bool) -> None:
                table = backend.tables.get(name)
                if table is not None:
                    found.append(_Write(table, name, moto_fixes.item_key(table, op_type, op), transactional))

            if action in ("PutItem", "UpdateItem", "DeleteItem"):
                add(request["TableName"], "Put" if action == "PutItem" else "Key", request, False)
            elif action == "BatchWriteItem":
                for name, requests in request.get("RequestItems", {}).items():
                    for entry in requests:
                        if "PutRequest" in entry:
                            add(name, "Put", entry["PutRequest"], False)
                        elif "DeleteRequest" in entry:
                            add(name, "Key", entry["DeleteRequest"], False)
            elif action == "TransactWriteItems":
                for entry in request.get("TransactItems", []):
                    for op_type, op in entry.items():
                        add(op["TableName"], op_type, op, True)
            return found
        except (KeyError, TypeError, AttributeError, ValueError):
            return []  # a malformed request: moto answers it, nothing to price

    def _meter_reads(self, action: str, request: dict[str, Any], response: dict[str, Any]) -> None:
        try:
            if action == "GetItem":
                size = item_size(response.get("Item"))
                consistent = bool(request.get("ConsistentRead"))
                self.counter.capacity(request["TableName"], read=read_units(size, consistent))
            elif action in ("Query", "Scan"):
                size = sum(item_size(item) for item in response.get("Items", []))
                consistent = bool(request.get("ConsistentRead")) and "IndexName" not in request
                self.counter.capacity(request["TableName"], read=read_units(size, consistent))
            elif action == "BatchGetItem":
                for name, items in response.get("Responses", {}).items():
                    consistent = bool(request.get("RequestItems", {}).get(name, {}).get("ConsistentRead"))
                    for item in items:
                        self.counter.capacity(name, read=read_units(item_size(item), consistent))
            elif action == "TransactGetItems":
                gets = request.get("TransactItems", [])
                for entry, answer in zip(gets, response.get("Responses", []), strict=False):
                    size = item_size((answer or {}).get("Item"))
                    self.counter.capacity(entry["Get"]["TableName"], read=read_units(size, True, True))
        except (KeyError, TypeError, AttributeError):
            pass

    # -- local routes ------------------------------------------------------------------------------
    def _local(self, path: str, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if path.rstrip("/") == "/_local/calls" and method in ("GET", "DELETE"):
            body: Any = self.reset_calls() if method == "DELETE" else self.calls()
        elif path.rstrip("/") == "/_local/profile" and method == "GET":
            body = profiler.sample(_seconds(environ))
        elif path.rstrip("/") == "/_local/timeline" and method == "GET":
            body = TIMELINE.record(_seconds(environ))
        elif path.rstrip("/") == "/_local/faults":
            status, body = self.faults.route(method, self._read_body(environ))
            data = json.dumps(body).encode()
            start_response(f"{status} Faults", [("Content-Type", "application/json")])
            return [data]
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [json.dumps({"message": f"no local route {method} {path}"}).encode()]
        data = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    # -- state ---------------------------------------------------------------------------------------
    def dump_tables(self, names: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Every item of the named tables, read from moto directly (no requests, nothing counted).

        Each table is read under the DynamoDB lock (so never half a transaction), one at a time,
        so requests wait at most one table's copy."""
        dumped: dict[str, list[dict[str, Any]]] = {}
        backend = _dynamodb_backend(self.region)
        for name in names:
            with self._dynamodb_lock:
                table = backend.tables.get(name)
                if table is None:
                    continue
                items = []
                for bucket in list(table.items.values()):
                    for item in bucket.values() if table.range_key_attr is not None else [bucket]:
                        items.append(item.to_json()["Attributes"])
                dumped[name] = items
        return dumped

    def trim_stream(self, stream_arn: str, through_sequence: int) -> int:
        """Drops a table stream's records up to `through_sequence` (read by every consumer)."""
        try:
            name = stream_arn.split(":", 5)[5].split("/")[1]
        except IndexError:
            return 0
        with self._dynamodb_lock:
            table = _dynamodb_backend(self.region).tables.get(name)
            shard = getattr(table, "stream_shard", None)
            if shard is None:
                return 0
            return moto_fixes.trim_stream_shard(shard, through_sequence)

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

    def _sns(self, environ: dict[str, Any], start_response: StartResponse, counted: bool) -> Iterable[bytes]:
        body = self._read_body(environ)
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        action = form.get("Action", [""])[0]
        if counted:
            self.counter.call("sns", action or "POST sns")
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
