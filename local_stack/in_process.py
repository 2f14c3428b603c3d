"""Hands a boto3 client's requests straight to a WSGI app in the same process, with no socket.

The Step Functions interpreter runs inside the local stack, yet calls its task resources (Lambda
Invoke above all) through a boto3 client on the stack's own AWS port: every task call crossed
loopback, a new server thread and HTTP parsing on both sides. Registered as the client's
`before-send` handler, `WsgiTransport` gives the same request to the same WSGI app (so it is
counted, can be faulted and reaches the same code as over the port) and returns its answer.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

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
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_exc: Any) -> Callable[..., Any]:
            answer["status"], answer["headers"] = int(status.split(" ", 1)[0]), headers
            return lambda _data: None

        chunks = self.app(environ_for(request), start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        headers = HTTPHeaders()
        for name, value in answer.get("headers", []):
            headers[name] = value
        return AWSResponse(request.url, answer.get("status", 500), headers, _RawBody(body))


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
