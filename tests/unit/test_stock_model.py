"""Stock status and API key scopes: pure rules, no I/O."""

from datetime import UTC, datetime, timedelta

import pytest
from inventory.domain.api_keys import KeyRing, Scope, digest, parse_digests
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


NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def ring(**values: str) -> KeyRing:
    return KeyRing.of(**values)


def test_keys_resolve_to_scopes_by_digest_only() -> None:
    keys = ring(admin=digest("a-key"), storefront=digest("s-key"), checkout=digest("c-key"))
    assert keys.scope_for("a-key", NOW) is Scope.ADMIN
    assert keys.scope_for("c-key", NOW) is Scope.CHECKOUT
    assert keys.scope_for("s-key", NOW) is Scope.STOREFRONT
    assert keys.scope_for("wrong", NOW) is None
    assert keys.scope_for("", NOW) is None
    assert keys.scope_for(None, NOW) is None
    assert keys.scope_for(digest("a-key"), NOW) is None  # a digest is not a key


def test_scopes_nest_storefront_checkout_admin() -> None:
    # storefront < checkout < admin: each allows what the narrower ones allow, never the reverse
    assert Scope.ADMIN.allows(Scope.CHECKOUT) and Scope.CHECKOUT.allows(Scope.STOREFRONT)
    assert not Scope.STOREFRONT.allows(Scope.CHECKOUT) and not Scope.CHECKOUT.allows(Scope.ADMIN)


def test_during_a_rotation_two_keys_are_valid_and_the_old_one_ends_with_its_grace() -> None:
    # Given the old key with a grace until 12:05 and the new key, both for checkout
    keys = ring(checkout=f"{digest('old')}@2026-12-02T12:05:00Z, {digest('new')}")
    # Then both work before the grace ends, and only the new one after it
    assert keys.scope_for("old", NOW) is Scope.CHECKOUT and keys.scope_for("new", NOW) is Scope.CHECKOUT
    later = NOW + timedelta(minutes=5)
    assert keys.scope_for("old", later) is None and keys.scope_for("new", later) is Scope.CHECKOUT


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("abc", "not a SHA-256 hex digest"),
        ("g" * 64, "not a SHA-256 hex digest"),
        (f"{'a' * 64}@tomorrow", "not ISO 8601"),
        (f"{'a' * 64}@2026-12-02T12:00:00", "not ISO 8601 with a zone"),
    ],
)
def test_bad_entries_are_skipped_and_named_by_position_only(value: str, problem: str) -> None:
    entries, problems = parse_digests(f"{digest('good')},{value}")
    assert [e.digest for e in entries] == [digest("good")]
    assert len(problems) == 1 and problems[0].startswith("entry 2:") and problem in problems[0]
    assert value not in problems[0]


def test_a_scope_without_keys_holds_a_dash_and_accepts_none() -> None:
    assert parse_digests("-") == ((), [])
    assert ring(checkout="-").scope_for("anything", NOW) is None
