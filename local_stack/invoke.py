"""`make invoke FN=<LogicalId> EVENT=events/<LogicalId>/<name>.json`: run one function with an event.

Like `sam local invoke`, without Docker. If a local stack is running (`make run`), the function runs
against it; otherwise a temporary stack with the demo catalogue is started for this one call.
The function always runs in its own sandbox process with the template's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from local_stack.demo_data import load_demo_into_stack
from local_stack.lambda_runtime import InvokeResult, LambdaRuntime
from local_stack.provision import Provisioner
from local_stack.stack import ROOT, LocalStack, StackOptions, local_parameters


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def function_for(event_path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    return event_path.resolve().parent.name  # events/<LogicalId>/<case>.json


def invoke_against(aws_url: str, template: Path, logical_id: str, event: Any, api_url: str) -> InvokeResult:
    """Runs the function against an already running stack at `aws_url`."""
    provisioner = Provisioner(
        template, aws_url, parameter_overrides=local_parameters(template, api_url=api_url)
    )
    model = provisioner.build_model()
    if logical_id not in model.functions:
        raise SystemExit(
            f"no function {logical_id!r} in {template}; have: {', '.join(sorted(model.functions))}"
        )
    stack_env = LocalStack(StackOptions(template=template)).function_environment()
    stack_env["AWS_ENDPOINT_URL"] = aws_url
    runtime = LambdaRuntime(stack_env, lambda fn, line: print(f"[{fn}] {line}", file=sys.stderr))
    runtime.register(model.functions[logical_id])
    try:
        return runtime.invoke(logical_id, event)
    finally:
        runtime.shutdown()


def invoke(logical_id: str, event: Any, template: Path = ROOT / "template.yaml") -> InvokeResult:
    host = "127.0.0.1"
    aws_port = int(os.environ.get("AWS_PORT", 4566))
    api_port = int(os.environ.get("PORT", 3000))
    if _listening(host, aws_port):
        return invoke_against(
            f"http://{host}:{aws_port}", template, logical_id, event, f"http://{host}:{api_port}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        port, aws_port = free_port(), free_port()
        options = StackOptions(
            template=template,
            port=port,
            aws_port=aws_port,
            parameter_overrides=local_parameters(template, api_url=f"http://{host}:{port}"),
            state_file=Path(tmp) / "state.json",
            run_event_sources=False,
            log_sink=lambda fn, line: print(f"[{fn}] {line}", file=sys.stderr),
        )
        with LocalStack(options) as stack:
            assert stack.model is not None and stack.runtime is not None
            if "InventoryTable" in stack.model.tables:
                load_demo_into_stack(stack.aws_url, options.region, stack.model.tables)
            return stack.runtime.invoke(logical_id, event)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.invoke", description=__doc__)
    parser.add_argument("function", nargs="?", default=None, help="logical id (default: the event's folder)")
    parser.add_argument("event", type=Path)
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    args = parser.parse_args(argv)
    event = json.loads(args.event.read_text(encoding="utf-8"))
    result = invoke(function_for(args.event, args.function), event, args.template)
    print(json.dumps(json.loads(result.payload or b"null"), indent=2))
    return 1 if result.function_error else 0


if __name__ == "__main__":
    raise SystemExit(main())
