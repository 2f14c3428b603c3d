"""Admin stock operations (FR-2, US-4/6/7): list, set with a concurrency token, adjust, history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from inventory.api.contract import ADMIN, ID_PATTERN, Text, errors
from inventory.api.http import RouteDeps
from inventory.domain.ledger import LedgerPage, LedgerReader
from inventory.domain.stock_admin import add_warehouse_record, adjust_stock, set_stock
from inventory.domain.stock_ports import StockChanges, StockQueries, StockRecordStore
from inventory.domain.stock_queries import list_stock, stock_history
from inventory.errors import ValidationFailed
from inventory.models import DEFAULT_WAREHOUSE, StockRecord, StockRecordPage, StockStatus

router = Router()


@dataclass(frozen=True)
class AdminDeps:
    """What the admin stock routes use."""

    stock_store: StockRecordStore
    stock_changes: StockChanges
    stock_queries: StockQueries
    ledger: LedgerReader


deps: RouteDeps[AdminDeps] = RouteDeps(router, "admin")

CATEGORY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._:&/-]{0,63}$"
MAX_PAGE = 100
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,12})"?$')


def _record_response(record: StockRecord, status: int = 200) -> Response[StockRecord]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=record,
        headers={"ETag": f'"{record.version}"'},
    )


def _bad(field: str, problem: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {problem}", fields=[{"field": field, "problem": problem}])


@router.get(
    "/inventory",
    summary="List stock records",
    description="Filter by `category` (category-index) and/or `status` (status-index: the stored status, "
    "which holds and releases may leave behind until the next admin change, adjustment or fulfilment; "
    "records whose status recomputed from their counts no longer matches are left out) and `warehouse_id`. "
    "Category pages are read from the index (eventually consistent); status pages read each record by key. "
    "Pages may hold fewer than `limit` items; follow `next_token` until it is null.",
    responses=errors(400, 401, 403),
    tags=["Admin"],
    security=ADMIN,
)
def list_inventory(
    category: Annotated[str | None, Query(pattern=CATEGORY_PATTERN, description="Only this category")] = None,
    status: Annotated[StockStatus | None, Query(description="Only records with this status")] = None,
    warehouse_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="Only this warehouse")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Records read per page")] = 50,
    next_token: Annotated[str | None, Query(max_length=2048, description="From the previous page")] = None,
) -> StockRecordPage:
    return list_stock(
        deps().stock_queries,
        category=category,
        status=status,
        warehouse_id=warehouse_id,
        limit=limit,
        next_token=next_token,
    )


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse_id: str = Field(default=DEFAULT_WAREHOUSE, pattern=ID_PATTERN)
    stock_count: StrictInt | None = Field(
        default=None, ge=0, le=1_000_000_000, description="New units on hand"
    )
    threshold_level: StrictInt | None = Field(default=None, ge=0, le=1_000_000_000)
    category: str | None = Field(default=None, pattern=CATEGORY_PATTERN)
    expected_version: StrictInt | None = Field(
        default=None, ge=1, description="The version you read (or send `If-Match`); required unless `create`"
    )
    create: StrictBool = Field(
        default=False, description="Add a stock record for a new warehouse of a known product (201)"
    )


@router.put(
    "/inventory/<productId>",
    summary="Set stock of a product in one warehouse",
    description="Sets `stock_count`, `threshold_level` and/or `category` if the record is still at the "
    "version given by `If-Match` or `expected_version`. With `create: true`, adds the record for a new "
    "warehouse instead (no version needed; 409 STOCK_RECORD_ALREADY_EXISTS if it exists).",
    responses={
        201: {
            "description": "Warehouse record created (`create: true`)",
            "content": {"application/json": {"model": StockRecord}},
        },
        **errors(
            400,
            401,
            403,
            404,
            409,
            described={
                400: "VALIDATION_FAILED, or STOCK_BELOW_RESERVED when stock_count is below reserved_count",
                409: "VERSION_CONFLICT (details.current holds the record), STOCK_RECORD_ALREADY_EXISTS, "
                "CONCURRENT_UPDATE",
            },
        ),
    },
    tags=["Admin"],
    security=ADMIN,
)
def put_inventory(
    productId: Annotated[str, Path(pattern=ID_PATTERN, description="Product id (SKU)")],
    update: Annotated[StockUpdate, Body()],
    if_match: Annotated[str | None, Header(alias="If-Match", description='"<version>" you read')] = None,
) -> Response[StockRecord]:
    if update.create:
        record = add_warehouse_record(
            deps().stock_store,
            deps().stock_changes,
            productId,
            update.warehouse_id,
            stock_count=update.stock_count,
            threshold_level=update.threshold_level,
            category=update.category,
        )
        return _record_response(record, 201)
    version = update.expected_version
    if if_match is not None:
        matched = _ETAG.match(if_match.strip())
        if matched is None:
            raise _bad("If-Match", 'must be the record\'s ETag, e.g. "3"')
        if version is not None and version != int(matched.group(1)):
            raise _bad("If-Match", "disagrees with expected_version")
        version = int(matched.group(1))
    if version is None:
        raise _bad(
            "expected_version", "send expected_version or an If-Match header with the version you read"
        )
    record = set_stock(
        deps().stock_store,
        deps().stock_changes,
        productId,
        update.warehouse_id,
        expected_version=version,
        stock_count=update.stock_count,
        threshold_level=update.threshold_level,
        category=update.category,
    )
    return _record_response(record)


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse_id: str = Field(default=DEFAULT_WAREHOUSE, pattern=ID_PATTERN)
    delta: StrictInt = Field(
        ge=-1_000_000_000, le=1_000_000_000, description="Units to add (negative: remove)"
    )
    reason: Text = Field(min_length=1, max_length=200, description="Why, e.g. 'shipment received', 'damaged'")
    reference: Text | None = Field(
        default=None, min_length=1, max_length=128, description="Shipment, order, ..."
    )

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


@router.post(
    "/inventory/<productId>/adjustments",
    summary="Adjust stock by a delta",
    description="Atomic relative change with a reason (shipment +50, damage -2). Refused when stock_count "
    "would go below zero (STOCK_BELOW_ZERO) or below reserved_count (STOCK_BELOW_RESERVED).",
    responses=errors(400, 401, 403, 404, 409, described={409: "CONCURRENT_UPDATE: retry"}),
    tags=["Admin"],
    security=ADMIN,
)
def post_adjustment(
    productId: Annotated[str, Path(pattern=ID_PATTERN, description="Product id (SKU)")],
    adjustment: Annotated[Adjustment, Body()],
) -> Response[StockRecord]:
    record = adjust_stock(
        deps().stock_store,
        deps().stock_changes,
        productId,
        adjustment.warehouse_id,
        delta=adjustment.delta,
        reason=adjustment.reason.strip(),
        reference=adjustment.reference,
    )
    return _record_response(record)


@router.get(
    "/inventory/<productId>/history",
    summary="Stock movements of a product",
    description="The ledger: one movement per stock change, newest first.",
    responses=errors(400, 401, 403, 404),
    tags=["Admin"],
    security=ADMIN,
)
def get_history(
    productId: Annotated[str, Path(pattern=ID_PATTERN, description="Product id (SKU)")],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Movements per page")] = 25,
    next_token: Annotated[str | None, Query(max_length=2048, description="From the previous page")] = None,
) -> LedgerPage:
    return stock_history(deps().ledger, deps().stock_store, productId, limit, next_token)
