"""The storefront key is public: the attacks it allowed before, each refused and changing nothing,
and the ceiling on public holds holding under concurrent requests (real gateway, authorizer,
DynamoDB transactions and workflow of the in-process local stack; the template's defaults: 5 units
per line, 10 lines, 900 s, 50 units per stock record)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local_stack.stack import LocalStack
from tests.conftest import local_table
from tests.reservation_support import counts, given_stock
from tests.support import ADMIN_KEY, CHECKOUT_KEY, STOREFRONT_KEY, http, wait_for

CEILING, MAX_UNITS = 50, 5
STOREFRONT = {"x-api-key": STOREFRONT_KEY}
CHECKOUT = {"x-api-key": CHECKOUT_KEY}


def public_held(table: Any, product_id: str) -> int:
    item = table.get_item(Key={"product_id": product_id, "warehouse_id": "main"}, ConsistentRead=True)["Item"]
    return int(item.get("public_held", 0))


def ledger_size(api_url: str, product_id: str) -> int:
    reply = http(
        "GET", f"{api_url}/inventory/{product_id}/history?limit=100", headers={"x-api-key": ADMIN_KEY}
    )
    return len(reply.body["movements"])


def test_the_confirm_and_fulfil_attacks_get_403_and_sell_nothing(
    api_url: str, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 24)
    # Given a hold of 2 units placed with the storefront key alone
    held = http(
        "POST",
        f"{api_url}/inventory/{unique_id}/reserve",
        {"quantity": 2, "reservationId": f"C-{unique_id}"},
        STOREFRONT,
    )
    assert held.status == 201 and held.body["public"] is True, held.text
    movements = ledger_size(api_url, unique_id)
    # When it confirms the hold, Then 403 naming the checkout scope, and on-hand stock stays 24
    confirm = http("POST", f"{api_url}/reservations/C-{unique_id}/confirm", None, STOREFRONT)
    assert confirm.status == 403 and confirm.body["error"]["details"] == {"required_scope": "checkout"}
    # When it sells without a hold, Then 403 as well
    order = {"order_id": f"O-{unique_id}", "items": [{"product_id": unique_id, "quantity": 2}]}
    fulfil = http("POST", f"{api_url}/inventory/fulfill", order, STOREFRONT)
    assert fulfil.status == 403 and fulfil.body["error"]["details"] == {"required_scope": "checkout"}
    assert counts(inventory_table, unique_id) == (24, 2, 22)
    assert ledger_size(api_url, unique_id) == movements
    # And the shop's server, with the checkout key, is the one that sells it
    sold = http("POST", f"{api_url}/reservations/C-{unique_id}/confirm", None, CHECKOUT)
    assert sold.status == 200 and sold.body["status"] == "FULFILLED"
    assert counts(inventory_table, unique_id) == (22, 0, 22) and public_held(inventory_table, unique_id) == 0


def test_guessing_a_hold_id_releases_or_extends_nothing(
    api_url: str, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 10)
    # Given a checkout hold and a public hold whose ids are known to an attacker
    checkout_id, public_id = f"cart-{unique_id}-1", f"cart-{unique_id}-2"
    body = {"reservation_id": checkout_id, "items": [{"product_id": unique_id, "quantity": 3}]}
    assert http("POST", f"{api_url}/reservations", body, CHECKOUT).status == 201
    mine = http(
        "POST",
        f"{api_url}/inventory/{unique_id}/reserve",
        {"quantity": 2, "reservationId": public_id},
        STOREFRONT,
    )
    assert mine.status == 201
    before = (counts(inventory_table, unique_id), ledger_size(api_url, unique_id))
    # When the storefront key releases, extends or reads them with guessed secrets
    for rid in (checkout_id, public_id):
        for secret in ("", "guess", "0" * 32, mine.body["release_secret"][:-1]):
            headers = {**STOREFRONT, **({"X-Release-Secret": secret} if secret else {})}
            attempts = [
                http("DELETE", f"{api_url}/reservations/{rid}", None, headers),
                http("DELETE", f"{api_url}/inventory/{unique_id}/reserve/{rid}", None, headers),
                http("POST", f"{api_url}/reservations/{rid}/extend", {"hold_seconds": 600}, headers),
                http("GET", f"{api_url}/reservations/{rid}", None, headers),
            ]
            # Then a missing secret is a 400 naming it, any other a 404 that tells nothing
            for reply in attempts:
                if secret:
                    assert reply.status == 404 and reply.body["error"]["code"] == "RESERVATION_NOT_FOUND", (
                        reply.text
                    )
                else:
                    assert reply.status == 400, reply.text
                    assert reply.body["error"]["details"]["fields"][0]["field"] == "x-release-secret"
    # And nothing changed
    assert (counts(inventory_table, unique_id), ledger_size(api_url, unique_id)) == before
    # While the creator, with its secret, releases its own hold
    own = {**STOREFRONT, "X-Release-Secret": mine.body["release_secret"]}
    assert http("GET", f"{api_url}/reservations/{public_id}", None, own).status == 200
    assert http("DELETE", f"{api_url}/reservations/{public_id}", None, own).status == 204
    assert counts(inventory_table, unique_id) == (10, 3, 7) and public_held(inventory_table, unique_id) == 0


def test_the_hoarding_attack_is_refused_by_the_caps_per_hold(
    api_url: str, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 1000)
    # When one public client asks for 50 units at a time, or for the longest hold, or many lines
    big = http(
        "POST",
        f"{api_url}/inventory/{unique_id}/reserve",
        {"quantity": 50, "reservationId": f"H-{unique_id}"},
        STOREFRONT,
    )
    long = http(
        "POST",
        f"{api_url}/inventory/{unique_id}/reserve",
        {"quantity": 1, "reservationId": f"L-{unique_id}", "hold_seconds": 3600},
        STOREFRONT,
    )
    lines = [{"product_id": f"{unique_id}-{n}", "quantity": 1} for n in range(11)]
    wide = http(
        "POST", f"{api_url}/reservations", {"reservation_id": f"W-{unique_id}", "items": lines}, STOREFRONT
    )
    # Then each is a 400 naming the field, and nothing is held
    assert big.status == 400 and big.body["error"]["details"]["fields"][0]["field"] == "quantity"
    assert long.status == 400 and long.body["error"]["details"]["fields"][0]["field"] == "hold_seconds"
    assert wide.status == 400 and wide.body["error"]["details"]["fields"][0]["field"] == "items"
    assert counts(inventory_table, unique_id) == (1000, 0, 1000)


def test_concurrent_public_holds_never_pass_the_ceiling(
    api_url: str, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 1000)

    def hold(n: int) -> Any:
        body = {"quantity": MAX_UNITS, "reservationId": f"P-{unique_id}-{n}", "hold_seconds": 600}
        return http("POST", f"{api_url}/inventory/{unique_id}/reserve", body, STOREFRONT)

    # When 40 public clients each hold 5 units at once (200 units asked, the ceiling is 50)
    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(hold, range(40)))
    held = [r for r in replies if r.status == 201]
    refused = [r for r in replies if r.status != 201]
    # Then exactly the ceiling is held; every other request is a 409 PUBLIC_HOLD_LIMIT
    assert len(held) == CEILING // MAX_UNITS, [r.text for r in replies]
    assert {r.body["error"]["code"] for r in refused} == {"PUBLIC_HOLD_LIMIT"}, [r.text for r in refused]
    assert counts(inventory_table, unique_id) == (1000, CEILING, 1000 - CEILING)
    assert public_held(inventory_table, unique_id) == CEILING
    # And the checkout key still holds what is left: the ceiling binds public holds only
    order = {"reservation_id": f"O-{unique_id}", "items": [{"product_id": unique_id, "quantity": 900}]}
    assert http("POST", f"{api_url}/reservations", order, CHECKOUT).status == 201
    # When the public holds are released, Then their room comes back
    for reply in held:
        secret = {**STOREFRONT, "X-Release-Secret": reply.body["release_secret"]}
        assert (
            http("DELETE", f"{api_url}/reservations/{reply.body['reservationId']}", None, secret).status
            == 204
        )
    assert public_held(inventory_table, unique_id) == 0
    assert hold(99).status == 201


def test_an_expired_public_hold_gives_its_room_back(
    stack: LocalStack, inventory_table: Any, unique_id: str
) -> None:
    given_stock(inventory_table, unique_id, 10)
    body = {"quantity": 4, "reservationId": f"E-{unique_id}", "hold_seconds": 1}
    assert http("POST", f"{stack.api_url}/inventory/{unique_id}/reserve", body, STOREFRONT).status == 201
    assert public_held(inventory_table, unique_id) == 4
    reservations = local_table(stack, "ReservationsTable")

    def expired() -> bool:
        item = reservations.get_item(Key={"reservation_id": f"E-{unique_id}"}, ConsistentRead=True)["Item"]
        return item["status"] == "EXPIRED"

    wait_for(expired, timeout=60, what="the public hold to expire")
    assert public_held(inventory_table, unique_id) == 0 and counts(inventory_table, unique_id) == (10, 0, 10)
