"""Corrections to moto's DynamoDB where it differs from DynamoDB in ways the local stack relies on.

A TransactWriteItems that fails (a condition not met) is rolled back by moto by putting back a
deep copy of every table it touched. That copy carries a *new* stream shard object, so every
shard iterator handed out before - the stream pollers' - keeps reading the abandoned shard and
never sees another record. On DynamoDB a cancelled transaction writes nothing and the stream goes
on. This keeps the live shard (dropping any records of the rolled-back writes) across the
rollback. Requests that run during a transaction could see it half done or be rolled back with
it; the endpoint (`AwsEndpoint`) hands DynamoDB requests to moto one at a time, so there are none.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_PATCHED = "_local_stack_keeps_streams"


def keep_streams_across_rollbacks() -> None:
    original = DynamoDBBackend.transact_write_items
    if getattr(original, _PATCHED, False):
        return

    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    setattr(transact_write_items, _PATCHED, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
