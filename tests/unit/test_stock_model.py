"""Stock status and API key scopes: pure rules, no I/O."""

import pytest
from inventory.domain.api_keys import Scope, digest, scope_for_key
from inventory.models import StockRecord, StockStatus, stock_status


@pytest.mark.parametrize(
    ("available", "threshold", "status"),
    [
        (0, 5, StockStatus.OUT_OF_STOCK),
        (1, 5, StockStatus.LOW_STOCK),
        (5, 5, StockStatus.LOW_STOCK),
        (6, 5, StockStatus.IN_STOCK),
        (0, 0, StockStatus.OUT_OF_STOCK),
        (1, 0, StockStatus.IN_STOCK),
    ],
)
def test_status_follows_available_units_and_threshold(
    available: int, threshold: int, status: StockStatus
) -> None:
    assert stock_status(available, threshold) is status


def test_record_derives_available_and_status_from_counts() -> None:
    record = StockRecord(
        product_id="P",
        warehouse_id="main",
        stock_count=10,
        reserved_count=8,
        threshold_level=3,
        last_updated="2026-01-01T00:00:00.000Z",
        version=1,
    )
    assert record.available == 2
    assert record.status is StockStatus.LOW_STOCK


def test_keys_resolve_to_scopes_by_digest_only() -> None:
    admin, storefront = (digest("a-key"),), (digest("s-key"),)
    assert scope_for_key("a-key", admin, storefront) is Scope.ADMIN
    assert scope_for_key("s-key", admin, storefront) is Scope.STOREFRONT
    assert scope_for_key("wrong", admin, storefront) is None
    assert scope_for_key("", admin, storefront) is None
    assert scope_for_key(None, admin, storefront) is None


def test_checkout_keys_resolve_to_the_checkout_scope_and_scopes_nest() -> None:
    admin, storefront, checkout = (digest("a-key"),), (digest("s-key"),), (digest("c-key"),)
    assert scope_for_key("c-key", admin, storefront, checkout) is Scope.CHECKOUT
    assert scope_for_key("s-key", admin, storefront, checkout) is Scope.STOREFRONT
    # storefront < checkout < admin: each allows what the narrower ones allow, never the reverse
    assert Scope.ADMIN.allows(Scope.CHECKOUT) and Scope.CHECKOUT.allows(Scope.STOREFRONT)
    assert not Scope.STOREFRONT.allows(Scope.CHECKOUT) and not Scope.CHECKOUT.allows(Scope.ADMIN)
