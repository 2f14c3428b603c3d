"""Turns template.yaml into live local resources: moto resources plus our own function runtime.

Names and ARNs are derived from logical ids the way a deployment would derive them, so every
`!Ref`, `!GetAtt` and `!Sub` resolves before anything is created. A resource type that is not
listed here (IAM roles, alarms, log groups, permissions) has no local behaviour and is skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local_stack.cfn import (
    ACCOUNT_ID,
    Resolver,
    ResourceRefs,
    TemplateError,
    load_template,
    merged_function_properties,
    parameter_values,
)
from local_stack.lambda_runtime import FunctionSpec

log = logging.getLogger("local_stack")


@dataclass(frozen=True)
class Authorizer:
    name: str
    function_arn: str
    identity_headers: tuple[str, ...]
    ttl_seconds: int


@dataclass(frozen=True)
class ApiRoute:
    api_id: str
    method: str  # upper case, or "ANY"
    path: str
    function: str  # logical id
    authorizer: str | None
    api_key_required: bool


@dataclass
class RestApi:
    logical_id: str
    api_id: str
    stage: str
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    cors: dict[str, Any] | None = None
    gateway_responses: dict[str, Any] = field(default_factory=dict)
    routes: list[ApiRoute] = field(default_factory=list)
    default_authorizer: str | None = None
    api_key_required: bool = False
    api_key_source: str = "HEADER"
    usage_keys: frozenset[str] = frozenset()  # values of the enabled API keys in a usage plan


@dataclass(frozen=True)
class EventSource:
    kind: str  # "sqs" | "stream" | "schedule"
    function: str  # logical id
    name: str
    properties: dict[str, Any]


@dataclass
class StackModel:
    """Everything the local stack runs, as the template declares it."""

    stack_name: str
    region: str
    parameters: dict[str, Any]
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    apis: dict[str, RestApi] = field(default_factory=dict)
    event_sources: list[EventSource] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    ssm_parameters: dict[str, str] = field(default_factory=dict)  # logical id -> SSM parameter name
    outputs: dict[str, Any] = field(default_factory=dict)
    # Headers CloudFront adds to the static pages (the template's response headers policy).
    static_headers: dict[str, str] = field(default_factory=dict)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _precompute_refs(resolver: Resolver, aws_url: str, website_url: str | None) -> dict[str, ResourceRefs]:
    """Names may use parameters and pseudo parameters (not other resources), as in CloudFormation."""
    refs: dict[str, ResourceRefs] = {}
    stack, region = resolver.stack_name, resolver.region
    arn = f"{region}:{ACCOUNT_ID}"
    for lid, res in resolver.template["Resources"].items():
        rtype, raw = res["Type"], res.get("Properties", {}) or {}
        props = {
            k: resolver.resolve(v)
            for k, v in raw.items()
            if k
            in (
                "TableName",
                "TopicName",
                "QueueName",
                "FunctionName",
                "Name",
                "StateMachineName",
                "BucketName",
            )
        }
        if rtype == "AWS::DynamoDB::Table":
            name = props.get("TableName", f"{stack}-{lid}")
            table_arn = f"arn:aws:dynamodb:{arn}:table/{name}"
            refs[lid] = ResourceRefs(name, {"Arn": table_arn, "StreamArn": f"{table_arn}/stream/local"})
        elif rtype == "AWS::SNS::Topic":
            name = props.get("TopicName", f"{stack}-{lid}")
            topic_arn = f"arn:aws:sns:{arn}:{name}"
            refs[lid] = ResourceRefs(topic_arn, {"TopicArn": topic_arn, "TopicName": name})
        elif rtype == "AWS::SQS::Queue":
            name = props.get("QueueName", f"{stack}-{lid}")
            url = f"{aws_url}/{ACCOUNT_ID}/{name}"
            refs[lid] = ResourceRefs(
                url, {"Arn": f"arn:aws:sqs:{arn}:{name}", "QueueName": name, "QueueUrl": url}
            )
        elif rtype in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            name = props.get("FunctionName", f"{stack}-{lid}")
            refs[lid] = ResourceRefs(name, {"Arn": f"arn:aws:lambda:{arn}:function:{name}"})
        elif rtype in ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            name = props.get("Name", props.get("StateMachineName", f"{stack}-{lid}"))
            sm_arn = f"arn:aws:states:{arn}:stateMachine:{name}"
            refs[lid] = ResourceRefs(sm_arn, {"Arn": sm_arn, "Name": name})
        elif rtype in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            api_id = _short_hash(f"{stack}/{lid}")
            refs[lid] = ResourceRefs(api_id, {"RootResourceId": "root"})
        elif rtype == "AWS::SSM::Parameter":
            name = props.get("Name", f"{stack}-{lid}")
            refs[lid] = ResourceRefs(name, {"Type": "String", "Value": ""})
        elif rtype == "AWS::S3::Bucket":
            name = props.get("BucketName", f"{stack}-{lid}".lower())
            refs[lid] = ResourceRefs(
                name,
                {
                    "Arn": f"arn:aws:s3:::{name}",
                    "DomainName": f"{name}.s3.amazonaws.com",
                    "WebsiteURL": website_url or f"{aws_url}/{name}",
                    "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
                },
            )
        elif rtype == "AWS::CloudFront::Distribution":
            # Not emulated: the local REST server serves the pages a distribution would.
            refs[lid] = ResourceRefs(lid, {"DomainName": _netloc(website_url or aws_url), "Id": lid})
        else:
            refs[lid] = ResourceRefs(lid, {"Arn": f"arn:aws:local:{arn}:{lid}"})
    return refs


def response_headers(config: dict[str, Any]) -> dict[str, str]:
    """The headers a CloudFront response headers policy adds to every response (CORS for any
    origin, security headers, custom headers)."""
    headers: dict[str, str] = {}
    cors = config.get("CorsConfig") or {}
    if "*" in (cors.get("AccessControlAllowOrigins") or {}).get("Items", []):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Allow-Methods"] = ",".join(cors["AccessControlAllowMethods"]["Items"])
        if "AccessControlMaxAgeSec" in cors:
            headers["Access-Control-Max-Age"] = str(cors["AccessControlMaxAgeSec"])
    security = config.get("SecurityHeadersConfig") or {}
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        headers["X-Frame-Options"] = str(security["FrameOptions"]["FrameOption"])
    if "ReferrerPolicy" in security:
        headers["Referrer-Policy"] = str(security["ReferrerPolicy"]["ReferrerPolicy"])
    hsts = security.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        headers["Strict-Transport-Security"] = value + (
            "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        )
    for item in (config.get("CustomHeadersConfig") or {}).get("Items", []):
        headers[str(item["Header"])] = str(item["Value"])
    return headers


def _netloc(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


class Provisioner:
    def __init__(
        self,
        template_path: Path,
        aws_url: str,
        region: str = "us-east-1",
        stack_name: str = "local",
        parameter_overrides: dict[str, Any] | None = None,
        website_url: str | None = None,
    ) -> None:
        """`website_url`: where the local stack serves the static pages a website bucket would hold."""
        self.template_path = template_path.resolve()
        self.website_url = website_url
        self.root = self.template_path.parent
        self.template = load_template(self.template_path)
        self.region = region
        self.aws_url = aws_url
        params = parameter_values(self.template, parameter_overrides or {})
        self.resolver = Resolver(self.template, params, {}, region, stack_name)
        self.resolver.refs.update(_precompute_refs(self.resolver, aws_url, website_url))
        self.model = StackModel(stack_name, region, params)

    def _client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws_url,
            region_name=self.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def _resources(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for lid, res in self.template["Resources"].items():
            if res["Type"] in types and self.resolver.resource_enabled(lid):
                out.append((lid, self.resolver.resolve(res.get("Properties", {}) or {})))
        return out

    def build_model(self) -> StackModel:
        """Reads functions, APIs and event sources; creates nothing."""
        for lid, props in self._resources("AWS::Serverless::Function"):
            self._add_function(lid, props)
        for lid, props in self._resources("AWS::Serverless::Api"):
            self._add_api(lid, props)
        for lid, res in self.template["Resources"].items():
            if res["Type"] == "AWS::Serverless::Function" and self.resolver.resource_enabled(lid):
                self._add_events(lid, self.resolver.resolve(res.get("Properties", {}).get("Events", {})))
        for lid, _ in self._resources("AWS::DynamoDB::Table"):
            self.model.tables[lid] = self.resolver.refs[lid].ref
        for lid, _ in self._resources("AWS::SNS::Topic"):
            self.model.topics[lid] = self.resolver.refs[lid].ref
        for lid, _ in self._resources("AWS::SQS::Queue"):
            self.model.queues[lid] = self.resolver.refs[lid].ref
        for lid, _ in self._resources("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"):
            self.model.state_machines[lid] = self.resolver.refs[lid].ref
        for lid, _ in self._resources("AWS::S3::Bucket"):
            self.model.buckets[lid] = self.resolver.refs[lid].ref
        for _, props in self._resources("AWS::CloudFront::ResponseHeadersPolicy")[:1]:
            self.model.static_headers = response_headers(props.get("ResponseHeadersPolicyConfig", {}))
        for lid, _ in self._resources("AWS::SSM::Parameter"):
            self.model.ssm_parameters[lid] = self.resolver.refs[lid].ref
        for name, out in (self.template.get("Outputs") or {}).items():
            if "Condition" not in out or self.resolver.condition(out["Condition"]):
                value = self.resolver.resolve(out["Value"])
                if isinstance(value, str) and self.website_url:  # local pages are plain HTTP on loopback
                    value = value.replace(f"https://{_netloc(self.website_url)}", self.website_url)
                self.model.outputs[name] = value
        return self.model

    def _add_function(self, lid: str, props: dict[str, Any]) -> None:
        merged = merged_function_properties(self.template, props)
        merged = self.resolver.resolve(merged)
        if merged.get("PackageType", "Zip") != "Zip" or "InlineCode" in merged:
            raise TemplateError(f"{lid}: only zip functions with CodeUri are supported locally")
        env = {k: str(v) for k, v in (merged.get("Environment", {}).get("Variables", {}) or {}).items()}
        self.model.functions[lid] = FunctionSpec(
            logical_id=lid,
            name=self.resolver.refs[lid].ref,
            arn=self.resolver.refs[lid].attrs["Arn"],
            handler=merged["Handler"],
            code_dir=(self.root / merged.get("CodeUri", ".")).resolve(),
            environment=env,
            timeout_seconds=float(merged.get("Timeout", 3)),
            memory_mb=int(merged.get("MemorySize", 128)),
            max_concurrency=int(merged.get("ReservedConcurrentExecutions") or 4),
        )

    def _add_api(self, lid: str, props: dict[str, Any]) -> None:
        api = RestApi(lid, self.resolver.refs[lid].ref, str(props.get("StageName", "Prod")))
        auth = props.get("Auth", {}) or {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            identity = spec.get("Identity", {}) or {}
            headers = tuple(h.lower() for h in identity.get("Headers", []) or [])
            if spec.get("FunctionPayloadType", "TOKEN") == "TOKEN":
                headers = (str(identity.get("Header", "Authorization")).lower(),)
            api.authorizers[name] = Authorizer(
                name, spec["FunctionArn"], headers, int(identity.get("ReauthorizeEvery", 300))
            )
        api.cors = props.get("Cors")
        api.gateway_responses = props.get("GatewayResponses", {}) or {}
        api.default_authorizer = auth.get("DefaultAuthorizer")
        api.api_key_required = bool(auth.get("ApiKeyRequired", False))
        api.api_key_source = str(props.get("ApiKeySourceType", "HEADER"))
        api.usage_keys = self._usage_keys()
        self.model.apis[lid] = api

    def _usage_keys(self) -> frozenset[str]:
        """Values of the enabled API keys that a usage plan names (one stage per stack locally)."""
        planned = {str(p.get("KeyId")) for _, p in self._resources("AWS::ApiGateway::UsagePlanKey")}
        keys = self._resources("AWS::ApiGateway::ApiKey")
        return frozenset(
            str(p["Value"])
            for lid, p in keys
            if "Value" in p and p.get("Enabled", True) and self.resolver.refs[lid].ref in planned
        )

    def _add_events(self, lid: str, events: dict[str, Any], routes: bool = True) -> None:
        for name, event in (events or {}).items():
            etype, props = event["Type"], event.get("Properties", {}) or {}
            if etype == "Api":
                if not routes:
                    continue
                api_lid = self._api_logical_id(props.get("RestApiId"))
                api = self.model.apis[api_lid]
                auth = props.get("Auth", {}) or {}
                authorizer = auth.get("Authorizer", api.default_authorizer)
                if authorizer in ("NONE", "AWS_IAM"):
                    authorizer = None
                api.routes.append(
                    ApiRoute(
                        api_id=api.api_id,
                        method=str(props["Method"]).upper(),
                        path=str(props["Path"]),
                        function=lid,
                        authorizer=authorizer,
                        api_key_required=bool(auth.get("ApiKeyRequired", api.api_key_required)),
                    )
                )
            elif etype == "SQS":
                self.model.event_sources.append(EventSource("sqs", lid, name, props))
            elif etype == "DynamoDB":
                self.model.event_sources.append(EventSource("stream", lid, name, props))
            elif etype in ("Schedule", "ScheduleV2"):
                self.model.event_sources.append(EventSource("schedule", lid, name, props))
            else:
                log.warning("%s.%s: event type %s has no local emulation", lid, name, etype)

    def _api_logical_id(self, rest_api_id: Any) -> str:
        for lid, api in self.model.apis.items():
            if api.api_id == rest_api_id:
                return lid
        raise TemplateError(f"Api event refers to unknown RestApiId {rest_api_id!r}")

    # -- creation in moto ------------------------------------------------------------------------
    def create_resources(self) -> None:
        self._create_tables()
        self._create_topics_and_queues()
        self._create_state_machines()
        s3 = self._client("s3")
        for _, bucket in self.model.buckets.items():
            s3.create_bucket(Bucket=bucket)
        self._create_parameters()

    def _create_parameters(self) -> None:
        """SSM parameters with the template's values: what a deployment starts with. A value changed
        later (a key rotation) is read by the functions at run time, as on AWS."""
        ssm = self._client("ssm")
        for lid, props in self._resources("AWS::SSM::Parameter"):
            args = {k: str(props[k]) for k in ("Type", "Description", "AllowedPattern", "Tier") if k in props}
            ssm.put_parameter(
                Name=self.model.ssm_parameters[lid], Value=str(props["Value"]), Overwrite=True, **args
            )

    def _create_tables(self) -> None:
        ddb = self._client("dynamodb")
        keys = (
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "BillingMode",
            "ProvisionedThroughput",
            "StreamSpecification",
        )
        for lid, props in self._resources("AWS::DynamoDB::Table"):
            args = {k: props[k] for k in keys if k in props}
            if "StreamSpecification" in args:  # CloudFormation implies StreamEnabled; the API needs it
                args["StreamSpecification"] = {"StreamEnabled": True, **args["StreamSpecification"]}
            ddb.create_table(TableName=self.model.tables[lid], **args)
            ttl = props.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                ddb.update_time_to_live(
                    TableName=self.model.tables[lid],
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                )
            if "StreamSpecification" in props:
                stream_arn = ddb.describe_table(TableName=self.model.tables[lid])["Table"]["LatestStreamArn"]
                self.resolver.refs[lid].attrs["StreamArn"] = stream_arn
        self._refresh_after_tables()

    def _refresh_after_tables(self) -> None:
        """A stream ARN is only known once moto created the table (it ends with a creation time), but
        functions and event sources were resolved before: resolve them again with the real ARNs."""
        self.model.event_sources.clear()
        for lid, res in self.template["Resources"].items():
            if res["Type"] != "AWS::Serverless::Function" or not self.resolver.resource_enabled(lid):
                continue
            props = res.get("Properties", {}) or {}
            self._add_function(lid, self.resolver.resolve(props))
            self._add_events(lid, self.resolver.resolve(props.get("Events", {})), routes=False)

    def _create_topics_and_queues(self) -> None:
        sns, sqs = self._client("sns"), self._client("sqs")
        # Dead-letter queues first: a queue's RedrivePolicy must name an existing queue.
        queues = sorted(self._resources("AWS::SQS::Queue"), key=lambda item: "RedrivePolicy" in item[1])
        for lid, props in queues:
            attributes = {}
            for key, value in props.items():
                if key in ("QueueName", "Tags"):
                    continue
                attributes[key] = (
                    json.dumps(value)
                    if isinstance(value, dict)
                    else str(value).lower()
                    if isinstance(value, bool)
                    else str(value)
                )
            url = sqs.create_queue(
                QueueName=self.resolver.refs[lid].attrs["QueueName"], Attributes=attributes
            )["QueueUrl"]
            if url != self.model.queues[lid]:
                raise TemplateError(f"queue {lid}: expected URL {self.model.queues[lid]}, moto gave {url}")
        for lid, props in self._resources("AWS::SNS::Topic"):
            attributes = {"FifoTopic": "true"} if props.get("FifoTopic") else {}
            sns.create_topic(Name=self.resolver.refs[lid].attrs["TopicName"], Attributes=attributes)
            for sub in props.get("Subscription", []) or []:
                self._subscribe(sns, self.model.topics[lid], sub["Protocol"], sub["Endpoint"], {})
        for _, props in self._resources("AWS::SNS::Subscription"):
            attributes = {}
            for key in ("RawMessageDelivery", "FilterPolicyScope", "RedrivePolicy"):
                if key in props:
                    value = props[key]
                    attributes[key] = json.dumps(value) if isinstance(value, dict) else str(value).lower()
            if "FilterPolicy" in props:
                attributes["FilterPolicy"] = json.dumps(props["FilterPolicy"])
            self._subscribe(sns, props["TopicArn"], props["Protocol"], props["Endpoint"], attributes)

    def _subscribe(
        self, sns: Any, topic: str, protocol: str, endpoint: str, attributes: dict[str, str]
    ) -> None:
        if not endpoint:
            return  # an optional subscription whose parameter was left empty
        if protocol in ("email", "email-json", "sms", "http", "https"):
            log.info(
                "subscription %s:%s recorded; messages show in the local SNS feed instead", protocol, endpoint
            )
        sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)

    def _create_state_machines(self) -> None:
        sfn = self._client("stepfunctions")
        for lid, props in self._resources(
            "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"
        ):
            if "DefinitionUri" in props:
                text = (self.root / props["DefinitionUri"]).read_text(encoding="utf-8")
            elif "Definition" in props:
                text = json.dumps(props["Definition"])
            else:
                text = props["DefinitionString"]
            for key, value in (props.get("DefinitionSubstitutions") or {}).items():
                text = text.replace("${" + key + "}", str(value))
            definition = json.loads(text)  # fails loudly on a substitution left unresolved in a non-string
            name = self.resolver.refs[lid].attrs["Name"]
            sfn.create_state_machine(
                name=name,
                definition=json.dumps(definition),
                roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-role",
                type=props.get("Type", "STANDARD"),
            )
