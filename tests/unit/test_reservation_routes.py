"""The reservation routes through the real resolver, with in-memory adapters installed per test:
the sample event holds stock and starts one execution; throttling that outlasts every retry is a
503 the client may repeat, never a 500."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from inventory.api import reservation_routes
from inventory.api.http import make_resolver
from inventory.config import ApiSettings
from inventory.domain.public_holds import PublicHoldRules
from inventory.domain.reservation_models import HoldPolicy
from inventory.errors import TransientStoreError

from tests.unit.fakes import FakeReservationStore, FakeWorkflow, RecordedEvents, Tables

EVENTS = Path(__file__).resolve().parents[2] / "events" / "ReservationApiFunction"
POLICY = HoldPolicy(default_seconds=60, min_seconds=1, max_seconds=600)
PUBLIC = PublicHoldRules(max_units=5, max_lines=3, max_seconds=120, ceiling=8)


class LambdaContextStub:
    function_name = "ReservationApiFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ReservationApiFunction"
    aws_request_id = "test"


def resolver(store: FakeReservationStore, workflow: FakeWorkflow) -> APIGatewayRestResolver:
    app = make_resolver(ApiSettings())
    app.include_router(reservation_routes.router)
    deps = reservation_routes.ReservationDeps(
        store=store, workflow=workflow, policy=POLICY, events=RecordedEvents(), public=PUBLIC
    )
    reservation_routes.deps.install(app, deps)
    return app


def call(app: APIGatewayRestResolver, sample: str) -> tuple[int, dict[str, str], Any]:
    event = json.loads((EVENTS / sample).read_text())
    answer = app.resolve(event, LambdaContextStub())  # type: ignore[arg-type]
    headers = {k: v[-1] for k, v in (answer.get("multiValueHeaders") or {}).items()}
    headers.update(answer.get("headers") or {})
    return answer["statusCode"], headers, json.loads(answer["body"] or "null")


@pytest.fixture
def tables() -> Tables:
    tables = Tables()
    tables.given_stock("SKU-MUG-CERAMIC", 5)
    return tables


def test_the_sample_reserve_holds_and_starts_one_execution(tables: Tables) -> None:
    store, workflow = FakeReservationStore(tables), FakeWorkflow()
    status, _headers, body = call(resolver(store, workflow), "reserve-product.json")
    assert status == 201 and body["status"] == "HELD" and body["quantity"] == 1, body
    assert tables.counts("SKU-MUG-CERAMIC") == (5, 1, 4)
    assert [name for name, _input in workflow.starts] == ["sample-cart-1"]


def test_throttling_through_every_retry_is_a_503_to_repeat(tables: Tables) -> None:
    class Throttled(FakeReservationStore):
        def hold(self, reservation: Any, actor: str, public_ceiling: int | None = None) -> Any:
            raise TransientStoreError("ProvisionedThroughputExceededException")

    status, headers, body = call(resolver(Throttled(tables), FakeWorkflow()), "reserve-product.json")
    assert status == 503 and body["error"]["code"] == "SERVICE_BUSY" and headers.get("Retry-After") == "1"
    assert tables.counts("SKU-MUG-CERAMIC") == (5, 0, 5)
