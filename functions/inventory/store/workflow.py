"""The reservation state machine as the REST handlers see it: start, describe, signal, history.

Signals go to the Hold task's token. A token that is no longer waiting answers differently on AWS
and in moto (AWS: `TaskTimedOut` after a timeout or a second use, `TaskDoesNotExist` or
`InvalidToken` for unknown tokens; moto: `InvalidToken` after a timeout and silence on a second
use). All of them mean the same thing here, `Signal.STALE`: re-read the reservation and act on it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pydantic import BaseModel

from inventory.errors import TransientStoreError

STALE_TOKEN_ERRORS = frozenset({"InvalidToken", "TaskTimedOut", "TaskDoesNotExist"})
_TRANSIENT = frozenset({"ThrottlingException", "ServiceUnavailable", "InternalServerError"})


class Signal(StrEnum):
    DELIVERED = "DELIVERED"
    STALE = "STALE"


class ExecutionOutcome(BaseModel):
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    error: str | None = None
    error_message: str | None = None


class TimelineEntry(BaseModel):
    at: str
    event: str
    state: str | None = None
    error: str | None = None
    cause: str | None = None


class Workflow(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> str: ...

    def execution_arn(self, name: str) -> str: ...

    def outcome(self, execution_arn: str) -> ExecutionOutcome | None: ...

    def succeed(self, token: str, output: dict[str, Any]) -> Signal: ...

    def fail(self, token: str, error: str, cause: str) -> Signal: ...

    def timeline(self, execution_arn: str) -> list[TimelineEntry]: ...


def _message(cause: str | None) -> str | None:
    """A Lambda task's failure cause is JSON with `errorMessage`; others are plain text."""
    if not cause:
        return None
    try:
        parsed = json.loads(cause)
    except json.JSONDecodeError:
        return cause
    return str(parsed.get("errorMessage", cause)) if isinstance(parsed, dict) else cause


_SHOWN = {
    "ExecutionStarted",
    "TaskStateEntered",
    "PassStateEntered",
    "TaskSucceeded",
    "TaskFailed",
    "TaskTimedOut",
    "ExecutionSucceeded",
    "ExecutionFailed",
    "ExecutionTimedOut",
    "ExecutionAborted",
}


class StepFunctionsWorkflow:
    def __init__(self, sfn: Any, state_machine_arn: str) -> None:
        self._sfn = sfn
        self._machine = state_machine_arn

    def execution_arn(self, name: str) -> str:
        prefix, _, machine_name = self._machine.partition(":stateMachine:")
        return f"{prefix}:execution:{machine_name}:{name}"

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._sfn, operation)(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] in _TRANSIENT:
                raise TransientStoreError(error.response["Error"]["Code"]) from error
            raise

    def start(self, name: str, payload: dict[str, Any]) -> str:
        """Starts (or joins, when the same start repeats) the execution called `name`."""
        try:
            response = self._call(
                "start_execution", stateMachineArn=self._machine, name=name, input=json.dumps(payload)
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return self.execution_arn(name)
            raise
        return str(response["executionArn"])

    def outcome(self, execution_arn: str) -> ExecutionOutcome | None:
        try:
            described = self._call("describe_execution", executionArn=execution_arn)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        return ExecutionOutcome(
            status=described["status"],
            error=described.get("error"),
            error_message=_message(described.get("cause")),
        )

    def _signal(self, operation: str, **kwargs: Any) -> Signal:
        try:
            self._call(operation, **kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] in STALE_TOKEN_ERRORS:
                return Signal.STALE
            raise
        return Signal.DELIVERED

    def succeed(self, token: str, output: dict[str, Any]) -> Signal:
        return self._signal("send_task_success", taskToken=token, output=json.dumps(output))

    def fail(self, token: str, error: str, cause: str) -> Signal:
        return self._signal("send_task_failure", taskToken=token, error=error, cause=cause)

    def timeline(self, execution_arn: str) -> list[TimelineEntry]:
        entries: list[TimelineEntry] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 200}
        try:
            while True:
                page = self._call("get_execution_history", **kwargs)
                for event in page["events"]:
                    if event["type"] in _SHOWN:
                        entries.append(_entry(event))
                if not page.get("nextToken"):
                    return entries
                kwargs["nextToken"] = page["nextToken"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return entries
            raise


def _entry(event: dict[str, Any]) -> TimelineEntry:
    stamp = event["timestamp"]
    at = stamp.isoformat() if hasattr(stamp, "isoformat") else str(stamp)
    state = (event.get("stateEnteredEventDetails") or {}).get("name")
    details = next(
        (value for key, value in event.items() if key.endswith("EventDetails") and isinstance(value, dict)),
        {},
    )
    return TimelineEntry(
        at=at,
        event=event["type"],
        state=state,
        error=details.get("error"),
        cause=_message(details.get("cause")),
    )
