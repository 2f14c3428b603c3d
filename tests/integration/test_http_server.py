"""The local stack's HTTP server: kept-alive connections, and each response in one write."""

from __future__ import annotations

import http.client
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from local_stack import http_server
from local_stack.stack import free_port


def _app(environ: dict[str, Any], start_response: Any) -> Any:
    path = environ["PATH_INFO"]
    if path == "/empty":
        start_response("204 No Content", [])
        return [b""]
    if path == "/streamed":  # no Content-Length: werkzeug sends it chunked
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"first,", b"second"])
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body) + 5))])
    return [b"echo:" + body]


@pytest.fixture
def server() -> Iterator[int]:
    port = free_port()
    served = http_server.serve("127.0.0.1", port, _app)
    thread = threading.Thread(target=served.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield port
    served.shutdown()
    served.server_close()


def test_responses_on_one_kept_alive_connection_go_out_in_one_write_each(
    server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the server's socket writes counted
    writes: list[bytes] = []
    writer = getattr(socketserver, "_SocketWriter")  # noqa: B009 (private: what the handler writes through)
    original = writer.write

    def counted(self: Any, data: Any) -> int:
        writes.append(bytes(data))
        return original(self, data)

    monkeypatch.setattr(writer, "write", counted)
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    # When one connection sends three requests, a body, no body and an empty answer
    answers = []
    for method, path, body in (("POST", "/echo", b"abc"), ("GET", "/echo", None), ("GET", "/empty", None)):
        connection.request(method, path, body=body)
        response = connection.getresponse()
        answers.append((response.status, response.read()))
    connection.close()
    # Then each is answered in full, on the same connection, in a single write
    assert answers == [(200, b"echo:abc"), (200, b"echo:"), (204, b"")]
    assert len(writes) == 3
    assert writes[0].startswith(b"HTTP/1.1 200") and writes[0].endswith(b"\r\n\r\necho:abc")


def test_a_streamed_body_still_arrives_whole(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    connection.request("GET", "/streamed")
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"first,second")
    connection.close()


def test_the_writer_sends_on_flush_and_closes_like_a_socket_writer() -> None:
    # Given a coalescing writer over one end of a socket pair
    ours, theirs = socket.socketpair()
    writer = http_server._CoalescingWriter(getattr(socketserver, "_SocketWriter")(ours))  # noqa: B009
    theirs.settimeout(0.2)
    # When parts are written, nothing is sent until the flush, which sends them at once
    writer.write(b"head\r\n\r\n")
    writer.write(memoryview(b"body"))
    with pytest.raises(TimeoutError):
        theirs.recv(100)
    writer.flush()
    assert theirs.recv(100) == b"head\r\n\r\nbody"
    # And it closes as the handler's writer must when the connection ends
    assert not writer.closed
    writer.close()
    assert writer.closed
    ours.close()
    theirs.close()


def test_new_connections_are_served_without_waiting_for_a_thread_start(
    server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every Thread.start() counted from now on (it blocks until the new thread runs, which
    # on a busy interpreter held up the accepting thread once per new connection)
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def counted(self: threading.Thread) -> None:
        started.append(self)
        original(self)

    monkeypatch.setattr(threading.Thread, "start", counted)
    # When twenty new connections each send a request and stay open
    connections = [http.client.HTTPConnection("127.0.0.1", server, timeout=5) for _ in range(20)]
    for n, connection in enumerate(connections):
        connection.request("POST", "/echo", body=str(n).encode())
    answers = []
    for connection in connections:
        response = connection.getresponse()
        answers.append((response.status, response.read()))
    # Then each connection is answered, and keeps working, with no Thread.start() on the way
    for connection in connections:
        connection.request("GET", "/empty")
        response = connection.getresponse()
        answers.append((response.status, response.read()))
        connection.close()
    assert answers[:20] == [(200, f"echo:{n}".encode()) for n in range(20)]
    assert answers[20:] == [(204, b"")] * 20
    assert started == []


def test_the_pool_grows_when_every_thread_is_busy_and_ends_its_threads_on_close() -> None:
    # Given a server whose handler pool starts with one thread
    port = free_port()
    served = http_server.serve("127.0.0.1", port, _app, prestarted=1)
    pool: http_server.HandlerPool = served.handler_pool  # type: ignore[attr-defined]
    thread = threading.Thread(target=served.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        # When three connections stay open at once, each with a request answered
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=5) for _ in range(3)]
        answers = []
        for n, connection in enumerate(connections):
            connection.request("POST", "/echo", body=str(n).encode())
            response = connection.getresponse()
            answers.append((response.status, response.read()))
        # Then each was served, by a thread of its own: the pool grew to three
        assert answers == [(200, f"echo:{n}".encode()) for n in range(3)]
        assert len(pool.threads) == 3
        for connection in connections:
            connection.close()
    finally:
        served.shutdown()
        served.server_close()
    # And once the server is closed, the pool's threads end
    for handler in pool.threads:
        handler.join(10)
    assert not any(handler.is_alive() for handler in pool.threads)
