"""SAM's translation of the template is the oracle for provisioning: every resource type it yields is
provisioned by the local stack or listed as not emulated, and the list stays honest."""

from __future__ import annotations

from collections import Counter
from typing import Any

from local_stack.cfn import Resolver, load_template
from local_stack.emulation import EMULATED, NOT_EMULATED
from local_stack.runtime_python import find, worker_python
from local_stack.stack import LocalStack, local_parameters
from tests.support import ROOT
from tools.least_privilege import translate

TEMPLATE = load_template(ROOT / "template.yaml")
TRANSLATED: dict[str, Any] = translate(TEMPLATE)["Resources"]


def _deployed(template: dict[str, Any]) -> Counter[str]:
    """Translated resources whose condition holds with the local stack's parameters."""
    from local_stack.cfn import parameter_values

    params = parameter_values(TEMPLATE, local_parameters(ROOT / "template.yaml"))
    resolver = Resolver({**TEMPLATE, "Resources": TRANSLATED}, params, {}, "us-east-1", "local")
    return Counter(r["Type"] for lid, r in TRANSLATED.items() if resolver.resource_enabled(lid))


def test_every_translated_type_is_emulated_or_listed_as_not_emulated() -> None:
    types = {resource["Type"] for resource in TRANSLATED.values()}
    assert not set(EMULATED) & set(NOT_EMULATED)
    assert types - set(EMULATED) - set(NOT_EMULATED) == set(), "provision these locally or say why not"
    assert set(EMULATED) | set(NOT_EMULATED) <= types, "listed types the template no longer has"


def test_each_emulated_type_is_really_provisioned(stack: LocalStack, aws: Any) -> None:
    assert stack.model is not None and stack.runtime is not None
    model = stack.model
    wanted = _deployed(TEMPLATE)
    kinds = Counter(source.kind for source in model.event_sources)
    found = {
        "AWS::DynamoDB::Table": len(aws("dynamodb").list_tables()["TableNames"]),
        "AWS::SNS::Topic": len(aws("sns").list_topics()["Topics"]),
        "AWS::SNS::Subscription": len(aws("sns").list_subscriptions()["Subscriptions"]),
        "AWS::SQS::Queue": len(aws("sqs").list_queues().get("QueueUrls", [])),
        "AWS::Lambda::Function": len(stack.runtime.functions),
        "AWS::Lambda::EventSourceMapping": kinds["sqs"] + kinds["stream"],
        "AWS::Events::Rule": kinds["schedule"],
        "AWS::StepFunctions::StateMachine": len(aws("stepfunctions").list_state_machines()["stateMachines"]),
        "AWS::ApiGateway::RestApi": len(model.apis),
        "AWS::ApiGateway::Deployment": len(model.apis),
        "AWS::ApiGateway::Stage": len({api.stage for api in model.apis.values()}),
        "AWS::S3::Bucket": len(aws("s3").list_buckets()["Buckets"]),
        "AWS::CloudFront::ResponseHeadersPolicy": 1 if model.static_headers else 0,
        "AWS::Lambda::LayerVersion": 1 if find() is None or ".venv-runtime" in worker_python()[0] else 0,
        "AWS::SSM::Parameter": len(aws("ssm").describe_parameters()["Parameters"]),
        "AWS::ApiGateway::ApiKey": sum(len(api.usage_keys) for api in model.apis.values()),
        "AWS::ApiGateway::UsagePlan": sum(len(api.usage_keys) for api in model.apis.values()),
        "AWS::ApiGateway::UsagePlanKey": sum(len(api.usage_keys) for api in model.apis.values()),
    }
    assert set(found) == set(EMULATED)
    for rtype, count in found.items():
        assert count >= wanted[rtype], f"{rtype}: {wanted[rtype]} in the template, {count} locally"
