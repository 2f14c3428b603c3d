"""The reservation operations a checkout makes over REST (checkout key), as the docs describe them."""

from __future__ import annotations

from bench.rest_client import Reply, RestClient


def reserve(rest: RestClient, sku: str, reservation_id: str, hold_seconds: int, quantity: int = 1) -> Reply:
    body = {"quantity": quantity, "reservationId": reservation_id, "hold_seconds": hold_seconds}
    return rest.call("POST", f"/inventory/{sku}/reserve", body)


def confirm(rest: RestClient, reservation_id: str) -> Reply:
    return rest.call("POST", f"/reservations/{reservation_id}/confirm")


def release(rest: RestClient, reservation_id: str) -> Reply:
    return rest.call("DELETE", f"/reservations/{reservation_id}")


def extend(rest: RestClient, reservation_id: str, hold_seconds: int) -> Reply:
    return rest.call("POST", f"/reservations/{reservation_id}/extend", {"hold_seconds": hold_seconds})


def status_counts(replies: list[Reply]) -> dict[str, int]:
    """How many replies had each status (and error code): {"201": 200, "409 INSUFFICIENT_STOCK": 120}."""
    counts: dict[str, int] = {}
    for reply in replies:
        key = f"{reply.status} {reply.error_code}" if reply.error_code else str(reply.status)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
