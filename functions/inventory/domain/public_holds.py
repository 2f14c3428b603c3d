"""Public holds: what a storefront key, public by design, may hold, and why it cannot hoard or sell.

A storefront key sits in every product page, so anyone has it. It may still hold stock (an
add-to-cart hold on a shop without a backend of its own), but only within bounds an attacker
cannot stretch (OWASP OAT-021, "Denial of Inventory"; docs/security.md):
- caps per hold: units per line, lines, hold time (template parameters);
- a ceiling per stock record on the units all public holds together may hold, enforced in the
  same conditional write that holds the stock, so no number of concurrent requests passes it;
- a release secret, returned once to the creator and stored only as its digest: releasing,
  extending or reading a public hold needs it, and a storefront key never sees or touches a hold
  placed with another scope (those are "not found", exactly like an unknown id);
- confirming and selling need a checkout key: a public key never lowers on-hand stock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import BaseModel, ConfigDict, Field

from inventory.domain.reservation_models import HoldPolicy, Reservation, ReservationInput
from inventory.errors import Forbidden, PublicHoldLimit, ValidationFailed

SECRET_HEADER = "x-release-secret"
_SECRET_BYTES = 24  # 32 URL-safe characters: not guessable, not worth brute-forcing


class PublicHoldRules(BaseModel):
    """The bounds of holds placed with a storefront key (template parameters)."""

    model_config = ConfigDict(frozen=True)

    max_units: int = Field(ge=1, description="Units per line")
    max_lines: int = Field(ge=1, description="Lines per hold")
    max_seconds: int = Field(ge=1, description="Hold time, and a public hold's whole life with extensions")
    ceiling: int = Field(ge=0, description="Units all public holds may hold on one stock record; 0: none")

    def policy(self, base: HoldPolicy) -> HoldPolicy:
        """The deployment's hold-time bounds, shortened to the public maximum."""
        top = min(base.max_seconds, self.max_seconds)
        return HoldPolicy(
            default_seconds=min(base.default_seconds, top),
            min_seconds=min(base.min_seconds, top),
            max_seconds=top,
        )

    def check(self, request: ReservationInput, line_field: str = "items.{index}.quantity") -> None:
        """Refuses (400, naming each field) what no public hold may ask for, before anything is written."""
        if self.ceiling == 0:
            raise Forbidden("this operation needs a checkout key", required_scope="checkout")
        problems: list[dict[str, str]] = []
        if len(request.items) > self.max_lines:
            problems.append(
                {"field": "items", "problem": f"at most {self.max_lines} lines with a storefront key"}
            )
        for index, line in enumerate(request.items):
            if line.quantity > self.max_units:
                problems.append(
                    {
                        "field": line_field.format(index=index),
                        "problem": f"at most {self.max_units} units per line with a storefront key",
                    }
                )
        if request.hold_seconds is not None and request.hold_seconds > self.max_seconds:
            problems.append(
                {"field": "hold_seconds", "problem": f"at most {self.max_seconds} with a storefront key"}
            )
        if problems:
            first = problems[0]
            raise ValidationFailed(f"{first['field']}: {first['problem']}", fields=problems)
        over = [line for line in request.items if line.quantity > self.ceiling]
        if over:
            raise limit_reached(self.ceiling, [(line.product_id, line.warehouse_id) for line in over])


def limit_reached(ceiling: int, records: list[tuple[str, str]]) -> PublicHoldLimit:
    names = ", ".join(f"{product}@{warehouse}" for product, warehouse in records)
    return PublicHoldLimit(
        f"storefront holds on {names} have reached their limit; checkout with the shop's server instead",
        ceiling=ceiling,
        lines=[{"product_id": product, "warehouse_id": warehouse} for product, warehouse in records],
    )


def new_secret() -> tuple[str, str]:
    """A release secret and the digest that is stored (the secret itself never is)."""
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return secret, _digest(secret)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class PublicCaller(BaseModel):
    """A caller with a storefront key, and the release secret it sent (if any)."""

    model_config = ConfigDict(frozen=True)

    secret: str | None = None

    def require_secret(self) -> str:
        if not self.secret:
            raise ValidationFailed(
                f"{SECRET_HEADER}: required with a storefront key (the hold's release_secret)",
                fields=[{"field": SECRET_HEADER, "problem": "required with a storefront key"}],
            )
        return self.secret

    def may_touch(self, reservation: Reservation) -> bool:
        """Only a public hold, and only with its own secret (compared in constant time)."""
        secret = self.require_secret()
        if not reservation.public or not reservation.secret_digest:
            return False
        return hmac.compare_digest(_digest(secret), reservation.secret_digest)
