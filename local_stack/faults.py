"""Injected faults, for tests of what the product does when AWS or its own functions misbehave.

A control of the local stack only (the product's code knows nothing of it): rules are added over
`/_local/faults` on the AWS endpoint's port and fire on the next matching calls, then disarm.

- Lambda rules (`{"target": "lambda", "function": "<logical id>", "mode": ...}`) act on an
  invocation of that function (Step Functions tasks, event source batches, REST handlers):
  `error_before` / `timeout_before` answer an unhandled error or `Sandbox.Timedout` without running
  the handler; `error_after` / `timeout_after` run it (its writes happen) and then answer the error
  instead of its result, as when a function crashes or is killed after its write; `duplicate` runs
  it twice with the same event (at-least-once delivery); `reverse` runs it once with its `Records`
  in reverse order (out-of-order delivery).
- AWS rules (`{"target": "aws", "service": "dynamodb", "action": "TransactWriteItems", "error": ...}`)
  act on an AWS API request: `when: "before"` answers the error instead of the call, `"after"`
  makes the call and then answers the error (the write happened, its answer was lost). Errors:
  `ThrottlingException`, `ProvisionedThroughputExceededException`, `TransactionConflict` (a
  `TransactionCanceledException` with that cancellation reason), `InternalServerError`,
  `ServiceUnavailable`, or any other code with `status`.

Every rule may name `match`, a string that must occur in the event or request body (a reservation
or product id, so a rule never hits another test's traffic), and `count`, how many calls it fires
on (default 1). `GET /_local/faults` lists the rules and how often faults fired; `DELETE` removes
every rule.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from local_stack.lambda_runtime import FunctionSpec, InvokeResult

StartResponse = Callable[..., Any]
LambdaMode = Literal["error_before", "timeout_before", "error_after", "timeout_after", "duplicate", "reverse"]
_TARGET_SERVICES = {"DynamoDB_20120810": "dynamodb", "AWSStepFunctions": "stepfunctions", "AmazonSQS": "sqs"}
_DYNAMODB_TYPE = "com.amazonaws.dynamodb.v20120810#"
_STATUS = {"InternalServerError": 500, "ServiceUnavailable": 503, "InternalFailure": 500}


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    target: Literal["lambda", "aws"]
    function: str | None = None
    mode: LambdaMode | None = None
    error_type: str = "RuntimeError"
    service: str | None = None
    action: str | None = None
    error: str | None = None
    status: int | None = None
    when: Literal["before", "after"] = "before"
    match: str | None = None
    count: int = Field(default=1, ge=1)
    fired: int = 0

    def describe(self) -> str:
        if self.target == "lambda":
            return f"{self.function} {self.mode}"
        return f"{self.service} {self.action} {self.error} {self.when}"


class Faults:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.log: deque[dict[str, Any]] = deque(maxlen=200)

    @property
    def active(self) -> bool:
        return bool(self._rules)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = FaultRule.model_validate(spec)
        if rule.target == "lambda" and (rule.function is None or rule.mode is None):
            raise ValueError("a lambda rule names its function and mode")
        if rule.target == "aws" and (rule.service is None or rule.action is None or rule.error is None):
            raise ValueError("an aws rule names its service, action and error")
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def document(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rules": [r.model_dump() for r in self._rules],
                "injected": sum(self.injected.values()),
                "by_fault": dict(self.injected),
                "log": list(self.log),
            }

    def _take(self, wanted: Callable[[FaultRule], bool], body: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if wanted(rule) and (rule.match is None or rule.match in body):
                    rule.fired += 1
                    if rule.fired >= rule.count:
                        self._rules.remove(rule)
                    self.injected[rule.describe()] += 1
                    self.log.append({"rule": rule.id, "fault": rule.describe(), "match": rule.match})
                    return rule.model_copy()
        return None

    # -- Lambda ------------------------------------------------------------------------------------
    def invoke(
        self, spec: FunctionSpec, event: Any, run: Callable[[FunctionSpec, Any], InvokeResult]
    ) -> InvokeResult:
        """Runs one invocation through the first matching rule (or unchanged)."""
        names = {spec.logical_id, spec.name}
        rule = self._take(
            lambda r: r.target == "lambda" and r.function in names, json.dumps(event, default=str)
        )
        if rule is None:
            return run(spec, event)
        if rule.mode == "duplicate":
            run(spec, event)
            return run(spec, event)
        if rule.mode == "reverse":
            if isinstance(event, dict) and isinstance(event.get("Records"), list):
                event = {**event, "Records": list(reversed(event["Records"]))}
            return run(spec, event)
        if rule.mode in ("error_after", "timeout_after"):
            run(spec, event)
        if rule.mode in ("timeout_before", "timeout_after"):
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Task timed out after {spec.timeout_seconds:.2f} seconds",
            }
        else:
            error = {"errorType": rule.error_type, "errorMessage": f"injected fault {rule.id}"}
        return InvokeResult(json.dumps(error).encode(), "Unhandled")

    # -- AWS APIs ----------------------------------------------------------------------------------
    def intercept(
        self,
        environ: dict[str, Any],
        body: bytes,
        start_response: StartResponse,
        forward: Callable[[dict[str, Any], StartResponse], Iterable[bytes]],
    ) -> Iterable[bytes] | None:
        """Answers a request through the first matching rule; None leaves it alone."""
        prefix, _, action = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        service = _TARGET_SERVICES.get(prefix)
        if environ.get("PATH_INFO", "").startswith("/2015-03-31/functions/"):
            service, action = "lambda", "Invoke"
        if service is None:
            return None
        text = body.decode("utf-8", "replace")
        rule = self._take(lambda r: r.target == "aws" and (r.service, r.action) == (service, action), text)
        if rule is None:
            return None
        if rule.when == "after":
            list(forward(environ, lambda *_args: None))
        status, answer = self._error(rule, service, text)
        data = json.dumps(answer).encode()
        start_response(
            f"{status} Injected",
            [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(data)))],
        )
        return [data]

    @staticmethod
    def _error(rule: FaultRule, service: str, body: str) -> tuple[int, dict[str, Any]]:
        error = rule.error or "InternalServerError"
        prefix = _DYNAMODB_TYPE if service == "dynamodb" else ""
        message = f"injected fault {rule.id}"
        if error == "TransactionConflict" and service == "dynamodb":
            try:
                actions = len(json.loads(body).get("TransactItems", []))
            except (ValueError, AttributeError):
                actions = 0
            if not actions:  # a single-item write in conflict with a transaction
                return 400, {"__type": prefix + "TransactionConflictException", "message": message}
            # the contended item is the first stock record (after the reservation record), if any
            contended = 1 if actions > 1 else 0
            reasons = [
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                if index == contended
                else {"Code": "None"}
                for index in range(actions)
            ]
            codes = ", ".join(r["Code"] for r in reasons)
            return 400, {
                "__type": prefix + "TransactionCanceledException",
                "message": f"Transaction cancelled, please refer cancellation reasons [{codes}]",
                "CancellationReasons": reasons,
            }
        return rule.status or _STATUS.get(error, 400), {"__type": prefix + error, "message": message}

    # -- the control route -------------------------------------------------------------------------
    def route(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "GET":
            return 200, self.document()
        if method == "DELETE":
            self.clear()
            return 200, self.document()
        if method == "POST":
            try:
                rule = self.add(json.loads(body or b"{}"))
            except (ValueError, ValidationError) as error:
                return 400, {"message": str(error)}
            return 201, rule.model_dump()
        return 405, {"message": f"{method} not allowed"}
