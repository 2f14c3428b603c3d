"""The reservation workflow through the local stack: how fast holds are placed and confirmed, and how
close to `expires_at` an unconfirmed hold is actually released (its own Step Functions timer).

Everything runs on this machine (moto's Step Functions interpreter, our Lambda sandboxes), so the
absolute numbers describe the local stack; the expiry lateness shows the timer design: one
execution per hold, released when its `.waitForTaskToken` task times out, no sweep interval.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from inventory.models import StockRecord, iso, utc_now
from inventory.store.stock_records import record_item

from bench.common import summary, temporary_stack

PRODUCT = "BENCH-RESERVATIONS"
KEY = {"x-api-key": "local-storefront-key", "Content-Type": "application/json"}
HOLDS = 30
HOLD_SECONDS = 2


def _call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=KEY)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _timed(method: str, url: str, body: Any = None) -> tuple[float, int, Any]:
    started = time.perf_counter()
    status, reply = _call(method, url, body)
    return (time.perf_counter() - started) * 1000, status, reply


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def main() -> None:
    with temporary_stack(demo=False) as stack:
        api = stack.api_url
        now = iso(utc_now())
        stack.table("InventoryTable").put_item(
            Item=record_item(
                StockRecord(
                    product_id=PRODUCT,
                    warehouse_id="main",
                    stock_count=100_000,
                    reserved_count=0,
                    threshold_level=10,
                    last_updated=now,
                    version=1,
                )
            )
        )
        run = f"{int(time.time())}"
        # Warm the sandboxes so cold starts do not count as hold latency.
        _call("POST", f"{api}/inventory/{PRODUCT}/reserve", {"quantity": 1, "reservationId": f"warm-{run}"})
        _call("DELETE", f"{api}/inventory/{PRODUCT}/reserve/warm-{run}")

        reserve_ms, confirm_ms = [], []
        for i in range(HOLDS):
            rid = f"confirm-{run}-{i}"
            elapsed, status, _ = _timed(
                "POST", f"{api}/inventory/{PRODUCT}/reserve", {"quantity": 1, "reservationId": rid}
            )
            assert status == 201, status
            reserve_ms.append(elapsed)
            elapsed, status, _ = _timed("POST", f"{api}/reservations/{rid}/confirm")
            assert status == 200, status
            confirm_ms.append(elapsed)
        summary("POST .../reserve (synchronous hold)", reserve_ms)
        summary("POST /reservations/{id}/confirm (sold)", confirm_ms)

        # Unconfirmed holds: each must come back on its own timer.
        ids = [f"expire-{run}-{i}" for i in range(HOLDS)]
        with ThreadPoolExecutor(6) as pool:
            placed = list(
                pool.map(
                    lambda rid: _call(
                        "POST",
                        f"{api}/inventory/{PRODUCT}/reserve",
                        {"quantity": 1, "reservationId": rid, "hold_seconds": HOLD_SECONDS},
                    ),
                    ids,
                )
            )
        expires = {rid: _parse(reply["expires_at"]) for rid, (_s, reply) in zip(ids, placed, strict=True)}
        lateness_ms: list[float] = []
        deadline = time.monotonic() + 120
        pending = set(ids)
        while pending and time.monotonic() < deadline:
            for rid in list(pending):
                _status, view = _call("GET", f"{api}/reservations/{rid}")
                if view and view.get("status") == "EXPIRED":
                    released = _parse(view["updated_at"])
                    lateness_ms.append((released - expires[rid]).total_seconds() * 1000)
                    pending.discard(rid)
            time.sleep(0.2)
        print(f"{'expired holds observed':<48} {len(lateness_ms)} of {HOLDS} (hold {HOLD_SECONDS} s)")
        if lateness_ms:
            summary("release time - expires_at", lateness_ms)
        print(
            "for comparison: DynamoDB TTL deletes within ~48 h; EventBridge Scheduler has 1-minute precision;"
            " a sweep every N minutes is up to N minutes late"
        )
