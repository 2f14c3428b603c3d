"""`make publish-frontend` against S3 and CloudFront (moto, in process): what a deployment uploads."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local_stack.cfn import load_template
from tests.support import ROOT
from tools.publish_frontend import IMMUTABLE, REVALIDATE, embed_snippet, publish

DIST = ROOT / "frontend" / "dist"
pytestmark = pytest.mark.skipif(not (DIST / "manifest.json").exists(), reason="run `make frontend`")


def test_the_template_outputs_everything_the_publisher_reads() -> None:
    outputs = load_template(ROOT / "template.yaml")["Outputs"]
    assert {"ApiUrl", "FrontendBucketName", "FrontendDistributionId", "FrontendUrl"} <= set(outputs)


@mock_aws
def test_publishing_writes_the_api_url_in_and_uploads_the_pages_and_the_bundle() -> None:
    # Given a deployed stack's bucket and distribution
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="pages")
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Comment": "pages",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "pages", "DomainName": "pages.s3.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "pages", "ViewerProtocolPolicy": "redirect-to-https",
                                     "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                      "Cookies": {"Forward": "none"}}},
        }
    )["Distribution"]  # fmt: skip
    outputs = {
        "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/v1",
        "FrontendBucketName": "pages",
        "FrontendDistributionId": distribution["Id"],
        "FrontendUrl": f"https://{distribution['DomainName']}",
    }
    # When the pages are published
    publish(outputs, s3, cloudfront)
    # Then config.json names the API, and so does every page's meta tag
    config = s3.get_object(Bucket="pages", Key="dist/config.json")
    assert json.loads(config["Body"].read()) == {"apiBase": outputs["ApiUrl"]}
    page = s3.get_object(Bucket="pages", Key="product.html")["Body"].read().decode()
    assert f'<meta name="inventory-api-base" content="{outputs["ApiUrl"]}">' in page
    # And the content-hashed bundle is cached for good, everything else revalidated
    manifest = json.loads((DIST / "manifest.json").read_text(encoding="utf-8"))
    bundle = s3.head_object(Bucket="pages", Key=f"dist/{manifest['file']}")
    assert bundle["CacheControl"] == IMMUTABLE
    assert bundle["ContentType"].startswith("text/javascript") or "javascript" in bundle["ContentType"]
    assert s3.head_object(Bucket="pages", Key="index.html")["CacheControl"] == REVALIDATE
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="pages")["Contents"]}
    assert "build.mjs" not in keys and "dist/manifest.json" not in keys
    assert (
        cloudfront.list_invalidations(DistributionId=distribution["Id"])["InvalidationList"]["Quantity"] == 1
    )
    # And the snippet a shop pastes names the real host and the bundle's integrity hash
    snippet = embed_snippet(outputs["FrontendUrl"])
    assert f"{outputs['FrontendUrl']}/dist/{manifest['file']}" in snippet
    assert manifest["integrity"] in snippet


def test_the_source_pages_keep_an_empty_api_base() -> None:
    # The API's URL is written at deploy time only: the checked-in pages never carry one.
    for page in Path(ROOT / "frontend").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "inventory-api-base" in text:
            assert '<meta name="inventory-api-base" content="">' in text, page.name
