"""Every IaC scan finding is fixed or skipped in the template with a reason (`make scan` runs the scans)."""

from __future__ import annotations

from typing import Any

from local_stack.cfn import load_template
from tests.support import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def _dead_letter_targets() -> set[str]:
    """Queues that receive what something else gave up on (redrive, on-failure, DLQ configs)."""
    found: set[str] = set()

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            if key in ("deadLetterTargetArn", "Destination", "Arn") and "Fn::GetAtt" in node:
                found.add(node["Fn::GetAtt"][0])
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)

    walk(RESOURCES)
    return {lid for lid in found if RESOURCES.get(lid, {}).get("Type") == "AWS::SQS::Queue"}


def test_every_checkov_skip_names_a_check_and_gives_a_reason() -> None:
    skips = [
        (lid, skip)
        for lid, resource in RESOURCES.items()
        for skip in (resource.get("Metadata", {}).get("checkov", {}).get("skip", []))
    ]
    assert skips
    for lid, skip in skips:
        assert skip["id"].startswith("CKV_"), (lid, skip)
        assert len(skip.get("comment", "").split()) >= 8, (
            f"{lid}: {skip['id']} needs a reason a reviewer accepts"
        )


def test_the_serverless_rules_are_only_silenced_on_dead_letter_queues() -> None:
    dead_letters = _dead_letter_targets()
    for lid, resource in RESOURCES.items():
        ignored = resource.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", [])
        if ignored:
            assert ignored == ["ES6000"] and lid in dead_letters, lid


def test_every_function_keeps_its_logs_for_the_configured_retention() -> None:
    functions = {lid for lid, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]["RetentionInDays"]
        for r in RESOURCES.values()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    for lid in functions:
        assert groups.get(f"/aws/lambda/${{{lid}}}") == {"Ref": "LogRetentionDays"}, lid


def test_the_pages_bucket_is_private_and_read_only_by_its_distribution() -> None:
    bucket = RESOURCES["FrontendBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert "WebsiteConfiguration" not in bucket
    statements = RESOURCES["FrontendBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in allows] == [{"Service": "cloudfront.amazonaws.com"}]
    behaviour = RESOURCES["FrontendDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "FrontendHeadersPolicy"}
