"""What each function and state machine is granted, against what its code and definition use.

The grants come from the template as AWS will see it: `template.yaml` translated by SAM's own
translator (`samtranslator`), so policy templates, event-source policies and managed policies all
appear as they deploy. Each inline statement's resources are reduced to template logical ids
(`InventoryTable`, `InventoryTable/index/*`, `ReservationStateMachine:execution/*`, or `*`).

What is used comes from next to the code: every handler module declares `PERMISSIONS`
(template resource -> actions its adapters call), and each state machine's Task states name the
functions it invokes through `DefinitionSubstitutions`.

`python -m tools.least_privilege` prints every difference (exit 1 when there is one).
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_stack.cfn import load_template

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
PACKAGE = ROOT / "functions" / "inventory"

# Managed policies SAM attaches, and why each is accepted: AWS maintains them, and each covers only
# what the Lambda service itself does for the function.
ACCEPTED_MANAGED = {
    "service-role/AWSLambdaBasicExecutionRole": "its own log streams (every function)",
    "AWSXrayWriteOnlyAccess": "trace segments (Tracing: Active); X-Ray actions have no resource types",
    "service-role/AWSLambdaSQSQueueExecutionRole": "the SQS event source mapping polls the queue",
    "service-role/AWSLambdaDynamoDBExecutionRole": "the stream event source mapping reads the stream",
}
# Actions that cannot be scoped to a resource, with the reason.
UNSCOPED = {
    "states:SendTaskSuccess": "a task token names no resource; the action has no resource types",
    "states:SendTaskFailure": "a task token names no resource; the action has no resource types",
}
# boto3 operations -> the IAM actions that authorise them (transactions: per item kind).
OPERATIONS = {
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "query": "dynamodb:Query",
    "scan": "dynamodb:Scan",
    "batch_get_item": "dynamodb:BatchGetItem",
    "batch_write_item": "dynamodb:BatchWriteItem",
    "publish": "sns:Publish",
    "start_execution": "states:StartExecution",
    "describe_execution": "states:DescribeExecution",
    "send_task_success": "states:SendTaskSuccess",
    "send_task_failure": "states:SendTaskFailure",
    "send_message": "sqs:SendMessage",
    "get_parameter": "ssm:GetParameter",
    "get_parameters": "ssm:GetParameters",
    "get_parameters_by_path": "ssm:GetParametersByPath",
    "get_parameters_by_name": "ssm:GetParameters",  # Powertools' SSMProvider
}
TRANSACT_ITEMS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# Granted to a function by the service on its behalf, not called by its code.
SERVICE_CALLS = {"sqs:SendMessage"}  # event source on-failure and asynchronous destinations

KINDS = {"AWS::Serverless::Function": "function", "AWS::Serverless::StateMachine": "state machine"}
Grants = dict[str, set[str]]  # resource -> actions


@dataclass(frozen=True)
class Principal:
    logical_id: str
    kind: str  # "function" | "state machine"
    granted: Grants
    managed: tuple[str, ...]
    used: Grants
    handler_module: str | None = None


class UnknownResource(ValueError):
    pass


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The template as CloudFormation receives it from SAM (local paths replaced by S3 URIs)."""
    from samtranslator.translator.transform import transform

    fragment = copy.deepcopy(template)
    for lid, resource in fragment["Resources"].items():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://artefacts/{lid}"
    if "CodeUri" in fragment.get("Globals", {}).get("Function", {}):
        fragment["Globals"]["Function"]["CodeUri"] = "s3://artefacts/code"

    class _NoManagedPolicyNames:
        def load(self) -> dict[str, str]:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    translated: dict[str, Any] = transform(fragment, {}, _NoManagedPolicyNames())
    return translated


def _resource_key(value: Any) -> str:
    """A statement's resource as a template logical id (with its sub-resource), or raise."""
    if value == "*":
        return "*"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        att = value["Fn::GetAtt"]
        target, attr = att if isinstance(att, list) else att.split(".", 1)
        if attr == "Arn":
            return str(target)
        if attr == "StreamArn":
            return f"{target}/stream/*"
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"]
        match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/index/\*)", text)
        if match:
            return match.group(1) + match.group(2)
        match = re.fullmatch(
            r"arn:\$\{AWS::Partition\}:states:\$\{AWS::Region\}:\$\{AWS::AccountId\}:execution:\$\{(\w+)\.Name\}:\*",
            text,
        )
        if match:
            return f"{match.group(1)}:execution/*"
        match = re.fullmatch(
            r"arn:\$\{AWS::Partition\}:ssm:\$\{AWS::Region\}:\$\{AWS::AccountId\}:parameter\$\{(\w+)\}", text
        )
        if match:
            return match.group(1)  # an AWS::SSM::Parameter's Ref is its name
    raise UnknownResource(
        f"cannot tell which template resource {json.dumps(value)} is: name it with !GetAtt X.Arn, !Ref X, "
        '!Sub "${X.Arn}/index/*" or the execution ARN of ${X.Name} (SAM policy templates are not used)'
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants(role: dict[str, Any]) -> Grants:
    granted: Grants = {}
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement.get("Effect", "Allow") != "Allow":
                continue
            actions = _as_list(statement["Action"])
            resources = _as_list(statement["Resource"])
            for resource in resources:
                granted.setdefault(_resource_key(resource), set()).update(actions)
    return granted


def _managed(role: dict[str, Any]) -> tuple[str, ...]:
    names = []
    for arn in role["Properties"].get("ManagedPolicyArns", []):
        text = arn if isinstance(arn, str) else json.dumps(arn)
        names.append(text.split(":policy/", 1)[-1])
    return tuple(names)


def declared_permissions(handler: str) -> tuple[str, Grants]:
    """The `PERMISSIONS` a handler module declares (read from its source: no import, no boto3)."""
    module = handler.rpartition(".")[0]
    path = ROOT / "functions" / Path(*module.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, assigned = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, assigned = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "PERMISSIONS":
            value = ast.literal_eval(assigned)
            return module, {resource: set(actions) for resource, actions in value.items()}
    raise LookupError(f"{path.relative_to(ROOT)} declares no PERMISSIONS")


def _state_machine_uses(template: dict[str, Any], props: dict[str, Any]) -> Grants:
    """lambda:InvokeFunction on every function a Task state invokes (through its substitutions)."""
    definition = json.loads((ROOT / props["DefinitionUri"]).read_text(encoding="utf-8"))
    substitutions = props.get("DefinitionSubstitutions", {})
    used: Grants = {}

    def function_of(text: str) -> str | None:
        match = re.fullmatch(r"\$\{(\w+)\}", text or "")
        value = substitutions.get(match.group(1)) if match else None
        return _resource_key(value) if value is not None else None

    def walk(states: dict[str, Any]) -> None:
        for state in states.values():
            if state.get("Type") == "Task":
                resource = state["Resource"]
                name = function_of(resource)
                if name is None and resource.startswith("arn:aws:states:::lambda:invoke"):
                    params = state.get("Parameters") or state.get("Arguments") or {}
                    name = function_of(params.get("FunctionName", ""))
                if name is None:
                    raise UnknownResource(f"Task resource {resource} is not a template function")
                used.setdefault(name, set()).add("lambda:InvokeFunction")
            for branch in state.get("Branches", []):
                walk(branch["States"])
            for key in ("Iterator", "ItemProcessor"):
                if key in state:
                    walk(state[key]["States"])

    walk(definition["States"])
    return used


def principals(template: dict[str, Any] | None = None) -> Iterator[Principal]:
    source = template if template is not None else load_template(TEMPLATE)
    translated = translate(source)["Resources"]
    for lid, resource in source["Resources"].items():
        kind = KINDS.get(resource["Type"])
        if kind is None:
            continue
        role = translated.get(f"{lid}Role")
        granted = _grants(role) if role else {}
        managed = _managed(role) if role else ()
        props = resource.get("Properties", {})
        if kind == "function":
            module, used = declared_permissions(props["Handler"])
            yield Principal(lid, kind, granted, managed, used, module)
        else:
            yield Principal(lid, kind, granted, managed, _state_machine_uses(source, props))


def differences(principal: Principal) -> list[str]:
    """Every extra or missing grant of one function or state machine."""
    problems = []
    for resource in sorted(set(principal.granted) | set(principal.used)):
        granted, used = principal.granted.get(resource, set()), principal.used.get(resource, set())
        if resource == "*":
            granted = {a for a in granted if a not in UNSCOPED}
            used = {a for a in used if a not in UNSCOPED}
        for action in sorted(granted - used):
            problems.append(f"{principal.logical_id}: {action} on {resource} is granted but not used")
        for action in sorted(used - granted):
            problems.append(f"{principal.logical_id}: {action} on {resource} is used but not granted")
    for action in sorted(principal.used.get("*", set()) - set(UNSCOPED)):
        problems.append(f"{principal.logical_id}: {action} on * (name the resource)")
    for name in principal.managed:
        if name not in ACCEPTED_MANAGED:
            problems.append(f"{principal.logical_id}: managed policy {name} is not accepted")
    return problems


def _module_imports(module: str) -> set[str]:
    path = ROOT / "functions" / Path(*module.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("inventory"):
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (ROOT / "functions" / Path(*candidate.split(".")).with_suffix(".py")).exists():
                    found.add(candidate)
    return {m for m in found if (ROOT / "functions" / Path(*m.split(".")).with_suffix(".py")).exists()}


def reachable_modules(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(_module_imports(current) - seen)
    return seen


def calls_in(modules: set[str]) -> set[str]:
    """IAM actions for every AWS operation the store modules among `modules` issue."""
    actions = set()
    for module in sorted(m for m in modules if m.startswith("inventory.store")):
        path = ROOT / "functions" / Path(*module.split(".")).with_suffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in OPERATIONS:  # called or passed on
                actions.add(OPERATIONS[node.attr])
            first = node.args[0] if isinstance(node, ast.Call) and node.args else None
            if isinstance(first, ast.Constant) and first.value in OPERATIONS:  # self._call("start_execution")
                actions.add(OPERATIONS[str(first.value)])
            if isinstance(node, ast.Dict):
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value in TRANSACT_ITEMS:
                        actions.add(TRANSACT_ITEMS[str(key.value)])
    return actions


def main() -> int:
    problems = [problem for principal in principals() for problem in differences(principal)]
    for problem in problems:
        print(problem)
    if not problems:
        print("every function and state machine is granted exactly what it uses")
    return 1 if problems else 0


if __name__ == "__main__":
    importlib.invalidate_caches()
    raise SystemExit(main())
