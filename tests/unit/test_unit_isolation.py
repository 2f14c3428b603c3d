"""The guard of tests/unit/conftest.py holds: no connection, no moto."""

from __future__ import annotations

import socket

import pytest
from moto import mock_aws


def test_a_unit_test_cannot_connect_anywhere() -> None:
    with socket.socket() as sock, pytest.raises(RuntimeError, match="tried to connect"):
        sock.connect(("127.0.0.1", 9))


def test_a_unit_test_cannot_start_moto() -> None:
    with pytest.raises(RuntimeError, match="started moto"), mock_aws():
        pass
