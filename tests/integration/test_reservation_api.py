"""Reservations over REST against the in-process local stack (real gateway, authorizer, workflow)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import counts, given_stock, record
from tests.support import http, wait_for


@pytest.fixture
def reservations(stack: LocalStack) -> Any:
    return local_table(stack, "ReservationsTable")


@pytest.fixture
def api(api_url: str, checkout_headers: dict[str, str]) -> Any:
    def call(method: str, path: str, body: Any = None) -> Any:
        return http(method, f"{api_url}{path}", body, checkout_headers)

    return call


def test_reserve_a_product_then_release_it(api: Any, inventory_table: Any, unique_id: str) -> None:
    given_stock(inventory_table, unique_id, 10)
    rid = f"R-{unique_id}"
    # When a shopper reserves 3 units
    reply = api(
        "POST", f"/inventory/{unique_id}/reserve", {"quantity": 3, "reservationId": rid, "hold_seconds": 60}
    )
    # Then the answer is the held reservation, and the units are reserved
    assert reply.status == 201, reply.text
    assert (
        reply.body["reservationId"] == rid and reply.body["quantity"] == 3 and reply.body["status"] == "HELD"
    )
    assert reply.body["expires_at"].endswith("Z")
    assert counts(inventory_table, unique_id) == (10, 3, 7)
    # And the same request again returns the same reservation, holding nothing more
    again = api(
        "POST", f"/inventory/{unique_id}/reserve", {"quantity": 3, "reservationId": rid, "hold_seconds": 60}
    )
    assert again.status == 200 and again.body == reply.body
    assert counts(inventory_table, unique_id) == (10, 3, 7)
    # When it is released, twice
    assert api("DELETE", f"/inventory/{unique_id}/reserve/{rid}").status == 204
    assert api("DELETE", f"/inventory/{unique_id}/reserve/{rid}").status == 204
    assert counts(inventory_table, unique_id) == (10, 0, 10)


def test_reserve_errors(api: Any, inventory_table: Any, unique_id: str) -> None:
    given_stock(inventory_table, unique_id, 2)
    short = api("POST", f"/inventory/{unique_id}/reserve", {"quantity": 3, "reservationId": f"R-{unique_id}"})
    assert short.status == 409 and short.body["error"]["code"] == "INSUFFICIENT_STOCK"
    assert short.body["error"]["details"]["available"] == 2
    unknown = api(
        "POST", f"/inventory/NO-{unique_id}/reserve", {"quantity": 1, "reservationId": f"R2-{unique_id}"}
    )
    assert unknown.status == 404 and unknown.body["error"]["code"] == "PRODUCT_NOT_FOUND"
    bad = api("POST", f"/inventory/{unique_id}/reserve", {"quantity": 0, "reservationId": f"R3-{unique_id}"})
    assert bad.status == 400 and bad.body["error"]["details"]["fields"][0]["field"] == "quantity"
    too_long = api(
        "POST",
        f"/inventory/{unique_id}/reserve",
        {"quantity": 1, "reservationId": f"R4-{unique_id}", "hold_seconds": 10**6},
    )
    assert too_long.status == 400 and too_long.body["error"]["details"]["field"] == "hold_seconds"
    assert counts(inventory_table, unique_id) == (2, 0, 2)
    assert api("DELETE", f"/inventory/{unique_id}/reserve/none-{unique_id}").status == 404


def test_cart_reservation_confirmed(api: Any, inventory_table: Any, unique_id: str) -> None:
    first, second = f"{unique_id}-A", f"{unique_id}-B"
    given_stock(inventory_table, first, 5)
    given_stock(inventory_table, second, 5, warehouse_id="east")
    rid = f"C-{unique_id}"
    body = {
        "reservation_id": rid,
        "items": [
            {"product_id": first, "quantity": 2},
            {"product_id": second, "warehouse_id": "east", "quantity": 1},
        ],
        "hold_seconds": 60,
        "order_id": f"O-{unique_id}",
    }
    created = api("POST", "/reservations", body)
    assert created.status == 201, created.text
    assert created.body["status"] == "HELD" and len(created.body["lines"]) == 2
    assert "task_token" not in created.body
    confirmed = api("POST", f"/reservations/{rid}/confirm")
    assert confirmed.status == 200 and confirmed.body["status"] == "FULFILLED"
    assert counts(inventory_table, first) == (3, 0, 3)
    assert counts(inventory_table, second, "east") == (4, 0, 4)
    # confirming again is harmless; releasing a sold reservation is refused
    assert api("POST", f"/reservations/{rid}/confirm").status == 200
    refused = api("DELETE", f"/reservations/{rid}")
    assert refused.status == 409 and refused.body["error"]["details"]["status"] == "FULFILLED"
    assert counts(inventory_table, first) == (3, 0, 3)
    shown = api("GET", f"/reservations/{rid}")
    assert shown.status == 200 and shown.body["status"] == "FULFILLED"
    # the timeline comes from the record: held, (waiting, if the timer was armed before the confirm), sold
    events = [e["event"] for e in shown.body["timeline"]]
    assert events[0] == "HELD" and events[-1] == "FULFILLED" and set(events[1:-1]) <= {"WAITING"}, events


def test_confirm_after_expiry_is_refused_and_the_stock_came_back_once(
    stack: LocalStack, api: Any, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 3)
    rid = f"C-{unique_id}"
    body = {"reservation_id": rid, "items": [{"product_id": unique_id, "quantity": 2}], "hold_seconds": 1}
    assert api("POST", "/reservations", body).status == 201
    wait_for(lambda: record(reservations, rid)["status"] == "EXPIRED", timeout=30, what="the hold to expire")
    late = api("POST", f"/reservations/{rid}/confirm")
    assert late.status == 409 and late.body["error"]["code"] == "RESERVATION_CLOSED"
    assert (
        late.body["error"]["details"]["status"] == "EXPIRED"
        and "expired" in late.body["error"]["details"]["reason"]
    )
    assert counts(inventory_table, unique_id) == (3, 0, 3)
    assert ledger_kinds(stack, unique_id) == ["EXPIRED", "RESERVED"]
    shown = api("GET", f"/reservations/{rid}")
    assert shown.body["status"] == "EXPIRED"
    assert (
        shown.body["timeline"][-1]["event"] == "EXPIRED" and shown.body["timeline"][-1]["actor"] == "workflow"
    )
    # the timer never gives the stock back before the hold ends
    assert shown.body["updated_at"] >= shown.body["expires_at"]
    # releasing an expired reservation is harmless
    assert api("DELETE", f"/reservations/{rid}").status == 204


def ledger_kinds(stack: LocalStack, product_id: str) -> list[str]:
    rows = local_table(stack, "LedgerTable").query(
        KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": product_id}
    )["Items"]
    return sorted(str(r["kind"]) for r in rows)


def test_extend_moves_the_expiry_and_the_timer(
    api: Any, inventory_table: Any, reservations: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 3)
    rid = f"C-{unique_id}"
    body = {"reservation_id": rid, "items": [{"product_id": unique_id, "quantity": 1}], "hold_seconds": 2}
    created = api("POST", "/reservations", body)
    extended = api("POST", f"/reservations/{rid}/extend", {"hold_seconds": 60})
    assert extended.status == 200, extended.text
    assert extended.body["expires_at"] > created.body["expires_at"] and extended.body["extensions"] == 1
    # the old 2 s timer no longer applies: the reservation is still held and can be confirmed
    confirmed = api("POST", f"/reservations/{rid}/confirm")
    assert confirmed.status == 200 and confirmed.body["status"] == "FULFILLED"
    beyond = api("POST", f"/reservations/{rid}/extend", {"hold_seconds": 60})
    assert beyond.status == 409
    assert counts(inventory_table, unique_id) == (2, 0, 2)


def test_extension_is_bounded_by_the_maximum_hold(api: Any, inventory_table: Any, unique_id: str) -> None:
    given_stock(inventory_table, unique_id, 3)
    rid = f"C-{unique_id}"
    api("POST", "/reservations", {"reservation_id": rid, "items": [{"product_id": unique_id, "quantity": 1}]})
    refused = api("POST", f"/reservations/{rid}/extend", {"hold_seconds": 3600})
    assert refused.status == 400 and refused.body["error"]["details"]["field"] == "hold_seconds"
    assert api("DELETE", f"/reservations/{rid}?reason=changed+mind").status == 204
    assert api("GET", f"/reservations/{rid}").body["reason"] == "changed mind"
    assert counts(inventory_table, unique_id) == (3, 0, 3)


def test_a_refused_reservation_keeps_nothing_and_may_be_sent_again(
    api: Any, inventory_table: Any, unique_id: str
) -> None:
    # Given 1 unit, and a cart asking for 5
    given_stock(inventory_table, unique_id, 1)
    rid = f"C-{unique_id}"
    body = {"reservation_id": rid, "items": [{"product_id": unique_id, "quantity": 5}]}
    # When it is sent, twice
    first = api("POST", "/reservations", body)
    again = api("POST", "/reservations", body)
    # Then both are refused naming the short line, and nothing was recorded or held
    assert first.status == 409 and first.body["error"]["details"]["lines"][0]["requested"] == 5, first.text
    assert again.status == 409, again.text
    assert api("GET", f"/reservations/{rid}").status == 404
    assert counts(inventory_table, unique_id) == (1, 0, 1)
    # And once the stock is there, the same cart id holds
    given_more = inventory_table.update_item(
        Key={"product_id": unique_id, "warehouse_id": "main"},
        UpdateExpression="ADD stock_count :n, available :n",
        ExpressionAttributeValues={":n": 4},
    )
    assert given_more["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert api("POST", "/reservations", body).status == 201
    assert counts(inventory_table, unique_id) == (5, 5, 0)
    assert api("DELETE", f"/reservations/{rid}").status == 204


def test_a_reservation_id_reused_for_other_lines_is_a_conflict(
    api: Any, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    rid = f"C-{unique_id}"
    assert (
        api(
            "POST",
            "/reservations",
            {"reservation_id": rid, "items": [{"product_id": unique_id, "quantity": 1}]},
        ).status
        == 201
    )
    other = api(
        "POST", "/reservations", {"reservation_id": rid, "items": [{"product_id": unique_id, "quantity": 2}]}
    )
    assert other.status == 409 and other.body["error"]["code"] == "RESERVATION_CONFLICT"
    assert counts(inventory_table, unique_id) == (5, 1, 4)
    api("DELETE", f"/reservations/{rid}")


def test_concurrent_shoppers_over_http_get_exactly_the_units_there_are(
    api: Any, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 2)
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(
            pool.map(
                lambda n: api(
                    "POST",
                    f"/inventory/{unique_id}/reserve",
                    {"quantity": 1, "reservationId": f"R-{unique_id}-{n}"},
                ),
                range(6),
            )
        )
    assert sorted(r.status for r in replies) == [201] * 2 + [409] * 4, [(r.status, r.body) for r in replies]
    assert counts(inventory_table, unique_id) == (2, 2, 0)
    for n, reply in enumerate(replies):
        if reply.status == 201:
            assert api("DELETE", f"/inventory/{unique_id}/reserve/R-{unique_id}-{n}").status == 204
    assert counts(inventory_table, unique_id) == (2, 0, 2)


def test_the_same_reservation_sent_twice_at_once_holds_once(
    api: Any, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 5)
    body = {"reservation_id": f"C-{unique_id}", "items": [{"product_id": unique_id, "quantity": 2}]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda _n: api("POST", "/reservations", body), range(2)))
    assert {r.status for r in replies} <= {200, 201} and 201 in {r.status for r in replies}, [
        r.text for r in replies
    ]
    assert replies[0].body["expires_at"] == replies[1].body["expires_at"]
    assert counts(inventory_table, unique_id) == (5, 2, 3)
    assert api("DELETE", f"/reservations/C-{unique_id}").status == 204


def test_a_valid_key_is_required(api_url: str, unique_id: str) -> None:
    assert http("POST", f"{api_url}/reservations", {}, {"x-api-key": "wrong"}).status == 401


def test_fulfil_without_a_hold_sells_once_per_order(
    stack: LocalStack, api: Any, inventory_table: Any, unique_id: str
) -> None:
    first, second = f"{unique_id}-A", f"{unique_id}-B"
    given_stock(inventory_table, first, 5)
    given_stock(inventory_table, second, 2, warehouse_id="east")
    order = {
        "order_id": f"O-{unique_id}",
        "items": [
            {"product_id": first, "quantity": 2},
            {"product_id": second, "warehouse_id": "east", "quantity": 2},
        ],
    }
    sold = api("POST", "/inventory/fulfill", order)
    assert sold.status == 201, sold.text
    assert sold.body["status"] == "FULFILLED" and sold.body["order_id"] == f"O-{unique_id}"
    again = api("POST", "/inventory/fulfill", order)
    assert again.status == 200 and again.body == sold.body
    assert counts(inventory_table, first) == (3, 0, 3)
    assert counts(inventory_table, second, "east") == (0, 0, 0)
    assert ledger_kinds(stack, first) == ["FULFILLED"]
    other = api("POST", "/inventory/fulfill", {**order, "items": [{"product_id": first, "quantity": 1}]})
    assert other.status == 409 and other.body["error"]["code"] == "RESERVATION_CONFLICT"


def test_fulfil_sells_all_lines_or_none(api: Any, inventory_table: Any, unique_id: str) -> None:
    first, second = f"{unique_id}-A", f"{unique_id}-B"
    given_stock(inventory_table, first, 5)
    given_stock(inventory_table, second, 1)
    order = {
        "order_id": f"O-{unique_id}",
        "items": [{"product_id": first, "quantity": 2}, {"product_id": second, "quantity": 2}],
    }
    short = api("POST", "/inventory/fulfill", order)
    assert short.status == 409 and short.body["error"]["code"] == "INSUFFICIENT_STOCK"
    assert [line["product_id"] for line in short.body["error"]["details"]["lines"]] == [second]
    assert counts(inventory_table, first) == (5, 0, 5) and counts(inventory_table, second) == (1, 0, 1)
    bad = api("POST", "/inventory/fulfill", {"order_id": "x", "items": []})
    assert bad.status == 400 and bad.body["error"]["details"]["fields"][0]["field"] == "items"


def test_malformed_carts_are_refused_before_anything_is_held(
    api: Any, inventory_table: Any, unique_id: str
) -> None:
    # Given stock, and carts a client got wrong: the same record twice, an absurd hold time
    given_stock(inventory_table, unique_id, 10)
    twice = {
        "reservation_id": f"R-{unique_id}",
        "items": [{"product_id": unique_id, "quantity": 1}, {"product_id": unique_id, "quantity": 2}],
    }
    absurd = {
        "reservation_id": f"R2-{unique_id}",
        "items": [{"product_id": unique_id, "quantity": 1}],
        "hold_seconds": 10**40,
    }
    # When they are sent to every endpoint that takes lines
    replies = [
        api("POST", "/reservations", twice),
        api("POST", "/inventory/fulfill", {"order_id": f"O-{unique_id}", "items": twice["items"]}),
        api("POST", "/reservations", absurd),
        api(
            "POST",
            f"/inventory/{unique_id}/reserve",
            {"quantity": 1, "reservationId": f"R3-{unique_id}", "hold_seconds": 10**40},
        ),
    ]
    # Then each is a 400 naming the field, and no stock moved
    fields = [reply.body["error"]["details"]["fields"][0]["field"] for reply in replies]
    assert [reply.status for reply in replies] == [400, 400, 400, 400]
    assert fields == ["items", "items", "hold_seconds", "hold_seconds"]
    assert counts(inventory_table, unique_id) == (10, 0, 10)
