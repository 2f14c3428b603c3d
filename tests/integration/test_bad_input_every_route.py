"""Bad input on every route, through the gateway with a key that may call it: oversized and deeply
nested JSON, huge, negative and fractional numbers, unicode, control characters and path traversal
in ids, repeated headers. Each gets the right 4xx naming the field, never a 5xx, and changes nothing.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.integration.route_table import MUG, ROUTES
from tests.support import ADMIN_KEY, CHECKOUT_KEY, STOREFRONT_KEY, http

ADMIN = {"x-api-key": ADMIN_KEY}
WITH_BODY = [r for r in ROUTES if r[0] in ("POST", "PUT") and r[3] is not None]
WITH_PATH_IDS = [r for r in ROUTES if "{" in r[1]]
BAD_IDS = {
    "unicode": "SKU-\u00fcber",
    "control character": "SKU-\u0000-X",
    "newline": "SKU\nX",
    "trailing newline": "SKU\n",
    "only a newline": "\n",
    "dot dot": "..",
    "encoded dot dot": "%2E%2E",
    "too long": "A" * 129,
    "leading dash": "-SKU",
    "emoji": "SKU-\U0001f600",
}
BAD_NUMBERS = {"huge": "1" + "0" * 30, "negative": "-1", "fractional": "1.5", "float overflow": "1e400"}
# (route template path, body field holding a count that must be a positive integer)
COUNT_FIELDS = {
    "/inventory/check": ("items.0.quantity", lambda v: f'{{"items": [{{"sku": "{MUG}", "quantity": {v}}}]}}'),
    "/products": ("threshold_level", lambda v: f'{{"sku": "{MUG}", "name": "Mug", "threshold_level": {v}}}'),
    "/inventory/{productId}": ("stock_count", lambda v: f'{{"stock_count": {v}, "expected_version": 1}}'),
    "/inventory/{productId}/reserve": (
        "quantity",
        lambda v: f'{{"quantity": {v}, "reservationId": "bad-in-1"}}',
    ),
    "/reservations": (
        "items.0.quantity",
        lambda v: f'{{"reservation_id": "bad-in-2", "items": [{{"product_id": "{MUG}", "quantity": {v}}}]}}',
    ),
    "/reservations/{reservationId}/extend": ("hold_seconds", lambda v: f'{{"hold_seconds": {v}}}'),
    "/inventory/fulfill": (
        "items.0.quantity",
        lambda v: f'{{"order_id": "bad-in-3", "items": [{{"product_id": "{MUG}", "quantity": {v}}}]}}',
    ),
}
PAGED = ["/products", "/inventory", f"/inventory/{MUG}/history", "/alerts"]


@pytest.fixture
def unchanged(stack: LocalStack, inventory_table: Any) -> Any:
    """Asserts after the test that the demo product, the ledger and the reservation ids the requests
    name are exactly as before."""
    reservations = local_table(stack, "ReservationsTable")
    ids = ["bad-in-1", "bad-in-2", "bad-in-3", "scope-table-1", "scope-table-2", "scope-table-3"]

    def snapshot() -> Any:
        mug = inventory_table.get_item(Key={"product_id": MUG, "warehouse_id": "main"}, ConsistentRead=True)
        found = [
            reservations.get_item(Key={"reservation_id": rid}, ConsistentRead=True).get("Item") for rid in ids
        ]
        history = http("GET", f"{stack.api_url}/inventory/{MUG}/history?limit=100", headers=ADMIN).body
        return mug["Item"], found, history["movements"]

    before = snapshot()
    yield
    assert snapshot() == before


def fields_of(response: Any) -> list[str]:
    return [f["field"] for f in response.body["error"]["details"].get("fields", [])]


def assert_refused(response: Any, field: str | None) -> None:
    assert response.status == 400, response.text[:500]
    assert response.body["error"]["code"] == "VALIDATION_FAILED", response.text[:500]
    if field is not None:
        named = fields_of(response) or [response.body["error"]["details"].get("field")]
        assert field in named, (field, response.text[:500])


@pytest.mark.parametrize("route", WITH_BODY, ids=[f"{r[0]} {r[1]}" for r in WITH_BODY])
def test_deeply_nested_json_is_a_400_naming_the_body(api_url: str, route: Any, unchanged: Any) -> None:
    method, _template, path, *_ = route
    deep = "[" * 20_000 + "]" * 20_000
    assert_refused(http(method, f"{api_url}{path}", deep, ADMIN), "body")


@pytest.mark.parametrize("route", WITH_BODY, ids=[f"{r[0]} {r[1]}" for r in WITH_BODY])
def test_oversized_json_is_a_400_naming_the_field(api_url: str, route: Any, unchanged: Any) -> None:
    method, _template, path, body, *_ = route
    # the first text field of the route's own request, 2 MB long (or an unknown 2 MB field)
    text_fields = [k for k, v in (body or {}).items() if isinstance(v, str)]
    name = text_fields[0] if text_fields else "repair"
    big = {**(body or {}), name: "x" * 2_000_000}
    assert_refused(http(method, f"{api_url}{path}", big, ADMIN), name)


@pytest.mark.parametrize("number", list(BAD_NUMBERS), ids=list(BAD_NUMBERS))
@pytest.mark.parametrize("template", list(COUNT_FIELDS))
def test_bad_numbers_are_a_400_naming_the_field(
    api_url: str, template: str, number: str, unchanged: Any
) -> None:
    route = next(r for r in ROUTES if r[1] == template and r[0] in ("POST", "PUT"))
    field, body = COUNT_FIELDS[template]
    assert_refused(http(route[0], f"{api_url}{route[2]}", body(BAD_NUMBERS[number]), ADMIN), field)


@pytest.mark.parametrize("bad", list(BAD_IDS), ids=list(BAD_IDS))
@pytest.mark.parametrize("route", WITH_PATH_IDS, ids=[f"{r[0]} {r[1]}" for r in WITH_PATH_IDS])
def test_bad_ids_in_the_path_are_a_400_naming_the_parameter(
    api_url: str, route: Any, bad: str, unchanged: Any
) -> None:
    method, template, path, body, *_ = route
    names = re.findall(r"\{(\w+)\}", template)
    # put the bad id in the last parameter of the path (the first keeps a valid id)
    parts, concrete = template.split("/"), path.split("/")
    index = parts.index("{" + names[-1] + "}")
    value = BAD_IDS[bad] if bad == "encoded dot dot" else urllib.parse.quote(BAD_IDS[bad], safe="")
    concrete[index] = value
    response = http(method, api_url + "/".join(concrete), body, ADMIN)
    assert_refused(response, names[-1])


def test_path_traversal_with_slashes_reaches_no_route(api_url: str, unchanged: Any) -> None:
    for path in (
        "/inventory/..%2F..%2Fadmin%2Freconciliation",
        "/reservations/..%2Fx/confirm",
        "/products/%2E%2E%2F",
    ):
        response = http("GET", f"{api_url}{path}", headers=ADMIN)
        assert response.status in (400, 404) and response.body["error"]["code"] in (
            "NOT_FOUND",
            "VALIDATION_FAILED",
        )


@pytest.mark.parametrize("value", ["-1", "0", "1.5", "1" + "0" * 30, "abc", "", "%00"])
@pytest.mark.parametrize("path", PAGED)
def test_bad_page_sizes_are_a_400_naming_limit(api_url: str, path: str, value: str, unchanged: Any) -> None:
    assert_refused(http("GET", f"{api_url}{path}?limit={value}", headers=ADMIN), "limit")


def test_unicode_and_control_characters_in_body_ids_are_a_400_naming_them(
    api_url: str, unchanged: Any
) -> None:
    for bad in BAD_IDS.values():
        body = {"reservation_id": bad, "items": [{"product_id": MUG, "quantity": 1}]}
        assert_refused(http("POST", f"{api_url}/reservations", body, ADMIN), "reservation_id")
        check = {"items": [{"sku": bad, "quantity": 1}]}
        assert_refused(http("POST", f"{api_url}/inventory/check", check, ADMIN), "items.0.sku")


def test_lone_surrogates_in_text_are_a_400(api_url: str, unchanged: Any) -> None:
    raw = '{"delta": 1, "reason": "\\ud800"}'
    assert_refused(http("POST", f"{api_url}/inventory/SKU-NO-SUCH-THING/adjustments", raw, ADMIN), "reason")


def raw_request(
    api_url: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
) -> Any:
    import http.client

    parts = urllib.parse.urlsplit(api_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        text = response.read().decode()
        return response.status, json.loads(text) if text else None
    finally:
        connection.close()


def test_repeated_headers_are_refused(api_url: str, unchanged: Any) -> None:
    # x-api-key twice: which key counts would be a guess, so neither does
    status, body = raw_request(
        api_url, "GET", f"/inventory/{MUG}", [("x-api-key", STOREFRONT_KEY), ("x-api-key", ADMIN_KEY)]
    )
    assert status == 401 and body["error"]["code"] == "UNAUTHORIZED"
    # If-Match twice on a versioned write: 400 naming it, nothing written
    payload = json.dumps({"stock_count": 1}).encode()
    status, body = raw_request(
        api_url,
        "PUT",
        f"/inventory/{MUG}",
        [
            ("x-api-key", ADMIN_KEY),
            ("Content-Type", "application/json"),
            ("If-Match", '"1"'),
            ("If-Match", '"2"'),
        ],
        payload,
    )
    assert status == 400 and [f["field"].lower() for f in body["error"]["details"]["fields"]] == [
        "if-match"
    ], body
    # a release secret twice
    status, body = raw_request(
        api_url,
        "DELETE",
        "/reservations/bad-in-1",
        [("x-api-key", CHECKOUT_KEY), ("X-Release-Secret", "a"), ("X-Release-Secret", "b")],
    )
    assert status == 400 and [f["field"].lower() for f in body["error"]["details"]["fields"]] == [
        "x-release-secret"
    ]


def test_a_body_over_10_mb_is_refused_by_the_gateway(api_url: str, unchanged: Any) -> None:
    body = b'{"items": [{"sku": "' + b"x" * (10 * 1024 * 1024) + b'", "quantity": 1}]}'
    status, answer = raw_request(
        api_url,
        "POST",
        "/inventory/check",
        [("x-api-key", STOREFRONT_KEY), ("Content-Type", "application/json")],
        body,
    )
    assert status == 413 and answer["error"]["code"] == "REQUEST_TOO_LARGE"
    # and the server still answers the next request
    assert http("GET", f"{api_url}/inventory/{MUG}", headers={"x-api-key": STOREFRONT_KEY}).status == 200
