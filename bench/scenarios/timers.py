"""Timers: H holds open at once, each released by its own timer; how late after `expires_at`?

"Stock back" is measured server-side: the reservation record's `closed_at` is written by the release
transaction itself, so the lag is `closed_at - expires_at` and no client polling delay enters it.
Holds are placed longest first, so the short ones placed last are still open when placing ends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench import reservation_calls as calls
from bench.aws_clients import aws_client
from bench.ledger import movements
from bench.load import attempts
from bench.scenario import Context
from bench.seeding import create_product, stock_of
from bench.stats import figures_table, latency

STOCK_PER_PRODUCT = 250
PLACING_CLIENTS = 16


@dataclass
class Hold:
    reservation_id: str
    sku: str
    quantity: int
    placed_at: float  # epoch seconds, when the 201 arrived
    expires_at: float


def epoch(moment: str) -> float:
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()


def _sizes(smoke: bool) -> dict[str, int]:
    if smoke:
        return {"holds": 12, "products": 2, "shortest_s": 1, "longest_s": 3}
    return {"holds": 1000, "products": 10, "shortest_s": 5, "longest_s": 30}


def peak_open(holds: list[Hold]) -> int:
    """The most holds open at one moment, from when each was placed to when it expired."""
    events = sorted([(h.placed_at, 1) for h in holds] + [(h.expires_at, -1) for h in holds])
    peak = open_now = 0
    for _moment, change in events:
        open_now += change
        peak = max(peak, open_now)
    return peak


def busiest_second(moments: list[float]) -> int:
    """The most moments falling in one whole second (expiries are whole seconds)."""
    counts: dict[int, int] = {}
    for moment in moments:
        counts[int(moment)] = counts.get(int(moment), 0) + 1
    return max(counts.values(), default=0)


def rate_per_s(moments: list[float]) -> float | None:
    """How many per second from the first to the last moment."""
    if len(moments) < 2 or max(moments) == min(moments):
        return None
    return round(len(moments) / (max(moments) - min(moments)), 1)


def _records(ddb: Any, table: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Reservation records, read consistently 100 at a time."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 100):
        request: dict[str, Any] = {
            table: {
                "Keys": [{"reservation_id": {"S": rid}} for rid in ids[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        while request:
            page = ddb.batch_get_item(RequestItems=request)
            for item in page["Responses"].get(table, []):
                found[item["reservation_id"]["S"]] = {k: next(iter(v.values())) for k, v in item.items()}
            request = page.get("UnprocessedKeys") or {}
    return found


def run(ctx: Context) -> dict[str, Any]:
    size = _sizes(ctx.smoke)
    total, shortest, longest = size["holds"], size["shortest_s"], size["longest_s"]
    skus = [ctx.sku(f"TIMER{k}") for k in range(size["products"])]
    for sku in skus:
        create_product(ctx.rest, sku, STOCK_PER_PRODUCT)
    for sku in skus:  # warm every sandbox on the path, then give the unit back
        calls.reserve(ctx.rest, sku, f"{sku}-warm", 600)
        calls.release(ctx.rest, f"{sku}-warm")

    holds: list[Hold] = []
    refused: list[str] = []
    lock = threading.Lock()

    def place(n: int) -> None:
        hold_s = round(longest - (longest - shortest) * n / max(total - 1, 1))
        sku, quantity = skus[n % len(skus)], 1 + n % 2
        rid = f"{sku}-{n}"
        reply = calls.reserve(ctx.rest, sku, rid, hold_s, quantity)
        with lock:
            if reply.status == 201:
                holds.append(Hold(rid, sku, quantity, time.time(), epoch(reply.body["expires_at"])))
            else:
                refused.append(f"{reply.status} {reply.error_code}")

    # What is left after placing must cover the longest hold and the checks.
    placing = attempts(total, PLACING_CLIENTS, ctx.deadline - longest - ctx.budget_s * 0.3, place)
    figures: dict[str, Any] = {
        "holds_asked": total,
        "holds_placed": len(holds),
        "refused": len(refused) + len(placing.errors),
        "placing_s": round(placing.wall_s, 1),
        "peak_open": peak_open(holds),
        "hold_seconds": f"{shortest}-{longest}",
    }

    ddb = aws_client("dynamodb", ctx.stack.aws_url)
    table = ctx.stack.table("ReservationsTable")
    last_expiry = max((h.expires_at for h in holds), default=time.time())
    time.sleep(max(0.0, last_expiry - time.time() + 1))
    ids = [h.reservation_id for h in holds]
    records = _records(ddb, table, ids)
    while any(r.get("status") == "HELD" for r in records.values()) and ctx.left() > 5:
        time.sleep(2)
        records = _records(ddb, table, ids)

    lags_ms: list[float] = []
    closed_at: list[float] = []
    statuses: dict[str, int] = {}
    for hold in holds:
        record = records.get(hold.reservation_id, {})
        status = str(record.get("status", "MISSING"))
        statuses[status] = statuses.get(status, 0) + 1
        closed = record.get("closed_at") or record.get("updated_at")
        if status == "EXPIRED" and closed:
            closed_at.append(epoch(str(closed)))
            lags_ms.append((closed_at[-1] - hold.expires_at) * 1000)
    # The lag is a queue when expiries come faster than the engine releases: both rates say so.
    expiries = [h.expires_at for h in holds]
    figures["expiry_window_s"] = round(max(expiries) - min(expiries), 1) if expiries else None
    figures["expiries_per_s"] = rate_per_s(expiries)
    figures["expiries_in_busiest_second"] = busiest_second(expiries)
    figures["releases_per_s"] = rate_per_s(closed_at)
    figures["statuses"] = dict(sorted(statuses.items()))
    figures["lag_after_expires_at"] = latency(lags_ms)
    figures["lag_min_ms"] = round(min(lags_ms), 2) if lags_ms else None

    ledger = ctx.stack.table("LedgerTable")
    expired_moves: dict[str, int] = {}
    for sku in skus:
        for movement in movements(ddb, ledger, sku):
            if movement["kind"] == "EXPIRED":
                expired_moves[movement["reference"]] = expired_moves.get(movement["reference"], 0) + 1
    stock_wrong = []
    for sku in skus:
        record = stock_of(ctx.rest, sku)
        if record["reserved_count"] != 0 or record["available"] != STOCK_PER_PRODUCT:
            stock_wrong.append(f"{sku}: reserved {record['reserved_count']}, available {record['available']}")
    figures["products_not_restored"] = len(stock_wrong)
    figures["holds_without_one_expired_movement"] = sum(1 for rid in ids if expired_moves.get(rid, 0) != 1)
    figures["every_unit_back_once"] = not stock_wrong and figures["holds_without_one_expired_movement"] == 0
    if stock_wrong:
        figures["first_product_not_restored"] = stock_wrong[0]
    print(figures_table(f"timers: {len(holds)} holds, {shortest}-{longest} s", figures))
    return figures
