"""Ports: the Protocols through which use cases reach storage, the clock, ids and the law.

Adapters implement them; tests use hand-written fakes (`tests/fakes.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from detainers.domain.booking import Booking, Conviction
from detainers.domain.case import Case
from detainers.domain.decision import Evaluation
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.lifecycle import DetainerState
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person
from detainers.domain.vocabulary import IdentifierKind


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdFactory(Protocol):
    def __call__(self) -> str:
        """A new unique id."""
        ...


class LegalEngine(Protocol):
    def evaluate(self, case: Case) -> Evaluation:
        """The law's ruling on every action for `case` (see the case contract)."""
        ...


class JurisdictionRepository(Protocol):
    def add(self, jurisdiction: Jurisdiction) -> None: ...
    def get(self, code: str) -> Jurisdiction | None: ...
    def list(self) -> Sequence[Jurisdiction]: ...


class AgencyRepository(Protocol):
    def add(self, agency: Agency) -> None: ...
    def get(self, code: str) -> Agency | None: ...
    def list(self) -> Sequence[Agency]: ...


class FacilityRepository(Protocol):
    def add(self, facility: Facility) -> None: ...
    def get(self, code: str) -> Facility | None: ...
    def list(self) -> Sequence[Facility]: ...


class PersonRepository(Protocol):
    def add(self, person: Person, convictions: Sequence[Conviction]) -> None: ...
    def get(self, person_id: str) -> Person | None: ...
    def find_by_identifier(self, kind: IdentifierKind, value: str) -> Sequence[Person]: ...
    def convictions(self, person_id: str) -> Sequence[Conviction]: ...


class BookingRepository(Protocol):
    def add(self, booking: Booking) -> None: ...
    def get(self, booking_id: str) -> Booking | None: ...
    def save(self, booking: Booking) -> None:
        """Write changes; `ConcurrencyConflict` if the stored version moved since the read."""
        ...

    def open_by_number(self, facility_code: str, booking_number: str) -> Booking | None: ...
    def open_for_person(self, facility_code: str, person_id: str) -> Booking | None: ...


@dataclass(frozen=True, kw_only=True)
class DetainerFilter:
    """What `DetainerRepository.list` selects; `after` is the last id of the previous page."""

    state: DetainerState | None = None
    facility_code: str | None = None
    agency_code: str | None = None
    limit: int = 50
    after: str | None = None


class DetainerRepository(Protocol):
    def add(self, detainer: Detainer) -> None:
        """Insert a new detainer with its pending events."""
        ...

    def get(self, detainer_id: str) -> Detainer | None: ...
    def save(self, detainer: Detainer) -> None:
        """Write changes and append pending events; `ConcurrencyConflict` if the version moved."""
        ...

    def list(self, where: DetainerFilter) -> Sequence[Detainer]: ...
    def events(self, detainer_id: str) -> Sequence[DetainerEvent]: ...
    def live_for_booking(self, booking_id: str) -> Sequence[Detainer]: ...
    def unmatched_at(self, facility_code: str) -> Sequence[Detainer]: ...
    def overdue_holds(self, now: datetime) -> Sequence[Detainer]:
        """Detainers on hold past their deadline whose overrun is not yet recorded."""
        ...

    def count_by_state(self) -> dict[DetainerState, int]: ...


class UnitOfWork(Protocol):
    """One transaction over every repository: commit all or nothing."""

    @property
    def jurisdictions(self) -> JurisdictionRepository: ...
    @property
    def agencies(self) -> AgencyRepository: ...
    @property
    def facilities(self) -> FacilityRepository: ...
    @property
    def persons(self) -> PersonRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def detainers(self) -> DetainerRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
