"""The local stack under test, run as a child process (`python -m local_stack`) on free loopback ports.

A separate process keeps the benchmark's client threads off the stack's GIL, and lets the benchmark
stop it the way a developer does (Ctrl-C = SIGINT) and time how long it takes to exit.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.process_memory import tree_rss_bytes

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 90.0
EXIT_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_json(url: str, timeout: float = 5.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


@dataclass
class StopReport:
    exit_seconds: float
    exit_code: int | None
    killed: bool
    state_saved: bool
    state_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "exit_seconds": round(self.exit_seconds, 3),
            "exit_code": self.exit_code,
            "killed_after_timeout": self.killed,
            "state_saved": self.state_saved,
            "state_bytes": self.state_bytes,
        }


@dataclass
class StackProcess:
    """`python -m local_stack --fresh --no-demo --quiet` in a temporary directory."""

    port: int = field(default_factory=free_port)
    aws_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    description: dict[str, Any] = field(default_factory=dict)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    @property
    def state_file(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name) / "state.json"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> StackProcess:
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-stack-")
        logs = Path(self._tmp.name)
        command = [
            sys.executable,
            "-m",
            "local_stack",
            "--fresh",
            "--no-demo",
            "--no-shop",
            "--quiet",
            "--port",
            str(self.port),
            "--aws-port",
            str(self.aws_port),
            "--state-file",
            str(self.state_file),
        ]
        with (logs / "stdout.log").open("wb") as out, (logs / "stderr.log").open("wb") as err:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
        self._wait_until_ready()
        self.description = _get_json(f"{self.api_url}/_local/stack")
        return self

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local stack exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                _get_json(f"{self.api_url}/_local/health", timeout=2)
                return
            except (OSError, ValueError):
                time.sleep(0.2)
        self.process.kill()
        raise TimeoutError(f"local stack not ready after {READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if self._tmp is None:
            return ""
        path = Path(self._tmp.name) / "stderr.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def table(self, logical_id: str) -> str:
        return str(self.description["tables"][logical_id])

    def queue(self, logical_id: str) -> str:
        return str(self.description["queues"][logical_id])

    def state_machine(self, logical_id: str) -> str:
        return str(self.description["state_machines"][logical_id])

    def topic(self, logical_id: str) -> str:
        return str(self.description["topics"][logical_id])

    def rss_bytes(self) -> int:
        """Resident memory of the stack process and every worker process it started."""
        return tree_rss_bytes(self.pid)

    def stop(self, saved_marker: str | None = None) -> StopReport:
        """Ctrl-C, then wait. `saved_marker` is a string written just before: it must be in the file."""
        assert self.process is not None and self._tmp is not None
        started = time.monotonic()
        killed = False
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(EXIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                killed = True
                self.process.kill()
                self.process.wait()
        elapsed = time.monotonic() - started
        text = self.state_file.read_text(errors="replace") if self.state_file.exists() else ""
        saved = bool(text) and (saved_marker is None or saved_marker in text)
        try:
            json.loads(text)
        except ValueError:
            saved = False
        report = StopReport(elapsed, self.process.returncode, killed, saved, len(text))
        self._tmp.cleanup()
        return report
