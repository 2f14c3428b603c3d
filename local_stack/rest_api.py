"""API Gateway (REST, Lambda proxy) in front of the local runtime, plus the static web pages.

Routes, the Lambda REQUEST authorizer, CORS and gateway responses all come from the template's
`AWS::Serverless::Api` and the functions' `Api` events, and are enforced as API Gateway does:
the authorizer runs before the function, its policy is evaluated against the method ARN, and its
answer is cached per identity for `ReauthorizeEvery` seconds.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import mimetypes
import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from local_stack.aws_endpoint import SnsFeed
from local_stack.cfn import ACCOUNT_ID
from local_stack.lambda_runtime import LambdaRuntime
from local_stack.provision import ApiRoute, Authorizer, RestApi, StackModel
from local_stack.timeline import TIMELINE

log = logging.getLogger("local_stack")

_DEFAULT_GATEWAY_MESSAGES = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource with an explicit deny"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "AUTHORIZER_FAILURE": (500, None),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None),
    "INTEGRATION_FAILURE": (504, "Endpoint request timed out"),
    "BAD_GATEWAY": (502, "Internal server error"),
    "INVALID_API_KEY": (403, "Forbidden"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
}
# API Gateway's hard limit on a request's body (REST APIs); larger requests never reach a function.
MAX_BODY_BYTES = 10 * 1024 * 1024
_GATEWAY_PARENT = {
    "MISSING_AUTHENTICATION_TOKEN": "DEFAULT_4XX",
    "UNAUTHORIZED": "DEFAULT_4XX",
    "ACCESS_DENIED": "DEFAULT_4XX",
    "INVALID_API_KEY": "DEFAULT_4XX",
    "REQUEST_TOO_LARGE": "DEFAULT_4XX",
}


@dataclass
class _CompiledRoute:
    route: ApiRoute
    api: RestApi
    pattern: re.Pattern[str]
    params: list[str]
    specificity: tuple[int, int]


def _compile(path: str) -> tuple[re.Pattern[str], list[str], tuple[int, int]]:
    params: list[str] = []
    parts, literals = [], 0
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            params.append(segment[1:-2])
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{"):
            params.append(segment[1:-1])
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            literals += 1
            parts.append(re.escape(segment))
    # \Z, not $: `$` also matches before a trailing newline, so `/inventory/%0A` took the
    # `/inventory` route; API Gateway gives it to `/inventory/{productId}` with the id "\n".
    regex = "^/" + "/".join(parts) + "/?\\Z" if path.strip("/") else "^/\\Z"
    return re.compile(regex, re.DOTALL), params, (literals, -len(params))


class RestApiGateway:
    def __init__(
        self,
        model: StackModel,
        runtime: LambdaRuntime,
        feed: SnsFeed,
        frontend_dir: Path | None,
        extra_routes: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.runtime = runtime
        self.feed = feed
        self.frontend_dir = frontend_dir
        self.extra_routes = extra_routes or {}
        self.routes: list[_CompiledRoute] = []
        for api in model.apis.values():
            for route in api.routes:
                pattern, params, specificity = _compile(route.path)
                self.routes.append(_CompiledRoute(route, api, pattern, params, specificity))
        self.routes.sort(key=lambda r: r.specificity, reverse=True)
        self._auth_cache: dict[tuple[str, tuple[str, ...]], tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if TIMELINE.recording:
            span = TIMELINE.begin("gateway", f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}")
            try:
                return self._answer(environ, start_response)
            finally:
                TIMELINE.end(span)
        return self._answer(environ, start_response)

    def _answer(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except Exception:
            # A failure of the gateway itself (a sandbox that could not start, say) answers like
            # API Gateway's own 500, in JSON, never werkzeug's HTML page.
            log.exception("the local gateway failed on %s %s", request.method, request.path)
            api = next(iter(self.model.apis.values()), None)
            response = self._gateway_response(api, "DEFAULT_5XX", request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        local = self.extra_routes.get(request.path)
        if local is not None:
            return Response(json.dumps(local(request)), content_type="application/json")
        matches = [(r, m) for r in self.routes if (m := r.pattern.match(request.path))]
        if request.method == "OPTIONS" and matches:
            return self._preflight(matches[0][0].api, request)
        for compiled, match in matches:
            if compiled.route.method in (request.method, "ANY"):
                if self._too_large(request):
                    return self._gateway_response(compiled.api, "REQUEST_TOO_LARGE", request)
                return self._invoke_route(compiled, match.groupdict(), request)
        if request.method in ("GET", "HEAD"):
            static = self._static(request.path)
            if static is not None:
                return static
        api = matches[0][0].api if matches else next(iter(self.model.apis.values()), None)
        return self._gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", request)

    @staticmethod
    def _too_large(request: Request) -> bool:
        """Over 10 MB by its Content-Length, or by what a body without one turns out to hold."""
        if request.content_length is not None:
            return request.content_length > MAX_BODY_BYTES
        if request.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return False
        body = request.stream.read(MAX_BODY_BYTES + 1)
        request._cached_data = body  # what get_data() returns from now on
        return len(body) > MAX_BODY_BYTES

    # -- static pages ----------------------------------------------------------------------------
    def _static(self, path: str) -> Response | None:
        if self.frontend_dir is None:
            return None
        relative = path.lstrip("/") or "index.html"
        target = (self.frontend_dir / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.frontend_dir.resolve()) or not target.is_file():
            return None
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        headers = {**self.model.static_headers, "Cache-Control": "no-cache"}  # as CloudFront serves them
        return Response(target.read_bytes(), content_type=mime, headers=headers)

    # -- CORS --------------------------------------------------------------------------------------
    @staticmethod
    def _unquote(value: Any) -> str:
        text = str(value)
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text

    def _preflight(self, api: RestApi, request: Request) -> Response:
        cors = api.cors
        if not cors:
            return self._gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", request)
        if isinstance(cors, str):
            cors = {"AllowOrigin": cors}
        headers = {
            "Access-Control-Allow-Origin": self._unquote(cors.get("AllowOrigin", "'*'")),
            "Access-Control-Allow-Methods": self._unquote(
                cors.get("AllowMethods", "'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'")
            ),
        }
        if "AllowHeaders" in cors:
            headers["Access-Control-Allow-Headers"] = self._unquote(cors["AllowHeaders"])
        if "MaxAge" in cors:
            headers["Access-Control-Max-Age"] = self._unquote(cors["MaxAge"])
        if cors.get("AllowCredentials"):
            headers["Access-Control-Allow-Credentials"] = "true"
        return Response("", status=200, headers=headers)

    # -- gateway responses -----------------------------------------------------------------------
    def _gateway_response(
        self, api: RestApi | None, kind: str, request: Request, message: str | None = None
    ) -> Response:
        status, default_message = _DEFAULT_GATEWAY_MESSAGES.get(kind, (500, "Internal server error"))
        message = message or default_message
        configured = {}
        if api is not None:
            configured = api.gateway_responses.get(kind) or api.gateway_responses.get(
                _GATEWAY_PARENT.get(kind, ""), {}
            )
        status = int(configured.get("StatusCode", status))
        request_id = str(uuid.uuid4())
        templates = configured.get("ResponseTemplates") or {}
        body = json.dumps({"message": message})
        if "application/json" in templates:
            body = (
                templates["application/json"]
                .replace("$context.error.messageString", json.dumps(message))
                .replace("$context.error.message", message or "")
                .replace("$context.requestId", request_id)
            )
        headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": kind}
        for name, value in ((configured.get("ResponseParameters") or {}).get("Headers") or {}).items():
            headers[name] = self._unquote(value)
        return Response(body, status=status, headers=headers, content_type="application/json")

    # -- invocation ------------------------------------------------------------------------------
    def _method_arn(self, compiled: _CompiledRoute, request: Request) -> str:
        return (
            f"arn:aws:execute-api:{self.model.region}:{ACCOUNT_ID}:{compiled.api.api_id}/"
            f"{compiled.api.stage}/{request.method}{request.path}"
        )

    def _event(self, compiled: _CompiledRoute, params: dict[str, str], request: Request) -> dict[str, Any]:
        headers = dict(request.headers.items())
        multi_headers: dict[str, list[str]] = {}
        for key, value in request.headers.items():
            multi_headers.setdefault(key, []).append(value)
        query = {k: v[-1] for k, v in request.args.lists()} or None
        multi_query = dict(request.args.lists()) or None
        raw = request.get_data()
        try:
            body: str | None = raw.decode("utf-8") if raw else None
            is_b64 = False
        except UnicodeDecodeError:
            body, is_b64 = base64.b64encode(raw).decode(), True
        return {
            "resource": compiled.route.path,
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": "local",
                "resourcePath": compiled.route.path,
                "httpMethod": request.method,
                "extendedRequestId": str(uuid.uuid4()),
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                "path": f"/{compiled.api.stage}{request.path}",
                "accountId": ACCOUNT_ID,
                "protocol": "HTTP/1.1",
                "stage": compiled.api.stage,
                "domainPrefix": "localhost",
                "requestTimeEpoch": int(time.time() * 1000),
                "requestId": str(uuid.uuid4()),
                "identity": {
                    "sourceIp": request.remote_addr or "127.0.0.1",
                    "userAgent": request.headers.get("User-Agent"),
                    "apiKey": request.headers.get("x-api-key"),
                },
                "domainName": request.host,
                "apiId": compiled.api.api_id,
            },
            "body": body,
            "isBase64Encoded": is_b64,
        }

    def _authorize(
        self, compiled: _CompiledRoute, authorizer: Authorizer, event: dict[str, Any], request: Request
    ) -> tuple[str | None, dict[str, Any] | None]:
        """Returns (gateway error kind, authorizer context)."""
        # a header sent twice is one identity of both values (never the first one's cached answer)
        identity = tuple(",".join(request.headers.getlist(h)) for h in authorizer.identity_headers)
        if any(not value for value in identity):
            return "UNAUTHORIZED", None
        method_arn = self._method_arn(compiled, request)
        key = (authorizer.name, identity)
        with self._lock:
            cached = self._auth_cache.get(key)
        if cached and cached[0] > time.monotonic():
            policy = cached[1]
        else:
            auth_event = {
                "type": "REQUEST",
                "methodArn": method_arn,
                **{
                    k: event[k]
                    for k in (
                        "resource",
                        "path",
                        "httpMethod",
                        "headers",
                        "multiValueHeaders",
                        "queryStringParameters",
                        "multiValueQueryStringParameters",
                        "pathParameters",
                        "stageVariables",
                        "requestContext",
                    )
                },
            }
            result = self.runtime.invoke(authorizer.function_arn, auth_event)
            if result.function_error:
                error = json.loads(result.payload or b"{}")
                if error.get("errorMessage") == "Unauthorized":
                    return "UNAUTHORIZED", None
                return "AUTHORIZER_FAILURE", None
            policy = json.loads(result.payload)
            if authorizer.ttl_seconds > 0:
                with self._lock:
                    self._auth_cache[key] = (time.monotonic() + authorizer.ttl_seconds, policy)
        if not isinstance(policy, dict) or "policyDocument" not in policy:
            return "AUTHORIZER_CONFIGURATION_ERROR", None
        if not self._allowed(policy["policyDocument"], method_arn):
            return "ACCESS_DENIED", None
        context = {
            "principalId": policy.get("principalId"),
            **(policy.get("context") or {}),
            "usageIdentifierKey": policy.get("usageIdentifierKey"),
        }
        return None, context

    @staticmethod
    def _allowed(document: dict[str, Any], method_arn: str) -> bool:
        allowed = False
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            resources = statement.get("Resource", [])
            resources = resources if isinstance(resources, list) else [resources]
            if not any(fnmatch.fnmatchcase(method_arn, pattern) for pattern in resources):
                continue
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
        return allowed

    def _invoke_route(self, compiled: _CompiledRoute, params: dict[str, str], request: Request) -> Response:
        event = self._event(compiled, params, request)
        if compiled.route.authorizer:
            authorizer = compiled.api.authorizers.get(compiled.route.authorizer)
            if authorizer is None:
                return self._gateway_response(compiled.api, "AUTHORIZER_CONFIGURATION_ERROR", request)
            error, context = self._authorize(compiled, authorizer, event, request)
            if error:
                return self._gateway_response(compiled.api, error, request)
            assert context is not None
            usage_key = context.pop("usageIdentifierKey", None)
            if (
                compiled.route.api_key_required
                and compiled.api.api_key_source == "AUTHORIZER"
                and usage_key not in compiled.api.usage_keys
            ):  # API Gateway refuses a request its usage plans cannot count
                return self._gateway_response(compiled.api, "INVALID_API_KEY", request)
            event["requestContext"]["authorizer"] = context
        result = self.runtime.invoke(compiled.route.function, event)
        if result.function_error:
            error = json.loads(result.payload or b"{}")
            kind = "INTEGRATION_FAILURE" if error.get("errorType") == "Sandbox.Timedout" else "BAD_GATEWAY"
            return self._gateway_response(compiled.api, kind, request)
        try:
            reply = json.loads(result.payload)
            status = int(reply.get("statusCode", 200))
        except (ValueError, AttributeError, TypeError):
            return self._gateway_response(compiled.api, "BAD_GATEWAY", request, "Internal server error")
        body = reply.get("body") or ""
        data = base64.b64decode(body) if reply.get("isBase64Encoded") else str(body).encode()
        response = Response(data, status=status)
        response.headers.pop("Content-Type", None)
        for name, value in (reply.get("headers") or {}).items():
            response.headers[name] = str(value)
        for name, values in (reply.get("multiValueHeaders") or {}).items():
            response.headers.remove(name)
            for value in values:
                response.headers.add(name, str(value))
        return response
