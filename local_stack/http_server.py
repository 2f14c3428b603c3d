"""werkzeug's threaded WSGI server with HTTP/1.1 keep-alive, for the local AWS endpoint and REST API.

werkzeug closes every connection after one response ("Connection: close"), because after a
response it drains whatever is left on the socket, which on a kept-alive connection would swallow
the client's next request. So every AWS SDK call and every REST call paid a new TCP connection and
a new server thread. Here a connection stays open when that is safe: an HTTP/1.1 request with a
`Content-Length` body (or none) and no `Connection: close`. Its body is read exactly to its length
(the rest drained after the response, never beyond it), and werkzeug's drain is skipped for it.
Chunked requests and HTTP/1.0 keep werkzeug's behaviour. Idle connections close after
`KeepAliveRequestHandler.timeout` seconds. A response's status line, headers and body go out in
one write, with TCP_NODELAY: one segment on loopback instead of two (the kernel's share of a
small response is about the same as its Python share), and no Nagle delay on a kept-alive
connection.

New connections are served by a pool of handler threads started with the server, not by a new
thread each: `Thread.start()` blocks until the new thread has been scheduled, which on a busy
interpreter takes several GIL switches, and the one thread accepting connections paid that for
each. A burst of new connections (a checkout peak opening its connections) then waited in the
listen backlog for seconds while the connections accepted first were served again and again. The
pool grows by one thread whenever a connection arrives and every thread is busy (as many threads
as connections open at once, as before), and its threads are reused, never ended.
"""

from __future__ import annotations

import http.client
import logging
import queue
import selectors
import socket
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import werkzeug.serving
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

_state = threading.local()  # per handler thread: whether the current request keeps its connection


class _BoundedInput:
    """The request body: at most `length` bytes of the connection's stream."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.remaining = max(0, length)

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data: bytes = self._stream.read(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data: bytes = self._stream.readline(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines = []
        while line := self.readline():
            lines.append(line)
        return lines

    def __iter__(self) -> Any:
        return iter(self.readlines())

    def drain(self) -> None:
        while self.remaining > 0 and self.read(min(self.remaining, 1 << 16)):
            pass


class _DrainSelector:
    """werkzeug's post-response drain, made a no-op for requests that keep their connection."""

    def __init__(self) -> None:
        self._skip = bool(getattr(_state, "keep_alive", False))
        self._real = None if self._skip else selectors.DefaultSelector()

    def register(self, fileobj: Any, events: int, data: Any = None) -> Any:
        return None if self._real is None else self._real.register(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[Any]:
        return [] if self._real is None else self._real.select(timeout)

    def close(self) -> None:
        if self._real is not None:
            self._real.close()


werkzeug.serving.selectors = SimpleNamespace(  # type: ignore[assignment]
    DefaultSelector=_DrainSelector, EVENT_READ=selectors.EVENT_READ
)


class _CoalescingWriter:
    """The handler's `wfile`: what is written waits for the next `flush`, then goes out in one send.
    werkzeug writes the headers and then each body chunk, and flushes after each chunk."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._pending.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        if self._pending:
            data, self._pending = b"".join(self._pending), []
            self._raw.write(data)
        self._raw.flush()

    @property
    def closed(self) -> bool:
        return bool(self._raw.closed)

    def close(self) -> None:
        self._raw.close()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return int(self._raw.fileno())


class RequestHeaders(http.client.HTTPMessage):
    """A request's headers, as `http.client` parses them, read without the `email` policy.

    For headers decoded from Latin-1 (as every request's are), the compat32 policy hands back each
    value as stored, so `get` and `items` may read the stored pairs directly."""

    _headers: list[tuple[str, Any]]  # email.message.Message's own store

    def get(self, name: str, failobj: Any = None) -> Any:
        name = name.lower()
        for key, value in self._headers:
            if key.lower() == name:
                return value
        return failobj

    def items(self) -> list[tuple[str, Any]]:
        return list(self._headers)


_parse_headers = http.client.parse_headers


def parse_headers(fp: Any, _class: Any = http.client.HTTPMessage) -> Any:
    """`http.client.parse_headers`, for `RequestHeaders` without the `email` parser when every line
    is a plain `Name: value` (what it would store for one: the value without leading blanks and
    line end); a folded or malformed block goes to the `email` parser as before. The `email`
    parser was about half of the CPU a server thread spent on a request outside the app."""
    if _class is not RequestHeaders:
        return _parse_headers(fp, _class)
    lines = http.client._read_headers(fp)  # type: ignore[attr-defined]  # the same limits
    pairs = []
    for line in lines[:-1]:
        text = line.decode("iso-8859-1")
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():  # a fold starts with a blank too
            return http.client.email.parser.Parser(_class=_class).parsestr(  # type: ignore[attr-defined]
                b"".join(lines).decode("iso-8859-1")
            )
        pairs.append((name, value.lstrip(" \t").rstrip("\r\n")))
    message = _class()
    message._headers = pairs
    message.set_payload("")
    return message


http.client.parse_headers = parse_headers  # http.server reads the function from the module


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    MessageClass = RequestHeaders
    timeout = 120  # seconds an idle kept-alive connection stays open
    _keep_alive = False
    _body: _BoundedInput | None = None

    def setup(self) -> None:
        super().setup()
        # A chunked body still goes out in several writes: with Nagle's algorithm on a kept-alive
        # connection each would wait for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.wfile = _CoalescingWriter(self.wfile)  # type: ignore[assignment]

    def make_environ(self) -> Any:
        environ = super().make_environ()
        length = environ.get("CONTENT_LENGTH") or "0"
        self._keep_alive = (
            self.request_version == "HTTP/1.1"
            and not environ.get("wsgi.input_terminated")
            and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            and self.headers.get("Connection", "").lower() != "close"
            and length.isdigit()
        )
        self._body = None
        if self._keep_alive:
            self._body = _BoundedInput(self.rfile, int(length))
            environ["wsgi.input"] = self._body
        _state.keep_alive = self._keep_alive
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug formats the line (decoding the path) before its logger decides to drop it.
        logger = logging.getLogger("werkzeug")
        if logger.level != logging.NOTSET and not logger.isEnabledFor(logging.INFO):
            return
        super().log_request(code, size)

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return
        super().send_header(keyword, value)

    def run_wsgi(self) -> None:
        self._keep_alive = False
        try:
            super().run_wsgi()
        finally:
            _state.keep_alive = False
        if self._keep_alive and self._body is not None and not self.close_connection:
            self._body.drain()


def serve(host: str, port: int, app: Callable[..., Any], prestarted: int | None = None) -> BaseWSGIServer:
    """A threaded server for `app` with keep-alive connections (not yet serving); its handler pool
    is `server.handler_pool`."""
    server = make_server(host, port, app, threaded=True, request_handler=KeepAliveRequestHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    pool = HandlerPool(server, HandlerPool.PRESTARTED if prestarted is None else prestarted)
    server.handler_pool = pool  # type: ignore[attr-defined]
    server.process_request = pool.submit  # type: ignore[method-assign]
    close = server.server_close

    def server_close() -> None:
        close()
        pool.close()

    server.server_close = server_close  # type: ignore[method-assign]
    return server


class HandlerPool:
    """Threads that serve a server's connections, each until it closes, then the next one queued."""

    PRESTARTED = 64  # a burst of this many new connections needs no Thread.start()

    def __init__(self, server: BaseWSGIServer, prestarted: int = PRESTARTED) -> None:
        self._handle = server.process_request_thread  # type: ignore[attr-defined]
        self._queue: queue.Queue[tuple[Any, Any] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._idle = prestarted  # threads waiting for a connection that no queued one has claimed
        self.threads: list[threading.Thread] = []
        for _ in range(prestarted):
            self._add_thread()

    def submit(self, request: Any, client_address: Any) -> None:
        """`process_request`: hands the connection to an idle thread, or to a new one if none is."""
        with self._lock:
            claimed = self._idle > 0
            if claimed:
                self._idle -= 1
        self._queue.put((request, client_address))
        if not claimed:
            self._add_thread()

    def close(self) -> None:
        """Ends every thread once it has finished its connection."""
        for _ in self.threads:
            self._queue.put(None)

    def _add_thread(self) -> None:
        thread = threading.Thread(target=self._serve, name=f"http-handler-{len(self.threads)}", daemon=True)
        self.threads.append(thread)
        thread.start()

    def _serve(self) -> None:
        while (work := self._queue.get()) is not None:
            request, client_address = work
            self._handle(request, client_address)  # handles errors and closes the connection itself
            with self._lock:
                self._idle += 1
