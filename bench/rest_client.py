"""A small REST client: one kept-alive `http.client` connection per thread, JSON in and out, timed.

Reusing the connection keeps the client's own cost (TCP setup, urllib's machinery) out of the
latencies measured.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ADMIN_KEY = "local-admin-key"
CHECKOUT_KEY = "local-checkout-key"  # the shop server's key: reads, reserves and confirms
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    ms: float

    @property
    def error_code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code"))
        return None


class RestClient:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._local = threading.local()
        self.requests = 0  # every request sent: the API Gateway requests a path costs
        self._count_lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=TIMEOUT_S)
            self._local.connection = connection
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None

    def call(self, method: str, path: str, body: Any = None, admin: bool = False) -> Reply:
        headers = {"x-api-key": ADMIN_KEY if admin else CHECKOUT_KEY}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        with self._count_lock:
            self.requests += 1
        for attempt in (1, 2):
            connection = self._connection()
            started = time.perf_counter()
            try:
                connection.request(method, path, body=payload, headers=headers)
                response = connection.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between two requests: open a new one.
                self._drop_connection()
                if attempt == 2:
                    raise
                continue
            except (TimeoutError, OSError, http.client.HTTPException):
                self._drop_connection()
                raise
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self._drop_connection()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return Reply(response.status, parsed, elapsed)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._drop_connection()
