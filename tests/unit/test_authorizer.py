"""The authorizer: a key resolves to its scope and its usage plan's identifier; anything else,
including a key header sent twice, is API Gateway's `Unauthorized`."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import pytest
from inventory.domain.api_keys import KeyRing, digest

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/GET/inventory/SKU-1"


class Context:
    function_name = "ApiKeyAuthorizerFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ApiKeyAuthorizerFunction"
    aws_request_id = "test"


class StaticKeys:
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def current(self) -> KeyRing:
        return self.ring


@pytest.fixture
def authorizer(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for scope in ("ADMIN", "CHECKOUT", "STOREFRONT"):
        monkeypatch.setenv(f"{scope}_KEY_PARAMETER", f"/test/api-keys/{scope.lower()}")
    monkeypatch.setenv("USAGE_IDENTIFIER_PREFIX", "test-usage-")
    # the module builds its SSM client at import (nothing is sent until a key is looked up)
    for name, value in (
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "t"),
        ("AWS_SECRET_ACCESS_KEY", "t"),
    ):
        monkeypatch.setenv(name, value)
    module = importlib.import_module("inventory.handlers.authorizer")
    module = importlib.reload(module)
    ring = KeyRing.of(admin=digest("a-key"), checkout=digest("c-key"), storefront=digest("s-key"))
    monkeypatch.setattr(module, "keys", StaticKeys(ring))
    return module


def event(*keys: str) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": ARN,
        "headers": {"x-api-key": keys[-1]} if keys else {},
        "multiValueHeaders": {"x-api-key": list(keys)} if keys else {},
    }


@pytest.mark.parametrize(
    ("key", "scope"), [("a-key", "admin"), ("c-key", "checkout"), ("s-key", "storefront")]
)
def test_a_key_resolves_to_its_scope_and_usage_identifier(
    authorizer: ModuleType, key: str, scope: str
) -> None:
    answer = authorizer.handler(event(key), Context())
    assert answer["context"] == {"scope": scope} and answer["principalId"] == scope
    assert answer["usageIdentifierKey"] == f"test-usage-{scope}"
    statement = answer["policyDocument"]["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:abc123/v1/*"


@pytest.mark.parametrize("keys", [(), ("wrong",), ("s-key", "a-key"), ("a-key", "a-key"), ("",)])
def test_anything_else_is_unauthorized(authorizer: ModuleType, keys: tuple[str, ...]) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorizer.handler(event(*keys), Context())
