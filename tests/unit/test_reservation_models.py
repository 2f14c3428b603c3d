"""Hold-time rules, execution names and the published execution input schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from inventory.domain.reservation_models import HoldPolicy, ReservationInput, execution_name
from inventory.errors import ValidationFailed

from tests.support import ROOT

POLICY = HoldPolicy(default_seconds=900, min_seconds=60, max_seconds=3600)


def test_hold_time_defaults_and_bounds() -> None:
    assert POLICY.hold_for(None) == 900
    assert POLICY.hold_for(60) == 60
    for wrong in (59, 3601):
        with pytest.raises(ValidationFailed) as raised:
            POLICY.hold_for(wrong)
        assert raised.value.details["field"] == "hold_seconds"


def test_extensions_never_exceed_the_maximum_life() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    assert POLICY.extended_expiry(created, created + timedelta(minutes=30), 1800) == created + timedelta(
        hours=1
    )
    with pytest.raises(ValidationFailed):
        POLICY.extended_expiry(created, created + timedelta(minutes=31), 1800)


def test_execution_names_are_the_id_when_valid_and_a_stable_digest_otherwise() -> None:
    assert execution_name("cart-42.a_b") == "cart-42.a_b"
    colon = execution_name("order:42")
    assert colon == execution_name("order:42") and colon.startswith("h-") and ":" not in colon
    assert len(execution_name("x" * 128)) <= 80
    assert execution_name("h-looks-hashed") != "h-looks-hashed"


def test_the_same_line_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        ReservationInput(
            reservation_id="R1",
            items=[{"product_id": "P1", "quantity": 1}, {"product_id": "P1", "quantity": 2}],  # type: ignore[list-item]
        )


def test_the_published_input_schema_is_the_models() -> None:
    published = json.loads((ROOT / "docs" / "reservation-input.schema.json").read_text())
    assert published == ReservationInput.model_json_schema(), "regenerate: python -m inventory.schemas"


@pytest.mark.parametrize("path", sorted((ROOT / "events" / "ReservationStateMachine").glob("*.json")))
def test_sample_execution_inputs_are_valid(path: object) -> None:
    ReservationInput.model_validate_json(path.read_text())  # type: ignore[attr-defined]
