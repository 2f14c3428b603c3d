"""Least privilege, proven: template.yaml grants each function and the state machine exactly what
its code and definition use (see tools/least_privilege.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from local_stack.cfn import load_template
from tests.support import ROOT
from tools.least_privilege import (
    SERVICE_CALLS,
    UNSCOPED,
    UnknownResource,
    calls_in,
    differences,
    principals,
    reachable_modules,
    translate,
)

TEMPLATE = load_template(ROOT / "template.yaml")


def _problems(template: dict[str, Any]) -> list[str]:
    return [problem for principal in principals(template) for problem in differences(principal)]


def _statements(template: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    return template["Resources"][logical_id]["Properties"]["Policies"][0]["Statement"]


def test_every_function_and_the_state_machine_is_granted_exactly_what_it_uses() -> None:
    found = list(principals(TEMPLATE))
    assert {p.kind for p in found} == {"function", "state machine"}
    assert _problems(TEMPLATE) == []


def test_an_added_action_fails_the_check() -> None:
    # Given the read function's policy widened by one write
    widened = copy.deepcopy(TEMPLATE)
    _statements(widened, "InventoryReadFunction")[0]["Action"].append("dynamodb:DeleteItem")
    # Then the check names the extra grant
    assert _problems(widened) == [
        "InventoryReadFunction: dynamodb:DeleteItem on InventoryTable is granted but not used"
    ]


def test_a_wildcard_resource_fails_the_check() -> None:
    widened = copy.deepcopy(TEMPLATE)
    _statements(widened, "AlertsApiFunction")[0]["Resource"] = "*"
    problems = _problems(widened)
    assert "AlertsApiFunction: dynamodb:Query on * is granted but not used" in problems
    assert "AlertsApiFunction: dynamodb:Query on AlertsTable/index/* is used but not granted" in problems


def test_a_removed_action_fails_the_check() -> None:
    narrowed = copy.deepcopy(TEMPLATE)
    _statements(narrowed, "ReservationStateMachine")[0]["Resource"].pop()
    assert _problems(narrowed) == [
        "ReservationStateMachine: lambda:InvokeFunction on ReleaseTaskFunction is used but not granted"
    ]


def test_a_broad_sam_policy_template_is_refused() -> None:
    # Given a SAM policy template (CRUD on a table: ten actions, most unused)
    widened = copy.deepcopy(TEMPLATE)
    widened["Resources"]["InventoryReadFunction"]["Properties"]["Policies"].append(
        {"DynamoDBCrudPolicy": {"TableName": {"Ref": "InventoryTable"}}}
    )
    # Then its resources cannot be matched to what the code uses, and the check says so
    with pytest.raises(UnknownResource):
        _problems(widened)


def test_no_statement_grants_a_wildcard_resource_except_for_actions_that_have_none() -> None:
    for lid, resource in translate(TEMPLATE)["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement["Resource"] == "*" or "*" in statement["Resource"]:
                    assert set(statement["Action"]) <= set(UNSCOPED), (lid, statement)


def test_every_declared_action_is_one_the_functions_code_calls() -> None:
    for principal in principals(TEMPLATE):
        if principal.handler_module is None:
            continue
        called = calls_in(reachable_modules(principal.handler_module))
        declared = set().union(*principal.used.values()) if principal.used else set()
        assert declared - called - SERVICE_CALLS == set(), principal.logical_id
