"""Fixtures: one in-process local stack (the real template.yaml, demo catalogue) per test session.

moto's backends are process-global, so a test process hosts one stack; tests that need another
template start it as a child process (see `tests.support.StackProcess`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_stack.stack import LocalStack, StackOptions, local_parameters
from tests.support import ADMIN_KEY, CHECKOUT_KEY, ROOT, STOREFRONT_KEY, aws_client, free_port


@pytest.fixture(scope="session")
def widget_shop_port() -> int:
    """A shop's own web server embedding the widget bundle (another origin), which the stack's API
    lets call it as a deployment lists the shop's origins (tests/e2e/test_browser_widget_bundle.py)."""
    return free_port()


@pytest.fixture(scope="session")
def function_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session stack's functions log (every line, prefixed with the function's id)."""
    return tmp_path_factory.mktemp("logs") / "functions.log"


@pytest.fixture(scope="session")
def shop_port() -> int:
    """Where the browser tests serve the demo shop: its origin is allowed by the stack's CORS."""
    return free_port()


@pytest.fixture(scope="session")
def stack(function_log: Path, shop_port: int, widget_shop_port: int) -> Iterator[LocalStack]:
    port, aws_port = free_port(), free_port()
    handle = function_log.open("a", encoding="utf-8")

    def sink(function: str, line: str) -> None:
        handle.write(f"[{function}] {line}\n")
        handle.flush()

    template = ROOT / "template.yaml"
    options = StackOptions(
        template=template,
        port=port,
        aws_port=aws_port,
        parameter_overrides=local_parameters(
            template,
            api_url=f"http://127.0.0.1:{port}",
            other_origins=(f"http://127.0.0.1:{shop_port}", f"http://127.0.0.1:{widget_shop_port}"),
        ),
        log_sink=sink,
        schedule_every=None,
    )
    local = LocalStack(options).start()
    try:
        local.load_demo_catalogue()
        yield local
    finally:
        local.stop()
        handle.close()


@pytest.fixture
def inventory_table(stack: LocalStack) -> Any:
    return stack.table("InventoryTable")


@pytest.fixture
def api_url(stack: LocalStack) -> str:
    return stack.api_url


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"x-api-key": ADMIN_KEY}


@pytest.fixture
def storefront_headers() -> dict[str, str]:
    return {"x-api-key": STOREFRONT_KEY}


@pytest.fixture
def checkout_headers() -> dict[str, str]:
    return {"x-api-key": CHECKOUT_KEY}


@pytest.fixture
def unique_id() -> str:
    return f"T-{uuid.uuid4().hex[:12].upper()}"


@pytest.fixture
def aws(stack: LocalStack) -> Any:
    return lambda service: aws_client(service, stack.aws_url)


def local_table(local: LocalStack, logical_id: str) -> Any:
    """A boto3 Table for one of the template's tables in the given stack."""
    return local.table(logical_id)
