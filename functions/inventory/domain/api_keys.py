"""API keys and what they may do. Only SHA-256 digests are stored; comparisons are constant-time.

Three scopes, each a superset of the one before:
- storefront: public by design (it sits in every product page): reads stock and the catalogue,
  checks carts, and places small public holds that only their creator can release
  (docs/security.md);
- checkout: a server-side secret for the shop's backend and order service: reserves, confirms,
  releases, extends and reads reservations, and sells without a hold;
- admin: everything, including changing stock.

Each scope's digests are one comma-separated value in the parameter store, read at run time, so a
key is rotated without a redeploy: an entry is `<sha256 hex>` or `<sha256 hex>@<ISO 8601 time>`,
the second form refused from that time on (the old key's grace while clients move to the new one);
`-` alone means no key of that scope is valid.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from inventory.models import parse_iso

_SHA256_HEX_LENGTH = 64
NO_KEYS = "-"  # the value of a scope with no valid key (a parameter-store value cannot be empty)
_HEX = frozenset("0123456789abcdef")


class Scope(StrEnum):
    STOREFRONT = "storefront"
    CHECKOUT = "checkout"
    ADMIN = "admin"

    def allows(self, needed: Scope) -> bool:
        return _RANK[self] >= _RANK[needed]


_RANK = {Scope.STOREFRONT: 0, Scope.CHECKOUT: 1, Scope.ADMIN: 2}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyDigest:
    digest: str
    until: datetime | None = None  # refused from this moment on (None: until removed)

    def valid_at(self, now: datetime) -> bool:
        return self.until is None or now < self.until


def parse_digests(value: str) -> tuple[tuple[KeyDigest, ...], list[str]]:
    """The entries of one scope's value, and a problem per entry that is not one (never the entry
    itself: a digest is not a key, but it is still nothing to write into a log)."""
    entries: list[KeyDigest] = []
    problems: list[str] = []
    for position, raw in enumerate(part.strip() for part in value.split(",")):
        if not raw or raw == NO_KEYS:
            continue
        hex_part, _, until_part = raw.partition("@")
        hex_part = hex_part.strip().lower()
        if len(hex_part) != _SHA256_HEX_LENGTH or not set(hex_part) <= _HEX:
            problems.append(f"entry {position + 1}: not a SHA-256 hex digest")
            continue
        until = None
        if until_part:
            try:
                until = parse_iso(until_part.strip())
            except ValueError:
                until = None
            if until is None or until.tzinfo is None:
                problems.append(f"entry {position + 1}: the time after '@' is not ISO 8601 with a zone")
                continue
        entries.append(KeyDigest(hex_part, until))
    return tuple(entries), problems


def _matches(candidate: str, digests: tuple[KeyDigest, ...], now: datetime) -> bool:
    found = False
    for known in digests:  # no early exit: timing does not reveal which digest matched
        found |= hmac.compare_digest(candidate, known.digest) and known.valid_at(now)
    return found


@dataclass(frozen=True)
class KeyRing:
    """The digests valid for each scope (two per scope while a key is being rotated)."""

    digests: Mapping[Scope, tuple[KeyDigest, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, **values: str) -> KeyRing:
        """From raw values per scope name (what the parameter store holds); bad entries are skipped."""
        return cls({Scope(name): parse_digests(value)[0] for name, value in values.items()})

    def scope_for(self, key: str | None, now: datetime) -> Scope | None:
        if not key:
            return None
        candidate = digest(key)
        found = None
        # every scope is compared, the widest match wins: no early exit that timing could reveal
        for scope in (Scope.STOREFRONT, Scope.CHECKOUT, Scope.ADMIN):
            if _matches(candidate, self.digests.get(scope, ()), now):
                found = scope
        return found
