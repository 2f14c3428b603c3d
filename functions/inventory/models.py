"""Pydantic models shared by the domain, the store and the handlers."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field

DEFAULT_WAREHOUSE = "main"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(moment: str) -> datetime:
    """The inverse of `iso` (and of any ISO 8601 time with `Z` or an offset)."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


class StockStatus(StrEnum):
    IN_STOCK = "IN_STOCK"
    LOW_STOCK = "LOW_STOCK"
    OUT_OF_STOCK = "OUT_OF_STOCK"


def stock_status(available: int, threshold_level: int) -> StockStatus:
    """0 available is out of stock; at or below the threshold is low; anything above is in stock."""
    if available <= 0:
        return StockStatus.OUT_OF_STOCK
    if available <= threshold_level:
        return StockStatus.LOW_STOCK
    return StockStatus.IN_STOCK


class StockRecord(BaseModel):
    """Stock of one product in one warehouse. Invariant: 0 <= reserved_count <= stock_count."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    warehouse_id: str
    stock_count: int = Field(ge=0, description="Units on hand, including reserved ones")
    reserved_count: int = Field(ge=0, description="Units held by open reservations")
    threshold_level: int = Field(ge=0, description="Available units at or below which stock is LOW_STOCK")
    category: str | None = None
    last_updated: str = Field(description="ISO 8601 time of the last change")
    version: int = Field(ge=1, description="Raised by every admin change, adjustment and fulfilment")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def available(self) -> int:
        return self.stock_count - self.reserved_count

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> StockStatus:
        return stock_status(self.available, self.threshold_level)


class StockTotals(BaseModel):
    stock_count: int
    reserved_count: int
    available: int
    status: StockStatus


class InventoryView(BaseModel):
    """A product's stock across its warehouses, as shoppers and admins read it."""

    product_id: str
    warehouses: list[StockRecord]
    totals: StockTotals


# ---------------------------------------------------------------- catalogue and stock administration


class Product(BaseModel):
    """A catalogue entry (ProductsTable, PK `sku`); its stock lives in the stock records."""

    model_config = ConfigDict(frozen=True)

    sku: str
    name: str
    description: str | None = None
    price: float | None = Field(default=None, ge=0, description="Unit price in the shop's currency")
    image_url: str | None = None
    category: str | None = None
    created_at: str
    updated_at: str


class ProductDetails(Product):
    """A product with its stock per warehouse and the totals (empty when it has no stock record)."""

    warehouses: list[StockRecord]
    totals: StockTotals


class ProductPage(BaseModel):
    items: list[Product]
    next_token: str | None = None


class StockRecordPage(BaseModel):
    items: list[StockRecord]
    next_token: str | None = None


class Availability(BaseModel):
    sku: str
    warehouse_id: str
    quantity: int
    available: int = Field(description="Units available now in that warehouse (0 if the product is unknown)")
    is_available: bool


class AvailabilityReport(BaseModel):
    status: str = Field(description="AVAILABLE when every item is available, otherwise UNAVAILABLE")
    items: list[Availability]


class AlertEvent(StrEnum):
    LOW_STOCK = "LOW_STOCK"  # now low (from in stock, or partly restocked from out of stock)
    OUT_OF_STOCK = "OUT_OF_STOCK"
    BACK_IN_STOCK = "BACK_IN_STOCK"
    LOW_STOCK_REMINDER = "LOW_STOCK_REMINDER"  # still low or out long after the alert (digest)


def alert_event(new_status: StockStatus) -> AlertEvent:
    return {
        StockStatus.IN_STOCK: AlertEvent.BACK_IN_STOCK,
        StockStatus.LOW_STOCK: AlertEvent.LOW_STOCK,
        StockStatus.OUT_OF_STOCK: AlertEvent.OUT_OF_STOCK,
    }[new_status]


class Alert(BaseModel):
    """One status transition (or reminder) of one stock record, as published and as listed."""

    model_config = ConfigDict(frozen=True)

    alert_id: str = Field(description="Transition id: the same transition always gets the same id")
    event_type: AlertEvent
    product_id: str
    warehouse_id: str
    stock_count: int
    reserved_count: int
    available: int
    threshold_level: int
    previous_status: StockStatus | None = Field(
        default=None, description="Last status announced; null for a new record"
    )
    new_status: StockStatus
    at: str = Field(description="ISO 8601 time the alert was decided")
    category: str | None = None
