"""A person's stay at a facility, with the charges that hold them there.

The booking knows when custody would otherwise end (`releasable_at`) and when
and why it did end (`released_at`, `release_reason`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from detainers.domain._time import utc, utc_or_none
from detainers.domain.errors import DomainError, InvalidValue
from detainers.domain.vocabulary import ChargeClass, ChargeStatus, ReleaseReason


@dataclass(frozen=True, kw_only=True)
class Charge:
    """A charge on a booking. `class_raw_text` keeps the source's own words for the grade."""

    statute: str
    description: str
    charge_class: ChargeClass | None
    class_raw_text: str = ""
    status: ChargeStatus = ChargeStatus.PENDING
    tags: frozenset[str] = frozenset()
    probable_cause_finding: bool | None = None

    def __post_init__(self) -> None:
        if not self.statute.strip():
            raise InvalidValue(field="charge.statute", value=self.statute, problem="is empty")

    def as_conviction(self, *, convicted_date: date, jurisdiction: str) -> Conviction:
        """This charge as a conviction entered on `convicted_date` in `jurisdiction`."""
        return Conviction(
            statute=self.statute,
            description=self.description,
            charge_class=self.charge_class,
            convicted_date=convicted_date,
            jurisdiction=jurisdiction,
            class_raw_text=self.class_raw_text,
            tags=self.tags,
        )


@dataclass(frozen=True, kw_only=True)
class Conviction:
    """A prior conviction of the person, in the jurisdiction that entered it."""

    statute: str
    description: str
    charge_class: ChargeClass | None
    convicted_date: date
    jurisdiction: str
    class_raw_text: str = ""
    tags: frozenset[str] = frozenset()


class BookingClosed(DomainError):
    """An act on a booking whose person has already left custody."""

    def __init__(self, *, booking_id: str, released_at: datetime) -> None:
        super().__init__(
            f"booking [{booking_id}] ended at [{released_at.isoformat()}]; the person is not in custody"
        )


@dataclass(kw_only=True)
class Booking:
    """One stay of one person at one facility (an aggregate, versioned for concurrent edits)."""

    id: str
    booking_number: str
    facility_code: str
    person_id: str
    booked_at: datetime
    charges: tuple[Charge, ...] = ()
    scheduled_release_at: datetime | None = None
    releasable_at: datetime | None = None
    releasable_reason: ReleaseReason | None = None
    released_at: datetime | None = None
    release_reason: ReleaseReason | None = None
    version: int = 0

    def __post_init__(self) -> None:
        self.booked_at = utc(self.booked_at, field="booking.booked_at")
        self.scheduled_release_at = utc_or_none(
            self.scheduled_release_at, field="booking.scheduled_release_at"
        )
        self.releasable_at = utc_or_none(self.releasable_at, field="booking.releasable_at")
        self.released_at = utc_or_none(self.released_at, field="booking.released_at")
        if not self.booking_number.strip():
            raise InvalidValue(
                field="booking.booking_number", value=self.booking_number, problem="is empty"
            )

    @property
    def in_custody(self) -> bool:
        return self.released_at is None

    def _require_open(self) -> None:
        if self.released_at is not None:
            raise BookingClosed(booking_id=self.id, released_at=self.released_at)

    def _not_before_booking(self, at: datetime, *, field: str) -> datetime:
        at = utc(at, field=field)
        if at < self.booked_at:
            raise InvalidValue(
                field=field,
                value=at.isoformat(),
                problem=f"is before the booking [{self.booked_at.isoformat()}]",
            )
        return at

    def schedule_release(self, at: datetime | None) -> None:
        """Record (or clear) the expected release time."""
        self._require_open()
        self.scheduled_release_at = (
            None if at is None else self._not_before_booking(at, field="scheduled_release_at")
        )

    def mark_releasable(self, at: datetime, reason: ReleaseReason) -> None:
        """Custody would end at `at` but for any detainer hold."""
        self._require_open()
        self.releasable_at = self._not_before_booking(at, field="releasable_at")
        self.releasable_reason = reason

    def release(self, at: datetime, reason: ReleaseReason) -> None:
        """The person leaves the facility's custody."""
        self._require_open()
        self.released_at = self._not_before_booking(at, field="released_at")
        self.release_reason = reason
