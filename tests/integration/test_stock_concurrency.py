"""Concurrent admin writes through the whole stack: no lost update, one ledger entry per change."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.integration.api_helpers import ADMIN, history, stocked_product
from tests.support import http

CONCURRENT = 20


def fire(calls: list[tuple[str, str, Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda c: http(c[0], c[1], c[2], headers=ADMIN, timeout=60), calls))


def test_twenty_puts_with_the_same_version_one_wins(api_url: str, unique_id: str) -> None:
    # Given a record at version 2
    stocked_product(api_url, unique_id, stock=10)
    url = f"{api_url}/inventory/{unique_id}"
    # When 20 admins set it at once, each from version 2
    responses = fire(
        [("PUT", url, {"stock_count": 100 + i, "expected_version": 2}) for i in range(CONCURRENT)]
    )
    # Then exactly one wins and every other gets the winner's record in its 409
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] + [409] * (CONCURRENT - 1), statuses
    winner = next(r.body for r in responses if r.status == 200)
    for loser in (r for r in responses if r.status == 409):
        assert loser.body["error"]["code"] == "VERSION_CONFLICT"
        assert loser.body["error"]["details"]["current"]["version"] == 3
    stored = http("GET", f"{url}?warehouse_id=main", headers=ADMIN).body["warehouses"][0]
    assert stored == winner
    sets = [m for m in history(api_url, unique_id) if m["kind"] == "ADMIN_SET"]
    assert len(sets) == 2  # the one that made the stock 10, and the winner
    assert sets[0]["after"]["stock_count"] == winner["stock_count"]


def test_twenty_simultaneous_increments_add_exactly_twenty(api_url: str, unique_id: str) -> None:
    stocked_product(api_url, unique_id, stock=10)
    url = f"{api_url}/inventory/{unique_id}/adjustments"
    responses = fire(
        [("POST", url, {"delta": 1, "reason": "recount", "reference": f"r{i}"}) for i in range(CONCURRENT)]
    )
    assert [r.status for r in responses] == [200] * CONCURRENT, [r.text for r in responses if r.status != 200]
    stored = http("GET", f"{api_url}/inventory/{unique_id}?warehouse_id=main", headers=ADMIN).body[
        "warehouses"
    ][0]
    assert (stored["stock_count"], stored["version"]) == (30, 2 + CONCURRENT)
    adjustments = [m for m in history(api_url, unique_id) if m["kind"] == "ADJUSTMENT"]
    assert sorted(m["reference"] for m in adjustments) == sorted(f"r{i}" for i in range(CONCURRENT))
    # each movement saw a distinct state: the chain of before/after counts is gapless
    assert sorted(m["before"]["stock_count"] for m in adjustments) == list(range(10, 30))
    assert all(m["after"]["stock_count"] == m["before"]["stock_count"] + 1 for m in adjustments)


def test_adjustments_racing_holds_keep_available_exact(
    api_url: str, unique_id: str, inventory_table: Any
) -> None:
    stocked_product(api_url, unique_id, stock=100)
    url = f"{api_url}/inventory/{unique_id}/adjustments"

    def hold(_: int) -> None:
        inventory_table.update_item(
            Key={"product_id": unique_id, "warehouse_id": "main"},
            UpdateExpression="ADD reserved_count :q, available :m",
            ConditionExpression="available >= :q",
            ExpressionAttributeValues={":q": 1, ":m": -1},
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        holds = [pool.submit(hold, i) for i in range(8)]
        adjustments = [
            pool.submit(http, "POST", url, {"delta": -3, "reason": "damaged"}, headers=ADMIN, timeout=60)
            for _ in range(8)
        ]
        for future in holds:
            future.result()
        assert [f.result().status for f in adjustments] == [200] * 8
    item = inventory_table.get_item(
        Key={"product_id": unique_id, "warehouse_id": "main"}, ConsistentRead=True
    )["Item"]
    assert (item["stock_count"], item["reserved_count"], item["available"]) == (76, 8, 68)
