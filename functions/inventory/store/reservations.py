"""Reservation records and the transactions that move stock with them.

Every change of a reservation's status moves stock in the same `TransactWriteItems` as the status
change and its ledger movements, guarded by conditions, so a reservation and the stock it holds
can never disagree, whatever runs twice or concurrently:

- hold: per line `ADD reserved_count :q, available :minus_q` if `available >= :q`, plus the record
  `Put` if it does not exist yet (which makes a retried or duplicated hold fail as a whole);
- fulfil: per line lower `stock_count` and `reserved_count` (available unchanged), record HELD -> FULFILLED;
- release: per line the reverse of the hold, record HELD -> RELEASED or EXPIRED.

No stock record is read first: each line's movement carries its exact `delta`, and a missing record
or a short line is found from the cancellation reasons. A refused hold reads nothing either: its
actions ask for the item that failed their condition (`ReturnValuesOnConditionCheckFailure`), so
the cancellation brings the short line's record (or the record holding the id), as it was then.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from inventory.domain.ledger import Counts, MovementKind, new_movement
from inventory.domain.public_holds import limit_reached
from inventory.domain.reservation_models import (
    SWEEP_SHARDS,
    Reservation,
    ReservationLine,
    ReservationStatus,
    TimelineEntry,
    reservation_closed,
    reservation_not_found,
)
from inventory.domain.reservation_ports import CLOSING_MOVEMENTS, Closing
from inventory.domain.stock_ports import missing_record
from inventory.errors import (
    InsufficientStock,
    ReservationConflict,
    TransientStoreError,
)
from inventory.models import StockRecord
from inventory.store.items import from_item
from inventory.store.ledger import movement_put
from inventory.store.stock_records import DynamoStockRecordStore, record_from_item

# Sparse index of open holds: only HELD records carry `sweep_shard` (removed when they close), spread
# over SWEEP_SHARDS partition keys so that no single index partition takes every hold's writes.
HELD_INDEX = "held-expiry-index"
# Sparse index of REST holds whose timer is not armed yet: written before their execution starts, so
# a hold whose start failed is found by the sweeper (and armed or released) within one run.
UNARMED_INDEX = "unarmed-index"
APPEND_TIMELINE = "timeline = list_append(if_not_exists(timeline, :empty), :entry)"
SELL_UPDATE = "ADD stock_count :minus_q, available :minus_q, version :one SET last_updated = :now"
HOLD_UPDATE = "ADD reserved_count :q, available :minus_q SET last_updated = :now"
# A public (storefront) hold also counts its units in `public_held`, up to the ceiling: the
# condition cannot add, so it compares with the room left for this line (ceiling - q).
PUBLIC_HOLD_UPDATE = "ADD reserved_count :q, available :minus_q, public_held :q SET last_updated = :now"
PUBLIC_HOLD_CONDITION = "available >= :q AND (attribute_not_exists(public_held) OR public_held <= :room)"
# The task token stays on a closed record: whoever closed it signals that token afterwards.
CLOSE_UPDATE = (
    "SET #s = :status, reason = :reason, updated_at = :now, closed_at = :now, "
    + APPEND_TIMELINE
    + " REMOVE sweep_shard, unarmed_shard"
)
_RETRYABLE = {
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
}


def reservation_from_item(item: dict[str, Any]) -> Reservation:
    return Reservation.model_validate(from_item(item))


# Answers to a single-item write that mean "try again", never the caller's mistake.
_TRANSIENT_ERRORS = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "InternalServerError",
}


def _transient_or_raise(error: ClientError) -> None:
    """Throttling or a conflict with a transaction on a single-item write is transient (the REST
    layer answers 503 SERVICE_BUSY, the workflow retries TransientStoreError); anything else is not."""
    code = error.response["Error"]["Code"]
    if code in _TRANSIENT_ERRORS:
        raise TransientStoreError(code) from error


def _cancellation_codes(error: ClientError) -> list[str]:
    reasons = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code") or "None") for reason in reasons]


_WIRE = TypeDeserializer()


def _cancellation_items(error: ClientError) -> list[dict[str, Any] | None]:
    """Per action, the item that failed its condition (when the action asked for it), as a table
    resource reads it; an error's answer is not converted by the resource, so it is done here."""
    reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []  # type: ignore[assignment]
    return [
        {name: _WIRE.deserialize(value) for name, value in reason["Item"].items()}
        if reason.get("Item")
        else None
        for reason in reasons
    ]


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

    def shortages(
        self,
        lines: list[ReservationLine],
        failed: set[int] | None = None,
        known: dict[int, StockRecord] | None = None,
    ) -> list[dict[str, Any]]:
        """Lines that cannot be held now (or whose condition failed), with what is available; `known`
        holds records already in hand by line (a failed condition's), which are not read again."""
        short = []
        for index, line in enumerate(lines):
            fresh = self._record_of(line, index, known)
            if fresh is None and failed is not None and index in failed:
                raise missing_record(self._stock, line.product_id, line.warehouse_id)
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

    def _record_of(
        self, line: ReservationLine, index: int, known: dict[int, StockRecord] | None
    ) -> StockRecord | None:
        """The line's stock record: the one in hand (a failed condition's), else read."""
        if known and index in known:
            return known[index]
        return self._stock.record(line.product_id, line.warehouse_id)

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

    def set_reserved(
        self, item: dict[str, Any], reserved_count: int, reason: str, public_held: int = 0
    ) -> bool:
        """Repairs drift: sets reserved_count (and available, and the units held by storefront
        holds) only if the record is still as read, with a RECONCILED ledger movement in the same
        transaction. False if the record changed."""
        stock, seen = int(item["stock_count"]), int(item["reserved_count"])
        seen_public = int(item.get("public_held", 0))
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
                "UpdateExpression": "SET reserved_count = :r, available = :a, public_held = :p, "
                "last_updated = :now",
                "ConditionExpression": "stock_count = :s AND reserved_count = :seen AND "
                + ("public_held = :seen_p" if "public_held" in item else "attribute_not_exists(public_held)"),
                "ExpressionAttributeValues": {
                    ":r": reserved_count,
                    ":a": stock - reserved_count,
                    ":p": public_held,
                    ":s": stock,
                    ":seen": seen,
                    ":now": movement.at,
                    **({":seen_p": seen_public} if "public_held" in item else {}),
                },
            }
        }
        return self._transact([update, movement_put(self._ledger, movement)]) is None

    def _key(self, line: ReservationLine) -> dict[str, str]:
        return {"product_id": line.product_id, "warehouse_id": line.warehouse_id}

    def _movement(
        self, reservation: Reservation, index: int, kind: MovementKind, actor: str, reason: str, delta: Counts
    ) -> dict[str, Any]:
        line = reservation.lines[index]
        movement = new_movement(
            product_id=line.product_id,
            warehouse_id=line.warehouse_id,
            kind=kind,
            actor=actor,
            reason=reason,
            reference=reservation.reservation_id,
            delta=delta,
            unique=f"{reservation.reservation_id}#{kind.value}#{index}",
        )
        return movement_put(self._ledger, movement)

    def _transact(self, items: list[dict[str, Any]]) -> list[str] | None:
        """Runs the transaction; None when it committed, else the cancellation code per action."""
        cancelled = self._transact_for_reasons(items)
        return None if cancelled is None else cancelled[0]

    def _transact_for_reasons(
        self, items: list[dict[str, Any]]
    ) -> tuple[list[str], list[dict[str, Any] | None]] | None:
        """Runs the transaction; None when it committed, else the code and the returned item per action."""
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "TransactionCanceledException":
                codes = _cancellation_codes(error)
                if any(c in _RETRYABLE for c in codes):
                    raise TransientStoreError(f"transaction cancelled: {codes}") from error
                return codes, _cancellation_items(error)
            _transient_or_raise(error)
            raise
        return None

    # -- opening: a hold, or a sale without one ---------------------------------------------------
    def hold(self, reservation: Reservation, actor: str, public_ceiling: int | None = None) -> Reservation:
        """Writes the HELD record and holds every line, or nothing. Returns the reservation, or the
        existing record when the id is taken (the caller decides whether it is the same request).
        A public hold is also refused when it would take `public_held` beyond `public_ceiling`."""
        held, _ = self._open(reservation, actor, sale=False, public_ceiling=public_ceiling)
        return held

    def sell(self, record: Reservation, actor: str) -> tuple[Reservation, bool]:
        """FR-5 without a hold: lowers stock_count (and available) of every line only if enough is
        available, and writes the FULFILLED record in the same transaction. A second sale under the
        same record id changes nothing; returns the record and whether this call sold."""
        return self._open(record, actor, sale=True)

    def _open(
        self, record: Reservation, actor: str, sale: bool, public_ceiling: int | None = None
    ) -> tuple[Reservation, bool]:
        public = bool(record.public) and not sale
        if public and public_ceiling is None:
            raise ValueError("a public hold needs its ceiling")
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._reservations.name,
                    "Item": record.model_dump(mode="json", exclude_none=True),
                    "ConditionExpression": "attribute_not_exists(reservation_id)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        ]
        for index, line in enumerate(record.lines):
            q = line.quantity
            if sale:
                update, condition = SELL_UPDATE, "available >= :q AND stock_count >= :q"
                values: dict[str, Any] = {":q": q, ":minus_q": -q, ":one": 1, ":now": record.created_at}
                kind, reason, delta = (
                    MovementKind.FULFILLED,
                    "sold without a hold",
                    Counts(stock_count=-q, reserved_count=0),
                )
            elif public:
                assert public_ceiling is not None
                update, condition = PUBLIC_HOLD_UPDATE, PUBLIC_HOLD_CONDITION
                values = {":q": q, ":minus_q": -q, ":room": public_ceiling - q, ":now": record.created_at}
            else:
                update, condition = HOLD_UPDATE, "available >= :q"
                values = {":q": q, ":minus_q": -q, ":now": record.created_at}
            if not sale:
                kind, reason, delta = (
                    MovementKind.RESERVED,
                    "reservation held",
                    Counts(stock_count=0, reserved_count=q),
                )
            items.append(
                {
                    "Update": {
                        "TableName": self._inventory.name,
                        "Key": self._key(line),
                        "UpdateExpression": update,
                        "ConditionExpression": condition,
                        "ExpressionAttributeValues": values,
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                }
            )
            items.append(self._movement(record, index, kind, actor, reason, delta))
        cancelled = self._transact_for_reasons(items)
        if cancelled is None:
            return record, True
        codes, returned = cancelled
        if codes and codes[0] == "ConditionalCheckFailed":
            taken = returned[0] if returned else None
            existing = reservation_from_item(taken) if taken is not None else self.get(record.reservation_id)
            if existing is not None:
                return existing, False
        failed = {
            i for i in range(len(record.lines)) if codes[1 + 2 * i : 2 + 2 * i] == ["ConditionalCheckFailed"]
        }
        known = {
            i: record_from_item(item)
            for i in failed
            if 1 + 2 * i < len(returned) and (item := returned[1 + 2 * i]) is not None
        }
        if public and failed:
            assert public_ceiling is not None
            self._raise_if_ceiling(record, failed, public_ceiling, known)
        short = self.shortages(record.lines, failed, known)
        if not short:  # cancelled for no visible reason: treat as a conflict worth retrying
            raise TransientStoreError(f"transaction cancelled: {codes}")
        names = ", ".join(f"{s['product_id']}@{s['warehouse_id']}" for s in short)
        raise InsufficientStock(
            f"not enough stock available for {names}", available=short[0]["available"], lines=short
        )

    def _raise_if_ceiling(
        self, record: Reservation, failed: set[int], ceiling: int, known: dict[int, StockRecord]
    ) -> None:
        """On the failure path only: lines refused although enough is available were refused by
        the ceiling on public holds."""
        limited = []
        for index in sorted(failed):
            line = record.lines[index]
            fresh = self._record_of(line, index, known)
            if fresh is None or fresh.available < line.quantity:
                return  # a real shortage (or no record): InsufficientStock says more
            limited.append((line.product_id, line.warehouse_id))
        raise limit_reached(ceiling, limited)

    def record_failure(self, reservation: Reservation) -> Reservation:
        """Keeps a refused SDK or queue reservation (status FAILED), unless the id is taken already."""
        try:
            self._reservations.put_item(
                Item=reservation.model_dump(mode="json", exclude_none=True),
                ConditionExpression="attribute_not_exists(reservation_id)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                _transient_or_raise(error)
                raise
            return self.get(reservation.reservation_id) or reservation
        return reservation

    def store_token(self, reservation_id: str, token: str, entry: TimelineEntry) -> Reservation:
        """Arms the timer: the Hold step's token, where confirm, release and extend will find it."""
        try:
            item = self._reservations.update_item(
                Key={"reservation_id": reservation_id},
                UpdateExpression="SET task_token = :t, updated_at = :now, "
                + APPEND_TIMELINE
                + " REMOVE unarmed_shard",
                ConditionExpression="#s = :held",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":t": token,
                    ":now": entry.at,
                    ":held": "HELD",
                    ":empty": [],
                    ":entry": [_entry(entry)],
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                _transient_or_raise(error)
                raise
            raise self._not_held(reservation_id) from error
        return reservation_from_item(item)

    def _not_held(self, reservation_id: str) -> Exception:
        existing = self.get(reservation_id)
        return reservation_not_found(reservation_id) if existing is None else reservation_closed(existing)

    def extend(
        self, reservation: Reservation, expires_at: str, expires_at_epoch: int, now: str
    ) -> Reservation:
        """Moves the expiry, only while HELD and not yet expired; ReservationClosed otherwise."""
        entry = TimelineEntry(at=now, event="EXTENDED", state="Hold", expires_at=expires_at)
        try:
            item = self._reservations.update_item(
                Key={"reservation_id": reservation.reservation_id},
                UpdateExpression="SET expires_at = :e, expires_at_epoch = :epoch, updated_at = :now, "
                + APPEND_TIMELINE
                + " ADD extensions :one",
                ConditionExpression="#s = :held AND expires_at > :now",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":held": "HELD",
                    ":e": expires_at,
                    ":epoch": expires_at_epoch,
                    ":now": now,
                    ":one": 1,
                    ":empty": [],
                    ":entry": [_entry(entry)],
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                _transient_or_raise(error)
                raise
            raise self._not_held(reservation.reservation_id) from error
        return reservation_from_item(item)

    def unarmed(self, created_before_epoch: int) -> list[Reservation]:
        """REST holds written at or before `created_before_epoch` whose timer is still not armed."""
        found: list[Reservation] = []
        for shard in range(SWEEP_SHARDS):
            kwargs: dict[str, Any] = {
                "IndexName": UNARMED_INDEX,
                "KeyConditionExpression": Key("unarmed_shard").eq(str(shard))
                & Key("created_at_epoch").lte(created_before_epoch),
            }
            while True:
                page = self._reservations.query(**kwargs)
                found.extend(reservation_from_item(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [r for r in found if r.status is ReservationStatus.HELD and r.unarmed_shard is not None]

    # -- closing ---------------------------------------------------------------------------------
    def close(self, reservation: Reservation, change: Closing) -> tuple[Reservation, bool]:
        """Moves a HELD reservation to FULFILLED, RELEASED or EXPIRED with its stock, in one transaction.

        Returns the record as it is now and whether this call closed it. When the record no longer
        matches (closed by someone else, another token, expired for a confirm) nothing is written and
        the current record is returned for the caller to decide."""
        kind = CLOSING_MOVEMENTS[change.status]
        state = "Fulfil" if change.status is ReservationStatus.FULFILLED else "Release"
        entry = TimelineEntry(
            at=change.at, event=change.status.value, state=state, actor=change.actor, reason=change.reason
        )
        condition = "#s = :held"
        values: dict[str, Any] = {
            ":status": change.status.value,
            ":reason": change.reason,
            ":now": change.at,
            ":held": "HELD",
            ":empty": [],
            ":entry": [_entry(entry)],
        }
        if change.check_token:
            if change.token is None:
                condition += " AND attribute_not_exists(task_token)"
            else:
                condition += " AND task_token = :token"
                values[":token"] = change.token
        if change.unexpired_at is not None:
            condition += " AND expires_at > :unexpired"
            values[":unexpired"] = change.unexpired_at
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._reservations.name,
                    "Key": {"reservation_id": reservation.reservation_id},
                    "UpdateExpression": CLOSE_UPDATE,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": values,
                }
            }
        ]
        for index, line in enumerate(reservation.lines):
            q = line.quantity
            if change.status is ReservationStatus.FULFILLED:
                update = (
                    "ADD stock_count :minus_q, reserved_count :minus_q, version :one SET last_updated = :now"
                )
                stock_condition = "reserved_count >= :q AND stock_count >= :q"
                line_values: dict[str, Any] = {":q": q, ":minus_q": -q, ":one": 1, ":now": change.at}
                delta = Counts(stock_count=-q, reserved_count=-q)
            else:
                update = "ADD reserved_count :minus_q, available :q SET last_updated = :now"
                stock_condition = "reserved_count >= :q"
                line_values = {":q": q, ":minus_q": -q, ":now": change.at}
                delta = Counts(stock_count=0, reserved_count=-q)
            if reservation.public:  # its units leave the public holds' count with it
                update = update.replace(" SET ", ", public_held :minus_q SET ", 1)
                stock_condition += " AND public_held >= :q"
            items.append(
                {
                    "Update": {
                        "TableName": self._inventory.name,
                        "Key": self._key(line),
                        "UpdateExpression": update,
                        "ConditionExpression": stock_condition,
                        "ExpressionAttributeValues": line_values,
                    }
                }
            )
            items.append(self._movement(reservation, index, kind, change.actor, change.reason, delta))
        codes = self._transact(items)
        if codes is None:
            closed = reservation.model_copy(
                update={
                    "status": change.status,
                    "reason": change.reason,
                    "updated_at": change.at,
                    "sweep_shard": None,
                    "unarmed_shard": None,
                    "timeline": [*reservation.timeline, entry],
                }
            )
            return closed, True
        current = self.get(reservation.reservation_id)
        if current is None:
            raise reservation_not_found(reservation.reservation_id)
        if codes and codes[0] == "ConditionalCheckFailed":
            return current, False
        raise ReservationConflict(
            f"stock records of reservation {reservation.reservation_id!r} hold less than it reserved",
            reservation_id=reservation.reservation_id,
            codes=codes,
        )


def _entry(entry: TimelineEntry) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude_none=True)
