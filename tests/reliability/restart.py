"""The local stack killed (SIGKILL, no final snapshot) and restarted while a hold is open.

Executions do not survive the restart; the data does (as of the last snapshot, taken once the
writes pause). The hold is then HELD without an execution: once it is past its expiry the checker
reports it, and one sweeper run releases it.
"""

from __future__ import annotations

import json
import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
from inventory.domain.invariants import check
from inventory.models import parse_iso, utc_now
from inventory.store.invariant_sources import DynamoInvariantSources, transition_ids

from tests.integration.api_helpers import stocked_product
from tests.reliability.support import FIGURES, describe
from tests.support import CHECKOUT_KEY, StackProcess, aws_client, http, wait_for


def check_stack(local: StackProcess, prefix: str | None) -> Any:
    """The invariant checker against a local stack running as a child process."""
    described = http("GET", f"{local.api_url}/_local/stack").body
    tables = described["tables"]
    dynamodb = boto3.resource(
        "dynamodb",
        endpoint_url=local.aws_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    sources = DynamoInvariantSources(
        dynamodb.Table(tables["InventoryTable"]),
        dynamodb.Table(tables["ReservationsTable"]),
        dynamodb.Table(tables["LedgerTable"]),
        aws_client("stepfunctions", local.aws_url),
        product_prefix=prefix,
        published=lambda: transition_ids(http("GET", f"{local.api_url}/_local/sns").body["messages"]),
    )
    return check(sources, utc_now(), product_prefix=prefix)


def _sweep(local: StackProcess) -> dict[str, Any]:
    described = http("GET", f"{local.api_url}/_local/stack").body
    answer = aws_client("lambda", local.aws_url).invoke(
        FunctionName=described["functions"]["ReservationSweeperFunction"],
        Payload=json.dumps({"grace_seconds": 0, "arm_grace_seconds": 0}).encode(),
    )
    result: dict[str, Any] = json.loads(answer["Payload"].read())
    return result


def _armed_in_snapshot(state: Path, rid: str) -> bool:
    if not state.exists():
        return False
    try:
        tables = json.loads(state.read_text(encoding="utf-8"))["tables"]
    except (ValueError, KeyError):
        return False  # being replaced
    return any(
        item.get("reservation_id", {}).get("S") == rid
        and item.get("status", {}).get("S") == "HELD"
        and "task_token" in item
        and "unarmed_shard" not in item
        for items in tables.values()
        for item in items
    )


def killed_mid_hold(tmp_path: Path, unique_id: str) -> None:
    state = tmp_path / "state.json"
    rid = f"K-{unique_id}"
    first = StackProcess(state, "--fresh", "--no-demo").start()
    try:
        stocked_product(first.api_url, unique_id, 10)
        answer = http(
            "POST",
            f"{first.api_url}/inventory/{unique_id}/reserve",
            {"quantity": 3, "reservationId": rid, "hold_seconds": 10},
            {"x-api-key": CHECKOUT_KEY},
        )
        assert answer.status == 201, answer.text
        expires = parse_iso(answer.body["expires_at"])
        # the hold, its timer armed (so no sweeper re-arms it after the restart), is in the saved data
        wait_for(lambda: _armed_in_snapshot(state, rid), timeout=60, what="a snapshot with the armed hold")
    finally:
        assert first.process is not None
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    second = StackProcess(state).start()
    try:
        wait_for(lambda: utc_now() > expires + timedelta(seconds=2.5), timeout=30, what="the hold's expiry")
        found = check_stack(second, unique_id)
        assert [v.rule.value for v in found.violations] == ["HELD_WITHOUT_TIMER"], found.model_dump_json()
        swept = _sweep(second)
        assert rid in swept["released"], swept
        after = check_stack(second, unique_id)
        assert after.ok, describe(after)
        FIGURES.scenario("local stack killed and restarted mid-hold", 1, len(found.violations), [rid], 0)
    finally:
        second.stop()
