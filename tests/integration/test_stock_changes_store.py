"""The stock change store against the local DynamoDB, with transaction conflicts injected (moto
never raises them): a conflicted write is retried from a fresh read and lands exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from inventory.domain.ledger import Movement
from inventory.domain.stock_admin import adjust_stock, set_stock
from inventory.domain.stock_ports import RecordChanged
from inventory.errors import ConcurrentUpdate
from inventory.models import StockRecord
from inventory.store.ledger import DynamoLedger
from inventory.store.stock_changes import DynamoStockChanges
from inventory.store.stock_records import DynamoStockRecordStore

from local_stack.stack import LocalStack


def conflict() -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
            "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
        },
        "TransactWriteItems",
    )


class ConflictingChanges(DynamoStockChanges):
    """The real store; its first `conflicts` transactions are cancelled as DynamoDB does under contention."""

    def __init__(self, conflicts: int, *args: Any) -> None:
        super().__init__(*args)
        self.conflicts = conflicts
        self.attempts = 0

    def _transact(self, actions: list[dict[str, Any]]) -> None:
        self.attempts += 1
        if self.attempts <= self.conflicts:
            raise conflict()
        super()._transact(actions)


@pytest.fixture
def stores(stack: LocalStack) -> tuple[DynamoStockRecordStore, Any, DynamoLedger]:
    inventory = stack.table("InventoryTable")
    ledger = stack.table("LedgerTable")
    return DynamoStockRecordStore(inventory), inventory, DynamoLedger(ledger)


def seed(store: DynamoStockRecordStore, product_id: str) -> StockRecord:
    record = StockRecord(
        product_id=product_id,
        warehouse_id="main",
        stock_count=10,
        reserved_count=0,
        threshold_level=2,
        last_updated="2026-01-01T00:00:00.000Z",
        version=1,
    )
    store.create(record)
    return record


def test_conflicted_adjustment_is_retried_and_lands_once(stores: Any, unique_id: str) -> None:
    records, inventory, ledger = stores
    seed(records, unique_id)
    changes = ConflictingChanges(3, inventory, ledger._table.name)
    result = adjust_stock(records, changes, unique_id, "main", delta=5, reason="r", pause=lambda _: None)
    assert changes.attempts == 4
    assert (result.stock_count, result.version) == (15, 2)
    assert records.record(unique_id, "main") == result
    assert len(ledger.history(unique_id, 10).movements) == 1


def test_endless_conflicts_give_up_with_a_retryable_error(stores: Any, unique_id: str) -> None:
    records, inventory, ledger = stores
    seed(records, unique_id)
    changes = ConflictingChanges(10_000, inventory, ledger._table.name)
    with pytest.raises(ConcurrentUpdate):
        set_stock(
            records, changes, unique_id, "main", expected_version=1, stock_count=3, pause=lambda _: None
        )
    assert records.record(unique_id, "main").stock_count == 10  # type: ignore[union-attr]
    assert ledger.history(unique_id, 10).movements == []


def test_a_write_against_a_stale_read_is_refused(stores: Any, unique_id: str) -> None:
    records, inventory, ledger = stores
    before = seed(records, unique_id)
    changes = DynamoStockChanges(inventory, ledger._table.name)
    inventory.update_item(  # a hold lands between the read and the write
        Key={"product_id": unique_id, "warehouse_id": "main"},
        UpdateExpression="ADD reserved_count :q, available :m",
        ExpressionAttributeValues={":q": 1, ":m": -1},
    )
    after = before.model_copy(update={"stock_count": 3, "version": 2})
    movement: Movement = Movement.model_validate(
        {
            "product_id": unique_id,
            "warehouse_id": "main",
            "movement_id": "2026-01-01T00:00:00.000Z#x",
            "at": "2026-01-01T00:00:00.000Z",
            "kind": "ADMIN_SET",
            "actor": "admin",
            "reason": "r",
            "before": {"stock_count": 10, "reserved_count": 0},
            "after": {"stock_count": 3, "reserved_count": 0},
        }
    )
    with pytest.raises(RecordChanged):
        changes.replace(before, after, movement)
    assert records.record(unique_id, "main").stock_count == 10  # type: ignore[union-attr]
    assert ledger.history(unique_id, 10).movements == []
