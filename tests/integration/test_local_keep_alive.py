"""The local servers keep HTTP/1.1 connections open between requests, safely."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from local_stack.stack import LocalStack


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)


def test_one_connection_serves_many_requests(stack: LocalStack) -> None:
    # Given one connection to the AWS endpoint
    connection = _connection(stack.aws_url)
    try:
        # When several requests are sent on it, one after another
        for _ in range(5):
            connection.request("GET", "/_local/calls")
            response = connection.getresponse()
            body = response.read()
            # Then each is answered, and the connection is not closed by the server
            assert response.status == 200 and "calls" in json.loads(body)
            assert response.getheader("Connection", "").lower() != "close"
    finally:
        connection.close()


def test_an_unread_request_body_does_not_leak_into_the_next_request(stack: LocalStack) -> None:
    # Given a request whose body the route never reads
    connection = _connection(stack.api_url)
    try:
        connection.request("GET", "/_local/health", body=b"x" * 50_000, headers={"Content-Length": "50000"})
        first = connection.getresponse()
        assert first.status == 200
        first.read()
        # When the next request follows on the same connection
        connection.request("GET", "/_local/health")
        second = connection.getresponse()
        # Then it is answered as itself
        assert second.status == 200 and json.loads(second.read()) == {"status": "ok"}
    finally:
        connection.close()


def test_a_client_asking_to_close_gets_its_connection_closed(stack: LocalStack) -> None:
    connection = _connection(stack.aws_url)
    try:
        connection.request("GET", "/_local/calls", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and response.getheader("Connection", "").lower() == "close"
    finally:
        connection.close()
