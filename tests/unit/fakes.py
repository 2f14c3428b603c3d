"""In-memory adapters of the domain's ports, with the same conditional semantics as the DynamoDB
store: every write checks what the real condition expression checks, all of a transaction or none.
The integration tests run the real store; these let the domain's rules run with no network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inventory.domain.ledger import Counts, LedgerPage, Movement, MovementKind, new_movement
from inventory.domain.public_holds import limit_reached
from inventory.domain.reservation_models import (
    Reservation,
    ReservationInput,
    ReservationLine,
    ReservationStatus,
    TimelineEntry,
)
from inventory.domain.reservation_ports import (
    CLOSING_MOVEMENTS,
    Closing,
    ExecutionOutcome,
    OutcomeEvent,
    Signal,
    Start,
)
from inventory.domain.stock_ports import RecordChanged, missing_record
from inventory.errors import (
    InsufficientStock,
    ReservationClosed,
    ReservationConflict,
    ReservationNotFound,
    StockRecordAlreadyExists,
)
from inventory.models import Product, StockRecord, iso, utc_now

Key = tuple[str, str]


@dataclass
class Tables:
    """What the three tables hold: stock records, the ledger and reservations."""

    stock: dict[Key, StockRecord] = field(default_factory=dict)
    ledger: list[Movement] = field(default_factory=list)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    public_held: dict[Key, int] = field(default_factory=dict)  # the stock items' `public_held`

    def given_stock(self, product_id: str, stock: int, warehouse_id: str = "main", reserved: int = 0) -> None:
        self.stock[(product_id, warehouse_id)] = StockRecord(
            product_id=product_id,
            warehouse_id=warehouse_id,
            stock_count=stock,
            reserved_count=reserved,
            threshold_level=0,
            last_updated=iso(utc_now()),
            version=1,
        )

    def counts(self, product_id: str, warehouse_id: str = "main") -> tuple[int, int, int]:
        record = self.stock[(product_id, warehouse_id)]
        return record.stock_count, record.reserved_count, record.available

    def kinds(self, product_id: str) -> list[str]:
        return sorted(m.kind.value for m in self.ledger if m.product_id == product_id)

    def _add(self, key: Key, stock: int, reserved: int) -> None:
        record = self.stock[key]
        self.stock[key] = record.model_copy(
            update={
                "stock_count": record.stock_count + stock,
                "reserved_count": record.reserved_count + reserved,
                "version": record.version + (1 if stock else 0),
            }
        )


class FakeStockRecordStore:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def records_for_product(self, product_id: str) -> list[StockRecord]:
        return [r for (p, _w), r in sorted(self.tables.stock.items()) if p == product_id]

    def record(self, product_id: str, warehouse_id: str) -> StockRecord | None:
        return self.tables.stock.get((product_id, warehouse_id))

    def create(self, record: StockRecord) -> None:
        key = (record.product_id, record.warehouse_id)
        if key in self.tables.stock:
            raise StockRecordAlreadyExists("exists", product_id=record.product_id)
        self.tables.stock[key] = record


class FakeStockChanges:
    """`replace` is conditional on version, stock and reserved counts as read, like the real one.
    `before_write` runs just before each write: what a concurrent writer did meanwhile."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.before_write: Callable[[], None] = lambda: None

    def replace(self, before: StockRecord, after: StockRecord, movement: Movement) -> None:
        self.before_write()
        key = (before.product_id, before.warehouse_id)
        current = self.tables.stock.get(key)
        if current is None or (current.version, current.stock_count, current.reserved_count) != (
            before.version,
            before.stock_count,
            before.reserved_count,
        ):
            raise RecordChanged("the record changed")
        self.tables.stock[key] = after
        self.tables.ledger.append(movement)

    def add_record(self, record: StockRecord, movement: Movement, product: Product | None = None) -> None:
        FakeStockRecordStore(self.tables).create(record)
        self.tables.ledger.append(movement)


class FakeLedger:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def history(self, product_id: str, limit: int, start_after: str | None = None) -> LedgerPage:
        ordered = sorted(
            (m for m in self.tables.ledger if m.product_id == product_id),
            key=lambda m: m.movement_id,
            reverse=True,
        )
        if start_after is not None:
            ordered = [m for m in ordered if m.movement_id < start_after]
        page = ordered[:limit]
        more = len(ordered) > limit
        return LedgerPage(movements=page, next_token=page[-1].movement_id if more and page else None)


class FakeProductReservations:
    """The product's ledger partition queried newest first and filtered by kind, one page at a time
    (`Limit` counts before the filter, as DynamoDB's does), and a batch read of reservations."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.pages_read = 0

    def movements(
        self,
        product_id: str,
        kinds: frozenset[MovementKind],
        limit: int,
        since: str | None = None,
        start_after: str | None = None,
    ) -> LedgerPage:
        self.pages_read += 1
        ordered = sorted(
            (
                m
                for m in self.tables.ledger
                if m.product_id == product_id and (since is None or m.movement_id >= since)
            ),
            key=lambda m: m.movement_id,
            reverse=True,
        )
        if start_after is not None:
            ordered = [m for m in ordered if m.movement_id < start_after]
        read = ordered[:limit]
        more = len(ordered) > limit
        return LedgerPage(
            movements=[m for m in read if m.kind in kinds],
            next_token=read[-1].movement_id if more and read else None,
        )

    def reservations(self, reservation_ids: list[str]) -> dict[str, Reservation]:
        return {
            rid: self.tables.reservations[rid] for rid in reservation_ids if rid in self.tables.reservations
        }


class FakeReservationStore:
    """The reservation store's transactions, applied all or nothing under the same conditions."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self._stock = FakeStockRecordStore(tables)

    def get(self, reservation_id: str) -> Reservation | None:
        return self.tables.reservations.get(reservation_id)

    # -- opening ---------------------------------------------------------------------------------
    def _open(
        self, record: Reservation, actor: str, sale: bool, public_ceiling: int | None = None
    ) -> tuple[Reservation, bool]:
        existing = self.tables.reservations.get(record.reservation_id)
        if existing is not None:
            return existing, False
        short = [line for line in record.lines if not self._can_take(line)]
        public = bool(record.public) and not sale
        if public and not short:
            assert public_ceiling is not None
            over = [
                line
                for line in record.lines
                if self.tables.public_held.get((line.product_id, line.warehouse_id), 0) + line.quantity
                > public_ceiling
            ]
            if over:
                raise limit_reached(public_ceiling, [(line.product_id, line.warehouse_id) for line in over])
        if short:
            for line in short:
                if self._stock.record(line.product_id, line.warehouse_id) is None:
                    raise missing_record(self._stock, line.product_id, line.warehouse_id)
            lines = self.shortages(record.lines)
            raise InsufficientStock(
                "not enough stock available", available=lines[0]["available"], lines=lines
            )
        for index, line in enumerate(record.lines):
            key = (line.product_id, line.warehouse_id)
            if sale:
                self.tables._add(key, -line.quantity, 0)
                self._move(
                    record,
                    index,
                    MovementKind.FULFILLED,
                    actor,
                    Counts(stock_count=-line.quantity, reserved_count=0),
                )
            else:
                self.tables._add(key, 0, line.quantity)
                if public:
                    self.tables.public_held[key] = self.tables.public_held.get(key, 0) + line.quantity
                self._move(
                    record,
                    index,
                    MovementKind.RESERVED,
                    actor,
                    Counts(stock_count=0, reserved_count=line.quantity),
                )
        self.tables.reservations[record.reservation_id] = record
        return record, True

    def _can_take(self, line: ReservationLine) -> bool:
        record = self._stock.record(line.product_id, line.warehouse_id)
        return record is not None and record.available >= line.quantity

    def _move(
        self, reservation: Reservation, index: int, kind: MovementKind, actor: str, delta: Counts
    ) -> None:
        line = reservation.lines[index]
        self.tables.ledger.append(
            new_movement(
                product_id=line.product_id,
                warehouse_id=line.warehouse_id,
                kind=kind,
                actor=actor,
                reason=kind.value.lower(),
                reference=reservation.reservation_id,
                delta=delta,
                unique=f"{reservation.reservation_id}#{kind.value}#{index}",
            )
        )

    def hold(self, reservation: Reservation, actor: str, public_ceiling: int | None = None) -> Reservation:
        return self._open(reservation, actor, sale=False, public_ceiling=public_ceiling)[0]

    def sell(self, record: Reservation, actor: str) -> tuple[Reservation, bool]:
        return self._open(record, actor, sale=True)

    def record_failure(self, reservation: Reservation) -> Reservation:
        return self.tables.reservations.setdefault(reservation.reservation_id, reservation)

    # -- while held ------------------------------------------------------------------------------
    def _held_or_raise(self, reservation_id: str) -> Reservation:
        current = self.get(reservation_id)
        if current is None:
            raise ReservationNotFound("unknown", reservation_id=reservation_id)
        if current.status is not ReservationStatus.HELD:
            raise ReservationClosed("closed", reservation_id=reservation_id, status=current.status.value)
        return current

    def store_token(self, reservation_id: str, token: str, entry: TimelineEntry) -> Reservation:
        current = self._held_or_raise(reservation_id)
        updated = current.model_copy(
            update={"task_token": token, "unarmed_shard": None, "timeline": [*current.timeline, entry]}
        )
        self.tables.reservations[reservation_id] = updated
        return updated

    def extend(
        self, reservation: Reservation, expires_at: str, expires_at_epoch: int, now: str
    ) -> Reservation:
        current = self._held_or_raise(reservation.reservation_id)
        if not current.expires_at > now:
            raise ReservationClosed("expired", reservation_id=reservation.reservation_id, status="HELD")
        entry = TimelineEntry(at=now, event="EXTENDED", state="Hold", expires_at=expires_at)
        updated = current.model_copy(
            update={
                "expires_at": expires_at,
                "expires_at_epoch": expires_at_epoch,
                "extensions": current.extensions + 1,
                "timeline": [*current.timeline, entry],
            }
        )
        self.tables.reservations[reservation.reservation_id] = updated
        return updated

    def close(self, reservation: Reservation, change: Closing) -> tuple[Reservation, bool]:
        current = self.get(reservation.reservation_id)
        if current is None:
            raise ReservationNotFound("unknown", reservation_id=reservation.reservation_id)
        refused = (
            current.status is not ReservationStatus.HELD
            or (change.check_token and current.task_token != change.token)
            or (change.unexpired_at is not None and not current.expires_at > change.unexpired_at)
        )
        if refused:
            return current, False
        for line in reservation.lines:
            record = self._stock.record(line.product_id, line.warehouse_id)
            if record is None or record.reserved_count < line.quantity:
                raise ReservationConflict(
                    "stock holds less than reserved", reservation_id=reservation.reservation_id
                )
        kind = CLOSING_MOVEMENTS[change.status]
        for index, line in enumerate(reservation.lines):
            sold = line.quantity if change.status is ReservationStatus.FULFILLED else 0
            self.tables._add((line.product_id, line.warehouse_id), -sold, -line.quantity)
            if reservation.public:
                key = (line.product_id, line.warehouse_id)
                self.tables.public_held[key] = self.tables.public_held.get(key, 0) - line.quantity
            self._move(
                reservation,
                index,
                kind,
                change.actor,
                Counts(stock_count=-sold, reserved_count=-line.quantity),
            )
        entry = TimelineEntry(
            at=change.at, event=change.status.value, actor=change.actor, reason=change.reason
        )
        closed = current.model_copy(
            update={
                "status": change.status,
                "reason": change.reason,
                "updated_at": change.at,
                "sweep_shard": None,
                "unarmed_shard": None,
                "timeline": [*current.timeline, entry],
            }
        )
        self.tables.reservations[reservation.reservation_id] = closed
        return closed, True

    # -- reads for upkeep ------------------------------------------------------------------------
    def held(self, expiring_before_epoch: int | None = None) -> list[Reservation]:
        return [
            r
            for r in self.tables.reservations.values()
            if r.status is ReservationStatus.HELD
            and (expiring_before_epoch is None or r.expires_at_epoch < expiring_before_epoch)
        ]

    def unarmed(self, created_before_epoch: int) -> list[Reservation]:
        return [
            r
            for r in self.held()
            if r.unarmed_shard is not None and (r.created_at_epoch or 0) <= created_before_epoch
        ]

    def shortages(self, lines: list[ReservationLine]) -> list[dict[str, Any]]:
        short = []
        for line in lines:
            record = self._stock.record(line.product_id, line.warehouse_id)
            available = record.available if record else 0
            if available < line.quantity:
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
        return self.held()

    def stock_items(self) -> list[dict[str, Any]]:
        items = []
        for key, record in self.tables.stock.items():
            item = record.model_dump(mode="json")
            if key in self.tables.public_held:
                item["public_held"] = self.tables.public_held[key]
            items.append(item)
        return items

    def set_reserved(
        self, item: dict[str, Any], reserved_count: int, reason: str, public_held: int = 0
    ) -> bool:
        key = (str(item["product_id"]), str(item["warehouse_id"]))
        current = self.tables.stock[key]
        if (current.stock_count, current.reserved_count) != (item["stock_count"], item["reserved_count"]):
            return False
        if self.tables.public_held.get(key, 0) != int(item.get("public_held", 0)):
            return False
        self.tables.stock[key] = current.model_copy(update={"reserved_count": reserved_count})
        self.tables.public_held[key] = public_held
        return True


@dataclass
class FakeWorkflow:
    """Step Functions as the domain sees it. `start_answers` and `signal_answers` script what the
    next calls answer (a value, or an exception to raise); by default every call succeeds."""

    machine: str = "arn:aws:states:us-east-1:123456789012:stateMachine:reservations"
    start_answers: list[Start | Exception] = field(default_factory=list)
    signal_answers: list[Signal | Exception] = field(default_factory=list)
    starts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    signals: list[tuple[str, str, str | None]] = field(default_factory=list)
    outcomes: dict[str, ExecutionOutcome] = field(default_factory=dict)

    def execution_arn(self, name: str) -> str:
        prefix, _, machine_name = self.machine.partition(":stateMachine:")
        return f"{prefix}:execution:{machine_name}:{name}"

    @staticmethod
    def _next(answers: list[Any], default: Any) -> Any:
        answer = answers.pop(0) if answers else default
        if isinstance(answer, Exception):
            raise answer
        return answer

    def start(self, name: str, payload: dict[str, Any]) -> Start:
        self.starts.append((name, payload))
        answer: Start = self._next(self.start_answers, Start.STARTED)
        return answer

    def outcome(self, execution_arn: str) -> ExecutionOutcome | None:
        return self.outcomes.get(execution_arn)

    def succeed(self, token: str, output: dict[str, Any]) -> Signal:
        self.signals.append(("success", token, None))
        answer: Signal = self._next(self.signal_answers, Signal.DELIVERED)
        return answer

    def fail(self, token: str, error: str, cause: str) -> Signal:
        self.signals.append(("failure", token, error))
        answer: Signal = self._next(self.signal_answers, Signal.DELIVERED)
        return answer


class RecordedEvents:
    """Collects outcome events instead of publishing them."""

    def __init__(self) -> None:
        self.types: list[str] = []

    def reservation(self, event: OutcomeEvent, reservation: Reservation) -> None:
        self.types.append(event.value)

    def failure(self, request: ReservationInput, code: str, message: str, details: dict[str, Any]) -> None:
        self.types.append(OutcomeEvent.RESERVATION_FAILED.value)
