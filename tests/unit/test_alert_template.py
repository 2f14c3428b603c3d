"""The template's alert wiring: the e-mail subscription exists only when an address is given, and
the schedule, cool-down and reminder period reach the functions as parameters."""

from __future__ import annotations

import pytest

from local_stack.cfn import Resolver, load_template, parameter_values
from tests.support import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
KEYS = {"AdminKeyHashes": "a" * 64, "StorefrontKeyHashes": "b" * 64, "CheckoutKeyHashes": "c" * 64}


def resolver(**overrides: str) -> Resolver:
    return Resolver(TEMPLATE, parameter_values(TEMPLATE, {**KEYS, **overrides}), {}, "us-east-1", "t")


@pytest.mark.parametrize(("email", "subscribed"), [("", False), ("ops@example.com", True)])
def test_the_email_subscription_follows_the_alert_email_parameter(email: str, subscribed: bool) -> None:
    assert resolver(AlertEmail=email).resource_enabled("AlertEmailSubscription") is subscribed


def test_the_check_runs_on_the_configured_schedule_by_default_every_15_minutes() -> None:
    events = TEMPLATE["Resources"]["CheckThresholdsFunction"]["Properties"]["Events"]
    assert resolver().resolve(events["Every"]["Properties"]["Schedule"]) == "rate(15 minutes)"
    assert resolver(CheckThresholdsSchedule="rate(1 hour)").resolve(
        events["Every"]["Properties"]["Schedule"]
    ) == ("rate(1 hour)")


def test_the_topic_is_named_inventory_alerts() -> None:
    assert TEMPLATE["Resources"]["AlertsTopic"]["Properties"]["TopicName"] == "inventory-alerts"
