"""The demo shop's web server: its pages, and a small JSON API for its cart and checkout.

The browser talks to this server for everything that needs the checkout key (holding, changing and
releasing the cart's hold, placing the order) and to the inventory service directly, with the
public storefront key, only to read stock (the stock widget).
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import re
import secrets
import threading
from dataclasses import dataclass
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from examples.demo_shop.carts import Cart, CartError, Carts
from examples.demo_shop.inventory_client import InventoryClient, InventoryError

log = logging.getLogger("demo_shop")
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
# The stock widget and its helpers, as a shop would vendor them from the service's web pages.
WIDGET = HERE.parent.parent / "frontend"
SESSION_COOKIE = "shop_session"
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
MAX_BODY = 4096


@dataclass(frozen=True)
class ShopConfig:
    inventory_url: str
    checkout_key: str
    storefront_key: str
    hold_seconds: int = 600


class ShopServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], config: ShopConfig) -> None:
        self.config = config
        self.inventory = InventoryClient(config.inventory_url, config.checkout_key)
        self.carts = Carts(self.inventory, config.hold_seconds)
        self._names: dict[str, str] = {}
        super().__init__(address, ShopHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def product_name(self, sku: str) -> str:
        if sku not in self._names:
            try:
                self._names[sku] = str(self.inventory.product(sku).get("name") or sku)
            except InventoryError:
                return sku
        return self._names[sku]

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        return thread


class ShopHandler(BaseHTTPRequestHandler):
    server: ShopServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    # -- plumbing ----------------------------------------------------------------------------------
    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _error(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._json(status, {"error": {"code": code, "message": message, "details": details or {}}}, headers)

    def _session(self) -> tuple[str, dict[str, str]]:
        cookies = SimpleCookie(self.headers.get("Cookie") or "")
        morsel = cookies.get(SESSION_COOKIE)
        if morsel is not None and re.fullmatch(r"[A-Za-z0-9_-]{20,64}", morsel.value):
            return morsel.value, {}
        session = secrets.token_urlsafe(24)
        cookie = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict"
        return session, {"Set-Cookie": cookie}

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(413, "PAYLOAD_TOO_LARGE", f"the body may be at most {MAX_BODY} bytes")
            return None
        raw = self.rfile.read(length) if length else b"{}"
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self._error(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
            return None
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._error(
                400,
                "VALIDATION_FAILED",
                "body: is not valid JSON",
                {"fields": [{"field": "body", "problem": "is not valid JSON"}]},
            )
            return None
        if not isinstance(body, dict):
            self._error(400, "VALIDATION_FAILED", "body: must be a JSON object")
            return None
        return body

    def _same_origin(self) -> bool:
        # A change to the cart must come from this shop's own pages (the cookie alone is not enough).
        origin = self.headers.get("Origin")
        if origin is None:
            return True
        return urlsplit(origin).netloc == self.headers.get("Host")

    # -- routes ------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/api/cart":
            self._with_cart(lambda cart: self.server.carts.refresh(cart))
        elif path == "/api/health":
            self._json(200, {"status": "ok"})
        else:
            self._static(path)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if not self._same_origin():
            self._error(403, "FORBIDDEN", "cart changes are accepted from this shop's pages only")
            return
        if path == "/api/cart/lines":
            body = self._body()
            if body is not None:
                sku, quantity = self._line(body)
                if sku is not None and quantity is not None:
                    self._with_cart(lambda cart: self.server.carts.add(cart, sku, quantity))
        elif path == "/api/checkout":
            if self._body() is not None:
                self._checkout()
        else:
            self._error(404, "NOT_FOUND", f"no such resource: POST {path}")

    def do_PUT(self) -> None:
        path = urlsplit(self.path).path
        match = re.fullmatch(r"/api/cart/lines/([^/]+)", path)
        if not self._same_origin():
            self._error(403, "FORBIDDEN", "cart changes are accepted from this shop's pages only")
        elif match is None:
            self._error(404, "NOT_FOUND", f"no such resource: PUT {path}")
        else:
            body = self._body()
            if body is not None:
                sku, quantity = self._line({**body, "sku": unquote(match.group(1))}, allow_zero=True)
                if sku is not None and quantity is not None:
                    self._with_cart(lambda cart: self.server.carts.set_quantity(cart, sku, quantity))

    def do_DELETE(self) -> None:
        path = urlsplit(self.path).path
        match = re.fullmatch(r"/api/cart/lines/([^/]+)", path)
        if not self._same_origin():
            self._error(403, "FORBIDDEN", "cart changes are accepted from this shop's pages only")
        elif match is None:
            self._error(404, "NOT_FOUND", f"no such resource: DELETE {path}")
        else:
            sku, _ = self._line({"sku": unquote(match.group(1)), "quantity": 0}, allow_zero=True)
            if sku is not None:
                self._with_cart(lambda cart: self.server.carts.set_quantity(cart, sku, 0))

    def _line(self, body: dict[str, Any], allow_zero: bool = False) -> tuple[str | None, int | None]:
        sku, quantity = body.get("sku"), body.get("quantity")
        problems = []
        if not isinstance(sku, str) or not SKU.match(sku):
            problems.append({"field": "sku", "problem": "must be a product id (letters, digits, . _ : -)"})
        least = 0 if allow_zero else 1
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not least <= quantity <= 99:
            problems.append({"field": "quantity", "problem": f"must be a whole number from {least} to 99"})
        if problems:
            message = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
            self._error(400, "VALIDATION_FAILED", message, {"fields": problems})
            return None, None
        return str(sku), int(quantity)  # type: ignore[arg-type]

    def _with_cart(self, change: Any) -> None:
        session, cookie = self._session()
        cart = self.server.carts.get(session)
        with cart.lock:
            try:
                change(cart)
            except CartError as error:
                self._error(error.status, error.code, error.message, error.details, cookie)
                return
            except InventoryError as error:
                self._inventory_error(error, cart, cookie)
                return
            self._json(200, {"cart": self._view(cart)}, cookie)

    def _inventory_error(self, error: InventoryError, cart: Cart | None, cookie: dict[str, str]) -> None:
        # The service's own refusals reach the shopper's page with what the page needs to explain
        # them; anything else is the shop's problem, not the shopper's.
        passed = {
            "INSUFFICIENT_STOCK",
            "RESERVATION_CLOSED",
            "PRODUCT_NOT_FOUND",
            "STOCK_RECORD_NOT_FOUND",
            "SERVICE_BUSY",
        }
        status = error.status if error.code in passed else 502
        code = error.code if error.code in passed else "INVENTORY_UNAVAILABLE"
        details = {k: v for k, v in error.details.items() if k in ("available", "lines", "status", "reason")}
        if error.code not in passed:
            log.warning("inventory service call failed: %s", error)
        body = {"error": {"code": code, "message": error.message, "details": details}}
        if cart is not None:
            body["cart"] = self._view(cart)
        self._json(status, body, cookie)

    def _checkout(self) -> None:
        session, cookie = self._session()
        cart = self.server.carts.get(session)
        with cart.lock:
            lines = [{**line, "name": self.server.product_name(line["product_id"])} for line in cart.items()]
            try:
                order = self.server.carts.checkout(cart)
            except CartError as error:
                self._error(error.status, error.code, error.message, error.details, cookie)
                return
            except InventoryError as error:
                self._inventory_error(error, cart, cookie)
                return
            self._json(200, {"order": {**order, "lines": lines}, "cart": self._view(cart)}, cookie)

    def _view(self, cart: Cart) -> dict[str, Any]:
        hold = cart.hold
        return {
            "order_id": cart.order_id,
            "lines": [
                {"sku": sku, "name": self.server.product_name(sku), "quantity": quantity}
                for sku, quantity in cart.lines.items()
            ],
            "units": sum(cart.lines.values()),
            "hold": None
            if hold is None
            else {
                "reservation_id": hold.reservation_id,
                "expires_at": hold.expires_at,
                "status": hold.status,
                "reason": hold.reason,
            },
        }

    # -- pages -------------------------------------------------------------------------------------
    def _static(self, path: str) -> None:
        if path in ("", "/"):
            path = "/index.html"
        if path.startswith("/vendor/inventory/"):
            root, relative = WIDGET, path.removeprefix("/vendor/inventory/")
        else:
            root, relative = STATIC, path.lstrip("/")
        target = (root / unquote(relative)).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            self._error(404, "NOT_FOUND", f"no such page: {path}")
            return
        body = target.read_bytes()
        if target.suffix == ".html":
            body = self._fill(body.decode()).encode()
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if mime in ("text/javascript", "application/javascript"):
            mime = "text/javascript"
        self._send(200, body, f"{mime}; charset=utf-8" if mime.startswith("text/") else mime)

    def _fill(self, page: str) -> str:
        config = self.server.config
        api = urlsplit(config.inventory_url)
        values = {
            "INVENTORY_API_BASE": config.inventory_url.rstrip("/"),
            "INVENTORY_API_ORIGIN": f"{api.scheme}://{api.netloc}",
            "STOREFRONT_KEY": config.storefront_key,
        }
        for name, value in values.items():
            page = page.replace("{{" + name + "}}", html.escape(value, quote=True))
        return page


def serve(host: str, port: int, config: ShopConfig) -> ShopServer:
    return ShopServer((host, port), config)
