"""Where the authorizer finds the key digests of each scope (the parameter store in `inventory.store`)."""

from __future__ import annotations

from typing import Protocol

from inventory.domain.api_keys import KeyRing


class KeySource(Protocol):
    def current(self) -> KeyRing:
        """The digests valid now; cached briefly, so a rotation takes effect within the cache time."""
        ...
