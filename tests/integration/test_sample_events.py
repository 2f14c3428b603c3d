"""Every sample event in events/ is valid for its function (events/<LogicalId>/<case>.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_stack.cfn import load_template
from local_stack.stack import LocalStack
from tests.support import ROOT

_STATE_MACHINES = {
    lid
    for lid, res in load_template(ROOT / "template.yaml")["Resources"].items()
    if res["Type"] in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
}
# Folders named after a state machine hold execution inputs; their own tests start executions with them.
EVENTS = sorted(p for p in (ROOT / "events").glob("*/*.json") if p.parent.name not in _STATE_MACHINES)


def test_there_are_sample_events() -> None:
    assert EVENTS


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_event_runs_without_error(stack: LocalStack, path: Path) -> None:
    assert stack.runtime is not None and stack.model is not None
    function = path.parent.name
    assert function in stack.model.functions, f"{path} is in a folder that names no function"
    result = stack.runtime.invoke(function, json.loads(path.read_text()))
    assert result.function_error is None, result.payload.decode()
    payload = json.loads(result.payload)
    if isinstance(payload, dict) and "statusCode" in payload:
        assert payload["statusCode"] < 500, payload
