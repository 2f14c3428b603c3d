"""boto3 clients for the local AWS endpoint (any credentials, us-east-1)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
# Retries off: a baseline call must be one request, and a failure should show, not be hidden.
_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=64)


def aws_client(service: str, endpoint_url: str) -> Any:
    session: Any = boto3.session.Session()  # Any: the stubs only type literal service names
    return session.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=_CONFIG,
    )
