"""What the local stack adds on top of moto: sandbox invoke overhead, API Gateway emulation, cold starts.

Prints latencies and ratios against a raw DynamoDB GetItem on the same moto server.
"""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

from bench.common import summary, temporary_stack
from local_stack.stack import ROOT

PRODUCT = "SKU-MUG-CERAMIC"
ROUNDS = 200


def _timed(call: object, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    with temporary_stack() as stack:
        assert stack.runtime is not None and stack.model is not None
        runtime = stack.runtime
        ddb = boto3.client(
            "dynamodb",
            endpoint_url=stack.aws_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        key = {"product_id": {"S": PRODUCT}, "warehouse_id": {"S": "main"}}
        raw = summary(
            "moto GetItem (baseline)",
            _timed(
                lambda: ddb.get_item(TableName="inventory-management", Key=key, ConsistentRead=True), ROUNDS
            ),
        )

        event = json.loads((ROOT / "events" / "InventoryReadFunction" / "get-inventory.json").read_text())
        started = time.perf_counter()
        stack.runtime.invoke("InventoryReadFunction", event)
        cold_ms = (time.perf_counter() - started) * 1000
        print(f"{'cold start + first invoke (InventoryReadFunction)':<48} {cold_ms:8.1f} ms")
        warm = summary(
            "warm invoke, sandbox direct (1 query)",
            _timed(lambda: runtime.invoke("InventoryReadFunction", event), ROUNDS),
        )

        def http_get() -> None:
            request = urllib.request.Request(
                f"{stack.api_url}/inventory/{PRODUCT}", headers={"x-api-key": "local-storefront-key"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()

        http_get()  # warm the authorizer cache
        api = summary("GET /inventory via API Gateway emulation", _timed(http_get, ROUNDS))

        workers = 8
        total = 400
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _i: http_get(), range(total)))
        elapsed = time.perf_counter() - started
        print(f"{'throughput, 8 concurrent clients':<48} {total / elapsed:8.1f} req/s")
        print(
            f"ratio warm invoke / GetItem p50: {warm['p50'] / raw['p50']:.1f}x;  "
            f"HTTP / warm invoke p50: {api['p50'] / warm['p50']:.2f}x"
        )
