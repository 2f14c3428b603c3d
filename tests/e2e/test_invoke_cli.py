"""`make invoke` runs one function with a sample event, with or without a running stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, StackProcess, free_port

pytestmark = pytest.mark.e2e
EVENT = "events/InventoryReadFunction/get-inventory.json"


def run_invoke(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local_stack.invoke", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_running_stack_a_temporary_one_serves_the_call() -> None:
    result = run_invoke(EVENT, env={"AWS_PORT": str(free_port()), "PORT": str(free_port())})
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["statusCode"] == 200
    assert json.loads(reply["body"])["product_id"] == "SKU-MUG-CERAMIC"


def test_with_a_running_stack_the_call_uses_its_data(tmp_path: Path) -> None:
    with StackProcess(tmp_path / "state.json", "--fresh") as proc:
        result = run_invoke(
            "InventoryReadFunction", EVENT, env={"AWS_PORT": str(proc.aws_port), "PORT": str(proc.port)}
        )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["statusCode"] == 404  # the running stack started empty


def test_an_unknown_function_is_refused() -> None:
    result = run_invoke("NoSuchFunction", EVENT, env={"AWS_PORT": str(free_port()), "PORT": str(free_port())})
    assert result.returncode != 0
    assert "no function 'NoSuchFunction'" in result.stderr
    assert "InventoryReadFunction" in result.stderr
