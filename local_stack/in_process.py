"""Hands a boto3 client's requests straight to a WSGI app in the same process, with no socket.

The Step Functions interpreter runs inside the local stack, yet calls its task resources (Lambda
Invoke above all) through a boto3 client on the stack's own AWS port: every task call crossed
loopback, a new server thread and HTTP parsing on both sides. Registered as the client's
`before-send` handler, `WsgiTransport` gives the same request to the same WSGI app (so it is
counted, can be faulted and reaches the same code as over the port) and returns its answer.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ClientError

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _RawBody(io.BytesIO):
    """What botocore reads a response from: `stream()` for parsed bodies, `read()` for blobs."""

    def stream(self, **_kwargs: Any) -> Iterable[bytes]:
        contents = self.read()
        while contents:
            yield contents
            contents = self.read()


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    data = body.read()  # a file-like body
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def environ_for(request: AWSPreparedRequest) -> dict[str, Any]:
    """The WSGI environ a server would build for this request."""
    url = urlsplit(request.url)
    body = _bytes(request.body)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(url.path, encoding="latin-1") or "/",  # as WSGI servers do
        "RAW_URI": url.path + (f"?{url.query}" if url.query else ""),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": url.netloc,
    }
    for name, value in request.headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = text
    return environ


class WsgiTransport:
    """A botocore `before-send` handler answering every request from `app`."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse:
        status, found, body = _wsgi_call(self.app, environ_for(request))
        headers = HTTPHeaders()
        for name, value in found.items():
            headers[name] = value
        return AWSResponse(request.url, status, headers, _RawBody(body))


# The WSGI app serving each local AWS port in this process (a process may run more than one stack).
_apps: dict[int, WsgiApp] = {}


def serve(port: int, app: WsgiApp) -> None:
    _apps[port] = app


def forget(port: int) -> None:
    _apps.pop(port, None)


def attach(client: Any, port: int) -> Any:
    """Sends `client`'s requests to the app serving `port` here, over loopback when there is none."""

    def send(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        app = _apps.get(port)
        return None if app is None else WsgiTransport(app)(request, **kwargs)

    client.meta.events.register("before-send", send)
    return client


def _wsgi_call(app: WsgiApp, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_exc: Any) -> Callable[..., Any]:
        answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), headers
        return lambda _data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return answer.get("status", 500), {k.lower(): v for k, v in answer.get("headers", [])}, body


class LambdaInvoker:
    """Stands in for the Step Functions interpreter's boto3 Lambda client. `invoke`, the one call
    its Lambda tasks make, goes to the app serving the port as a Lambda Invoke request (so it is
    counted and can be faulted like any other) without botocore building, signing and parsing it:
    about a tenth of the stack's CPU under load. Errors are raised as botocore raises them (a
    `ClientError` with the code, message, status and request id the interpreter reads); any other
    call, or any call when no app serves the port here, goes to the real client."""

    def __init__(self, client: Any, port: int) -> None:
        self._client, self._port = client, port
        self._region = client.meta.region_name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def invoke(self, **params: Any) -> dict[str, Any]:
        app = _apps.get(self._port)
        if app is None:
            return dict(self._client.invoke(**params))
        status, headers, body = _wsgi_call(app, self._environ(params))
        metadata = {
            "RequestId": headers.get("x-amzn-requestid", ""),
            "HTTPStatusCode": status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        }
        if status >= 300:
            raise _client_error(status, headers, body, metadata)
        result: dict[str, Any] = {"ResponseMetadata": metadata, "StatusCode": status}
        result["Payload"] = _RawBody(body)
        for header, key in (
            ("x-amz-function-error", "FunctionError"),
            ("x-amz-log-result", "LogResult"),
            ("x-amz-executed-version", "ExecutedVersion"),
        ):
            if header in headers:
                result[key] = headers[header]
        return result

    def _environ(self, params: dict[str, Any]) -> dict[str, Any]:
        name = quote(str(params["FunctionName"]), safe="")
        query = f"Qualifier={quote(str(params['Qualifier']), safe='')}" if params.get("Qualifier") else ""
        body = _bytes(params.get("Payload"))
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": f"/2015-03-31/functions/{unquote(name)}/invocations",
            "RAW_URI": f"/2015-03-31/functions/{name}/invocations" + (f"?{query}" if query else ""),
            "QUERY_STRING": query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": str(self._port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "HTTP_HOST": f"localhost:{self._port}",
            # The credential scope is how moto tells the service of a request it answers itself.
            "HTTP_AUTHORIZATION": (
                f"AWS4-HMAC-SHA256 Credential=local/20000101/{self._region}/lambda/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        }
        for param, header in (
            ("InvocationType", "HTTP_X_AMZ_INVOCATION_TYPE"),
            ("LogType", "HTTP_X_AMZ_LOG_TYPE"),
            ("ClientContext", "HTTP_X_AMZ_CLIENT_CONTEXT"),
        ):
            if params.get(param):
                environ[header] = str(params[param])
        return environ


def _client_error(status: int, headers: dict[str, str], body: bytes, metadata: dict[str, Any]) -> ClientError:
    """The error botocore's REST-JSON parser makes of a Lambda error answer."""
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        document = {}
    document = document if isinstance(document, dict) else {}
    code = headers.get("x-amzn-errortype", "").split(":", 1)[0]
    code = code or str(document.get("__type") or document.get("code") or document.get("Code") or "")
    code = code.rsplit("#", 1)[-1] or str(status)
    message = str(document.get("message") or document.get("Message") or "")
    parsed: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": metadata}
    return ClientError(parsed, "Invoke")
