"""Browser fixtures: Debian's Chromium driven by Playwright (its own browser download is not used)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from examples.demo_shop.server import ShopConfig, ShopServer
from local_stack.cfn import load_template
from local_stack.stack import LocalStack
from tests.support import CHECKOUT_KEY, ROOT, STOREFRONT_KEY

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
expect.set_options(timeout=15_000)


def declared_routes() -> set[tuple[str, str]]:
    """(METHOD, path with every {param} as {}) of each function's Api event in template.yaml."""
    routes = set()
    for resource in load_template(ROOT / "template.yaml")["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") == "Api":
                props = event.get("Properties") or {}
                path = re.sub(r"\{[^}]+\}", "{}", str(props.get("Path", "")))
                routes.add((str(props.get("Method", "")).upper(), path))
    return routes


def template_declares(method: str, path: str) -> bool:
    path = re.sub(r"\{[^}]+\}", "{}", path)
    routes = declared_routes()
    return (method, path) in routes or ("ANY", path) in routes


def needs(*routes: str) -> pytest.MarkDecorator:
    """Skips a browser flow until template.yaml declares every route it uses ("METHOD /path")."""
    missing = [route for route in routes if not template_declares(*route.split(" ", 1))]
    return pytest.mark.skipif(bool(missing), reason=f"template.yaml declares no {', '.join(missing)} yet")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab; the test fails if the page throws an uncaught error."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


# -- the demo shop and screenshots ---------------------------------------------------------------
ARTIFACTS = ROOT / "tests" / "artifacts"  # git-ignored; CI keeps it as the run's artefacts


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Saves a full-page screenshot as tests/artifacts/screenshots/<name>.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        target = folder / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return take


@pytest.fixture
def demo_shop(stack: LocalStack, shop_port: int) -> Iterator[Callable[..., ShopServer]]:
    """Starts the demo shop's server against the test stack (on the port its CORS allows)."""
    started: list[ShopServer] = []

    def start(hold_seconds: int = 300) -> ShopServer:
        config = ShopConfig(stack.api_url, CHECKOUT_KEY, STOREFRONT_KEY, hold_seconds)
        server = ShopServer(("127.0.0.1", shop_port), config)
        server.serve_in_thread()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()
