"""ApiKeyAuthorizerFunction: the API's Lambda REQUEST authorizer.

Resolves `x-api-key` to a scope. The policy allows the whole API stage and the scope travels in
the authorizer context, so the cached answer (per key, `ReauthorizeEvery`) stays right for every
route; each route then checks the scope it needs. Unknown keys are refused with API Gateway's
`Unauthorized` (401). Keys are never logged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.config import KeySettings, load
from inventory.domain.api_keys import scope_for_key
from inventory.observability import logger, metrics, tracer

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS: dict[str, tuple[str, ...]] = {}

keys = load(KeySettings)


def _stage_arn(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> .../api-id/stage/*
    prefix, _, rest = method_arn.partition(":execute-api:")
    region_account_api = rest.split("/", 2)
    return f"{prefix}:execute-api:{region_account_api[0]}/{region_account_api[1]}/*"


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    scope = scope_for_key(
        headers.get("x-api-key"), keys.admin_digests, keys.storefront_digests, keys.checkout_digests
    )
    if scope is None:
        logger.info("rejected an unknown API key")
        raise Exception("Unauthorized")
    return {
        "principalId": scope.value,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": _stage_arn(event["methodArn"]),
                }
            ],
        },
        "context": {"scope": scope.value},
    }
