"""`make publish-frontend`: uploads the pages and the widget bundle to a deployed stack.

Reads the stack's outputs (ApiUrl, FrontendBucketName, FrontendDistributionId), writes the API's
URL into `config.json` (read by the widget bundle) and into each page's `inventory-api-base` meta
tag - generated at deploy time, never edited by hand - uploads everything to the private bucket
(the content-hashed bundle cached for a year, everything else revalidated), invalidates CloudFront
and prints the embed snippet with the real host and integrity hash.

    python -m tools.publish_frontend --stack-name checkout-inventory --region eu-west-1
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_META = re.compile(r'(<meta name="inventory-api-base" content=")[^"]*(")')


@dataclass(frozen=True)
class Upload:
    key: str
    body: bytes
    content_type: str
    cache_control: str


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def uploads(api_url: str, frontend: Path = FRONTEND) -> list[Upload]:
    """Every file to publish, with the API's URL written in (pages, config.json)."""
    manifest = json.loads((frontend / "dist" / "manifest.json").read_text(encoding="utf-8"))
    found = []
    for path in sorted(p for p in frontend.rglob("*") if p.is_file()):
        relative = path.relative_to(frontend).as_posix()
        if relative.endswith(".mjs") or relative == "dist/manifest.json":
            continue  # the build script and its own bookkeeping are not pages
        body = path.read_bytes()
        if path.suffix == ".html" and not relative.startswith("dist/"):
            body = _META.sub(lambda m: m.group(1) + api_url + m.group(2), body.decode("utf-8")).encode()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        cache = IMMUTABLE if relative == f"dist/{manifest['file']}" else REVALIDATE
        found.append(Upload(relative, body, content_type, cache))
    config = json.dumps({"apiBase": api_url}, indent=2).encode() + b"\n"
    found.append(Upload("dist/config.json", config, "application/json", REVALIDATE))
    return found


def embed_snippet(frontend_url: str, frontend: Path = FRONTEND) -> str:
    manifest = json.loads((frontend / "dist" / "manifest.json").read_text(encoding="utf-8"))
    src = f"{frontend_url.rstrip('/')}/dist/{manifest['file']}"
    return (
        '<div data-inventory-widget data-product-id="YOUR-SKU"></div>\n'
        f'<script src="{src}" integrity="{manifest["integrity"]}"\n'
        '        crossorigin="anonymous" async data-api-key="YOUR-STOREFRONT-KEY"></script>'
    )


def publish(outputs: dict[str, str], s3: Any, cloudfront: Any, frontend: Path = FRONTEND) -> list[Upload]:
    files = uploads(outputs["ApiUrl"], frontend)
    for upload in files:
        s3.put_object(
            Bucket=outputs["FrontendBucketName"],
            Key=upload.key,
            Body=upload.body,
            ContentType=upload.content_type,
            CacheControl=upload.cache_control,
        )
    cloudfront.create_invalidation(
        DistributionId=outputs["FrontendDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time_ns())},
    )
    return files


def main(argv: list[str]) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack-name", default="checkout-inventory")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    if not (FRONTEND / "dist" / "manifest.json").exists():
        print("no widget bundle: run `make frontend` first", file=sys.stderr)
        return 1
    session = boto3.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    files = publish(outputs, session.client("s3"), session.client("cloudfront"))
    print(f"uploaded {len(files)} files to s3://{outputs['FrontendBucketName']}; CloudFront invalidated")
    print(f"pages: {outputs['FrontendUrl']}/\nembed snippet:\n{embed_snippet(outputs['FrontendUrl'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
