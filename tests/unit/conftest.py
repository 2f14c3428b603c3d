"""Unit tests use no network and no moto: the domain's rules run on in-memory adapters.

Every unit test runs with the test thread's sockets refusing to connect and moto's mocks refusing
to start. (Other threads are left alone: when the whole suite runs in one process, the local stack
the integration tests started keeps serving in the background.)
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
from moto.core.models import MockAWS


class NetworkUsed(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def no_network_and_no_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    test_thread = threading.current_thread()
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(original: Any) -> Any:
        def guarded(self: socket.socket, address: Any) -> Any:
            if threading.current_thread() is test_thread:
                raise NetworkUsed(f"a unit test tried to connect to {address!r}")
            return original(self, address)

        return guarded

    def no_moto(self: MockAWS, *args: Any, **kwargs: Any) -> None:
        raise NetworkUsed("a unit test started moto: use the in-memory adapters (tests/unit/fakes.py)")

    monkeypatch.setattr(socket.socket, "connect", refuse(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse(connect_ex))
    monkeypatch.setattr(MockAWS, "start", no_moto)
