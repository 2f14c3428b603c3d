"""The shop server's calls to the inventory service, made with the checkout key (a server-side
secret: it never reaches the browser)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass
class InventoryError(Exception):
    """An answer of the inventory service that is not a success, in its own error shape."""

    status: int
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class InventoryClient:
    def __init__(self, base_url: str, checkout_key: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._key = checkout_key
        self.timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=data,
            method=method,
            headers={
                "x-api-key": self._key,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise _error_from(error.code, error.read()) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise InventoryError(
                0, "NETWORK_ERROR", f"the inventory service could not be reached ({error})"
            ) from None
        return json.loads(raw) if raw else None

    def reserve(
        self, reservation_id: str, items: list[dict[str, Any]], hold_seconds: int, order_id: str
    ) -> dict[str, Any]:
        body = {
            "reservation_id": reservation_id,
            "items": items,
            "hold_seconds": hold_seconds,
            "order_id": order_id,
        }
        answer: dict[str, Any] = self._call("POST", "/reservations", body)
        return answer

    def reservation(self, reservation_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", f"/reservations/{_segment(reservation_id)}")
        return answer

    def release(self, reservation_id: str, reason: str) -> None:
        query = urllib.parse.urlencode({"reason": reason})
        self._call("DELETE", f"/reservations/{_segment(reservation_id)}?{query}")

    def confirm(self, reservation_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", f"/reservations/{_segment(reservation_id)}/confirm")
        return answer

    def product(self, sku: str) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("GET", f"/products/{_segment(sku)}")
        return answer


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _error_from(status: int, raw: bytes) -> InventoryError:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        found = error.get("details")
        details: dict[str, Any] = found if isinstance(found, dict) else {}
        return InventoryError(
            status, str(error.get("code") or f"HTTP_{status}"), str(error.get("message") or ""), details
        )
    message = body.get("message") if isinstance(body, dict) else None
    return InventoryError(status, f"HTTP_{status}", str(message or "request failed"))
