"""Helpers shared by the tests: HTTP calls, deadlines, and the local stack as a child process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3

from local_stack.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "local-admin-key"
STOREFRONT_KEY = "local-storefront-key"
CHECKOUT_KEY = "local-checkout-key"
T = TypeVar("T")


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: Any
    text: str


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, timeout: float = 30
) -> HttpResponse:
    data = json.dumps(body).encode() if body is not None and not isinstance(body, (bytes, str)) else body
    if isinstance(data, str):
        data = data.encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status, hdrs = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, hdrs = error.read(), error.code, dict(error.headers)
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text) if text else None
    except json.JSONDecodeError:
        parsed = None
    return HttpResponse(status, {k.lower(): v for k, v in hdrs.items()}, parsed, text)


def wait_for(
    check: Callable[[], T | None], timeout: float, interval: float = 0.1, what: str = "condition"
) -> T:
    """Polls until `check` returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def aws_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


class StackProcess:
    """`python -m local_stack` (what `make run` starts) as a child process on free ports."""

    def __init__(self, state_file: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port, self.aws_port, self.shop_port = free_port(), free_port(), free_port()
        self.state_file = state_file
        self.args = args
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        # The stack's output goes to a file: a pipe nobody reads fills after 64 KiB and then blocks
        # whichever of the stack's threads writes next (holding the logging lock).
        self.log_file = state_file.parent / f"stack-{self.port}.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    @property
    def shop_url(self) -> str:
        return f"http://127.0.0.1:{self.shop_port}"

    def start(self, timeout: float = 60) -> StackProcess:
        command = [
            sys.executable,
            "-m",
            "local_stack",
            "--port",
            str(self.port),
            "--aws-port",
            str(self.aws_port),
            "--shop-port",
            str(self.shop_port),
            "--state-file",
            str(self.state_file),
            "--quiet",
            *self.args,
        ]
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(self._ready, timeout, interval=0.2, what="the local stack to answer")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"local stack exited with {self.process.returncode}:\n{self.output}")
        try:
            return http("GET", f"{self.api_url}/_local/health", timeout=2).status == 200
        except OSError:
            return False

    def stop(self, timeout: float = 30) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGUSR1)  # dump every thread's stack into the output
            time.sleep(1)
            self.process.kill()
            code = self.process.wait()
        return code

    @property
    def output(self) -> str:
        """Everything the stack has printed so far."""
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> StackProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()
