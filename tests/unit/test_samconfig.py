"""samconfig.toml's environments deploy without extra arguments and name only template parameters."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from local_stack.cfn import load_template
from local_stack.stack import local_parameters
from tests.support import ROOT

CONFIG: dict[str, Any] = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
PARAMETERS: dict[str, Any] = load_template(ROOT / "template.yaml")["Parameters"]


def _overrides(section: dict[str, Any]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in section.get("parameter_overrides", []))


@pytest.mark.parametrize("env", ["default", "dev", "prod"])
def test_each_environment_deploys_with_valid_values_for_every_parameter(env: str) -> None:
    deploy = CONFIG[env]["deploy"]["parameters"]
    overrides = _overrides(deploy)
    assert set(overrides) <= set(PARAMETERS), set(overrides) - set(PARAMETERS)
    assert CONFIG[env]["global"]["parameters"]["stack_name"]
    assert "CAPABILITY_IAM" in deploy["capabilities"] and deploy["resolve_s3"] is True
    for name, spec in PARAMETERS.items():
        value = overrides.get(name, spec.get("Default"))
        assert value is not None, f"{env}: {name} has no value, `sam deploy --config-env {env}` would fail"
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], str(value)), (env, name, value)
        if "AllowedValues" in spec:
            assert str(value) in [str(v) for v in spec["AllowedValues"]], (env, name, value)


def test_prod_and_dev_are_separate_stacks() -> None:
    names = {CONFIG[env]["global"]["parameters"]["stack_name"] for env in ("dev", "prod")}
    assert len(names) == 2


def test_the_local_section_uses_the_local_stacks_keys_and_endpoint() -> None:
    for command in ("local_invoke", "local_start_api"):
        overrides = _overrides(CONFIG["local"][command]["parameters"])
        expected = local_parameters(ROOT / "template.yaml")
        for digests in (name for name in expected if name.endswith("KeyHashes")):
            assert overrides[digests] == expected[digests], digests
        assert overrides["AwsEndpointUrl"].endswith(":4566")
        assert (ROOT / CONFIG["local"][command]["parameters"]["env_vars"]).is_file()
