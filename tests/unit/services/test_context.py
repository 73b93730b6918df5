"""The injected clock: commands without a time happen now, by the clock they were given."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from detainers.domain.errors import InvalidValue
from tests.fakes import FixedClock, fake_context
from tests.unit.builders import T0


def test_a_command_without_a_time_happens_at_the_injected_clocks_now() -> None:
    ctx, _, clock, _ = fake_context(clock=FixedClock(T0))
    clock.advance(minutes=90)
    assert ctx.when(None) == T0 + timedelta(minutes=90)


def test_a_command_time_in_another_zone_is_taken_in_utc() -> None:
    ctx, _, _, _ = fake_context()
    eastern = timezone(timedelta(hours=-5))
    assert ctx.when(datetime(2024, 2, 1, 4, 0, tzinfo=eastern)) == T0


def test_a_command_time_without_a_zone_is_refused_naming_the_field() -> None:
    ctx, _, _, _ = fake_context()
    with pytest.raises(InvalidValue, match=r"^served_at: \[2024-02-01T09:00:00\] has no time zone"):
        ctx.when(datetime(2024, 2, 1, 9, 0), field="served_at")
