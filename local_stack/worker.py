"""One Lambda sandbox: a process that imports one handler and serves invocations over a pipe.

Started by the local Lambda runtime with exactly the environment the template gives the function.
Stdin carries one JSON request per line; responses go to a private copy of the original stdout
so that anything the handler prints (Powertools logs, EMF metrics) lands on stderr as function logs.
This file imports nothing from the project: the function's code directory is its whole world.
"""

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request["invoked_function_arn"]
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = float(request["deadline"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }


def main() -> None:
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    sys.path[0] = task_root  # the worker's own folder must not shadow the function's modules
    os.chdir(task_root)
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", buffering=1)

    module_name, _, attr = os.environ["_HANDLER"].rpartition(".")
    init_error: dict[str, Any] | None = None
    try:
        handler = getattr(importlib.import_module(module_name), attr)
    except Exception as exc:  # an init failure is reported on every invocation, as Lambda does
        init_error = {**_error(exc), "errorType": f"Runtime.ImportModuleError: {type(exc).__name__}"}
        traceback.print_exc()

    for line in sys.stdin:
        request = json.loads(line)
        reply: dict[str, Any]
        if init_error is not None:
            reply = {"error": init_error}
        else:
            try:
                result = handler(request["event"], LambdaContext(request))
            except Exception as exc:
                traceback.print_exc()
                reply = {"error": _error(exc)}
            else:
                try:
                    reply = {"result": json.dumps(result)}
                except (TypeError, ValueError) as exc:
                    reply = {"error": {**_error(exc), "errorType": "Runtime.MarshalError"}}
        sys.stdout.flush()
        protocol.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
