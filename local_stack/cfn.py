"""Reads a SAM/CloudFormation template and resolves its intrinsic functions to local values.

Only what the local stack needs is modelled: parameters, conditions, pseudo parameters and the
intrinsics a SAM template commonly uses. Anything unresolvable raises, so a template that would
not deploy does not silently run locally either.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
NO_VALUE = object()

_SCALAR_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Base64": "Fn::Base64",
    "GetAZs": "Fn::GetAZs",
    "ImportValue": "Fn::ImportValue",
}
_SEQ_TAGS = {
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Not": "Fn::Not",
    "FindInMap": "Fn::FindInMap",
    "Cidr": "Fn::Cidr",
}


class TemplateError(ValueError):
    """The template cannot be read or resolved."""


class _Loader(yaml.SafeLoader):
    pass


def _construct(tag: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def build(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {tag: value}

    return build


for _short, _full in {**_SCALAR_TAGS, **_SEQ_TAGS, "GetAtt": "Fn::GetAtt", "Sub": "Fn::Sub"}.items():
    _Loader.add_constructor(f"!{_short}", _construct(_full))


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_Loader)  # noqa: S506 - SafeLoader subclass with CFN tags only
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return data


@dataclass
class ResourceRefs:
    """What `Ref` and `Fn::GetAtt` return for one resource."""

    ref: Any
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Resolver:
    template: dict[str, Any]
    parameters: dict[str, Any]
    refs: dict[str, ResourceRefs]
    region: str
    stack_name: str

    def __post_init__(self) -> None:
        self.pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{self.stack_name}/x",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }
        self._conditions: dict[str, bool] = {}

    # -- conditions -----------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            spec = self.template.get("Conditions", {}).get(name)
            if spec is None:
                raise TemplateError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(spec))
        return self._conditions[name]

    def resource_enabled(self, logical_id: str) -> bool:
        cond = self.template["Resources"][logical_id].get("Condition")
        return True if cond is None else self.condition(cond)

    # -- intrinsics -----------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = self._intrinsics().get(key)
            if handler is not None:
                return handler(arg)
        out = {}
        for key, item in value.items():
            resolved = self.resolve(item)
            if resolved is not NO_VALUE:
                out[key] = resolved
        return out

    def _intrinsics(self) -> Mapping[str, Callable[[Any], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": lambda a: str(self.resolve(a[0])).join(str(x) for x in self.resolve(a[1])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(self.resolve(a[0])),
            "Fn::If": lambda a: self.resolve(a[1] if self.condition(a[0]) else a[2]),
            "Fn::Equals": lambda a: self.resolve(a[0]) == self.resolve(a[1]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Condition": self.condition,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": lambda a: self.resolve(a),
            "Fn::GetAZs": lambda _a: [f"{self.region}a", f"{self.region}b"],
        }

    def _ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name].ref
        raise TemplateError(f"Ref to unknown parameter or resource {name!r}")

    def _get_att(self, arg: Any) -> Any:
        logical_id, attribute = self.resolve(arg) if not isinstance(arg, list) else arg
        refs = self.refs.get(logical_id)
        if refs is None or attribute not in refs.attrs:
            raise TemplateError(f"GetAtt {logical_id}.{attribute} is not available locally")
        return refs.attrs[attribute]

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, extra = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, extra = arg, {}

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in extra:
                return str(extra[expr])
            if "." in expr:
                return str(self._get_att(expr.split(".", 1)))
            return str(self._ref(expr))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _find_in_map(self, arg: list[Any]) -> Any:
        name, top, second = (self.resolve(x) for x in arg)
        return self.template["Mappings"][name][top][second]


def parameter_values(template: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults from the template, overridden like `sam deploy --parameter-overrides`."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        if name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            raise TemplateError(f"parameter {name!r} has no default and no override")
        if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = [item.strip() for item in value.split(",")] if value else []
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in allowed:
            raise TemplateError(f"parameter {name!r}={value!r} is not one of {allowed}")
        values[name] = value
    unknown = set(overrides) - set(values)
    if unknown:
        raise TemplateError(f"unknown parameter overrides: {sorted(unknown)}")
    return values


def merged_function_properties(template: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """Applies SAM's Globals.Function the way SAM does: maps merge, scalars are overridden."""
    merged = copy.deepcopy(template.get("Globals", {}).get("Function", {}))
    for key, value in properties.items():
        if key == "Environment":
            variables = merged.get("Environment", {}).get("Variables", {})
            variables.update(value.get("Variables", {}))
            merged["Environment"] = {"Variables": variables}
        else:
            merged[key] = value
    return merged
