"""Holds: custody kept on a detainer past the otherwise-releasable time, always with a deadline."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from detainers.domain._time import utc
from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import HoldEndReason


@dataclass(frozen=True, kw_only=True)
class Hold:
    """A hold from `started_at` to at most `deadline_at`.

    The deadline is the earlier of the law's maximum (`legal_until`, computed by
    the legal engine from the form and the law in force) and the facility's own
    limit. `overrun_recorded_at` is set once a hold is found open past its deadline.
    """

    started_at: datetime
    deadline_at: datetime
    legal_until: datetime
    ended_at: datetime | None = None
    end_reason: HoldEndReason | None = None
    overrun_recorded_at: datetime | None = None

    @classmethod
    def start(
        cls, *, at: datetime, legal_until: datetime, facility_limit_hours: int | None
    ) -> Hold:
        """A hold starting at `at`, its deadline fixed now."""
        at = utc(at, field="hold.started_at")
        legal_until = utc(legal_until, field="hold.legal_until")
        if legal_until <= at:
            raise InvalidValue(
                field="hold.legal_until",
                value=legal_until.isoformat(),
                problem=f"is not after the hold's start [{at.isoformat()}]",
            )
        deadline = legal_until
        if facility_limit_hours is not None:
            deadline = min(deadline, at + timedelta(hours=facility_limit_hours))
        if deadline <= at:
            raise InvalidValue(
                field="facility.hold_limit_hours",
                value=facility_limit_hours,
                problem="leaves no time to hold: the facility does not hold on detainers",
            )
        return cls(started_at=at, deadline_at=deadline, legal_until=legal_until)

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def overdue(self, now: datetime) -> bool:
        """Open past its deadline."""
        return self.is_open and now > self.deadline_at

    def end(self, *, at: datetime, reason: HoldEndReason) -> Hold:
        return replace(self, ended_at=at, end_reason=reason)

    def overrun_recorded(self, at: datetime) -> Hold:
        return replace(self, overrun_recorded_at=at)
