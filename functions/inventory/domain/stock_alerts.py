"""Stock status transitions and alerts: one alert per transition, no floods, nothing lost.

Where transitions are detected: on the stock table's stream (old image vs new image), not inside
each writer's conditional write. Every writer - admin sets, adjustments, holds, releases, expiries,
fulfilments and whatever is added later - is covered without knowing about alerts, and holds keep
their one-item `ADD` write (no extra read or attribute on the hot path). The status is recomputed
from the counts with `stock_status`, because hold writers do not maintain the stored `status`.

Exactly once per transition: the item carries its alert state (`alert_status`, `alert_gen`, ...).
A transition's id is derived from the item - `<product>:<warehouse>:t<generation>` - so a
redelivered stream batch, a retry and the scheduled check all derive the same id for the same
transition. Claiming it is one DynamoDB transaction: the item update (conditional on the counts
the decision saw and on the alert generation) plus a conditional put of the alert row. Only one
claimant can win; the others find the row and at most help publish it. Publishing is guarded by
a lease on the row and confirmed by removing its `pending` mark; an unconfirmed alert is
published again by the next check (at least once on SNS, with the same id, so a rare repeat is
recognisable).

Flood rule (holds move `available`, so a busy product can cross its threshold as carts come and
go): a transition caused by something holds cannot undo - a change of `stock_count` or
`threshold_level`, or a new record - is alerted at once. A transition caused only by holds,
releases or expiries is alerted at once unless the record was alerted less than the cool-down
ago; then it is deferred. A deferred record keeps its `attention` mark and the next scheduled
check alerts the status it has *then*, if that still differs from the status last announced; a
flip-flop that settled back announces nothing. So a record alerts at most about twice per
cool-down whatever its carts do, and a real sell-out or restock is never delayed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from inventory.models import (
    Alert,
    AlertEvent,
    StockStatus,
    alert_event,
    iso,
    parse_iso,
    stock_status,
)


class AlertState(BaseModel):
    """What admins were last told about one stock record."""

    model_config = ConfigDict(frozen=True)

    status: StockStatus | None = None  # the status last announced; None = never alerted
    at: str | None = None
    generation: int = 0  # number of transitions alerted so far
    reminders: int = 0  # reminders sent since the last transition alert
    reminded_at: str | None = None


class StockSnapshot(BaseModel):
    """A stock record as one stream image (or index item) shows it, with its alert bookkeeping."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    warehouse_id: str
    stock_count: int
    reserved_count: int
    threshold_level: int
    category: str | None = None
    stored_status: StockStatus | None = None
    attention: bool = False
    alert: AlertState = AlertState()
    # False when `alert` was carried over from the previous image because a writer replaced the
    # whole item (PutItem) and dropped the alert attributes: they must be written back, or the
    # next transition would reuse an alert id already taken.
    alert_stored: bool = True

    @property
    def available(self) -> int:
        return self.stock_count - self.reserved_count

    @property
    def status(self) -> StockStatus:
        return stock_status(self.available, self.threshold_level)


class Cause(StrEnum):
    STOCK = "STOCK"  # stock_count or threshold_level changed, or a new record: holds cannot undo it
    HOLDS = "HOLDS"  # only reserved_count changed: holds, releases, expiries
    CHECK = "CHECK"  # the scheduled check found the record flagged


class AlertRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    cooldown_seconds: int = 900
    reminder_after_seconds: int = 86400


@dataclass(frozen=True)
class Evaluation:
    """What should be written for one snapshot: stored status, attention mark, maybe an alert."""

    snapshot: StockSnapshot
    status: StockStatus
    attention: bool
    alert_state: AlertState
    alert: Alert | None = None

    @property
    def needs_write(self) -> bool:
        return (
            self.alert is not None
            or self.status != self.snapshot.stored_status
            or self.attention != self.snapshot.attention
            or not self.snapshot.alert_stored
        )


def _alert(
    snapshot: StockSnapshot, alert_id: str, event: AlertEvent, previous: StockStatus | None, now: datetime
) -> Alert:
    return Alert(
        alert_id=alert_id,
        event_type=event,
        product_id=snapshot.product_id,
        warehouse_id=snapshot.warehouse_id,
        stock_count=snapshot.stock_count,
        reserved_count=snapshot.reserved_count,
        available=snapshot.available,
        threshold_level=snapshot.threshold_level,
        previous_status=previous,
        new_status=snapshot.status,
        at=iso(now),
        category=snapshot.category,
    )


def transition_id(product_id: str, warehouse_id: str, generation: int) -> str:
    return f"{product_id}:{warehouse_id}:t{generation}"


def evaluate(
    snapshot: StockSnapshot,
    baseline: StockStatus | None,
    cause: Cause,
    now: datetime,
    rules: AlertRules,
) -> Evaluation:
    """`baseline` is the status before the change, used only for a record never alerted yet (None:
    a new record). A record with alert state is compared with what admins were last told."""
    status = snapshot.status
    state = snapshot.alert
    announced = state.status if state.status is not None else baseline
    alert: Alert | None = None
    if status != (announced or StockStatus.IN_STOCK):
        in_cooldown = (
            cause is not Cause.STOCK
            and state.at is not None
            and now - parse_iso(state.at) < timedelta(seconds=rules.cooldown_seconds)
        )
        if not in_cooldown:
            generation = state.generation + 1
            alert = _alert(
                snapshot,
                transition_id(snapshot.product_id, snapshot.warehouse_id, generation),
                alert_event(status),
                announced,
                now,
            )
            state = AlertState(status=status, at=alert.at, generation=generation)
    told = state.status if state.status is not None else (announced or StockStatus.IN_STOCK)
    attention = status is not StockStatus.IN_STOCK or status != told
    return Evaluation(snapshot, status, attention, state, alert)


def reminder(snapshot: StockSnapshot, now: datetime, rules: AlertRules) -> Evaluation | None:
    """A record still low or out of stock, as announced, long after its last alert or reminder."""
    state = snapshot.alert
    status = snapshot.status
    if status is StockStatus.IN_STOCK or state.status != status or state.at is None:
        return None
    last = max(
        parse_iso(state.at), parse_iso(state.reminded_at) if state.reminded_at else parse_iso(state.at)
    )
    if now - last < timedelta(seconds=rules.reminder_after_seconds):
        return None
    count = state.reminders + 1
    alert = _alert(
        snapshot,
        f"{transition_id(snapshot.product_id, snapshot.warehouse_id, state.generation)}:r{count}",
        AlertEvent.LOW_STOCK_REMINDER,
        state.status,
        now,
    )
    new_state = state.model_copy(update={"reminders": count, "reminded_at": alert.at})
    return Evaluation(snapshot, status, True, new_state, alert)


# -- ports -------------------------------------------------------------------------------------------


class StoredAlert(BaseModel):
    model_config = ConfigDict(frozen=True)

    alert: Alert
    published: bool
    lease_until: float = 0.0  # epoch seconds; while in the future, someone is publishing it


class AlertStore(Protocol):
    def apply(self, evaluation: Evaluation, lease_until: float) -> bool:
        """Writes status, attention and alert state, and records the alert (pending, leased to the
        caller) in one transaction. False when the record or its alert state moved on meanwhile."""
        ...

    def stored_alert(self, alert_id: str) -> StoredAlert | None: ...

    def take_lease(self, alert_id: str, now: float, until: float) -> bool: ...

    def release_lease(self, alert_id: str) -> None: ...

    def mark_published(self, alert_id: str, message_id: str, at: str) -> None: ...

    def pending_alerts(self) -> list[StoredAlert]: ...

    def records_needing_attention(self) -> Iterable[StockSnapshot]: ...


class AlertPublisher(Protocol):
    def publish(self, alert: Alert) -> str: ...

    def publish_digest(self, warehouse_id: str, alerts: list[Alert]) -> str: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


LEASE_SECONDS = 60


@dataclass
class AlertService:
    store: AlertStore
    publisher: AlertPublisher
    rules: AlertRules
    clock: Clock

    def on_change(self, new: StockSnapshot, old: StockSnapshot | None) -> Alert | None:
        """One stream record. Returns the alert it published, if any."""
        if old is None:
            cause, baseline = Cause.STOCK, None
        else:
            moved = old.stock_count != new.stock_count or old.threshold_level != new.threshold_level
            cause, baseline = (Cause.STOCK if moved else Cause.HOLDS), old.status
            if new.alert.generation == 0 and old.alert.generation > 0:
                new = new.model_copy(update={"alert": old.alert, "alert_stored": False})
        return self._settle(evaluate(new, baseline, cause, self.clock(), self.rules))

    def _settle(self, evaluation: Evaluation) -> Alert | None:
        if not evaluation.needs_write:
            return None
        now = self.clock()
        if self.store.apply(evaluation, now.timestamp() + LEASE_SECONDS):
            if evaluation.alert is not None:
                self._publish_owned(evaluation.alert)
            return evaluation.alert
        if evaluation.alert is None:
            return None  # the record moved on; its own stream record settles it
        # Someone else claimed this transition (a redelivery, the check): help only if they stalled.
        stored = self.store.stored_alert(evaluation.alert.alert_id)
        lease = (now.timestamp(), now.timestamp() + LEASE_SECONDS)
        if stored and not stored.published and self.store.take_lease(stored.alert.alert_id, *lease):
            self._publish_owned(stored.alert)
            return stored.alert
        return None

    def _publish_owned(self, alert: Alert) -> None:
        try:
            message_id = self.publisher.publish(alert)
        except Exception:
            # Let the retry of this stream record (or the next check) take over at once.
            self.store.release_lease(alert.alert_id)
            raise
        self.store.mark_published(alert.alert_id, message_id, iso(self.clock()))

    def check(self) -> CheckReport:
        """The scheduled safety net: publish what was recorded but not confirmed, settle flagged
        records (deferred alerts, status repairs) and send reminder digests."""
        report = CheckReport()
        now = self.clock()
        leftovers: list[Alert] = []
        for stored in self.store.pending_alerts():
            report.alerts_read += 1
            if self.store.take_lease(stored.alert.alert_id, now.timestamp(), now.timestamp() + LEASE_SECONDS):
                leftovers.append(stored.alert)
        for alert in leftovers:
            if alert.event_type is not AlertEvent.LOW_STOCK_REMINDER:
                try:
                    self._publish_owned(alert)
                    report.republished += 1
                except Exception:  # stays pending for the next check; the others still go out
                    report.publish_failures += 1
        self._digest([a for a in leftovers if a.event_type is AlertEvent.LOW_STOCK_REMINDER], report)

        due: list[Alert] = []
        for snapshot in self.store.records_needing_attention():
            report.records_read += 1
            evaluation = evaluate(snapshot, snapshot.stored_status, Cause.CHECK, now, self.rules)
            if evaluation.needs_write:
                if evaluation.alert is None:
                    report.repaired += int(self.store.apply(evaluation, 0))
                elif self._settle(evaluation) is not None:
                    report.alerts += 1
                continue
            remind = reminder(snapshot, now, self.rules)
            if remind and remind.alert and self.store.apply(remind, now.timestamp() + LEASE_SECONDS):
                due.append(remind.alert)
        self._digest(due, report)
        return report

    def _digest(self, reminders: list[Alert], report: CheckReport) -> None:
        by_warehouse: dict[str, list[Alert]] = {}
        for alert in reminders:
            by_warehouse.setdefault(alert.warehouse_id, []).append(alert)
        for warehouse_id, alerts in sorted(by_warehouse.items()):
            try:
                message_id = self.publisher.publish_digest(warehouse_id, alerts)
            except Exception:  # the reminders stay pending; the next check sends them
                for alert in alerts:
                    self.store.release_lease(alert.alert_id)
                report.publish_failures += 1
                continue
            for alert in alerts:
                self.store.mark_published(alert.alert_id, message_id, iso(self.clock()))
            report.reminders += len(alerts)
            report.digests += 1


@dataclass
class CheckReport:
    records_read: int = 0  # stock records read (only those flagged for attention)
    alerts_read: int = 0  # unconfirmed alerts read
    alerts: int = 0  # deferred transitions alerted now
    republished: int = 0
    repaired: int = 0  # stored status or attention mark corrected
    reminders: int = 0
    digests: int = 0
    publish_failures: int = 0


# -- the feed (GET /alerts) ----------------------------------------------------------------------


class AlertPage(BaseModel):
    alerts: list[Alert]
    next_token: str | None = None


class AlertFeed(Protocol):
    def recent(self, limit: int, next_token: str | None = None) -> AlertPage: ...
