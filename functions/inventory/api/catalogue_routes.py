"""The catalogue (IMS): create products, read one with its stock, page through all."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from inventory.api.admin_routes import CATEGORY_PATTERN
from inventory.api.contract import ADMIN, ID_PATTERN, STOREFRONT, Text, errors
from inventory.api.http import RouteDeps
from inventory.domain.catalogue import DEFAULT_THRESHOLD, create_product, list_products, product_details
from inventory.domain.stock_ports import ProductStore, StockChanges, StockRecordStore
from inventory.models import DEFAULT_WAREHOUSE, ProductDetails, ProductPage

router = Router()


@dataclass(frozen=True)
class CatalogueDeps:
    """What the catalogue routes use."""

    products: ProductStore
    stock_store: StockRecordStore
    stock_changes: StockChanges


deps: RouteDeps[CatalogueDeps] = RouteDeps(router, "catalogue")

MAX_PAGE = 100
PRICE_DECIMALS = 4


class NewProduct(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=ID_PATTERN, description="Product id, also the stock records' product_id")
    name: Text = Field(min_length=1, max_length=200)
    description: Text | None = Field(default=None, max_length=4000)
    price: float | None = Field(default=None, ge=0, le=1_000_000_000, allow_inf_nan=False)
    image_url: Text | None = Field(default=None, max_length=2048, pattern=r"^(https?://|/)\S*$")
    category: str | None = Field(default=None, pattern=CATEGORY_PATTERN)
    warehouse_id: str = Field(default=DEFAULT_WAREHOUSE, pattern=ID_PATTERN, description="Where stock starts")
    threshold_level: StrictInt = Field(default=DEFAULT_THRESHOLD, ge=0, le=1_000_000_000)

    @field_validator("price")
    @classmethod
    def _cents(cls, value: float | None) -> float | None:
        if value is not None and int(Decimal(str(value)).as_tuple().exponent) < -PRICE_DECIMALS:
            raise ValueError(f"must have at most {PRICE_DECIMALS} decimal places")
        return value


@router.post(
    "/products",
    summary="Create a product",
    description="Creates the product and a zero stock record in `warehouse_id` (default main) in one "
    "transaction, with a CREATED movement in the ledger.",
    responses=errors(
        400,
        401,
        403,
        409,
        success=201,
        described={201: "Created", 409: "PRODUCT_ALREADY_EXISTS or STOCK_RECORD_ALREADY_EXISTS"},
    ),
    tags=["Catalogue"],
    security=ADMIN,
)
def post_product(product: Annotated[NewProduct, Body()]) -> Response[ProductDetails]:
    created = create_product(deps().stock_changes, **product.model_dump())
    return Response(
        status_code=201,
        content_type="application/json",
        body=created,
        headers={"Location": f"/products/{created.sku}"},
    )


@router.get(
    "/products/<sku>",
    summary="A product with its stock",
    responses=errors(400, 401, 403, 404),
    tags=["Catalogue"],
    security=STOREFRONT,
)
def get_product(sku: Annotated[str, Path(pattern=ID_PATTERN, description="Product id")]) -> ProductDetails:
    return product_details(deps().products, deps().stock_store, sku)


@router.get(
    "/products",
    summary="List products",
    description="Paginated with `limit` and `next_token` (null on the last page).",
    responses=errors(400, 401, 403),
    tags=["Catalogue"],
    security=STOREFRONT,
)
def get_products(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Products per page")] = 25,
    next_token: Annotated[str | None, Query(max_length=2048, description="From the previous page")] = None,
) -> ProductPage:
    return list_products(deps().products, limit, next_token)
