"""Function configuration, validated at cold start from the environment the template sets.

Each concern has its own small model so that a function only needs the variables it uses.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_SHA256_HEX_LENGTH = 64


class _Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)


class StoreSettings(_Settings):
    inventory_table_name: str = Field(min_length=3)
    ledger_table_name: str = Field(min_length=3)


class AlertSettings(_Settings):
    """Where alerts are recorded and published, and the flood rule (see docs/alerts.md)."""

    alerts_table_name: str = Field(min_length=3)
    alerts_topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:")
    alert_cooldown_seconds: int = Field(default=900, ge=0)
    reminder_after_seconds: int = Field(default=86400, ge=60)


class AlertFeedSettings(_Settings):
    alerts_table_name: str = Field(min_length=3)


class ApiSettings(_Settings):
    cors_allowed_origins: str = Field(default="", description="Comma-separated origins allowed by CORS")

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_allowed_origins.split(",") if origin.strip()]


class KeySettings(_Settings):
    """Only SHA-256 digests of API keys are configured; the keys themselves never reach a function."""

    admin_key_hashes: str = ""
    checkout_key_hashes: str = ""
    storefront_key_hashes: str = ""

    @field_validator("admin_key_hashes", "checkout_key_hashes", "storefront_key_hashes")
    @classmethod
    def _digests(cls, value: str) -> str:
        for digest in filter(None, (part.strip() for part in value.split(","))):
            if len(digest) != _SHA256_HEX_LENGTH or any(c not in "0123456789abcdef" for c in digest.lower()):
                raise ValueError("must be comma-separated SHA-256 hex digests")
        return value

    @staticmethod
    def _split(value: str) -> tuple[str, ...]:
        return tuple(part.strip().lower() for part in value.split(",") if part.strip())

    @property
    def admin_digests(self) -> tuple[str, ...]:
        return self._split(self.admin_key_hashes)

    @property
    def checkout_digests(self) -> tuple[str, ...]:
        return self._split(self.checkout_key_hashes)

    @property
    def storefront_digests(self) -> tuple[str, ...]:
        return self._split(self.storefront_key_hashes)


SettingsT = TypeVar("SettingsT", bound=_Settings)


def load(model: type[SettingsT]) -> SettingsT:
    """Reads and validates one settings model from the environment (raises at cold start if wrong)."""
    return model()


class ReservationSettings(_Settings):
    """The reservation workflow: its table, outcome topic and hold-time bounds (template parameters)."""

    reservations_table_name: str = Field(min_length=3)
    reservation_events_topic_arn: str = Field(min_length=3)
    hold_default_seconds: int = Field(ge=1)
    hold_min_seconds: int = Field(ge=1)
    hold_max_seconds: int = Field(ge=1)


class WorkflowSettings(_Settings):
    reservation_state_machine_arn: str = Field(min_length=3)
    sweep_grace_seconds: int = Field(default=60, ge=0)
