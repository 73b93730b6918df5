"""What every use case is given: a unit-of-work factory, the clock, an id factory and the law."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detainers.domain._time import utc
from detainers.services.ports import Clock, IdFactory, LegalEngine, UnitOfWorkFactory


@dataclass(frozen=True, kw_only=True)
class Context:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    engine: LegalEngine

    def when(self, at: datetime | None, *, field: str = "at") -> datetime:
        """`at` in UTC, or now when not given."""
        return self.clock.now() if at is None else utc(at, field=field)
