"""API keys and what they may do. Only SHA-256 digests are stored; comparisons are constant-time.

Three scopes, each a superset of the one before:
- storefront: public by design (it sits in every product page): reads stock and the catalogue,
  checks carts, and places small public holds it alone can release (see docs/security.md);
- checkout: a server-side secret for the shop's backend and order service: reserves, confirms,
  releases, extends and reads reservations, and sells without a hold;
- admin: everything, including changing stock.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum


class Scope(StrEnum):
    STOREFRONT = "storefront"
    CHECKOUT = "checkout"
    ADMIN = "admin"

    def allows(self, needed: Scope) -> bool:
        return _RANK[self] >= _RANK[needed]


_RANK = {Scope.STOREFRONT: 0, Scope.CHECKOUT: 1, Scope.ADMIN: 2}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _matches(candidate: str, digests: tuple[str, ...]) -> bool:
    found = False
    for known in digests:  # no early exit: timing does not reveal which digest matched
        found |= hmac.compare_digest(candidate, known)
    return found


def scope_for_key(
    key: str | None,
    admin: tuple[str, ...],
    storefront: tuple[str, ...],
    checkout: tuple[str, ...] = (),
) -> Scope | None:
    if not key:
        return None
    candidate = digest(key)
    found = None
    # every scope is compared, highest last wins: no early exit that timing could reveal
    for scope, digests in ((Scope.STOREFRONT, storefront), (Scope.CHECKOUT, checkout), (Scope.ADMIN, admin)):
        if _matches(candidate, digests):
            found = scope
    return found
