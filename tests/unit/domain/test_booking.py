"""Bookings: times in UTC, nothing dated before the booking, nothing done after the release."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from detainers.domain.booking import Booking, BookingClosed, Charge
from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import ChargeClass, ReleaseReason
from tests.unit.builders import HOURS, T0

NAIVE = datetime(2024, 2, 1, 12, 0)  # no zone: the point of the tests that use it


def _booking(**changes: object) -> Booking:
    fields: dict[str, object] = {
        "id": "bk-1",
        "booking_number": "B-1",
        "facility_code": "CT-DOC-HCC",
        "person_id": "p-1",
        "booked_at": T0,
    }
    fields.update(changes)
    return Booking(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field", ["booked_at", "scheduled_release_at", "releasable_at", "released_at"]
)
def test_a_booking_time_without_a_zone_is_refused_naming_the_field(field: str) -> None:
    with pytest.raises(InvalidValue, match=rf"^booking\.{field}: \[2024-02-01T12:00:00\] has no"):
        _booking(**{field: NAIVE})


def test_booking_times_in_another_zone_are_kept_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    booking = _booking(booked_at=datetime(2024, 2, 1, 4, 0, tzinfo=eastern))
    assert booking.booked_at == T0
    assert booking.booked_at.utcoffset() == timedelta(0)


def test_a_booking_without_a_number_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^booking\.booking_number: .* is empty"):
        _booking(booking_number="  ")


def test_a_charge_without_a_statute_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^charge\.statute: "):
        Charge(statute=" ", description="unknown", charge_class=ChargeClass.FELONY)


def test_marking_releasable_records_when_and_why_and_keeps_the_person_in_custody() -> None:
    booking = _booking()
    booking.mark_releasable(T0 + HOURS, ReleaseReason.BOND_POSTED)
    assert (booking.releasable_at, booking.releasable_reason) == (
        T0 + HOURS,
        ReleaseReason.BOND_POSTED,
    )
    assert booking.in_custody


def test_a_release_ends_custody_with_its_time_and_reason() -> None:
    booking = _booking()
    booking.release(T0 + HOURS, ReleaseReason.SENTENCE_COMPLETE)
    assert not booking.in_custody
    assert (booking.released_at, booking.release_reason) == (
        T0 + HOURS,
        ReleaseReason.SENTENCE_COMPLETE,
    )


_ACTS: dict[str, Callable[[Booking, datetime], None]] = {
    "releasable_at": lambda b, at: b.mark_releasable(at, ReleaseReason.BOND_POSTED),
    "released_at": lambda b, at: b.release(at, ReleaseReason.BOND_POSTED),
    "scheduled_release_at": lambda b, at: b.schedule_release(at),
}


@pytest.mark.parametrize("field", list(_ACTS))
def test_nothing_on_a_booking_may_be_dated_before_the_booking(field: str) -> None:
    booking = _booking()
    with pytest.raises(InvalidValue, match=rf"^{field}: .* is before the booking"):
        _ACTS[field](booking, T0 - HOURS)
    assert booking.in_custody
    assert getattr(booking, field) is None


@pytest.mark.parametrize("field", list(_ACTS))
def test_nothing_more_happens_to_a_booking_once_the_person_is_released(field: str) -> None:
    booking = _booking()
    booking.release(T0 + HOURS, ReleaseReason.BOND_POSTED)
    with pytest.raises(BookingClosed, match=r"booking \[bk-1\] ended at \[2024-02-01T10:00:00"):
        _ACTS[field](booking, T0 + 2 * HOURS)
    assert booking.released_at == T0 + HOURS


def test_a_scheduled_release_can_be_cleared() -> None:
    booking = _booking(scheduled_release_at=T0 + 24 * HOURS)
    booking.schedule_release(None)
    assert booking.scheduled_release_at is None
