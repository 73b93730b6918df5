"""What every use case is given: a unit-of-work factory, the clock, an id factory and the law."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from detainers.domain._time import utc
from detainers.domain.errors import InvalidValue
from detainers.services.ports import Clock, IdFactory, LegalEngine, UnitOfWorkFactory


@dataclass(frozen=True, kw_only=True)
class Context:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    engine: LegalEngine

    def when(self, at: datetime | None, *, field: str = "at") -> datetime:
        """`at` in UTC, or now when not given; an act cannot be dated in the future."""
        now = self.clock.now()
        if at is None:
            return now
        at = utc(at, field=field)
        if at > now + CLOCK_SKEW:
            raise InvalidValue(
                field=field,
                value=at.isoformat(),
                problem=f"is in the future (now is [{now.isoformat()}])",
            )
        return at


# Clients' clocks drift a little; an act a few minutes "ahead" is not a future act.
CLOCK_SKEW = timedelta(minutes=5)
