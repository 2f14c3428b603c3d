"""The reliability suite runs on the session's local stack; its figures are written at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_stack.stack import LocalStack
from tests.reliability.support import FIGURES, FaultControl


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[FaultControl]:
    control = FaultControl(stack.aws_url)
    control.clear()
    yield control
    control.clear()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    FIGURES.write("pytest")
