"""Which CloudFormation resource types the local stack provisions, and which it does not (and why).

The oracle is SAM's own translation of template.yaml (`samtranslator`): every resource type it
yields is in exactly one of these tables, and `tests/integration/test_emulation_oracle.py` checks
that each emulated type really is there in a running stack.
"""

from __future__ import annotations

EMULATED = {
    "AWS::DynamoDB::Table": "moto's DynamoDB: keys, indexes, streams, TTL",
    "AWS::SNS::Topic": "moto's SNS; published messages are also recorded for /_local/sns",
    "AWS::SNS::Subscription": "moto's SNS: SQS deliveries (raw or not, with redrive); e-mail recorded only",
    "AWS::SQS::Queue": "moto's SQS, with redrive policies",
    "AWS::Lambda::Function": "the local runtime: worker processes per function, each with its environment",
    "AWS::Lambda::LayerVersion": "the workers' interpreter carries exactly the layer's locked dependencies",
    "AWS::Lambda::EventSourceMapping": "local pollers for SQS and the DynamoDB stream, with Lambda's rules",
    "AWS::Events::Rule": "a local scheduler for rate() and cron() expressions",
    "AWS::StepFunctions::StateMachine": "moto's Step Functions interpreter runs the ASL",
    "AWS::ApiGateway::RestApi": "the local REST gateway: routes, Lambda authorizer, CORS, gateway responses",
    "AWS::ApiGateway::Deployment": "the local REST gateway serves the deployed routes",
    "AWS::ApiGateway::Stage": "the local REST gateway serves the stage (no throttling, no access logs)",
    "AWS::S3::Bucket": "moto's S3 (the pages themselves are served from frontend/)",
    "AWS::CloudFront::ResponseHeadersPolicy": "its headers are added to every static page the gateway serves",
    "AWS::SSM::Parameter": "seeded in the AWS endpoint's SSM; the authorizer reads the key digests there",
    "AWS::ApiGateway::ApiKey": "usage identifiers: a caller no usage plan names is refused (nothing metered)",
    "AWS::ApiGateway::UsagePlan": "membership only: what no plan counts is refused (no throttle, no quota)",
    "AWS::ApiGateway::UsagePlanKey": "membership only, as for the usage plans",
}

NOT_EMULATED = {
    "AWS::IAM::Role": "no IAM locally; tests/unit/test_least_privilege.py proves each role's grants",
    "AWS::Lambda::Permission": "no resource policies locally: every template source may invoke",
    "AWS::SQS::QueuePolicy": "no resource policies locally",
    "AWS::S3::BucketPolicy": "no resource policies locally",
    "AWS::Logs::LogGroup": "function logs go to the stack's log output (stderr, or the tests' log file)",
    "AWS::CloudWatch::Alarm": "no CloudWatch metrics locally; docs/runbook.md explains each alarm",
    "AWS::Lambda::EventInvokeConfig": "scheduled runs are not retried locally; a failure is logged",
    "AWS::ApiGateway::Account": "an account-wide API Gateway setting (its CloudWatch role)",
    "AWS::CloudFront::Distribution": "the REST gateway serves the pages on loopback, plain HTTP",
    "AWS::CloudFront::OriginAccessControl": "no CloudFront locally: nothing signs requests to the bucket",
}
