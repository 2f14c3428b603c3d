"""boto3 resources for handlers. Built once per sandbox; the endpoint comes from the environment
(`AWS_ENDPOINT_URL` locally), never from code."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# No client-side parameter validation: every request is built here from validated models, and the
# service validates it again. botocore's walk over each request was a fifth of the time a REST hold's
# sandbox took to build its transaction (botocore's Config reference allows it "for performance").
_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"},
    connect_timeout=2,
    read_timeout=10,
    parameter_validation=False,
)


@cache
def dynamodb_table(name: str) -> Any:
    return boto3.resource("dynamodb", config=_CONFIG).Table(name)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)  # type: ignore[call-overload]
