"""Calls and cost: every way into a reservation, counted call by call, priced and held to AWS's quotas.

For each path: reset the local endpoint's counters, run N lifecycles, wait until their executions
have finished and the counters stop moving, read the counters.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench import aws_limits
from bench import reservation_calls as calls
from bench.aws_clients import aws_client
from bench.call_counts import flatten, net_of_background, per_lifecycle
from bench.ledger import SEEDING_KINDS, item_kib, movements
from bench.load import attempts
from bench.local_endpoints import read_calls, reset_calls
from bench.rest_client import RestClient
from bench.scenario import Context
from bench.seeding import create_product
from bench.stats import table

CLIENTS = 4
LONG_HOLD_S = 900
SHORT_HOLD_S = 2
Lifecycle = Callable[[str, str], bool]  # (sku, reservation id) -> ended as expected


class Paths:
    """One lifecycle per way in. Each returns whether it ended as the docs say it should.

    A checkout confirms after the customer has paid, when the execution already waits in its Hold
    task: each lifecycle waits for the hold's task token on the reservation record before deciding,
    so the counts are those of the usual path, not of a decision racing the execution's start. The
    bench's own calls (those reads, listing running executions) are tallied in `own` and subtracted.
    """

    def __init__(self, ctx: Context, rest: RestClient) -> None:
        self.ctx, self.rest = ctx, rest
        self.sfn = aws_client("stepfunctions", ctx.stack.aws_url)
        self.sqs = aws_client("sqs", ctx.stack.aws_url)
        self.ddb = aws_client("dynamodb", ctx.stack.aws_url)
        self.reservations = ctx.stack.table("ReservationsTable")
        self.own: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count_own(self, *keys: str) -> None:
        with self._lock:
            self.own.update(keys)

    def _token(self, rid: str, not_this: str | None = None, timeout_s: float = 30.0) -> str | None:
        """The Hold task's token once it is on the (still HELD) record; None if it never comes."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            item = self.ddb.get_item(
                TableName=self.reservations, Key={"reservation_id": {"S": rid}}, ConsistentRead=True
            ).get("Item", {})
            # A strongly consistent read of an item under 4 KB: 1 read unit.
            self._count_own("calls/dynamodb/GetItem", "read_units", f"table/{self.reservations}/read_units")
            token = item.get("task_token", {}).get("S")
            if token and token != not_this and item.get("status", {}).get("S") == "HELD":
                return str(token)
            time.sleep(0.1)
        return None

    def running(self, names: set[str]) -> set[str]:
        """Which of these executions still run (ListExecutions, counted as the bench's own)."""
        found: set[str] = set()
        kwargs: dict[str, Any] = {
            "stateMachineArn": self.ctx.stack.state_machine("ReservationStateMachine"),
            "statusFilter": "RUNNING",
            "maxResults": 1000,
        }
        while True:
            page = self.sfn.list_executions(**kwargs)
            self._count_own("calls/stepfunctions/ListExecutions")
            found.update(e["name"] for e in page["executions"] if e["name"] in names)
            if not page.get("nextToken"):
                return found
            kwargs["nextToken"] = page["nextToken"]

    def rest_confirm(self, sku: str, rid: str) -> bool:
        held = calls.reserve(self.rest, sku, rid, LONG_HOLD_S)
        return held.status == 201 and bool(self._token(rid)) and calls.confirm(self.rest, rid).status == 200

    def rest_release(self, sku: str, rid: str) -> bool:
        held = calls.reserve(self.rest, sku, rid, LONG_HOLD_S)
        return held.status == 201 and bool(self._token(rid)) and calls.release(self.rest, rid).status == 204

    def rest_expiry(self, sku: str, rid: str) -> bool:
        return calls.reserve(self.rest, sku, rid, SHORT_HOLD_S).status == 201

    def rest_extend_confirm(self, sku: str, rid: str) -> bool:
        held = calls.reserve(self.rest, sku, rid, LONG_HOLD_S)
        first = self._token(rid)
        if held.status != 201 or not first:
            return False
        if calls.extend(self.rest, rid, LONG_HOLD_S + 300).status != 200:
            return False
        return bool(self._token(rid, not_this=first)) and calls.confirm(self.rest, rid).status == 200

    def sdk_confirm(self, sku: str, rid: str) -> bool:
        self.sfn.start_execution(
            stateMachineArn=self.ctx.stack.state_machine("ReservationStateMachine"),
            name=rid,
            input=json.dumps(
                {
                    "reservation_id": rid,
                    "items": [{"product_id": sku, "warehouse_id": "main", "quantity": 1}],
                    "hold_seconds": LONG_HOLD_S,
                    "source": "sdk",
                }
            ),
        )
        return bool(self._token(rid)) and calls.confirm(self.rest, rid).status == 200

    def queue_confirm(self, sku: str, rid: str) -> bool:
        message = {
            "type": "ReserveInventory",
            "order_id": rid,
            "customer_id": "bench",
            "items": [{"sku": sku, "quantity": 1, "warehouse_id": "main"}],
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "hold_seconds": LONG_HOLD_S,
        }
        self.sqs.send_message(QueueUrl=self.ctx.stack.queue("OrderQueue"), MessageBody=json.dumps(message))
        return bool(self._token(rid)) and calls.confirm(self.rest, rid).status == 200


def _settle(aws_url: str, quiet_reads: int = 2, limit_s: float = 20.0) -> dict[str, Any] | None:
    """Counters once executions and their Lambda calls have not moved for `quiet_reads` reads
    half a second apart."""
    deadline = time.monotonic() + limit_s
    last: tuple[float, float] | None = None
    still = 0
    snapshot = read_calls(aws_url)
    while snapshot is not None and time.monotonic() < deadline:
        marker = (
            float(snapshot.get("state_transitions") or 0),
            float(sum((snapshot.get("lambda_invocations") or {}).values())),
        )
        still = still + 1 if marker == last else 0
        if still >= quiet_reads:
            return snapshot
        last = marker
        time.sleep(0.5)
        snapshot = read_calls(aws_url)
    return snapshot


def _hot_item_writes(ctx: Context, sku: str, lifecycles: int) -> dict[str, float]:
    """Writes on the one stock item per lifecycle: every stock change writes one ledger movement in
    the same transaction, so the product's movements (seeding aside) count them."""
    ddb = aws_client("dynamodb", ctx.stack.aws_url)
    writes = [
        m for m in movements(ddb, ctx.stack.table("LedgerTable"), sku) if m["kind"] not in SEEDING_KINDS
    ]
    key = {"product_id": {"S": sku}, "warehouse_id": {"S": "main"}}
    units_each = aws_limits.HOT_ITEM_WRITE_UNITS_PER_WRITE * item_kib(
        ddb, ctx.stack.table("InventoryTable"), key
    )
    return {
        "hot_item_writes": round(len(writes) / lifecycles, 3),
        "hot_item_write_units": round(len(writes) * units_each / lifecycles, 3),
    }


PATHS = ["rest_confirm", "rest_release", "rest_expiry", "rest_extend_confirm", "sdk_confirm", "queue_confirm"]


def _measure_path(
    ctx: Context, name: str, lifecycles: int, background: dict[str, float], background_s: float
) -> dict[str, Any]:
    aws_url = ctx.stack.aws_url
    rest = RestClient(ctx.stack.api_url)
    paths = Paths(ctx, rest)
    lifecycle: Lifecycle = getattr(paths, name)
    sku = ctx.sku(f"CALLS-{name.upper().replace('_', '')}")
    create_product(rest, sku, lifecycles + 10)
    rest.requests = 0
    ok: list[bool] = []
    lock = threading.Lock()
    names = {f"{name.replace('_', '-')}-{ctx.run_id}-{n}" for n in range(lifecycles)}

    def one(n: int) -> None:
        result = lifecycle(sku, f"{name.replace('_', '-')}-{ctx.run_id}-{n}")
        with lock:
            ok.append(result)

    reset_calls(aws_url)
    started = time.monotonic()
    load = attempts(lifecycles, CLIENTS, time.monotonic() + max(ctx.left() / 3, 20), one)
    finish_by = time.monotonic() + (SHORT_HOLD_S + 30 if name == "rest_expiry" else 30)
    still_running = paths.running(names)
    while still_running and time.monotonic() < finish_by:
        time.sleep(0.5)
        still_running = paths.running(names)
    # Stream-triggered functions run after the executions end.
    snapshot = _settle(aws_url, quiet_reads=1 if ctx.smoke else 2) or {}
    window_s = time.monotonic() - started

    counted = flatten(snapshot)
    for key, n in paths.own.items():
        counted[key] = max(0.0, counted.get(key, 0.0) - n)
    net = net_of_background(counted, window_s, background, background_s)
    figures = per_lifecycle(net, lifecycles, ctx.stack.table("InventoryTable"))
    figures.update(_hot_item_writes(ctx, sku, lifecycles))
    figures["rest_requests"] = round(rest.requests / lifecycles, 3)
    figures["lifecycles"] = lifecycles
    figures["failed"] = lifecycles - sum(ok) + len(load.errors)
    figures["still_running"] = len(still_running)
    figures["window_s"] = round(window_s, 1)
    limits = aws_limits.ceilings(figures)
    figures["ceilings"] = limits
    figures["binding_limit"] = limits[0]["limit"] if limits else None
    figures["sustained_lifecycles_per_s"] = limits[0]["lifecycles_per_s"] if limits else None
    figures["control_plane_reads_per_lifecycle"] = {
        f"{service}.{action}": n
        for service, actions in figures["calls"].items()
        for action, n in actions.items()
        if aws_limits.is_control_plane_read(action, service) and n >= 0.5
    }
    figures["cost_per_million_usd"] = aws_limits.cost_per_million(figures)
    return figures


def run(ctx: Context) -> dict[str, Any]:
    aws_url = ctx.stack.aws_url
    if read_calls(aws_url) is None:
        print("\ncalls and cost: call counters unavailable (no GET /_local/calls on the AWS endpoint)")
        return {"available": False}
    lifecycles = 1 if ctx.smoke else 20

    _settle(aws_url, quiet_reads=1 if ctx.smoke else 2)  # earlier work is not the idle background
    reset_calls(aws_url)
    started = time.monotonic()
    time.sleep(1.0 if ctx.smoke else 5.0)
    background = flatten(read_calls(aws_url) or {})
    background_s = time.monotonic() - started

    paths = {name: _measure_path(ctx, name, lifecycles, background, background_s) for name in PATHS}
    _print(paths)
    return {
        "available": True,
        "lifecycles_per_path": lifecycles,
        "background_per_s": {k: round(v / background_s, 3) for k, v in background.items() if v},
        "paths": paths,
        "quotas": {"source": aws_limits.QUOTAS_SOURCE, "date": aws_limits.QUOTAS_DATE},
        "prices": {
            "source": aws_limits.PRICES_SOURCE,
            "date": aws_limits.PRICES_DATE,
            "usd": aws_limits.PRICES_USD,
        },
        "assumptions": {
            "lambda_ms_per_invocation": aws_limits.ASSUMED_LAMBDA_MS,
            "execution_open_seconds": aws_limits.ASSUMED_OPEN_SECONDS,
        },
    }


def _print(paths: dict[str, dict[str, Any]]) -> None:
    names = list(paths)
    apis = sorted({f"{s}.{a}" for p in paths.values() for s, actions in p["calls"].items() for a in actions})

    def api(p: dict[str, Any], key: str) -> float:
        service, action = key.split(".", 1)
        return float(p["calls"].get(service, {}).get(action, 0.0))

    rows: list[list[Any]] = [[key, *(api(paths[n], key) for n in names)] for key in apis]
    for figure in (
        "rest_requests",
        "hot_item_writes",
        "state_transitions",
        "lambda_invocations",
        "read_units",
        "write_units",
        "hot_item_write_units",
    ):
        rows.append([figure, *(paths[n][figure] for n in names)])
    print(
        table(
            "calls and cost: per lifecycle (net of the idle stack's background)",
            ["per lifecycle", *names],
            rows,
        )
    )

    print(
        table(
            "AWS ceiling per path (us-east-1 default quotas; lowest binds)",
            ["path", "binding limit", "lifecycles/s", "next limit", "lifecycles/s "],
            [[n, *(_limit(paths[n]["ceilings"], 0)), *(_limit(paths[n]["ceilings"], 1))] for n in names],
        )
    )
    services = ["step_functions", "dynamodb", "lambda", "api_gateway", "sns", "sqs", "total"]
    print(
        table(
            f"USD per million lifecycles (prices {aws_limits.PRICES_DATE}; "
            f"Lambda {aws_limits.ASSUMED_LAMBDA_MS} ms at 128 MB arm64 per invocation)",
            ["path", *services],
            [[n, *(paths[n]["cost_per_million_usd"][s] for s in services)] for n in names],
        )
    )
    reads = {
        n: p["control_plane_reads_per_lifecycle"]
        for n, p in paths.items()
        if p["control_plane_reads_per_lifecycle"]
    }
    print(f"control-plane reads per lifecycle (Describe*/List*/Get*History): {reads or 'none'}")


def _limit(limits: list[dict[str, Any]], index: int) -> list[Any]:
    if len(limits) <= index:
        return ["-", None]
    return [limits[index]["limit"], limits[index]["lifecycles_per_s"]]
