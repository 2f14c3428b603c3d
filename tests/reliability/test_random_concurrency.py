"""Seeded random operations from many threads on a few products, then every invariant.

Threads interleave holds (single and cart), confirms, releases, extensions, holds left to expire,
sales without a hold, admin sets and adjustments on three products, over REST against a local
stack of its own (a child process, so the client threads never share its interpreter). When
every hold has ended the checker runs over the whole stack: counts in range, reserved counts equal
to the HELD lines (none), every record's ledger summing to its counts.

The seed is printed; `RELIABILITY_SEED=<seed>` replays each thread's sequence of operations (the
interleaving is the machine's). `make test` runs a bounded count; `make reliability` at least 10,000.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api_helpers import stocked_product
from tests.reliability.restart import check_stack
from tests.reliability.support import FIGURES, FULL, describe
from tests.support import ADMIN_KEY, CHECKOUT_KEY, StackProcess, http, wait_for

OPERATIONS = int(os.environ.get("RELIABILITY_OPERATIONS", 10_000 if FULL else 160))
THREADS = 8
PRODUCTS = [f"RND-{n}" for n in range(3)]
CHECKOUT = {"x-api-key": CHECKOUT_KEY}
ADMIN = {"x-api-key": ADMIN_KEY}
# Answers a correct service may give to these requests; anything else (a 5xx above all) is a failure.
ACCEPTED = {
    "reserve": {200, 201, 409},
    "cart": {200, 201, 409},
    "confirm": {200, 409},
    "release": {204, 409},
    "extend": {200, 400, 409},
    "expire": {200, 201, 409},
    "sell": {200, 201, 409},
    "admin_set": {200, 400, 409},
    "adjust": {200, 201, 400, 409},
}
WEIGHTS = {
    "reserve": 4,
    "cart": 2,
    "confirm": 2,
    "release": 2,
    "extend": 1,
    "expire": 2,
    "sell": 1,
    "admin_set": 1,
    "adjust": 1,
}


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    state: Path = tmp_path_factory.mktemp("random") / "state.json"
    with StackProcess(state, "--fresh", "--no-demo") as local:
        yield local


def _gateway_failure(response: Any) -> bool:
    """The gateway's own 5xx (its authorizer or integration failing on a saturated machine), never
    an answer of the product's, which always carries `error`."""
    return response.status >= 500 and not (isinstance(response.body, dict) and "error" in response.body)


class Client:
    def __init__(self, api: str, rng: random.Random, name: str) -> None:
        self.api, self.rng, self.name = api, rng, name
        self.holds: list[str] = []
        self.serial = 0
        self.answers: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.done = 0

    def call(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
        """One request; a 503 SERVICE_BUSY or the gateway's own failure (a handler overrunning its 10 s,
        the authorizer failing, on a loaded machine) is repeated as a client would: every operation
        here is safe to repeat. A 5xx of the product's own is never repeated, and fails the test."""
        response: Any = None
        for _ in range(3):
            try:
                response = http(method, url, body, headers, timeout=60)
            except OSError:  # no answer at all on a saturated machine: the same request again
                self.answers["repeated after no answer"] += 1
                continue
            if response.status not in (503, 504) and not _gateway_failure(response):
                return response
            self.answers[f"repeated after {response.status}"] += 1
        if response is None:
            self.unexpected.append(f"{method} {url}: no answer in 3 attempts")
        return response

    def _id(self, kind: str) -> str:
        self.serial += 1
        return f"{kind}-{self.name}-{self.serial}"

    def _held(self) -> str | None:
        return self.rng.choice(self.holds) if self.holds else None

    def step(self) -> None:
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        response = getattr(self, kind)()
        if response is None:  # nothing held to decide on yet (or never answered: recorded by call)
            return
        self.done += 1
        self.answers[f"{kind} {response.status}"] += 1
        if response.status not in ACCEPTED[kind]:
            self.unexpected.append(f"{kind} -> {response.status} {response.text[:300]}")

    def reserve(self, hold_seconds: int | None = None) -> Any:
        rid = self._id("r")
        product = self.rng.choice(PRODUCTS)
        body = {
            "quantity": self.rng.randint(1, 3),
            "reservationId": rid,
            "hold_seconds": hold_seconds or self.rng.randint(2, 6),
        }
        response = self.call("POST", f"{self.api}/inventory/{product}/reserve", body, CHECKOUT)
        if response.status in (200, 201):
            self.holds.append(rid)
        return response

    def expire(self) -> Any:
        return self.reserve(hold_seconds=1)  # never decided: its timer releases it

    def cart(self) -> Any:
        rid = self._id("c")
        products = self.rng.sample(PRODUCTS, 2)
        body = {
            "reservation_id": rid,
            "items": [{"product_id": p, "quantity": self.rng.randint(1, 2)} for p in products],
            "hold_seconds": self.rng.randint(2, 6),
        }
        response = self.call("POST", f"{self.api}/reservations", body, CHECKOUT)
        if response.status in (200, 201):
            self.holds.append(rid)
        return response

    def confirm(self) -> Any:
        rid = self._held()
        return rid and self.call("POST", f"{self.api}/reservations/{rid}/confirm", None, CHECKOUT)

    def release(self) -> Any:
        rid = self._held()
        return rid and self.call("DELETE", f"{self.api}/reservations/{rid}", None, CHECKOUT)

    def extend(self) -> Any:
        rid = self._held()
        body = {"hold_seconds": self.rng.randint(1, 4)}
        return rid and self.call("POST", f"{self.api}/reservations/{rid}/extend", body, CHECKOUT)

    def sell(self) -> Any:
        items = [{"product_id": p, "quantity": 1} for p in self.rng.sample(PRODUCTS, self.rng.randint(1, 2))]
        body = {"order_id": self._id("o"), "items": items}
        return self.call("POST", f"{self.api}/inventory/fulfill", body, CHECKOUT)

    def admin_set(self) -> Any:
        product = self.rng.choice(PRODUCTS)
        current = self.call("GET", f"{self.api}/inventory/{product}?warehouse_id=main", None, ADMIN)
        if current.status != 200:
            return current
        version = next(w["version"] for w in current.body["warehouses"] if w["warehouse_id"] == "main")
        body = {"stock_count": self.rng.randint(5, 40), "expected_version": version}
        return self.call("PUT", f"{self.api}/inventory/{product}", body, ADMIN)

    def adjust(self) -> Any:
        product = self.rng.choice(PRODUCTS)
        body = {"delta": self.rng.choice([-3, -2, -1, 1, 2, 5, 10]), "reason": "random count correction"}
        return self.call("POST", f"{self.api}/inventory/{product}/adjustments", body, ADMIN)


def test_random_operations_keep_every_invariant(own_stack: StackProcess) -> None:
    seed = int(os.environ.get("RELIABILITY_SEED") or random.SystemRandom().randrange(2**32))
    print(f"random operations: seed {seed} (replay with RELIABILITY_SEED={seed}), {OPERATIONS} operations")
    api = own_stack.api_url
    for product in PRODUCTS:
        stocked_product(api, product, 20)
    clients = [Client(api, random.Random(f"{seed}-{n}"), f"t{n}") for n in range(THREADS)]
    share = [OPERATIONS // THREADS + (1 if n < OPERATIONS % THREADS else 0) for n in range(THREADS)]
    errors: list[BaseException] = []

    def work(client: Client, count: int) -> None:
        try:
            while client.done < count:
                client.step()
        except BaseException as error:  # reported below, with the seed
            errors.append(error)

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(c, n)) for c, n in zip(clients, share, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    answers = sum((c.answers for c in clients), Counter())
    print(f"{OPERATIONS} operations in {elapsed:.0f} s: {dict(sorted(answers.items()))}")
    unexpected = [u for c in clients for u in c.unexpected]
    tail = own_stack.output[-4000:]
    assert not unexpected, f"seed {seed}: {unexpected[:10]}\nthe stack's last output:\n{tail}"
    assert not errors, f"seed {seed}: {errors[0]!r}"

    # When every hold has ended (extensions keep a hold at most a few seconds past the last request)
    def settled() -> Any:
        report = check_stack(own_stack, None)
        rules = report.by_rule()
        print(f"{time.monotonic() - started:.0f} s: {report.reservations_held} held, violations {rules}")
        return report if report.reservations_held == 0 else None

    report = wait_for(settled, timeout=300, interval=2, what="every hold to end")
    # Then nothing is violated, and every record's ledger sums to its counts (LEDGER_MISMATCH)
    assert report.ok, f"seed {seed}:\n{describe(report)}"
    assert report.records_checked == len(PRODUCTS)
    done = sum(n for answer, n in answers.items() if not answer.startswith("repeated"))
    FIGURES.add("operations", done)
    FIGURES.add("operations_repeated_after_timeouts", sum(answers.values()) - done)
    FIGURES.scenario(
        f"random operations (seed {seed})", 0, len(report.violations), [], len(report.violations)
    )
