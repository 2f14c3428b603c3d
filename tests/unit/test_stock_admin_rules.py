"""Admin stock rules on in-memory adapters: versions, floors, retries, and the ledger they write."""

from __future__ import annotations

import pytest
from inventory.domain.stock_admin import add_warehouse_record, adjust_stock, set_stock
from inventory.domain.stock_levels import inventory_view
from inventory.errors import (
    ConcurrentUpdate,
    ProductNotFound,
    StockBelowReserved,
    StockBelowZero,
    StockRecordNotFound,
    ValidationFailed,
    VersionConflict,
)

from tests.unit.fakes import FakeStockChanges, FakeStockRecordStore, Tables


@pytest.fixture
def tables() -> Tables:
    tables = Tables()
    tables.given_stock("P1", 10, reserved=3)
    return tables


def no_pause(_attempt: int) -> None:
    return None


def test_a_set_at_the_version_read_applies_and_records_before_and_after(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)
    after = set_stock(store, changes, "P1", "main", expected_version=1, stock_count=12, pause=no_pause)
    assert (after.stock_count, after.version) == (12, 2) and tables.counts("P1") == (12, 3, 9)
    [movement] = tables.ledger
    assert movement.kind.value == "ADMIN_SET" and movement.before is not None and movement.after is not None
    assert (movement.before.stock_count, movement.after.stock_count, movement.delta.stock_count) == (
        10,
        12,
        2,
    )


def test_a_set_at_another_version_is_a_conflict_showing_the_record(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)
    with pytest.raises(VersionConflict) as raised:
        set_stock(store, changes, "P1", "main", expected_version=7, stock_count=12, pause=no_pause)
    assert raised.value.details["current"]["version"] == 1 and tables.ledger == []


def test_stock_never_goes_below_what_is_reserved_or_below_zero(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)
    with pytest.raises(StockBelowReserved):
        set_stock(store, changes, "P1", "main", expected_version=1, stock_count=2, pause=no_pause)
    with pytest.raises((StockBelowZero, StockBelowReserved)):
        adjust_stock(store, changes, "P1", "main", delta=-11, reason="damaged", pause=no_pause)
    assert tables.counts("P1") == (10, 3, 7) and tables.ledger == []


def test_a_set_needs_something_to_change(tables: Tables) -> None:
    with pytest.raises(ValidationFailed):
        set_stock(FakeStockRecordStore(tables), FakeStockChanges(tables), "P1", "main", expected_version=1)


def test_an_adjustment_racing_a_hold_is_recomputed_and_never_lost(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)
    holds = iter([2])

    def a_hold_lands() -> None:
        # a reservation raises reserved_count between the adjustment's read and its write (once)
        quantity = next(holds, 0)
        if quantity:
            record = tables.stock[("P1", "main")]
            tables.stock[("P1", "main")] = record.model_copy(
                update={"reserved_count": record.reserved_count + quantity}
            )

    changes.before_write = a_hold_lands
    after = adjust_stock(store, changes, "P1", "main", delta=5, reason="shipment", pause=no_pause)
    assert after.stock_count == 15 and tables.counts("P1") == (15, 5, 10)
    [movement] = tables.ledger
    assert movement.before is not None and movement.before.reserved_count == 5  # computed from the re-read


def test_a_record_that_keeps_changing_gives_up_with_a_retryable_error(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)

    def always_changes() -> None:  # another writer gets in before every attempt
        record = tables.stock[("P1", "main")]
        tables.stock[("P1", "main")] = record.model_copy(update={"version": record.version + 1})

    changes.before_write = always_changes
    with pytest.raises(ConcurrentUpdate):
        adjust_stock(store, changes, "P1", "main", delta=1, reason="recount", pause=no_pause)
    assert tables.ledger == []


def test_unknown_products_and_warehouses_are_told_apart(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)
    with pytest.raises(ProductNotFound):
        inventory_view(store, "NOPE")
    with pytest.raises(StockRecordNotFound):
        adjust_stock(store, changes, "P1", "east", delta=1, reason="x", pause=no_pause)
    with pytest.raises(ProductNotFound):
        add_warehouse_record(store, changes, "NOPE", "east")


def test_a_new_warehouse_record_inherits_the_threshold_and_starts_the_ledger(tables: Tables) -> None:
    store, changes = FakeStockRecordStore(tables), FakeStockChanges(tables)
    record = add_warehouse_record(store, changes, "P1", "east", stock_count=4)
    assert (record.stock_count, record.reserved_count, record.version) == (4, 0, 1)
    view = inventory_view(store, "P1")
    assert view.totals.stock_count == 14 and view.totals.available == 11
    assert [m.kind.value for m in tables.ledger] == ["CREATED"]
