"""Orders arriving on the queue (`ReserveInventory`, the order service's contract) start reservations.

The execution is named after the order, so a message delivered twice (SQS is at least once) joins
or finds the first execution instead of holding stock again. Outcomes (InventoryReserved,
InventoryReservationFailed, and later ones) reach the order service through the outcome topic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from inventory.domain.reservation_models import (
    MAX_HOLD_SECONDS,
    MAX_LINES,
    Identifier,
    Quantity,
    ReservationInput,
    ReservationLine,
    execution_name,
)
from inventory.domain.reservation_ports import Workflow
from inventory.models import DEFAULT_WAREHOUSE


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sku: Identifier
    quantity: Quantity
    warehouse_id: Identifier = DEFAULT_WAREHOUSE


class ReserveInventory(BaseModel):
    """The order service's message: `{"type": "ReserveInventory", "order_id", "customer_id",
    "items": [{"sku", "quantity"}], "timestamp"}` (`warehouse_id` per item and `hold_seconds` optional)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["ReserveInventory"]
    order_id: Identifier
    customer_id: str | None = None
    items: list[OrderItem] = Field(min_length=1, max_length=MAX_LINES)
    timestamp: str | None = None
    hold_seconds: int | None = Field(default=None, ge=1, le=MAX_HOLD_SECONDS)


def reservation_input(message: ReserveInventory) -> ReservationInput:
    return ReservationInput(
        reservation_id=message.order_id,
        items=[
            ReservationLine(product_id=i.sku, warehouse_id=i.warehouse_id, quantity=i.quantity)
            for i in message.items
        ],
        hold_seconds=message.hold_seconds,
        order_id=message.order_id,
        source="queue",
    )


def start_reservation(workflow: Workflow, message: ReserveInventory) -> str:
    """Starts (or finds, on redelivery) the order's reservation execution; returns its ARN.

    A redelivered message finds the name taken (the first delivery's execution, running or ended):
    that execution is the order's reservation, so there is nothing more to do."""
    request = reservation_input(message)
    name = execution_name(request.reservation_id)
    workflow.start(name, request.model_dump(mode="json", exclude_none=True))
    return workflow.execution_arn(name)
