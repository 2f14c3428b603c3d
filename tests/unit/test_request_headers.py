"""The local servers read a request's headers without the `email` parser, to the same result."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest

from local_stack import http_server

BLOCKS = {
    "an SDK call": b"Host: 127.0.0.1:4566\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n"
    b"Content-Type: application/x-amz-json-1.0\r\nContent-Length:  60 \r\nEmpty:\r\n\r\n",
    "a repeated header": b"Host: a\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
    "a folded header": b"Host: a\r\nFolded: one\r\n two\r\n\r\n",
    "a line with no colon": b"Bad line\r\nHost: a\r\n\r\n",
    "a blank before the colon": b"Host : a\r\n\r\n",
    "no headers": b"\r\n",
    "Latin-1": b"X-Name: caf\xe9\r\n\r\n",
}


@pytest.mark.parametrize("name", BLOCKS)
def test_headers_read_as_the_email_parser_reads_them(name: str) -> None:
    # Given a request's header block, When it is read the fast way and the email parser's way
    fast = http_server.parse_headers(io.BytesIO(BLOCKS[name]), http_server.RequestHeaders)
    slow = http_server._parse_headers(io.BytesIO(BLOCKS[name]), http_server.RequestHeaders)
    # Then every header, every lookup and the payload are the same
    assert fast.items() == slow.items()
    assert [fast.get(k) for k, _ in slow.items()] == [slow.get(k) for k, _ in slow.items()]
    assert fast.get("Missing", "none") == "none" and fast.get_all("Cookie") == slow.get_all("Cookie")
    assert fast.get_payload() == slow.get_payload()


def test_the_plain_block_skips_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[Any] = []
    real = http_server.http.client.email.parser.Parser.parsestr
    monkeypatch.setattr(
        http_server.http.client.email.parser.Parser,
        "parsestr",
        lambda self, text: parsed.append(text) or real(self, text),
    )
    http_server.parse_headers(io.BytesIO(BLOCKS["an SDK call"]), http_server.RequestHeaders)
    assert parsed == []
    http_server.parse_headers(io.BytesIO(BLOCKS["a folded header"]), http_server.RequestHeaders)
    assert len(parsed) == 1


def test_other_messages_are_parsed_as_before() -> None:
    message = http_server.parse_headers(io.BytesIO(b"Content-Type: text/plain\r\n\r\n"))
    assert type(message) is http_server.http.client.HTTPMessage and message.get_content_type() == "text/plain"


def _handler(logged: list[Any]) -> Any:
    """A request handler that has read `GET /x` and keeps what it logs."""
    handler = http_server.KeepAliveRequestHandler.__new__(http_server.KeepAliveRequestHandler)
    handler.command, handler.path, handler.request_version = "GET", "/x", "HTTP/1.1"
    handler.requestline = "GET /x HTTP/1.1"
    handler.log = lambda kind, message, *args: logged.append((kind, message % args))  # type: ignore[method-assign]
    return handler


@pytest.mark.parametrize(("level", "logged"), [(logging.WARNING, False), (logging.INFO, True)])
def test_a_request_line_is_formatted_only_when_it_is_logged(level: int, logged: bool) -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    before = werkzeug_log.level
    werkzeug_log.setLevel(level)
    lines: list[Any] = []
    try:
        _handler(lines).log_request(200, 10)
    finally:
        werkzeug_log.setLevel(before)
    assert bool(lines) is logged
