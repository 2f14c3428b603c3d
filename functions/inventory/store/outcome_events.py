"""Reservation outcome events on the SNS topic the order service subscribes to.

Each message is JSON with the event type, the reservation and why; message attributes
(`event_type`, `reservation_id`, `source`, `order_id`) allow subscription filter policies. Delivery is at
least once: a retried task may publish the same event again, so consumers dedupe on
(`event_type`, `reservation_id`).
"""

from __future__ import annotations

import json
from typing import Any

from inventory.domain.reservation_models import Reservation, ReservationInput
from inventory.domain.reservation_ports import OutcomeEvent
from inventory.models import iso, utc_now


def reservation_message(event: OutcomeEvent, reservation: Reservation) -> dict[str, Any]:
    return {
        "event_type": event.value,
        "reservation_id": reservation.reservation_id,
        "order_id": reservation.order_id,
        "status": reservation.status.value,
        "reason": reservation.reason,
        "lines": [line.model_dump() for line in reservation.lines],
        "expires_at": reservation.expires_at,
        "source": reservation.source,
        "at": iso(utc_now()),
    }


class SnsOutcomePublisher:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic = topic_arn

    def _publish(self, message: dict[str, Any]) -> None:
        attributes = {
            key: {"DataType": "String", "StringValue": str(message[key])}
            for key in ("event_type", "reservation_id", "source", "order_id")
            if message.get(key)
        }
        self._sns.publish(
            TopicArn=self._topic,
            Subject=message["event_type"],
            Message=json.dumps(message),
            MessageAttributes=attributes,
        )

    def reservation(self, event: OutcomeEvent, reservation: Reservation) -> None:
        self._publish(reservation_message(event, reservation))

    def failure(self, request: ReservationInput, code: str, message: str, details: dict[str, Any]) -> None:
        self._publish(
            {
                "event_type": OutcomeEvent.RESERVATION_FAILED.value,
                "reservation_id": request.reservation_id,
                "order_id": request.order_id,
                "status": "FAILED",
                "reason": message,
                "error": {"code": code, "details": details},
                "lines": [line.model_dump() for line in request.items],
                "source": request.source,
                "at": iso(utc_now()),
            }
        )
