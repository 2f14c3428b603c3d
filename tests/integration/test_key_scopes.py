"""Every route against every kind of caller: no key, a wrong key, and each of the three scopes.

Each request is chosen so that, when the caller may make it, the answer is known and nothing
changes (reads, unknown ids, an existing product; a storefront key may hold stock, but not of an
unknown product): the table shows the gateway and the functions
agree on who may do what, and that a refusal is the same whatever the operation's input."""

from __future__ import annotations

from typing import Any

import pytest

from local_stack.cfn import load_template
from tests.integration.route_table import ROUTES
from tests.support import ADMIN_KEY, CHECKOUT_KEY, ROOT, STOREFRONT_KEY, http

KEYS = {
    "none": None,
    "wrong": "not-a-key",
    "storefront": STOREFRONT_KEY,
    "checkout": CHECKOUT_KEY,
    "admin": ADMIN_KEY,
}
WIDER = {
    "storefront": {"storefront", "checkout", "admin"},
    "checkout": {"checkout", "admin"},
    "admin": {"admin"},
}


def expected(needed: str | None, caller: str, allowed_status: int) -> int:
    if needed is None:
        return allowed_status
    if caller in ("none", "wrong"):
        return 401
    return allowed_status if caller in WIDER[needed] else 403


def test_the_table_covers_every_route_of_the_template() -> None:
    declared = set()
    for resource in load_template(ROOT / "template.yaml")["Resources"].values():
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event["Type"] == "Api":
                declared.add((event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    assert {(method, path) for method, path, *_ in ROUTES} == declared


@pytest.mark.parametrize("caller", list(KEYS))
@pytest.mark.parametrize(
    ("method", "template_path", "path", "body", "needed", "allowed"),
    ROUTES,
    ids=[f"{m} {p}" for m, p, *_ in ROUTES],
)
def test_route_by_caller(
    api_url: str,
    caller: str,
    method: str,
    template_path: str,
    path: str,
    body: Any,
    needed: str | None,
    allowed: int,
) -> None:
    key = KEYS[caller]
    # a release secret is sent too: a storefront key needs one on its own holds, the others ignore it
    headers = {"x-api-key": key, "X-Release-Secret": "a-guess"} if key else {"X-Release-Secret": "a-guess"}
    response = http(method, f"{api_url}{path}", body, headers)
    want = expected(needed, caller, allowed)
    assert response.status == want, (caller, method, template_path, response.text)
    if want == 403:
        # Then the refusal names the scope the operation needs, and nothing about the key
        assert response.body["error"]["code"] == "FORBIDDEN"
        assert response.body["error"]["details"] == {"required_scope": needed}
        assert response.body["error"]["message"] == f"this operation needs a {needed} key"
        assert str(key) not in response.text
    if want == 401:
        assert response.body["error"]["code"] == "UNAUTHORIZED"
        assert str(key) not in response.text


@pytest.mark.parametrize("body", ['{"not json', '{"quantity": -1}', '{"unknown": true}'])
def test_a_narrower_scope_is_refused_with_403_whatever_the_input(api_url: str, body: str) -> None:
    # Given a storefront key and an operation that needs checkout, When the body is invalid,
    # Then the answer is still the 403, not a validation error that describes the operation's input
    response = http("POST", f"{api_url}/inventory/fulfill", body, {"x-api-key": STOREFRONT_KEY})
    assert response.status == 403 and response.body["error"]["details"] == {"required_scope": "checkout"}
