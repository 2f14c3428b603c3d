"""`make publish-frontend` against the local stack's S3: what a deployment uploads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local_stack.cfn import load_template
from tests.support import ROOT
from tools.publish_frontend import IMMUTABLE, REVALIDATE, embed_snippet, publish

DIST = ROOT / "frontend" / "dist"
pytestmark = pytest.mark.skipif(not (DIST / "manifest.json").exists(), reason="run `make frontend`")


def test_the_template_outputs_everything_the_publisher_reads() -> None:
    outputs = load_template(ROOT / "template.yaml")["Outputs"]
    assert {"ApiUrl", "FrontendBucketName", "FrontendDistributionId", "FrontendUrl"} <= set(outputs)


class RecordingCloudFront:
    """CloudFront has no local emulation: the invalidation asked for is recorded."""

    def __init__(self) -> None:
        self.invalidations: list[dict[str, Any]] = []

    def create_invalidation(self, **kwargs: Any) -> dict[str, Any]:
        self.invalidations.append(kwargs)
        return {"Invalidation": {"Id": "I1", "Status": "InProgress"}}


def test_publishing_writes_the_api_url_in_and_uploads_the_pages_and_the_bundle(
    aws: Any, unique_id: str
) -> None:
    # Given a deployed stack's bucket (the local stack's S3) and distribution
    s3 = aws("s3")
    bucket = f"pages-{unique_id.lower()}"
    s3.create_bucket(Bucket=bucket)
    cloudfront = RecordingCloudFront()
    outputs = {
        "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/v1",
        "FrontendBucketName": bucket,
        "FrontendDistributionId": "E2EXAMPLE",
        "FrontendUrl": "https://d111111abcdef8.cloudfront.net",
    }
    # When the pages are published
    publish(outputs, s3, cloudfront)
    # Then config.json names the API, and so does every page's meta tag
    config = s3.get_object(Bucket=bucket, Key="dist/config.json")
    assert json.loads(config["Body"].read()) == {"apiBase": outputs["ApiUrl"]}
    page = s3.get_object(Bucket=bucket, Key="product.html")["Body"].read().decode()
    assert f'<meta name="inventory-api-base" content="{outputs["ApiUrl"]}">' in page
    # And the content-hashed bundle is cached for good, everything else revalidated
    manifest = json.loads((DIST / "manifest.json").read_text(encoding="utf-8"))
    bundle = s3.head_object(Bucket=bucket, Key=f"dist/{manifest['file']}")
    assert bundle["CacheControl"] == IMMUTABLE
    assert "javascript" in bundle["ContentType"]
    assert s3.head_object(Bucket=bucket, Key="index.html")["CacheControl"] == REVALIDATE
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert "build.mjs" not in keys and "dist/manifest.json" not in keys
    (invalidation,) = cloudfront.invalidations
    assert invalidation["DistributionId"] == "E2EXAMPLE"
    assert invalidation["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
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
