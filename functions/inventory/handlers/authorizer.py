"""ApiKeyAuthorizerFunction: the API's Lambda REQUEST authorizer.

Resolves `x-api-key` to a scope, against the digests in the parameter store (read through a
short cache, so a rotated key takes effect without a redeploy). The policy allows the whole API
stage and the scope travels in the authorizer context, so the cached answer (per key,
`ReauthorizeEvery`) stays right for every route; each route then checks the scope it needs.
Unknown keys, and a key header sent more than once, are refused with API Gateway's `Unauthorized`
(401). Keys are never logged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory.config import KeySettings, load
from inventory.domain.api_keys import Scope
from inventory.models import utc_now
from inventory.observability import logger, metrics, tracer
from inventory.store.aws import client
from inventory.store.key_parameters import ParameterStoreKeys

# AWS permissions of this function: template resource -> the actions its code calls there.
# tests/unit/test_least_privilege.py holds template.yaml to exactly this.
PERMISSIONS = {
    "AdminKeysParameter": ("ssm:GetParameters",),
    "CheckoutKeysParameter": ("ssm:GetParameters",),
    "StorefrontKeysParameter": ("ssm:GetParameters",),
}

settings = load(KeySettings)
keys = ParameterStoreKeys(
    {
        Scope.ADMIN: settings.admin_key_parameter,
        Scope.CHECKOUT: settings.checkout_key_parameter,
        Scope.STOREFRONT: settings.storefront_key_parameter,
    },
    max_age=settings.key_cache_seconds,
    ssm_client=client("ssm"),
)


def _stage_arn(method_arn: str) -> str:
    # arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> .../api-id/stage/*
    prefix, _, rest = method_arn.partition(":execute-api:")
    region_account_api = rest.split("/", 2)
    return f"{prefix}:execute-api:{region_account_api[0]}/{region_account_api[1]}/*"


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sent = [
        value
        for name, values in (event.get("multiValueHeaders") or {}).items()
        if name.lower() == "x-api-key"
        for value in values or []
    ]
    if not sent:
        sent = [v for k, v in (event.get("headers") or {}).items() if k.lower() == "x-api-key"]
    scope = keys.current().scope_for(sent[0], utc_now()) if len(sent) == 1 else None
    if scope is None:
        logger.info("rejected an unknown API key")
        raise Exception("Unauthorized")
    return {
        "principalId": scope.value,
        # what the scope's usage plan knows it by (ApiKeySourceType AUTHORIZER): throttle and quota
        "usageIdentifierKey": f"{settings.usage_identifier_prefix}{scope.value}",
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
