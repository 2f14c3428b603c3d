"""Holds placed with the storefront key (public by design), through the real resolver on in-memory
adapters: caps, the ceiling per stock record, the release secret, and no way to sell or to touch a
hold of another scope."""

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
from inventory.domain.reservation_upkeep import reconcile

from tests.unit.fakes import FakeReservationStore, FakeWorkflow, RecordedEvents, Tables

SAMPLE = Path(__file__).resolve().parents[2] / "events" / "ReservationApiFunction" / "reserve-product.json"
POLICY = HoldPolicy(default_seconds=600, min_seconds=1, max_seconds=3600)
PUBLIC = PublicHoldRules(max_units=5, max_lines=2, max_seconds=120, ceiling=8)
MUG = "SKU-MUG-CERAMIC"


class LambdaContextStub:
    function_name = "ReservationApiFunction"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ReservationApiFunction"
    aws_request_id = "test"


class Api:
    def __init__(self, tables: Tables, rules: PublicHoldRules = PUBLIC) -> None:
        self.tables = tables
        self.store, self.workflow = FakeReservationStore(tables), FakeWorkflow()
        self.app: APIGatewayRestResolver = make_resolver(ApiSettings())
        self.app.include_router(reservation_routes.router)
        self.deps = reservation_routes.ReservationDeps(
            store=self.store, workflow=self.workflow, policy=POLICY, events=RecordedEvents(), public=rules
        )

    def __call__(
        self,
        method: str,
        resource: str,
        path: str,
        body: Any = None,
        scope: str = "storefront",
        secret: str | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        event = json.loads(SAMPLE.read_text())
        headers = {"Content-Type": "application/json", **({"X-Release-Secret": secret} if secret else {})}
        event.update(
            resource=resource,
            path=path,
            httpMethod=method,
            headers=headers,
            multiValueHeaders={k: [v] for k, v in headers.items()},
            pathParameters=params,
            body=None if body is None else json.dumps(body),
        )
        event["requestContext"]["authorizer"] = {"principalId": scope, "scope": scope}
        reservation_routes.deps.install(self.app, self.deps)  # per request, as the handler does
        answer = self.app.resolve(event, LambdaContextStub())  # type: ignore[arg-type]
        return answer["statusCode"], json.loads(answer["body"] or "null")

    def reserve(self, rid: str, quantity: int, scope: str = "storefront", **extra: Any) -> tuple[int, Any]:
        body = {"quantity": quantity, "reservationId": rid, **extra}
        return self(
            "POST",
            "/inventory/{productId}/reserve",
            f"/inventory/{MUG}/reserve",
            body,
            scope,
            params={"productId": MUG},
        )

    def on(self, method: str, rid: str, suffix: str = "", **kwargs: Any) -> tuple[int, Any]:
        resource = "/reservations/{reservationId}" + suffix
        return self(method, resource, f"/reservations/{rid}{suffix}", params={"reservationId": rid}, **kwargs)

    def public_held(self) -> int:
        return self.tables.public_held.get((MUG, "main"), 0)


@pytest.fixture
def api() -> Api:
    tables = Tables()
    tables.given_stock(MUG, 100)
    return Api(tables)


def test_a_storefront_hold_is_public_and_its_secret_is_returned_once(api: Api) -> None:
    status, body = api.reserve("cart-1", 3)
    assert status == 201 and body["public"] is True and len(body["release_secret"]) >= 32, body
    assert api.tables.counts(MUG) == (100, 3, 97) and api.public_held() == 3
    # the same request again is the same hold, and it does not show the secret again
    again_status, again = api.reserve("cart-1", 3)
    assert again_status == 200 and again["release_secret"] is None
    assert api.tables.counts(MUG) == (100, 3, 97)
    # the secret is not stored, only its digest
    stored = api.tables.reservations["cart-1"]
    assert body["release_secret"] not in json.dumps(stored.model_dump(mode="json"))


@pytest.mark.parametrize(
    ("extra", "quantity", "field"),
    [({}, 6, "quantity"), ({"hold_seconds": 121}, 1, "hold_seconds")],
)
def test_caps_per_hold_refuse_naming_the_field_and_hold_nothing(
    api: Api, extra: dict[str, Any], quantity: int, field: str
) -> None:
    status, body = api.reserve("cart-2", quantity, **extra)
    assert status == 400 and body["error"]["code"] == "VALIDATION_FAILED"
    assert [f["field"] for f in body["error"]["details"]["fields"]] == [field]
    assert api.tables.counts(MUG) == (100, 0, 100) and "cart-2" not in api.tables.reservations


def test_too_many_lines_with_a_storefront_key_is_a_400_naming_items(api: Api) -> None:
    api.tables.given_stock("SKU-B", 10)
    api.tables.given_stock("SKU-C", 10)
    lines = [{"product_id": p, "quantity": 1} for p in (MUG, "SKU-B", "SKU-C")]
    status, body = api("POST", "/reservations", "/reservations", {"reservation_id": "cart-3", "items": lines})
    assert status == 400 and body["error"]["details"]["fields"][0]["field"] == "items"
    assert api.tables.counts("SKU-B") == (10, 0, 10)


def test_public_holds_stop_at_the_ceiling_of_the_record_and_checkout_holds_do_not(api: Api) -> None:
    assert api.reserve("cart-4", 5)[0] == 201
    status, body = api.reserve("cart-5", 4)  # 5 + 4 > 8
    assert status == 409 and body["error"]["code"] == "PUBLIC_HOLD_LIMIT", body
    assert body["error"]["details"]["ceiling"] == 8
    assert api.tables.counts(MUG) == (100, 5, 95) and api.public_held() == 5
    assert api.reserve("cart-6", 3)[0] == 201  # exactly up to the ceiling
    # a checkout key is not bound by it (its holds are not public)
    assert api.reserve("order-7", 50, scope="checkout")[0] == 201
    assert api.public_held() == 8 and api.tables.counts(MUG) == (100, 58, 42)


def test_releasing_needs_the_secret_and_gives_the_units_back_to_the_ceiling(api: Api) -> None:
    secret = api.reserve("cart-8", 5)[1]["release_secret"]
    missing = api.on("DELETE", "cart-8")
    assert missing[0] == 400 and missing[1]["error"]["details"]["fields"][0]["field"] == "x-release-secret"
    assert api.on("DELETE", "cart-8", secret="not-the-secret")[0] == 404
    assert api.on("POST", "cart-8", "/extend", body={"hold_seconds": 60}, secret="not-the-secret")[0] == 404
    assert api.on("GET", "cart-8", secret="not-the-secret")[0] == 404
    assert api.tables.counts(MUG) == (100, 5, 95) and api.tables.reservations["cart-8"].status.value == "HELD"
    assert api.on("GET", "cart-8", secret=secret)[0] == 200
    assert api.on("DELETE", "cart-8", secret=secret)[0] == 204
    assert api.tables.counts(MUG) == (100, 0, 100) and api.public_held() == 0


def test_a_storefront_key_never_sees_or_touches_a_hold_of_another_scope(api: Api) -> None:
    assert api.reserve("order-9", 2, scope="checkout")[0] == 201
    for method, suffix, body in (
        ("GET", "", None),
        ("DELETE", "", None),
        ("POST", "/extend", {"hold_seconds": 9}),
    ):
        status, answer = api.on(method, "order-9", suffix, body=body, secret="anything")
        assert status == 404 and answer["error"]["code"] == "RESERVATION_NOT_FOUND", (method, answer)
    # nor can it take the id over: the id is simply taken
    status, answer = api.reserve("order-9", 2)
    assert status == 409 and answer["error"]["code"] == "RESERVATION_CONFLICT"
    assert "status" not in answer["error"]["details"]
    held = api.tables.reservations["order-9"]
    assert held.status.value == "HELD" and held.extensions == 0 and api.tables.counts(MUG) == (100, 2, 98)


def test_a_storefront_key_cannot_confirm_even_its_own_hold_but_checkout_can(api: Api) -> None:
    api.reserve("cart-10", 2)
    status, body = api.on("POST", "cart-10", "/confirm")
    assert status == 403 and body["error"]["details"] == {"required_scope": "checkout"}
    assert api.tables.counts(MUG) == (100, 2, 98)
    status, body = api.on("POST", "cart-10", "/confirm", scope="checkout")
    assert status == 200 and body["status"] == "FULFILLED"
    assert api.tables.counts(MUG) == (98, 0, 98) and api.public_held() == 0


def test_a_public_hold_lives_at_most_the_public_maximum(api: Api) -> None:
    secret = api.reserve("cart-11", 1, hold_seconds=100)[1]["release_secret"]
    status, body = api.on("POST", "cart-11", "/extend", body={"hold_seconds": 121}, secret=secret)
    assert status == 400 and body["error"]["details"]["field"] == "hold_seconds"


def test_with_the_ceiling_at_zero_the_storefront_key_only_reads(api: Api) -> None:
    closed = Api(api.tables, PUBLIC.model_copy(update={"ceiling": 0}))
    status, body = closed.reserve("cart-12", 1)
    assert status == 403 and body["error"]["details"] == {"required_scope": "checkout"}
    assert api.tables.counts(MUG) == (100, 0, 100)


def test_reconciliation_finds_and_repairs_drift_of_the_public_count(api: Api) -> None:
    api.reserve("cart-13", 3)
    api.reserve("order-14", 4, scope="checkout")
    # Given the record's public count drifted (say, written by hand)
    api.tables.public_held[(MUG, "main")] = 9
    report = reconcile(api.store, repair=False)
    drift = [d for d in report.drift if d.product_id == MUG]
    assert len(drift) == 1 and drift[0].public_held == 9 and drift[0].held_by_public_holds == 3
    assert api.public_held() == 9  # a check changes nothing
    # When repaired, Then it is the sum of the open storefront holds again (and reserved stays right)
    repaired = [d for d in reconcile(api.store, repair=True).drift if d.product_id == MUG]
    assert repaired[0].repaired and api.public_held() == 3 and api.tables.counts(MUG) == (100, 7, 93)
    assert not [d for d in reconcile(api.store, repair=False).drift if d.product_id == MUG]
