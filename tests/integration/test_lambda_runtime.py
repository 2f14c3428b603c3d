"""Each function runs in its own sandbox process with only its own environment, like Lambda."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_stack.lambda_runtime import FunctionSpec, LambdaRuntime
from local_stack.runtime_python import find, template_runtime
from tests.support import ROOT, wait_for

CODE = ROOT / "tests" / "fixtures" / "sandbox_app" / "functions"


def spec(
    name: str,
    handler: str = "probe.handler",
    env: dict[str, str] | None = None,
    timeout: float = 5,
    concurrency: int = 4,
) -> FunctionSpec:
    return FunctionSpec(
        logical_id=name,
        name=f"local-{name}",
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:local-{name}",
        handler=handler,
        code_dir=Path(CODE),
        environment=env or {},
        timeout_seconds=timeout,
        max_concurrency=concurrency,
    )


@pytest.fixture
def runtime() -> Iterator[LambdaRuntime]:
    rt = LambdaRuntime({"AWS_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}, log_sink=lambda fn, line: None)
    yield rt
    rt.shutdown()


def call(rt: LambdaRuntime, name: str, event: dict | None = None) -> dict:
    result = rt.invoke(name, event or {})
    assert result.function_error is None, result.payload
    return json.loads(result.payload)


def test_two_functions_see_only_their_own_environment(runtime: LambdaRuntime) -> None:
    # Given two functions with different values for the same variable
    runtime.register(spec("A", env={"MARK": "alpha"}))
    runtime.register(spec("B", env={"MARK": "beta", "ONLY_SECOND": "b-only"}))
    # When both are invoked
    a, b = call(runtime, "A"), call(runtime, "B")
    # Then each sees its own value, in its own process, and nothing of the other
    assert (a["mark"], a["only_second"]) == ("alpha", None)
    assert (b["mark"], b["only_second"]) == ("beta", "b-only")
    assert a["pid"] != b["pid"]
    assert a["function_name"] == "local-A"


def test_sandboxes_run_the_functions_runtime_python_when_the_machine_has_it(runtime: LambdaRuntime) -> None:
    # Given the template's runtime (python3.12) and whether this machine has that Python
    wanted = template_runtime().removeprefix("python")
    if find(wanted) is None:
        pytest.skip(f"no Python {wanted} on this machine: workers run the development interpreter")
    # When a function is invoked
    runtime.register(spec("V"))
    # Then its sandbox runs that minor version, from the runtime venv with only the locked dependencies
    assert call(runtime, "V")["python"] == wanted
    assert ".venv-runtime" in runtime.worker_interpreter


def test_a_warm_sandbox_keeps_its_globals_between_invocations(runtime: LambdaRuntime) -> None:
    runtime.register(spec("A"))
    first, second = call(runtime, "A"), call(runtime, "A")
    assert second["pid"] == first["pid"]
    assert (first["calls"], second["calls"]) == (1, 2)
    assert first["request_id"] != second["request_id"]
    assert 0 < second["remaining_ms"] <= 5000


def test_an_overrunning_invocation_is_stopped_and_the_sandbox_replaced(runtime: LambdaRuntime) -> None:
    # Given a function with a 1 second timeout, already warm
    runtime.register(spec("Sleepy", "probe.sleeper", timeout=1))
    warm = call(runtime, "Sleepy", {"seconds": 0})
    # When an invocation runs past the timeout
    result = runtime.invoke("Sleepy", {"seconds": 30})
    # Then it fails as Lambda reports a timeout, and the next call gets a fresh sandbox
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == "Sandbox.Timedout"
    assert "timed out after 1.00 seconds" in error["errorMessage"]
    again = call(runtime, "Sleepy", {"seconds": 0})
    assert again["pid"] != warm["pid"]


def test_handler_exceptions_come_back_as_lambda_errors(runtime: LambdaRuntime) -> None:
    runtime.register(spec("Broken", "probe.no_such_handler"))
    result = runtime.invoke("Broken", {})
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"].startswith("Runtime.ImportModuleError")


def test_concurrent_invocations_use_separate_sandboxes_up_to_the_pool_size(runtime: LambdaRuntime) -> None:
    runtime.register(spec("Sleepy", "probe.sleeper", timeout=10, concurrency=3))
    pids: list[int] = []
    lock = threading.Lock()

    def run() -> None:
        payload = call(runtime, "Sleepy", {"seconds": 0.5})
        with lock:
            pids.append(payload["pid"])

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(pids) == 6
    assert 1 < len(set(pids)) <= 3


def test_a_queued_invocation_is_served_before_a_later_one_from_a_busy_caller(runtime: LambdaRuntime) -> None:
    """Given one sandbox, busy, and an invocation queued for it
    When the busy caller finishes and at once invokes again (a closed-loop client)
    Then the queued invocation runs first: the freed sandbox is handed to it, not taken back."""
    runtime.register(spec("Single", "probe.sleeper", timeout=10, concurrency=1))
    finished: list[str] = []
    lock = threading.Lock()

    def invoke(who: str, seconds: float) -> None:
        call(runtime, "Single", {"seconds": seconds})
        with lock:
            finished.append(who)

    def busy_caller() -> None:
        invoke("busy-1", 0.5)
        for i in range(2, 5):
            invoke(f"busy-{i}", 0.0)

    caller = threading.Thread(target=busy_caller)
    caller.start()
    wait_for(lambda: runtime.invocations.get("local-Single"), 10, 0.01, "the first invocation")
    queued = threading.Thread(target=invoke, args=("queued", 0.0))
    queued.start()
    wait_for(lambda: len(runtime._pools["local-Single"].waiters) == 1, 10, 0.01, "the invocation to queue")
    caller.join(timeout=60)
    queued.join(timeout=60)
    assert finished[:2] == ["busy-1", "queued"], finished
    assert len(finished) == 5
