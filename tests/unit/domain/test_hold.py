"""Holds: a deadline fixed when the hold starts, the earlier of the law's and the facility's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detainers.domain.errors import InvalidValue
from detainers.domain.hold import Hold
from detainers.domain.vocabulary import HoldEndReason
from tests.unit.builders import HOURS, T0


def test_without_a_facility_limit_the_deadline_is_the_legal_end() -> None:
    hold = Hold.start(at=T0, legal_until=T0 + 48 * HOURS, facility_limit_hours=None)
    assert (hold.started_at, hold.deadline_at, hold.legal_until) == (
        T0,
        T0 + 48 * HOURS,
        T0 + 48 * HOURS,
    )
    assert hold.is_open


def test_a_shorter_facility_limit_brings_the_deadline_forward() -> None:
    hold = Hold.start(at=T0, legal_until=T0 + 48 * HOURS, facility_limit_hours=12)
    assert hold.deadline_at == T0 + 12 * HOURS
    assert hold.legal_until == T0 + 48 * HOURS


def test_a_longer_facility_limit_never_extends_the_legal_end() -> None:
    hold = Hold.start(at=T0, legal_until=T0 + 48 * HOURS, facility_limit_hours=96)
    assert hold.deadline_at == T0 + 48 * HOURS


def test_the_deadline_does_not_move_when_the_hold_ends_or_overruns() -> None:
    hold = Hold.start(at=T0, legal_until=T0 + 48 * HOURS, facility_limit_hours=None)
    overrun = hold.overrun_recorded(T0 + 50 * HOURS)
    ended = overrun.end(at=T0 + 51 * HOURS, reason=HoldEndReason.RELEASED)
    assert ended.deadline_at == T0 + 48 * HOURS
    assert ended.overrun_recorded_at == T0 + 50 * HOURS
    assert (ended.ended_at, ended.end_reason) == (T0 + 51 * HOURS, HoldEndReason.RELEASED)
    assert not ended.is_open
    assert hold.is_open  # the original is unchanged: holds are values


@pytest.mark.parametrize("legal_until", [T0, T0 - HOURS])
def test_a_legal_end_not_after_the_start_is_refused(legal_until: datetime) -> None:
    with pytest.raises(InvalidValue, match=r"^hold\.legal_until: .* is not after the hold's start"):
        Hold.start(at=T0, legal_until=legal_until, facility_limit_hours=None)


@pytest.mark.parametrize(
    ("at", "legal_until", "field"),
    [
        (datetime(2024, 2, 1, 9, 0), T0 + HOURS, "hold.started_at"),
        (T0, datetime(2024, 2, 3, 9, 0), "hold.legal_until"),
    ],
)
def test_hold_times_without_a_zone_are_refused_naming_the_field(
    at: datetime, legal_until: datetime, field: str
) -> None:
    with pytest.raises(InvalidValue, match=rf"^{field}: .* has no time zone"):
        Hold.start(at=at, legal_until=legal_until, facility_limit_hours=None)


def test_a_facility_limit_that_leaves_no_time_to_hold_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^facility\.hold_limit_hours: \[0\] leaves no time"):
        Hold.start(at=T0, legal_until=T0 + 48 * HOURS, facility_limit_hours=0)


def test_hold_times_in_another_zone_are_kept_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    hold = Hold.start(
        at=datetime(2024, 2, 1, 4, 0, tzinfo=eastern),
        legal_until=datetime(2024, 2, 3, 4, 0, tzinfo=eastern),
        facility_limit_hours=None,
    )
    assert hold.started_at == T0
    assert hold.deadline_at == T0 + 48 * HOURS
    assert hold.deadline_at.tzinfo is UTC


def test_a_hold_is_overdue_only_when_open_past_its_deadline() -> None:
    hold = Hold.start(at=T0, legal_until=T0 + 48 * HOURS, facility_limit_hours=None)
    deadline = hold.deadline_at
    assert not hold.overdue(deadline - timedelta(seconds=1))
    assert not hold.overdue(deadline)
    assert hold.overdue(deadline + timedelta(seconds=1))
    ended = hold.end(at=deadline + HOURS, reason=HoldEndReason.DEADLINE)
    assert not ended.overdue(deadline + 2 * HOURS)


@given(
    legal_minutes=st.integers(min_value=1, max_value=240 * 60),
    limit_hours=st.one_of(st.none(), st.integers(min_value=1, max_value=240)),
)
def test_a_hold_deadline_is_never_later_than_the_law_or_the_facility_allows(
    legal_minutes: int, limit_hours: int | None
) -> None:
    legal_until = T0 + timedelta(minutes=legal_minutes)
    hold = Hold.start(at=T0, legal_until=legal_until, facility_limit_hours=limit_hours)
    assert T0 < hold.deadline_at <= legal_until
    if limit_hours is not None:
        assert hold.deadline_at <= T0 + timedelta(hours=limit_hours)
        assert hold.deadline_at in (legal_until, T0 + timedelta(hours=limit_hours))
    else:
        assert hold.deadline_at == legal_until
