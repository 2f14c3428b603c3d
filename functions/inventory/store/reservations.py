"""Reservation records and the transactions that move stock with them.

Every change of a reservation's status moves stock in the same `TransactWriteItems` as the status
change and its ledger movements, guarded by conditions, so a reservation and the stock it holds
can never disagree, whatever runs twice or concurrently:

- hold: per line `ADD reserved_count :q, available :minus_q` if `available >= :q`, plus the record
  `Put` if it does not exist yet (which makes a retried or duplicated hold fail as a whole);
- fulfil: per line lower `stock_count` and `reserved_count` (available unchanged), record HELD -> FULFILLED;
- release: per line the reverse of the hold, record HELD -> RELEASED or EXPIRED.

Ledger before/after counts are those of the record as read just before the transaction; under
concurrent holds on one record they may interleave (the stock record itself is always exact).
"""

from __future__ import annotations

from typing import Any, Protocol

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from inventory.domain.reservation_models import SWEEP_SHARDS, Reservation, ReservationLine, ReservationStatus
from inventory.errors import (
    InsufficientStock,
    ReservationClosed,
    ReservationConflict,
    ReservationNotFound,
    TransientStoreError,
)
from inventory.models import StockRecord, iso, utc_now
from inventory.store.items import from_item
from inventory.store.ledger import Counts, MovementKind, movement_put, new_movement
from inventory.store.stock_records import DynamoStockRecordStore, missing_record

# Sparse index of open holds: only HELD records carry `sweep_shard` (removed when they close), spread
# over SWEEP_SHARDS partition keys so that no single index partition takes every hold's writes.
HELD_INDEX = "held-expiry-index"
SELL_UPDATE = "ADD stock_count :minus_q, available :minus_q, version :one SET last_updated = :now"
HOLD_UPDATE = "ADD reserved_count :q, available :minus_q SET last_updated = :now"
CLOSE_UPDATE = (
    "SET #s = :status, reason = :reason, updated_at = :now, closed_at = :now REMOVE task_token, sweep_shard"
)
_RETRYABLE = {
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
}


class ReservationStore(Protocol):
    def get(self, reservation_id: str) -> Reservation | None: ...

    def hold(self, reservation: Reservation, actor: str) -> Reservation: ...

    def store_token(self, reservation_id: str, token: str) -> Reservation: ...

    def fulfil(self, reservation: Reservation, actor: str) -> Reservation: ...

    def release(
        self, reservation: Reservation, status: ReservationStatus, reason: str, actor: str
    ) -> Reservation: ...

    def extend(self, reservation: Reservation, expires_at: str, expires_at_epoch: int) -> Reservation: ...

    def held(self, expiring_before_epoch: int | None = None) -> list[Reservation]: ...

    def shortages(self, lines: list[ReservationLine]) -> list[dict[str, Any]]: ...

    def sell(self, record: Reservation, actor: str) -> tuple[Reservation, bool]: ...

    def held_now(self) -> list[Reservation]: ...

    def stock_items(self) -> list[dict[str, Any]]: ...

    def set_reserved(self, item: dict[str, Any], reserved_count: int, reason: str) -> bool: ...


def reservation_from_item(item: dict[str, Any]) -> Reservation:
    return Reservation.model_validate(from_item(item))


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code") or "None") for reason in reasons]


class DynamoReservationStore:
    def __init__(self, reservations: Any, inventory: Any, ledger_table_name: str) -> None:
        self._reservations = reservations
        self._inventory = inventory
        self._stock = DynamoStockRecordStore(inventory)
        self._ledger = ledger_table_name
        self._client = reservations.meta.client

    # -- reads -----------------------------------------------------------------------------------
    def get(self, reservation_id: str) -> Reservation | None:
        item = self._reservations.get_item(Key={"reservation_id": reservation_id}, ConsistentRead=True).get(
            "Item"
        )
        return reservation_from_item(item) if item else None

    def held(self, expiring_before_epoch: int | None = None) -> list[Reservation]:
        """HELD reservations (from the eventually consistent index), optionally only overdue ones."""
        found: list[Reservation] = []
        for shard in range(SWEEP_SHARDS):
            condition: Any = Key("sweep_shard").eq(str(shard))
            if expiring_before_epoch is not None:
                condition = condition & Key("expires_at_epoch").lt(expiring_before_epoch)
            kwargs: dict[str, Any] = {"IndexName": HELD_INDEX, "KeyConditionExpression": condition}
            while True:
                page = self._reservations.query(**kwargs)
                found.extend(reservation_from_item(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [r for r in found if r.status is ReservationStatus.HELD]

    def shortages(self, lines: list[ReservationLine], failed: set[int] | None = None) -> list[dict[str, Any]]:
        """Lines that cannot be held now (or whose condition failed), with what is available."""
        short = []
        for index, line in enumerate(lines):
            fresh = self._stock.record(line.product_id, line.warehouse_id)
            available = fresh.available if fresh else 0
            if (failed and index in failed) or available < line.quantity:
                short.append(
                    {
                        "product_id": line.product_id,
                        "warehouse_id": line.warehouse_id,
                        "requested": line.quantity,
                        "available": max(available, 0),
                    }
                )
        return short

    def held_now(self) -> list[Reservation]:
        """Every HELD reservation, read consistently from the table (not the index) for reconciliation."""
        return [reservation_from_item(item) for item in self._scan(self._reservations, held_only=True)]

    def stock_items(self) -> list[dict[str, Any]]:
        """Raw stock items (a broken record must still be readable to be reported)."""
        return [from_item(item) for item in self._scan(self._inventory, held_only=False)]

    @staticmethod
    def _scan(table: Any, held_only: bool) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {"ConsistentRead": True}
        if held_only:
            kwargs.update(
                FilterExpression="#s = :held",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":held": "HELD"},
            )
        items: list[dict[str, Any]] = []
        while True:
            page = table.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def set_reserved(self, item: dict[str, Any], reserved_count: int, reason: str) -> bool:
        """Repairs drift: sets reserved_count (and available) only if the record is still as read,
        with a RECONCILED ledger movement in the same transaction. False if the record changed."""
        stock, seen = int(item["stock_count"]), int(item["reserved_count"])
        movement = new_movement(
            product_id=item["product_id"],
            warehouse_id=item["warehouse_id"],
            kind=MovementKind.RECONCILED,
            actor="reconciliation",
            reason=reason,
            before=Counts(stock_count=stock, reserved_count=seen),
            after=Counts(stock_count=stock, reserved_count=reserved_count),
        )
        update = {
            "Update": {
                "TableName": self._inventory.name,
                "Key": {"product_id": item["product_id"], "warehouse_id": item["warehouse_id"]},
                "UpdateExpression": "SET reserved_count = :r, available = :a, last_updated = :now",
                "ConditionExpression": "stock_count = :s AND reserved_count = :seen",
                "ExpressionAttributeValues": {
                    ":r": reserved_count,
                    ":a": stock - reserved_count,
                    ":s": stock,
                    ":seen": seen,
                    ":now": movement.at,
                },
            }
        }
        return self._transact([update, movement_put(self._ledger, movement)]) is None

    def _records(self, lines: list[ReservationLine]) -> list[StockRecord]:
        records = []
        for line in lines:
            record = self._stock.record(line.product_id, line.warehouse_id)
            if record is None:
                raise missing_record(self._stock, line.product_id, line.warehouse_id)
            records.append(record)
        return records

    def _key(self, line: ReservationLine) -> dict[str, str]:
        return {"product_id": line.product_id, "warehouse_id": line.warehouse_id}

    def _movement(
        self,
        reservation: Reservation,
        index: int,
        record: StockRecord,
        kind: MovementKind,
        actor: str,
        reason: str,
        after: Counts,
    ) -> dict[str, Any]:
        line = reservation.lines[index]
        movement = new_movement(
            product_id=line.product_id,
            warehouse_id=line.warehouse_id,
            kind=kind,
            actor=actor,
            reason=reason,
            reference=reservation.reservation_id,
            before=Counts(stock_count=record.stock_count, reserved_count=record.reserved_count),
            after=after,
            unique=f"{reservation.reservation_id}#{kind.value}#{index}",
        )
        return movement_put(self._ledger, movement)

    def _transact(self, items: list[dict[str, Any]]) -> list[str] | None:
        """Runs the transaction; None when it committed, else the cancellation code per action."""
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "TransactionCanceledException":
                codes = _cancellation_codes(error)
                if any(c in _RETRYABLE for c in codes):
                    raise TransientStoreError(f"transaction cancelled: {codes}") from error
                return codes
            if code in (
                "ThrottlingException",
                "ProvisionedThroughputExceededException",
                "InternalServerError",
            ):
                raise TransientStoreError(code) from error
            raise
        return None

    # -- hold ------------------------------------------------------------------------------------
    def hold(self, reservation: Reservation, actor: str) -> Reservation:
        records = self._records(reservation.lines)
        now = reservation.created_at
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._reservations.name,
                    "Item": reservation.model_dump(mode="json", exclude_none=True),
                    "ConditionExpression": "attribute_not_exists(reservation_id)",
                }
            }
        ]
        for index, (line, record) in enumerate(zip(reservation.lines, records, strict=True)):
            items.append(
                {
                    "Update": {
                        "TableName": self._inventory.name,
                        "Key": self._key(line),
                        "UpdateExpression": HOLD_UPDATE,
                        "ConditionExpression": "available >= :q",
                        "ExpressionAttributeValues": {
                            ":q": line.quantity,
                            ":minus_q": -line.quantity,
                            ":now": now,
                        },
                    }
                }
            )
            after = Counts(
                stock_count=record.stock_count, reserved_count=record.reserved_count + line.quantity
            )
            items.append(
                self._movement(
                    reservation, index, record, MovementKind.RESERVED, actor, "reservation held", after
                )
            )
        codes = self._transact(items)
        if codes is None:
            return reservation
        if codes and codes[0] == "ConditionalCheckFailed":
            existing = self.get(reservation.reservation_id)
            if existing is not None:
                return existing  # the caller decides whether it is the same reservation
        failed = {
            index
            for index in range(len(reservation.lines))
            if codes[1 + 2 * index : 2 + 2 * index] == ["ConditionalCheckFailed"]
        }
        short = self.shortages(reservation.lines, failed)
        if not short:  # cancelled for no visible reason: treat as a conflict worth retrying
            raise TransientStoreError(f"hold cancelled: {codes}")
        names = ", ".join(f"{s['product_id']}@{s['warehouse_id']}" for s in short)
        raise InsufficientStock(
            f"not enough stock available for {names}",
            available=short[0]["available"],
            lines=short,
        )

    def sell(self, record: Reservation, actor: str) -> tuple[Reservation, bool]:
        """FR-5 without a hold: lowers stock_count (and available) of every line only if enough is
        available, and writes the FULFILLED record in the same transaction. A second sale under the
        same record id changes nothing; returns the record and whether this call sold."""
        records = self._records(record.lines)
        now = record.created_at
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._reservations.name,
                    "Item": record.model_dump(mode="json", exclude_none=True),
                    "ConditionExpression": "attribute_not_exists(reservation_id)",
                }
            }
        ]
        for index, (line, stock) in enumerate(zip(record.lines, records, strict=True)):
            q = line.quantity
            items.append(
                {
                    "Update": {
                        "TableName": self._inventory.name,
                        "Key": self._key(line),
                        "UpdateExpression": SELL_UPDATE,
                        "ConditionExpression": "available >= :q AND stock_count >= :q",
                        "ExpressionAttributeValues": {":q": q, ":minus_q": -q, ":one": 1, ":now": now},
                    }
                }
            )
            after = Counts(stock_count=stock.stock_count - q, reserved_count=stock.reserved_count)
            items.append(
                self._movement(
                    record, index, stock, MovementKind.FULFILLED, actor, "sold without a hold", after
                )
            )
        codes = self._transact(items)
        if codes is None:
            return record, True
        if codes and codes[0] == "ConditionalCheckFailed":
            existing = self.get(record.reservation_id)
            if existing is not None:
                return existing, False
        failed = {
            i for i in range(len(record.lines)) if codes[1 + 2 * i : 2 + 2 * i] == ["ConditionalCheckFailed"]
        }
        short = self.shortages(record.lines, failed)
        if not short:
            raise TransientStoreError(f"sale cancelled: {codes}")
        names = ", ".join(f"{s['product_id']}@{s['warehouse_id']}" for s in short)
        raise InsufficientStock(
            f"not enough stock available for {names}", available=short[0]["available"], lines=short
        )

    def store_token(self, reservation_id: str, token: str) -> Reservation:
        try:
            item = self._reservations.update_item(
                Key={"reservation_id": reservation_id},
                UpdateExpression="SET task_token = :t, updated_at = :now",
                ConditionExpression="#s = :held",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":t": token, ":now": iso(utc_now()), ":held": "HELD"},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise self._not_held(reservation_id) from error
        return reservation_from_item(item)

    def _not_held(self, reservation_id: str) -> Exception:
        existing = self.get(reservation_id)
        if existing is None:
            return ReservationNotFound(
                f"reservation {reservation_id!r} does not exist", reservation_id=reservation_id
            )
        return ReservationClosed(
            f"reservation {reservation_id!r} is already {existing.status.value}",
            reservation_id=reservation_id,
            status=existing.status.value,
            reason=existing.reason,
        )

    def extend(self, reservation: Reservation, expires_at: str, expires_at_epoch: int) -> Reservation:
        """Moves the expiry, only while HELD and still waiting on the token the caller saw."""
        names = {"#s": "status"}
        values: dict[str, Any] = {
            ":held": "HELD",
            ":e": expires_at,
            ":epoch": expires_at_epoch,
            ":now": iso(utc_now()),
            ":one": 1,
        }
        condition = "#s = :held"
        if reservation.task_token:
            condition += " AND task_token = :token"
            values[":token"] = reservation.task_token
        try:
            item = self._reservations.update_item(
                Key={"reservation_id": reservation.reservation_id},
                UpdateExpression="SET expires_at = :e, expires_at_epoch = :epoch, updated_at = :now "
                "ADD extensions :one",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise TransientStoreError("the reservation changed while extending it") from error
        return reservation_from_item(item)

    # -- closing ---------------------------------------------------------------------------------
    def _close(
        self,
        reservation: Reservation,
        status: ReservationStatus,
        reason: str,
        actor: str,
        kind: MovementKind,
    ) -> Reservation:
        records = self._records(reservation.lines)
        now = iso(utc_now())
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._reservations.name,
                    "Key": {"reservation_id": reservation.reservation_id},
                    "UpdateExpression": CLOSE_UPDATE,
                    "ConditionExpression": "#s = :held",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {
                        ":status": status.value,
                        ":reason": reason,
                        ":now": now,
                        ":held": "HELD",
                    },
                }
            }
        ]
        for index, (line, record) in enumerate(zip(reservation.lines, records, strict=True)):
            q = line.quantity
            if status is ReservationStatus.FULFILLED:
                update = (
                    "ADD stock_count :minus_q, reserved_count :minus_q, version :one SET last_updated = :now"
                )
                condition = "reserved_count >= :q AND stock_count >= :q"
                values: dict[str, Any] = {":q": q, ":minus_q": -q, ":one": 1, ":now": now}
                after = Counts(stock_count=record.stock_count - q, reserved_count=record.reserved_count - q)
            else:
                update = "ADD reserved_count :minus_q, available :q SET last_updated = :now"
                condition = "reserved_count >= :q"
                values = {":q": q, ":minus_q": -q, ":now": now}
                after = Counts(stock_count=record.stock_count, reserved_count=record.reserved_count - q)
            items.append(
                {
                    "Update": {
                        "TableName": self._inventory.name,
                        "Key": self._key(line),
                        "UpdateExpression": update,
                        "ConditionExpression": condition,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
            items.append(self._movement(reservation, index, record, kind, actor, reason, after))
        codes = self._transact(items)
        current = self.get(reservation.reservation_id)
        if current is None:
            raise ReservationNotFound(
                f"reservation {reservation.reservation_id!r} does not exist",
                reservation_id=reservation.reservation_id,
            )
        if codes is None:
            return current
        if codes and codes[0] == "ConditionalCheckFailed":
            released = {ReservationStatus.RELEASED, ReservationStatus.EXPIRED}
            if current.status is status or {current.status, status} <= released:
                return current  # already done by an earlier attempt: a retry changes nothing
            raise ReservationClosed(
                f"reservation {reservation.reservation_id!r} is already {current.status.value}",
                reservation_id=reservation.reservation_id,
                status=current.status.value,
                reason=current.reason,
            )
        raise ReservationConflict(
            f"stock records of reservation {reservation.reservation_id!r} hold less than it reserved",
            reservation_id=reservation.reservation_id,
            codes=codes,
        )

    def fulfil(self, reservation: Reservation, actor: str) -> Reservation:
        return self._close(
            reservation, ReservationStatus.FULFILLED, "confirmed", actor, MovementKind.FULFILLED
        )

    def release(
        self, reservation: Reservation, status: ReservationStatus, reason: str, actor: str
    ) -> Reservation:
        kind = MovementKind.EXPIRED if status is ReservationStatus.EXPIRED else MovementKind.RELEASED
        return self._close(reservation, status, reason, actor, kind)


def conflict_if_different(
    existing: Reservation, lines: list[ReservationLine], execution_arn: str | None
) -> None:
    """A reservation id already used for other lines, or held by another execution, is refused."""
    same_lines = sorted(existing.lines, key=lambda x: (x.product_id, x.warehouse_id)) == sorted(
        lines, key=lambda x: (x.product_id, x.warehouse_id)
    )
    if not same_lines:
        raise ReservationConflict(
            f"reservation {existing.reservation_id!r} already exists with other lines",
            reservation_id=existing.reservation_id,
        )
    if execution_arn is not None and existing.execution_arn not in (None, execution_arn):
        raise ReservationConflict(
            f"reservation {existing.reservation_id!r} is held by another execution",
            reservation_id=existing.reservation_id,
            execution_arn=existing.execution_arn,
        )
