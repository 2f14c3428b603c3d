"""Function configuration, validated at cold start from the environment the template sets.

Each concern has its own small model so that a function only needs the variables it uses.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    """Where the key digests of each scope live (SSM parameter names) and how long a read is cached.
    Only SHA-256 digests are stored there; the keys themselves never reach a function."""

    admin_key_parameter: str = Field(min_length=1)
    checkout_key_parameter: str = Field(min_length=1)
    storefront_key_parameter: str = Field(min_length=1)
    key_cache_seconds: int = Field(default=30, ge=0, le=3600)
    usage_identifier_prefix: str = Field(
        min_length=1, description="+ the scope: the usage plan's API key value (not a credential)"
    )


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


class PublicHoldSettings(_Settings):
    """Bounds of holds placed with a storefront key (template parameters; docs/security.md)."""

    public_hold_max_units: int = Field(ge=1)
    public_hold_max_lines: int = Field(ge=1, le=25)
    public_hold_max_seconds: int = Field(ge=1)
    public_held_units_ceiling: int = Field(ge=0)


class WorkflowSettings(_Settings):
    reservation_state_machine_arn: str = Field(min_length=3)
    sweep_grace_seconds: int = Field(default=60, ge=0)
