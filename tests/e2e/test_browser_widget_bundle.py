"""The one-file widget bundle on a shop's page: another origin, cross-origin isolated, with SRI.

`make frontend` builds frontend/dist/ (esbuild); the local stack serves it with the headers the
template's CloudFront response headers policy adds (CORS for any origin, security headers). The
shop page here lives on its own origin with a strict CSP and `Cross-Origin-Embedder-Policy:
require-corp`, as an HTTPS shop would isolate itself, and embeds the bundle with its integrity hash.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from local_stack.stack import LocalStack
from tests.support import ROOT, STOREFRONT_KEY, http

pytestmark = pytest.mark.e2e

DIST = ROOT / "frontend" / "dist"
if not (DIST / "manifest.json").exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI must build the widget bundle (`make frontend`)")
    pytest.skip("no widget bundle: run `make frontend`", allow_module_level=True)
MANIFEST = json.loads((DIST / "manifest.json").read_text(encoding="utf-8"))


class Shop:
    """A shop's web server on its own loopback origin (the port the stack's CORS allows)."""

    def __init__(self, port: int, widget_origin: str) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.pages: dict[str, str] = {}
        self.widget_origin = widget_origin
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = shop.pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header(
                    "Content-Security-Policy",
                    f"default-src 'self'; script-src 'self' 'unsafe-inline' {shop.widget_origin}; "
                    f"connect-src {shop.widget_origin}; style-src 'self' 'unsafe-inline'",
                )
                self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
                self.send_header("Cross-Origin-Opener-Policy", "same-origin")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def shop(widget_shop_port: int, stack: LocalStack) -> Iterator[Shop]:
    running = Shop(widget_shop_port, stack.api_url)
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def widget_stack(stack: LocalStack) -> LocalStack:
    """The session stack: it serves the bundle and lets the shop's origin call its API."""
    return stack


def _script_tag(src: str, integrity: str) -> str:
    return (
        f'<script src="{src}" integrity="{integrity}" crossorigin="anonymous" async '
        f'data-api-key="{STOREFRONT_KEY}"></script>'
    )


def test_the_bundle_is_served_with_cors_and_the_security_headers(widget_stack: LocalStack) -> None:
    response = http("GET", f"{widget_stack.api_url}/dist/{MANIFEST['file']}")
    assert response.status == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_shop_page_on_another_origin_embeds_the_bundle_with_its_integrity_and_shows_stock(
    page: Page, shop: Shop, widget_stack: LocalStack
) -> None:
    # Given a shop's product page with the embed snippet (the bundle from the widget's host, SRI-pinned)
    src = f"{widget_stack.api_url}/dist/{MANIFEST['file']}"
    shop.pages["/product"] = (
        "<!doctype html><html><head><title>Shop</title></head><body>"
        '<div id="stock" data-inventory-widget data-product-id="SKU-MUG-CERAMIC"></div>'
        f"{_script_tag(src, MANIFEST['integrity'])}</body></html>"
    )
    # When a shopper opens it
    page.goto(f"{shop.origin}/product")
    # Then the widget asks the API across origins and shows the stock, styled by the bundle
    expect(page.locator("#stock")).to_have_text("In stock")
    expect(page.locator("#stock")).to_have_attribute("data-state", "in-stock")
    assert page.evaluate("crossOriginIsolated") is True
    assert page.locator("style[data-inventory-widget-styles]").count() == 1


def test_a_tag_manager_can_inject_the_bundle_after_the_page_loaded(
    page: Page, shop: Shop, widget_stack: LocalStack
) -> None:
    # Given a page that has loaded, with no widget script yet
    src = f"{widget_stack.api_url}/dist/{MANIFEST['file']}"
    shop.pages["/late"] = (
        "<!doctype html><html><head><title>Shop</title></head><body>"
        '<div id="first" data-inventory-widget data-product-id="SKU-MUG-CERAMIC"></div></body></html>'
    )
    page.goto(f"{shop.origin}/late")
    page.wait_for_load_state("load")
    # When a tag manager injects the script, and the shop renders another widget later
    page.evaluate(
        """([src, integrity, key]) => {
             const s = document.createElement("script");
             s.src = src; s.integrity = integrity; s.crossOrigin = "anonymous"; s.dataset.apiKey = key;
             document.head.appendChild(s);
           }""",
        [src, MANIFEST["integrity"], STOREFRONT_KEY],
    )
    expect(page.locator("#first")).to_have_text("In stock")
    page.evaluate(
        """() => {
             const d = document.createElement("div");
             d.id = "second"; d.dataset.inventoryWidget = ""; d.dataset.productId = "SKU-NOT-A-PRODUCT";
             document.body.appendChild(d);
           }"""
    )
    # Then both widgets are mounted, the later one too
    expect(page.locator("#second")).to_have_text("Stock status unavailable")


def test_a_bundle_that_does_not_match_its_integrity_hash_is_refused(
    page: Page, shop: Shop, widget_stack: LocalStack
) -> None:
    src = f"{widget_stack.api_url}/dist/{MANIFEST['file']}"
    wrong = "sha384-" + "A" * 64
    shop.pages["/tampered"] = (
        "<!doctype html><html><head><title>Shop</title></head><body>"
        '<div id="stock" data-inventory-widget data-product-id="SKU-MUG-CERAMIC"></div>'
        f"{_script_tag(src, wrong)}</body></html>"
    )
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{shop.origin}/tampered")
    expect(page.locator("#stock")).to_be_empty()
    page.wait_for_timeout(500)
    assert page.locator("#stock").get_attribute("data-state") is None
    assert any("integrity" in text for text in messages), messages
