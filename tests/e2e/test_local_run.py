"""`make run`'s server: starts from the template, serves the API, keeps data across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import STOREFRONT_KEY, StackProcess, aws_client, http, wait_for

pytestmark = pytest.mark.e2e
DEMO_PRODUCT = "SKU-MUG-CERAMIC"


def test_demo_catalogue_is_served_and_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    # Given a first start, which loads the demo catalogue
    with StackProcess(state) as first:
        response = http(
            "GET", f"{first.api_url}/inventory/{DEMO_PRODUCT}", headers={"x-api-key": STOREFRONT_KEY}
        )
        assert response.status == 200
        assert {w["warehouse_id"] for w in response.body["warehouses"]} == {"main", "east"}
        # When data changes through the AWS endpoint and the stack stops
        aws_client("dynamodb", first.aws_url).update_item(
            TableName="inventory-management",
            Key={"product_id": {"S": DEMO_PRODUCT}, "warehouse_id": {"S": "main"}},
            UpdateExpression="SET stock_count = :n",
            ExpressionAttributeValues={":n": {"N": "4242"}},
        )
        assert first.stop() == 0
    assert state.is_file()
    # The banner told the developer where everything is
    for shown in (
        first.api_url,
        first.aws_url,
        "local-admin-key",
        "local-storefront-key",
        "local-checkout-key",
        "ReservationStateMachineArn",
        "OrderQueueUrl",
        "FrontendUrl",
    ):
        assert shown in first.output
    # Then a restart serves the changed data
    with StackProcess(state) as second:
        again = http(
            "GET",
            f"{second.api_url}/inventory/{DEMO_PRODUCT}?warehouse_id=main",
            headers={"x-api-key": STOREFRONT_KEY},
        )
        assert again.status == 200
        assert again.body["warehouses"][0]["stock_count"] == 4242


def test_fresh_start_is_empty(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with StackProcess(state):
        pass
    with StackProcess(state, "--fresh") as fresh:
        response = http(
            "GET", f"{fresh.api_url}/inventory/{DEMO_PRODUCT}", headers={"x-api-key": STOREFRONT_KEY}
        )
        assert response.status == 404
        assert response.body["error"]["code"] == "PRODUCT_NOT_FOUND"


def test_keys_can_be_overridden_by_environment(tmp_path: Path) -> None:
    with StackProcess(tmp_path / "s.json", env={"INVENTORY_STOREFRONT_KEY": "my-own-key"}) as proc:
        url = f"{proc.api_url}/inventory/{DEMO_PRODUCT}"
        assert http("GET", url, headers={"x-api-key": "my-own-key"}).status == 200
        assert http("GET", url, headers={"x-api-key": STOREFRONT_KEY}).status == 401


def test_make_run_starts_the_demo_shop_with_the_checkout_key_on_its_side(tmp_path: Path) -> None:
    # Given the system started as `make run` starts it
    with StackProcess(tmp_path / "state.json") as running:
        shop = running.shop_url

        def shop_up() -> bool:
            try:
                return http("GET", f"{shop}/api/health", timeout=2).status == 200
            except OSError:
                return False

        wait_for(shop_up, 30, interval=0.2, what="the demo shop to answer")
        # Then the shop serves its pages, filled with the storefront key and the API's address only
        page = http("GET", f"{shop}/product.html?product={DEMO_PRODUCT}")
        assert page.status == 200 and STOREFRONT_KEY in page.text and running.api_url in page.text
        assert "local-checkout-key" not in page.text
        # And a cart line placed through the shop is a real hold in the service
        added = http("POST", f"{shop}/api/cart/lines", {"sku": DEMO_PRODUCT, "quantity": 1})
        assert added.status == 200, added.text
        hold = added.body["cart"]["hold"]
        assert hold["status"] == "HELD" and hold["reservation_id"].startswith("cart-")
        cookie = added.headers["set-cookie"].split(";", 1)[0]
        removed = http("DELETE", f"{shop}/api/cart/lines/{DEMO_PRODUCT}", headers={"Cookie": cookie})
        assert removed.status == 200 and removed.body["cart"]["hold"] is None
        assert running.stop() == 0
    # And the banner printed where the shop is
    assert f"Demo shop            : {shop}/" in running.output
