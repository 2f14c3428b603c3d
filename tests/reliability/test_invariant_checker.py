"""The invariant checker reports records corrupted on purpose, each with its evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

from inventory.models import parse_iso, utc_now

from local_stack.stack import LocalStack
from tests.integration.api_helpers import stocked_product
from tests.reliability.support import check_invariants
from tests.reservation_support import record
from tests.support import CHECKOUT_KEY, ROOT, http, wait_for

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:local-ReservationStateMachine:"


def _violations(stack: LocalStack, prefix: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for violation in check_invariants(stack, prefix).violations:
        found.setdefault(violation.record, []).append(violation)
    return found


def test_the_checker_reports_each_corruption(stack: LocalStack, unique_id: str) -> None:
    inventory, ledger = stack.table("InventoryTable"), stack.table("LedgerTable")
    off_by_one, unledgered, orphaned = (f"{unique_id}-A", f"{unique_id}-B", f"{unique_id}-C")
    for product in (off_by_one, unledgered, orphaned):
        stocked_product(stack.api_url, product, 10)
    held = http(
        "POST",
        f"{stack.api_url}/inventory/{off_by_one}/reserve",
        {"quantity": 2, "reservationId": f"R-{off_by_one}", "hold_seconds": 60},
        {"x-api-key": CHECKOUT_KEY},
    )
    assert held.status == 201, held.text
    # Given nothing is wrong yet
    assert check_invariants(stack, unique_id).ok
    # When one record's reserved_count is off by one (available kept consistent with it)
    inventory.update_item(
        Key={"product_id": off_by_one, "warehouse_id": "main"},
        UpdateExpression="ADD reserved_count :one, available :minus_one",
        ExpressionAttributeValues={":one": 1, ":minus_one": -1},
    )
    # and another's ledger misses a movement (the stock set to 10)
    movements = ledger.query(
        KeyConditionExpression="product_id = :p", ExpressionAttributeValues={":p": unledgered}
    )["Items"]
    admin_set = next(m for m in movements if m["kind"] == "ADMIN_SET")
    ledger.delete_item(Key={"product_id": unledgered, "movement_id": admin_set["movement_id"]})
    # and a third holds stock for a reservation whose execution does not exist
    assert stack.runtime is not None
    result = stack.runtime.invoke(
        "ReserveTaskFunction",
        {
            "input": {
                "reservation_id": f"R-{orphaned}",
                "items": [{"product_id": orphaned, "quantity": 3}],
                "hold_seconds": 1,
            },
            "execution_arn": EXECUTION + f"gone-{orphaned}",
        },
    )
    assert result.function_error is None, result.payload
    # past the 1 s hold (its expiry rounded up to a whole second) and the checker's 2 s tolerance
    expires = parse_iso(record(stack.table("ReservationsTable"), f"R-{orphaned}")["expires_at"])
    wait_for(lambda: utc_now() > expires + timedelta(seconds=2.5), timeout=30, what="the orphan's expiry")
    # Then the checker names each record, the rule it breaks and the evidence
    found = _violations(stack, unique_id)
    key = f"{off_by_one}@main"
    rules = {v.rule.value: v for v in found[key]}
    assert set(rules) == {"RESERVED_NOT_HELD", "LEDGER_MISMATCH"}, found[key]
    assert rules["RESERVED_NOT_HELD"].evidence["reserved_count"] == 3
    assert rules["RESERVED_NOT_HELD"].evidence["held_by_reservations"] == 2
    assert rules["RESERVED_NOT_HELD"].evidence["held_by"] == [f"R-{off_by_one}"]
    assert rules["LEDGER_MISMATCH"].evidence["ledger_reserved_count"] == 2
    missing = found[f"{unledgered}@main"]
    assert [v.rule.value for v in missing] == ["LEDGER_MISMATCH"]
    assert missing[0].evidence["ledger_stock_count"] == 0 and missing[0].evidence["stock_count"] == 10
    orphan = found[f"R-{orphaned}"]
    assert [v.rule.value for v in orphan] == ["HELD_WITHOUT_TIMER"]
    assert orphan[0].evidence["execution_status"] is None
    assert orphan[0].evidence["execution_arn"] == EXECUTION + f"gone-{orphaned}"
    assert record(stack.table("ReservationsTable"), f"R-{orphaned}")["status"] == "HELD"
    assert len(found) == 3

    # And the command line reports the same, exiting 1
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "inventory.invariants",
            "--local",
            stack.api_url,
            "--products",
            unique_id,
            "--json",
        ],
        cwd=ROOT / "functions",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert sorted(v["rule"] for v in report["violations"]) == [
        "HELD_WITHOUT_TIMER",
        "LEDGER_MISMATCH",
        "LEDGER_MISMATCH",
        "RESERVED_NOT_HELD",
    ]
    # Cleaning up: the sweeper releases the orphan; the hold is released over REST
    swept = json.loads(
        stack.runtime.invoke(
            "ReservationSweeperFunction", {"grace_seconds": 0, "arm_grace_seconds": 0}
        ).payload
    )
    assert f"R-{orphaned}" in swept["released"]
    assert check_invariants(stack, orphaned).ok
