"""The reservation state machine as its callers see it: start and signal on every request path;
describe only for the sweeper (Step Functions' read APIs refill at 15-20 calls/s per account, far
below any request rate, so no request path may call them).

Signals go to the Hold task's token. A token that is no longer waiting answers differently on AWS
and in moto (AWS: `TaskTimedOut` after a timeout or a second use, `TaskDoesNotExist` or
`InvalidToken` for unknown tokens; moto: `InvalidToken` after a timeout and silence on a second
use). All of them mean the same thing here, `Signal.STALE`: the execution has moved on and will
find the record as the caller left it.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from inventory.domain.reservation_ports import ExecutionOutcome, Signal, Start
from inventory.errors import TransientStoreError

STALE_TOKEN_ERRORS = frozenset({"InvalidToken", "TaskTimedOut", "TaskDoesNotExist"})
_TRANSIENT = frozenset({"ThrottlingException", "ServiceUnavailable", "InternalServerError"})


def _message(cause: str | None) -> str | None:
    """A Lambda task's failure cause is JSON with `errorMessage`; others are plain text."""
    if not cause:
        return None
    try:
        parsed = json.loads(cause)
    except json.JSONDecodeError:
        return cause
    return str(parsed.get("errorMessage", cause)) if isinstance(parsed, dict) else cause


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

    def start(self, name: str, payload: dict[str, Any]) -> Start:
        """Starts the execution called `name`; the same start again joins it while it runs."""
        try:
            self._call("start_execution", stateMachineArn=self._machine, name=name, input=json.dumps(payload))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return Start.TAKEN
            raise
        return Start.STARTED

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
