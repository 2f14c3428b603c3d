"""API keys and what they may do. Only SHA-256 digests are stored; comparisons are constant-time."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum


class Scope(StrEnum):
    STOREFRONT = "storefront"  # read stock, reserve and release
    ADMIN = "admin"  # everything, including changing stock


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _matches(candidate: str, digests: tuple[str, ...]) -> bool:
    found = False
    for known in digests:  # no early exit: timing does not reveal which digest matched
        found |= hmac.compare_digest(candidate, known)
    return found


def scope_for_key(key: str | None, admin: tuple[str, ...], storefront: tuple[str, ...]) -> Scope | None:
    if not key:
        return None
    candidate = digest(key)
    if _matches(candidate, admin):
        return Scope.ADMIN
    if _matches(candidate, storefront):
        return Scope.STOREFRONT
    return None
