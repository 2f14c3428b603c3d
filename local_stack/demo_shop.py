"""Starts the demo shop (examples/demo_shop) next to the local stack: its own process and port,
with the checkout key in its environment only, as a shop's server would have it."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

log = logging.getLogger("local_stack")
ROOT = Path(__file__).resolve().parent.parent


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class DemoShop:
    def __init__(
        self, host: str, port: int, api_url: str, checkout_key: str, storefront_key: str, quiet: bool = False
    ) -> None:
        self.host, self.port, self.api_url = host, port, api_url
        self._env = {
            **os.environ,
            "SHOP_CHECKOUT_API_KEY": checkout_key,
            "SHOP_STOREFRONT_API_KEY": storefront_key,
            "SHOP_INVENTORY_API_URL": api_url,
        }
        self.quiet = quiet
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> bool:
        """False (with a warning) when the port is taken: the service runs without its demo shop."""
        if not port_free(self.host, self.port):
            log.warning("demo shop not started: port %d is in use (SHOP_PORT or --shop-port)", self.port)
            return False
        command = [sys.executable, "-m", "examples.demo_shop", "--host", self.host, "--port", str(self.port)]
        output = subprocess.DEVNULL if self.quiet else None
        self.process = subprocess.Popen(
            [*command, "--exit-with-parent"], cwd=ROOT, env=self._env, stdout=output, stderr=output
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log.warning("demo shop exited with %s", self.process.returncode)
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1) as answer:
                    if answer.status == 200:
                        return True
            except OSError:
                time.sleep(0.1)
        log.warning("demo shop did not answer within %.0f s", timeout)
        return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
