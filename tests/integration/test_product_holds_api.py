"""GET /inventory/{productId}/reservations against the in-process local stack: what holds a
product's stock, through the real gateway, authorizer, store and workflow."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from local_stack.stack import LocalStack
from tests.reservation_support import given_stock
from tests.support import ADMIN_KEY, CHECKOUT_KEY, aws_client, http, wait_for

ADMIN = {"x-api-key": ADMIN_KEY}
CHECKOUT = {"x-api-key": CHECKOUT_KEY}


def holds(api_url: str, product_id: str, query: str = "") -> Any:
    reply = http("GET", f"{api_url}/inventory/{product_id}/reservations{query}", headers=ADMIN)
    assert reply.status == 200, reply.text
    return reply.body


def test_rest_and_sdk_holds_are_listed_then_closed_ones_move_to_closed(
    api_url: str, stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    # Given a product held over REST (with an order id) and by a Step Functions start (SDK)
    given_stock(inventory_table, unique_id, 10)
    rest = http(
        "POST",
        f"{api_url}/reservations",
        {
            "reservation_id": f"R-{unique_id}",
            "items": [{"product_id": unique_id, "quantity": 2}],
            "order_id": f"O-{unique_id}",
            "hold_seconds": 120,
        },
        CHECKOUT,
    )
    assert rest.status == 201, rest.text
    sfn = aws_client("stepfunctions", stack.aws_url)
    assert stack.model is not None
    sfn.start_execution(
        stateMachineArn=stack.model.state_machines["ReservationStateMachine"],
        name=f"S-{unique_id}",
        input=json.dumps(
            {
                "reservation_id": f"S-{unique_id}",
                "items": [{"product_id": unique_id, "quantity": 3}],
                "hold_seconds": 120,
            }
        ),
    )
    found = wait_for(
        lambda: (lambda b: b if len(b["items"]) == 2 else None)(holds(api_url, unique_id)),
        30,
        what="both holds listed",
    )
    # Then each open hold shows its units, source, order id and expiry
    by_id = {h["reservation_id"]: h for h in found["items"]}
    assert by_id[f"R-{unique_id}"]["quantity"] == 2 and by_id[f"R-{unique_id}"]["source"] == "api"
    assert by_id[f"R-{unique_id}"]["order_id"] == f"O-{unique_id}"
    assert by_id[f"S-{unique_id}"]["quantity"] == 3 and by_id[f"S-{unique_id}"]["source"] == "sdk"
    assert all(h["status"] == "HELD" and h["expires_at"] for h in found["items"])
    assert found["state"] == "open" and found["next_token"] is None
    # When the REST hold is released with a reason
    gone = http(
        "DELETE", f"{api_url}/reservations/R-{unique_id}?reason={quote('admin: stuck cart')}", headers=ADMIN
    )
    assert gone.status == 204, gone.text
    # Then it is no longer open, and the closed list names why
    assert [h["reservation_id"] for h in holds(api_url, unique_id)["items"]] == [f"S-{unique_id}"]
    closed = holds(api_url, unique_id, "?state=closed")["items"]
    assert [(h["reservation_id"], h["status"], h["reason"]) for h in closed] == [
        (f"R-{unique_id}", "RELEASED", "admin: stuck cart")
    ]
    assert closed[0]["closed_at"]


def test_pages_and_input_errors(api_url: str, inventory_table: Any, unique_id: str) -> None:
    given_stock(inventory_table, unique_id, 10)
    for n in range(3):
        body = {"reservation_id": f"R{n}-{unique_id}", "items": [{"product_id": unique_id, "quantity": 1}]}
        assert http("POST", f"{api_url}/reservations", body, CHECKOUT).status == 201
    first = holds(api_url, unique_id, "?limit=2")
    assert len(first["items"]) == 2 and first["next_token"]
    rest = holds(api_url, unique_id, f"?limit=2&next_token={quote(first['next_token'])}")
    ids = {h["reservation_id"] for h in first["items"] + rest["items"]}
    assert ids == {f"R{n}-{unique_id}" for n in range(3)}
    # Bad input is a 400 naming the field; an unknown product a 404; a checkout key may not list
    for query, field in (("?state=all", "state"), ("?limit=0", "limit"), ("?next_token=zzz", "next_token")):
        reply = http("GET", f"{api_url}/inventory/{unique_id}/reservations{query}", headers=ADMIN)
        assert reply.status == 400 and field in reply.text, reply.text
    missing = http("GET", f"{api_url}/inventory/{unique_id}-NONE/reservations", headers=ADMIN)
    assert missing.status == 404 and missing.body["error"]["code"] == "PRODUCT_NOT_FOUND"
    refused = http("GET", f"{api_url}/inventory/{unique_id}/reservations", headers=CHECKOUT)
    assert refused.status == 403
