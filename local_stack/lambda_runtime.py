"""Runs the template's Lambda functions the way Lambda does, without Docker.

Each function gets its own pool of worker processes (see `worker.py`): a worker starts on first
use (a cold start), stays warm between invocations, serves one invocation at a time, and is killed
when an invocation overruns the function's timeout. Workers never share a process, so two
functions never see each other's globals or environment variables.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local_stack.faults import Faults

from local_stack.runtime_python import worker_python
from local_stack.timeline import TIMELINE

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
LogSink = Callable[[str, str], None]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    arn: str
    handler: str
    code_dir: Path
    environment: dict[str, str]
    timeout_seconds: float = 3.0
    memory_mb: int = 128
    max_concurrency: int = 4


@dataclass
class InvokeResult:
    payload: bytes
    function_error: str | None = None  # "Unhandled" like Lambda's X-Amz-Function-Error
    duration_ms: float = 0.0
    cold_start: bool = False


class _Worker:
    def __init__(self, spec: FunctionSpec, env: dict[str, str], log_sink: LogSink) -> None:
        self.spec = spec
        self.process = subprocess.Popen(
            [worker_python()[0], "-u", str(WORKER_SCRIPT)],
            env=env,
            cwd=spec.code_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._buffer = b""
        self._log_thread = threading.Thread(target=self._pump_logs, args=(log_sink,), daemon=True)
        self._log_thread.start()

    def _pump_logs(self, log_sink: LogSink) -> None:
        assert self.process.stderr is not None
        for raw in iter(self.process.stderr.readline, b""):
            log_sink(self.spec.logical_id, raw.decode("utf-8", "replace").rstrip("\n"))

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Returns the worker's reply, or None when the deadline passed or the worker died."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def kill(self) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()


class _Waiter:
    """An invocation queued for a busy pool. `_hand_on` hands it a warm worker, or (worker None) the
    slot of one that died, so that it starts its own."""

    __slots__ = ("closed", "ready", "worker")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.worker: _Worker | None = None
        self.closed = False


@dataclass
class _Pool:
    """A function's workers. Queued invocations are served first come, first served: a releasing
    worker goes straight to the longest waiter, so a newcomer never overtakes it (with a plain
    condition variable it could, again and again, and a few requests waited many times longer)."""

    spec: FunctionSpec
    idle: list[_Worker] = field(default_factory=list)
    busy: int = 0
    waiters: deque[_Waiter] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)


class LambdaRuntime:
    def __init__(self, base_env: dict[str, str], log_sink: LogSink | None = None) -> None:
        self._base_env = base_env
        self._log_sink: LogSink = log_sink or (lambda fn, line: print(f"[{fn}] {line}", file=sys.stderr))
        self._pools: dict[str, _Pool] = {}
        self._aliases: dict[str, str] = {}
        self.invocations: dict[str, int] = {}
        # Called with the function's template logical id on every invocation (the call counter).
        self.listeners: list[Callable[[str], None]] = []
        self._closed = False
        interpreter, warning = worker_python()
        self.worker_interpreter = interpreter
        if warning:
            self._log_sink("runtime", warning)
        self.faults: Faults | None = None  # injected by tests only (local_stack/faults.py)

    def register(self, spec: FunctionSpec) -> None:
        self._pools[spec.name] = _Pool(spec)
        for alias in (spec.name, spec.arn, spec.logical_id, f"{spec.arn}:$LATEST"):
            self._aliases[alias] = spec.name

    def resolve(self, name_or_arn: str) -> FunctionSpec | None:
        name = self._aliases.get(name_or_arn)
        return self._pools[name].spec if name else None

    @property
    def functions(self) -> list[FunctionSpec]:
        return [pool.spec for pool in self._pools.values()]

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        env = {
            **self._base_env,
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
        }
        return {k: str(v) for k, v in env.items()}

    def _acquire(self, pool: _Pool) -> tuple[_Worker, bool]:
        waiter = None
        with pool.lock:
            if self._closed:
                raise RuntimeError("the local Lambda runtime is shut down")
            if not pool.waiters:
                while pool.idle:
                    worker = pool.idle.pop()
                    if worker.alive():
                        pool.busy += 1
                        return worker, False
            if pool.waiters or pool.busy >= pool.spec.max_concurrency:
                waiter = _Waiter()
                pool.waiters.append(waiter)
            else:
                pool.busy += 1
        if waiter is not None:
            waiter.ready.wait()
            if waiter.closed:
                raise RuntimeError("the local Lambda runtime is shut down")
            if waiter.worker is not None:
                return waiter.worker, False
        try:  # this invocation owns a slot in `busy`: start a worker in it (a cold start)
            return _Worker(pool.spec, self._environment(pool.spec), self._log_sink), True
        except Exception:
            self._hand_on(pool, None)
            raise

    def _hand_on(self, pool: _Pool, worker: _Worker | None) -> None:
        """Gives a slot (and the worker in it, if any) to the longest waiter, or frees it."""
        with pool.lock:
            if pool.waiters and not self._closed:
                waiter = pool.waiters.popleft()
                waiter.worker = worker
                waiter.ready.set()
                return
            pool.busy -= 1
            if worker is not None and not self._closed:
                pool.idle.append(worker)
                return
        if worker is not None:
            worker.kill()

    def _release(self, pool: _Pool, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            worker.kill()
        self._hand_on(pool, worker if healthy and worker.alive() else None)

    def invoke(self, name_or_arn: str, event: Any) -> InvokeResult:
        spec = self.resolve(name_or_arn)
        if spec is None:
            raise KeyError(name_or_arn)
        if self.faults is not None and self.faults.active:
            return self.faults.invoke(spec, event, self._run)
        return self._run(spec, event)

    def _run(self, spec: FunctionSpec, event: Any) -> InvokeResult:
        if TIMELINE.recording:
            span = TIMELINE.begin("lambda", spec.logical_id)
            try:
                return self._run_in_a_sandbox(spec, event)
            finally:
                TIMELINE.end(span)
        return self._run_in_a_sandbox(spec, event)

    def _run_in_a_sandbox(self, spec: FunctionSpec, event: Any) -> InvokeResult:
        pool = self._pools[spec.name]
        self.invocations[spec.name] = self.invocations.get(spec.name, 0) + 1
        for listener in self.listeners:
            listener(spec.logical_id)
        started = time.monotonic()
        worker, cold = self._acquire(pool)
        request_id = str(uuid.uuid4())
        # Lambda's timeout covers the handler, not the cold start: give imports their own allowance.
        allowance = spec.timeout_seconds + (10.0 if cold else 0.0)
        request = {
            "event": event,
            "request_id": request_id,
            "invoked_function_arn": spec.arn,
            "deadline": time.time() + allowance,
        }
        reply = worker.call(request, allowance)
        healthy = reply is not None
        self._release(pool, worker, healthy)
        elapsed = (time.monotonic() - started) * 1000
        if reply is None:
            if worker.process.returncode in (None, -signal.SIGKILL):
                kind, message = "Sandbox.Timedout", f"Task timed out after {spec.timeout_seconds:.2f} seconds"
            else:
                kind, message = "Runtime.ExitError", f"Runtime exited with status {worker.process.returncode}"
            error = {"errorType": kind, "errorMessage": f"RequestId: {request_id} Error: {message}"}
            return InvokeResult(json.dumps(error).encode(), "Unhandled", elapsed, cold)
        if "error" in reply:
            return InvokeResult(json.dumps(reply["error"]).encode(), "Unhandled", elapsed, cold)
        return InvokeResult(reply["result"].encode(), None, elapsed, cold)

    def shutdown(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            with pool.lock:
                workers, pool.idle = pool.idle, []
                waiters, pool.waiters = list(pool.waiters), deque()
            for waiter in waiters:
                waiter.closed = True
                waiter.ready.set()
            for worker in workers:
                worker.kill()
