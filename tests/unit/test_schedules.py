"""EventBridge schedule expressions fire when EventBridge would fire them."""

from datetime import UTC, datetime

import pytest

from local_stack.event_sources import next_fire

NOW = datetime(2026, 11, 22, 10, 7, 30, tzinfo=UTC)  # a Sunday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(15 minutes)", datetime(2026, 11, 22, 10, 22, 30, tzinfo=UTC)),
        ("rate(1 hour)", datetime(2026, 11, 22, 11, 7, 30, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 22, 10, 15, tzinfo=UTC)),
        ("cron(0 12 * * ? *)", datetime(2026, 11, 22, 12, 0, tzinfo=UTC)),
        ("cron(30 9 ? * 2 *)", datetime(2026, 11, 23, 9, 30, tzinfo=UTC)),  # 2 = Monday
    ],
)
def test_next_fire(expression: str, expected: datetime) -> None:
    assert next_fire(expression, NOW) == expected


def test_unsupported_expression_is_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        next_fire("at(2026-01-01T00:00:00)", NOW)
