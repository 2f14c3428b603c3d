"""Abuse limits and key storage in template.yaml: stage throttling, a usage plan per scope, reserved
concurrency behind every public route, and the key parameters the authorizer alone may read."""

from __future__ import annotations

from typing import Any

from inventory.api.openapi import build_spec
from inventory.domain.api_keys import Scope

from local_stack.cfn import load_template
from tests.support import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
PARAMETERS = TEMPLATE["Parameters"]
API = RESOURCES["InventoryApi"]["Properties"]


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def test_the_stage_has_a_default_throttle_from_parameters() -> None:
    assert API["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": ref("ApiThrottleRateLimit"),
            "ThrottlingBurstLimit": ref("ApiThrottleBurstLimit"),
        }
    ]


def test_each_scope_has_a_usage_plan_with_throttle_and_quota_named_by_the_authorizer() -> None:
    assert API["ApiKeySourceType"] == "AUTHORIZER" and API["Auth"]["ApiKeyRequired"] is True
    env = RESOURCES["ApiKeyAuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    prefix = env["USAGE_IDENTIFIER_PREFIX"]["Fn::Sub"]
    for scope in Scope:
        name = scope.value.capitalize()
        plan = RESOURCES[f"{name}UsagePlan"]["Properties"]
        assert plan["ApiStages"] == [{"ApiId": ref("InventoryApi"), "Stage": ref("StageName")}]
        assert plan["Throttle"] == {
            "RateLimit": ref(f"{name}RateLimit"),
            "BurstLimit": ref(f"{name}BurstLimit"),
        }
        assert plan["Quota"] == {"Limit": ref(f"{name}QuotaPerDay"), "Period": "DAY"}
        for parameter in (f"{name}RateLimit", f"{name}BurstLimit", f"{name}QuotaPerDay"):
            assert PARAMETERS[parameter]["Type"] == "Number" and PARAMETERS[parameter]["MinValue"] >= 1
        key = RESOURCES[f"{name}UsageKey"]["Properties"]
        # the authorizer's usageIdentifierKey for this scope is this key's value
        assert key["Value"] == {"Fn::Sub": f"{prefix}{scope.value}"} and key["Enabled"] is True
        binding = RESOURCES[f"{name}UsagePlanKey"]["Properties"]
        assert binding == {
            "KeyId": ref(f"{name}UsageKey"),
            "KeyType": "API_KEY",
            "UsagePlanId": ref(f"{name}UsagePlan"),
        }


def _functions_by_route() -> dict[tuple[str, str], str]:
    routes = {}
    for lid, resource in RESOURCES.items():
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event["Type"] == "Api":
                routes[(event["Properties"]["Method"].upper(), event["Properties"]["Path"])] = lid
    return routes


def test_functions_behind_public_routes_and_the_authorizer_have_reserved_concurrency() -> None:
    spec = build_spec()
    public = {"ApiKeyAuthorizerFunction"}
    for (method, path), function in _functions_by_route().items():
        operation = spec["paths"][path][method.lower()]
        if operation.get("x-required-scope") in (None, "storefront"):
            public.add(function)
    assert {
        "InventoryReadFunction",
        "CatalogueFunction",
        "ReservationApiFunction",
        "ApiDocsFunction",
    } <= public
    expected: Any = {
        "Fn::If": ["HasPublicConcurrency", ref("PublicFunctionConcurrency"), ref("AWS::NoValue")]
    }
    for function in sorted(public):
        assert RESOURCES[function]["Properties"].get("ReservedConcurrentExecutions") == expected, function


def test_key_digests_live_in_parameters_only_the_authorizer_may_read() -> None:
    names = {"AdminKeysParameter", "CheckoutKeysParameter", "StorefrontKeysParameter"}
    for lid in names:
        props = RESOURCES[lid]["Properties"]
        assert RESOURCES[lid]["Type"] == "AWS::SSM::Parameter" and props["Type"] == "String"
        scope = lid.removesuffix("KeysParameter")
        # seeded from the deploy parameter; "-" (no key valid) when it was left empty
        assert props["Value"] == {"Fn::If": [f"Has{scope}Keys", ref(f"{scope}KeyHashes"), "-"]}
    authorizer = RESOURCES["ApiKeyAuthorizerFunction"]["Properties"]
    statements = [s for policy in authorizer["Policies"] for s in policy["Statement"]]
    assert [s["Action"] for s in statements] == [["ssm:GetParameters"]]
    granted = {s["Fn::Sub"].rsplit("${", 1)[1].rstrip("}") for s in statements[0]["Resource"]}
    assert granted == names
    for lid, resource in RESOURCES.items():
        if lid != "ApiKeyAuthorizerFunction" and resource["Type"] == "AWS::Serverless::Function":
            text = str(resource["Properties"].get("Policies", ""))
            assert "ssm:" not in text and "KeysParameter" not in text, lid
