"""Timers: H holds open at once, each released by its own timer; how late after `expires_at`?

"Stock back" is measured server-side: the reservation record's `closed_at` is written by the release
transaction itself, so the lag is `closed_at - expires_at` and no client polling delay enters it.
Placing H holds takes many seconds, yet all must be open at once, so the order of hold times
decides how the expiries bunch. A pilot of the longest holds measures how fast the stack places
them; the rest are placed at a steady share of that pace (or faster, if placing would otherwise
outlast the pilot's holds), so placing ends when planned, and get
their hold times from an `ExpiryPlan`, which spreads the expiries evenly over a window as long as
the hold-time range opening just after (see `bench/expiry_plan.py`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench import reservation_calls as calls
from bench.aws_clients import aws_client
from bench.expiry_plan import ExpiryPlan
from bench.ledger import movements
from bench.load import attempts
from bench.scenario import Context
from bench.seeding import create_product, stock_of
from bench.stats import figures_table, latency, percentile
from bench.warmup import warm_reservation_path

STOCK_PER_PRODUCT = 250
PLACING_CLIENTS = 16
PILOT_HOLDS = 48  # placed first, held longest, to time the placing
PILOT_MARGIN_S = 2.0  # placing ends at least this long before the pilot's first hold expires
PACE_SHARE = 0.8  # of the pilot's pace: the pace slows as the open holds grow


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


def _spread(values: list[int]) -> dict[str, float | None]:
    middle = percentile(values, 0.5)
    return {"min": min(values, default=None), "p50": middle, "max": max(values, default=None)}


def _records(ddb: Any, table: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Reservation records, read consistently 100 at a time (whole: moto projects an item by
    copying all of it, which costs the engine under test more than the full read)."""
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
    warm_reservation_path(ctx, "TIMERWARM")  # the pilot times the placing, not sandboxes starting

    holds: list[Hold] = []
    hold_times: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()
    pilot = min(PILOT_HOLDS, total // 4)
    plan: ExpiryPlan | None = None
    pace = paced_from = 0.0

    def place(n: int) -> None:
        if n < pilot:
            hold_s = longest
        else:
            assert plan is not None
            time.sleep(max(0.0, paced_from + (n - pilot) / pace - time.time()))
            hold_s = plan.hold_seconds(time.time())
        sku, quantity = skus[n % len(skus)], 1 + n % 2
        rid = f"{sku}-{n}"
        reply = calls.reserve(ctx.rest, sku, rid, hold_s, quantity)
        with lock:
            hold_times.append(hold_s)
            if reply.status == 201:
                holds.append(Hold(rid, sku, quantity, time.time(), epoch(reply.body["expires_at"])))
            else:
                refused.append(f"{reply.status} {reply.error_code}")

    # What is left after placing must cover the longest hold and the checks.
    placing_deadline = ctx.deadline - longest - ctx.budget_s * 0.3
    began = time.time()
    first = attempts(pilot, PLACING_CLIENTS, placing_deadline, place)
    # The rest go at a steady pace the stack keeps up with, so placing ends when the plan says, and
    # never so slow that it would end after the pilot's first hold expires.
    paced_from = time.time()
    last_end = min((h.expires_at for h in holds), default=paced_from + longest) - PILOT_MARGIN_S
    pace = max(
        pilot / max(paced_from - began, 1e-3) * PACE_SHARE,
        (total - pilot) / max(last_end - paced_from, 1e-3),
    )
    expected_s = paced_from - began + (total - pilot) / pace
    plan = ExpiryPlan(total, began + expected_s + 1, shortest, longest)
    for hold in holds:  # the pilot's expiries take their places in the window
        plan.taken(hold.expires_at)
    rest = attempts(total - pilot, PLACING_CLIENTS, placing_deadline, lambda n: place(n + pilot))
    placing_s = time.time() - began
    figures: dict[str, Any] = {
        "holds_asked": total,
        "holds_placed": len(holds),
        "refused": len(refused) + len(first.errors) + len(rest.errors),
        "placing_s": round(placing_s, 1),
        "placing_expected_s": round(expected_s, 1),
        "peak_open": peak_open(holds),
        "hold_seconds": f"{shortest}-{longest}",
        "hold_seconds_given": _spread(hold_times),
    }

    ddb = aws_client("dynamodb", ctx.stack.aws_url)
    table = ctx.stack.table("ReservationsTable")
    last_expiry = max((h.expires_at for h in holds), default=time.time())
    time.sleep(max(0.0, last_expiry - time.time() + 1))
    ids = [h.reservation_id for h in holds]
    records = _records(ddb, table, ids)
    while ctx.left() > 5:
        held = [rid for rid, r in records.items() if r.get("status") == "HELD"]
        if not held:
            break
        time.sleep(2)
        records.update(_records(ddb, table, held))

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
