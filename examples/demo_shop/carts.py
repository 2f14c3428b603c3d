"""Shopping carts whose lines are held in the inventory service while the shopper shops.

A cart has one reservation for all its lines, so checkout confirms them together (all or none).
Every change of the lines replaces that reservation: the new one is placed first and the old one
released after, so the shopper never loses units they hold; only when the new lines cannot be held
next to the old ones (the shopper wants more of a product than is left besides their own hold) is
the old one released first, and put back if the new one still fails. A replacement keeps the time
left on the hold, so editing the cart never extends it.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from examples.demo_shop.inventory_client import InventoryError

MAX_LINES = 10
MAX_QUANTITY = 99


class Inventory(Protocol):
    def reserve(
        self, reservation_id: str, items: list[dict[str, Any]], hold_seconds: int, order_id: str
    ) -> dict[str, Any]: ...

    def reservation(self, reservation_id: str) -> dict[str, Any]: ...

    def release(self, reservation_id: str, reason: str) -> None: ...

    def confirm(self, reservation_id: str) -> dict[str, Any]: ...


class CartError(Exception):
    """A shopper's request the cart refuses: shaped like the inventory service's errors."""

    def __init__(self, http_status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = http_status, code, message, details


@dataclass
class Hold:
    reservation_id: str
    expires_at: str
    status: str = "HELD"
    reason: str | None = None


@dataclass
class Cart:
    ref: str = field(default_factory=lambda: secrets.token_hex(6))
    order_id: str = field(default_factory=lambda: f"order-{secrets.token_hex(5)}")
    lines: dict[str, int] = field(default_factory=dict)
    hold: Hold | None = None
    version: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def items(self) -> list[dict[str, Any]]:
        return [{"product_id": sku, "quantity": quantity} for sku, quantity in self.lines.items()]

    def next_reservation_id(self) -> str:
        self.version += 1
        return f"cart-{self.ref}-v{self.version}"


def _seconds_left(expires_at: str, now: float) -> int:
    end = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).astimezone(UTC).timestamp()
    return int(end - now)


class Carts:
    """Every shopper's cart, by session id (in memory: a real shop keeps them in its own store)."""

    def __init__(self, inventory: Inventory, hold_seconds: int, clock: Any = time.time) -> None:
        self.inventory = inventory
        self.hold_seconds = hold_seconds
        self.clock = clock
        self._carts: dict[str, Cart] = {}
        self._lock = threading.Lock()

    def get(self, session: str) -> Cart:
        with self._lock:
            return self._carts.setdefault(session, Cart())

    # -- reading -----------------------------------------------------------------------------------
    def refresh(self, cart: Cart) -> None:
        """Learns from the service whether the hold ended (expired, or released by an admin)."""
        if cart.hold is None or cart.hold.status != "HELD":
            return
        try:
            found = self.inventory.reservation(cart.hold.reservation_id)
        except InventoryError as error:
            if error.code == "RESERVATION_NOT_FOUND":
                cart.hold = Hold(cart.hold.reservation_id, cart.hold.expires_at, "RELEASED", "not found")
            return
        cart.hold.status = str(found.get("status", cart.hold.status))
        cart.hold.reason = found.get("reason")
        cart.hold.expires_at = str(found.get("expires_at") or cart.hold.expires_at)

    # -- changing ----------------------------------------------------------------------------------
    def set_quantity(self, cart: Cart, sku: str, quantity: int) -> None:
        if quantity < 0 or quantity > MAX_QUANTITY:
            raise CartError(
                400, "VALIDATION_FAILED", f"quantity: must be between 1 and {MAX_QUANTITY}", field="quantity"
            )
        wanted = dict(cart.lines)
        if quantity == 0:
            wanted.pop(sku, None)
        else:
            wanted[sku] = quantity
        if len(wanted) > MAX_LINES:
            raise CartError(
                400, "VALIDATION_FAILED", f"a cart holds at most {MAX_LINES} products", field="sku"
            )
        self._rehold(cart, wanted)

    def add(self, cart: Cart, sku: str, quantity: int) -> None:
        if quantity < 1:
            raise CartError(400, "VALIDATION_FAILED", "quantity: must be 1 or more", field="quantity")
        self.set_quantity(cart, sku, min(cart.lines.get(sku, 0) + quantity, MAX_QUANTITY + 1))

    def _hold_time(self, cart: Cart) -> int:
        held = cart.hold is not None and cart.hold.status == "HELD"
        if not held:
            return self.hold_seconds
        assert cart.hold is not None
        return max(1, _seconds_left(cart.hold.expires_at, self.clock()))

    def _rehold(self, cart: Cart, wanted: dict[str, int]) -> None:
        self.refresh(cart)
        old = cart.hold if cart.hold is not None and cart.hold.status == "HELD" else None
        if old is not None and _seconds_left(old.expires_at, self.clock()) < 1:
            old = None  # ending this very second: the service's timer releases it
        if not wanted:
            if old is not None:
                self._release(old, "removed from the cart")
            cart.lines, cart.hold = {}, None
            return
        seconds = self._hold_time(cart) if old is not None else self.hold_seconds
        items = [{"product_id": sku, "quantity": quantity} for sku, quantity in wanted.items()]
        try:
            placed = self._place(cart, items, seconds)
        except InventoryError as error:
            if error.code != "INSUFFICIENT_STOCK" or old is None:
                raise
            # The shopper's own hold stands in the way: let it go, then try again.
            self._release(old, "cart changed")
            try:
                placed = self._place(cart, items, seconds)
            except InventoryError:
                restored = self._restore(cart, seconds)
                cart.hold = restored
                if restored is None:
                    cart.lines = {}
                raise
            old = None
        if old is not None:
            self._release(old, "cart changed")
        cart.lines, cart.hold = wanted, placed

    def _place(self, cart: Cart, items: list[dict[str, Any]], seconds: int) -> Hold:
        answer = self.inventory.reserve(cart.next_reservation_id(), items, seconds, cart.order_id)
        return Hold(str(answer["reservation_id"]), str(answer["expires_at"]), str(answer["status"]))

    def _restore(self, cart: Cart, seconds: int) -> Hold | None:
        try:
            return self._place(cart, cart.items(), seconds)
        except InventoryError:
            return None  # someone else took the units meanwhile: the cart starts over

    def _release(self, hold: Hold, reason: str) -> None:
        try:
            self.inventory.release(hold.reservation_id, reason)
        except InventoryError as error:
            if error.code not in ("RESERVATION_CLOSED", "RESERVATION_NOT_FOUND"):
                raise

    def checkout(self, cart: Cart) -> dict[str, Any]:
        """Confirms the cart's hold: the units are sold. The cart then starts anew."""
        self.refresh(cart)
        if not cart.lines:
            raise CartError(409, "CART_EMPTY", "the cart is empty")
        if cart.hold is None or cart.hold.status != "HELD":
            status = cart.hold.status if cart.hold else "RELEASED"
            raise CartError(409, "RESERVATION_CLOSED", f"the hold on this cart is {status}", status=status)
        sold = self.inventory.confirm(cart.hold.reservation_id)
        order = {
            "order_id": cart.order_id,
            "reservation_id": cart.hold.reservation_id,
            "status": sold.get("status"),
            "lines": cart.items(),
        }
        fresh = Cart()
        cart.ref, cart.order_id, cart.lines, cart.hold, cart.version = fresh.ref, fresh.order_id, {}, None, 0
        return order
