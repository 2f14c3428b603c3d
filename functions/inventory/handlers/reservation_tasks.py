"""What the reservation task functions share: settings, the store and the outcome publisher."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from inventory.config import ReservationSettings, StoreSettings, load
from inventory.domain.reservation_models import HoldPolicy
from inventory.errors import ValidationFailed
from inventory.store.aws import client, dynamodb_table
from inventory.store.outcome_events import SnsOutcomePublisher
from inventory.store.reservations import DynamoReservationStore
from inventory.validation import validation_details

ModelT = TypeVar("ModelT", bound=BaseModel)


def build() -> tuple[DynamoReservationStore, SnsOutcomePublisher, HoldPolicy]:
    stores, settings = load(StoreSettings), load(ReservationSettings)
    store = DynamoReservationStore(
        dynamodb_table(settings.reservations_table_name),
        dynamodb_table(stores.inventory_table_name),
        stores.ledger_table_name,
    )
    events = SnsOutcomePublisher(client("sns"), settings.reservation_events_topic_arn)
    policy = HoldPolicy(
        default_seconds=settings.hold_default_seconds,
        min_seconds=settings.hold_min_seconds,
        max_seconds=settings.hold_max_seconds,
    )
    return store, events, policy


def parse(model: type[ModelT], data: Any) -> ModelT:
    """Invalid task input fails the execution with a named error that says which field is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = validation_details([dict(e) for e in error.errors()])
        first = details[0] if details else {"field": "input", "problem": "invalid"}
        raise ValidationFailed(f"{first['field']}: {first['problem']}", fields=details) from error
