"""Pure rules behind the stock API: page tokens, availability of a cart, input types, the docs page."""

from __future__ import annotations

import pytest
from inventory.api.admin_routes import Adjustment, StockUpdate
from inventory.api.catalogue_routes import NewProduct
from inventory.api.docs_routes import render_page
from inventory.domain.paging import decode_token, encode_token
from inventory.domain.stock_queries import check_availability
from inventory.errors import ValidationFailed
from inventory.models import StockRecord
from pydantic import ValidationError


def record(product_id: str, stock: int, reserved: int = 0, warehouse: str = "main") -> StockRecord:
    return StockRecord(
        product_id=product_id,
        warehouse_id=warehouse,
        stock_count=stock,
        reserved_count=reserved,
        threshold_level=2,
        last_updated="2026-01-01T00:00:00.000Z",
        version=1,
    )


class RecordsInMemory:
    """`StockQueries.records_by_key` over a dict: the availability rule needs nothing more."""

    def __init__(self, *records: StockRecord) -> None:
        self.records = {(r.product_id, r.warehouse_id): r for r in records}
        self.calls: list[list[tuple[str, str]]] = []

    def records_by_key(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], StockRecord]:
        self.calls.append(keys)
        return {k: self.records[k] for k in keys if k in self.records}

    def list_records(self, **_: object) -> tuple[list[StockRecord], str | None]:
        raise NotImplementedError


def test_page_token_round_trips_and_rejects_anything_else() -> None:
    key = {"product_id": "SKU-1", "warehouse_id": "main"}
    token = encode_token(key)
    assert token is not None and "{" not in token
    assert decode_token(token, frozenset(key)) == key
    assert encode_token(None) is None and decode_token(None, frozenset(key)) is None
    for bad in ("", "%%%", "bm90IGpzb24", encode_token({"product_id": "SKU-1"}), encode_token({"sku": "x"})):
        with pytest.raises(ValidationFailed) as caught:
            decode_token(bad, frozenset(key))  # type: ignore[arg-type]
        assert caught.value.details["fields"][0]["field"] == "next_token"
    with pytest.raises(ValidationFailed):
        decode_token(encode_token({"product_id": 1, "warehouse_id": "main"}), frozenset(key))  # type: ignore[arg-type]


def test_cart_is_judged_in_one_batch_and_lines_of_one_sku_add_up() -> None:
    queries = RecordsInMemory(record("A", 5, reserved=1), record("B", 3))
    report = check_availability(queries, [("A", "main", 2), ("B", "main", 3), ("A", "main", 2)])
    assert len(queries.calls) == 1
    assert report.status == "AVAILABLE"
    assert [(i.sku, i.available, i.is_available) for i in report.items] == [
        ("A", 4, True),
        ("B", 3, True),
        ("A", 4, True),
    ]
    short = check_availability(queries, [("A", "main", 3), ("A", "main", 2)])
    assert short.status == "UNAVAILABLE"
    unknown = check_availability(queries, [("C", "main", 1), ("A", "east", 1)])
    assert [(i.available, i.is_available) for i in unknown.items] == [(0, False), (0, False)]


def test_stock_update_takes_integers_only() -> None:
    assert StockUpdate.model_validate({"stock_count": 3}).warehouse_id == "main"
    for bad in (
        {"stock_count": "3"},
        {"stock_count": 3.0},
        {"stock_count": True},
        {"stock_count": -1},
        {"x": 1},
    ):
        with pytest.raises(ValidationError):
            StockUpdate.model_validate(bad)


def test_adjustment_needs_a_nonzero_delta_and_a_reason() -> None:
    assert Adjustment.model_validate({"delta": -2, "reason": "damaged"}).delta == -2
    for bad in (
        {"delta": 0, "reason": "x"},
        {"delta": 1, "reason": " "},
        {"delta": 1},
        {"delta": 1, "reason": "\ud800"},
    ):
        with pytest.raises(ValidationError):
            Adjustment.model_validate(bad)


@pytest.mark.parametrize("price", [0, 10, 10.5, 9.99, 12.3456])
def test_prices_with_up_to_four_decimals_are_accepted(price: float) -> None:
    assert NewProduct.model_validate({"sku": "S-1", "name": "n", "price": price}).price == price


@pytest.mark.parametrize("price", [-0.01, 1e-9, 2.2250738585e-313, 1.23456])
def test_other_prices_are_refused(price: float) -> None:
    with pytest.raises(ValidationError):
        NewProduct.model_validate({"sku": "S-1", "name": "n", "price": price})


def test_docs_page_escapes_what_it_shows() -> None:
    page = render_page(
        {
            "info": {"title": "<API>", "version": "1"},
            "paths": {
                "/x/{id}": {
                    "get": {"summary": "<script>", "responses": {"200": {}}, "security": [{"adminKey": []}]}
                }
            },
        }
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<code>GET</code></td><td><code>/x/{id}</code>" in page
    assert "<td>admin</td>" in page
