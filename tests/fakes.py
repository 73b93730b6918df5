"""Hand-written fakes for the service ports: an in-memory unit of work, a fixed clock, ids, an engine.

The fake unit of work keeps the real one's promises: nothing is visible to
other units until `commit`, aggregates carry versions, and a stale write is a
`ConcurrencyConflict`.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Generic, Self, TypeVar

from detainers.domain.booking import Booking, Conviction
from detainers.domain.case import Case
from detainers.domain.decision import Evaluation, Reason, Ruling
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.lifecycle import DetainerState
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person
from detainers.domain.vocabulary import Action, Effect, IdentifierKind
from detainers.services.context import Context
from detainers.services.errors import ConcurrencyConflict
from detainers.services.ports import DetainerFilter


class FixedClock:
    """A clock that says what it is told; `advance` moves it."""

    def __init__(self, at: datetime = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class SequentialIds:
    def __init__(self, prefix: str = "id") -> None:
        self._counter = itertools.count(1)
        self._prefix = prefix

    def __call__(self) -> str:
        return f"{self._prefix}-{next(self._counter):06d}"


class FakeLegalEngine:
    """Rules as it is told: every action gets `effects[action]` (default permitted).

    Hold rulings carry `until = releasable_at + hold_hours` when the case has a
    releasable time. `cases` records every case evaluated.
    """

    def __init__(
        self, effects: dict[Action, Effect] | None = None, hold_hours: float | None = 48
    ) -> None:
        self.effects = dict(effects or {})
        self.hold_hours = hold_hours
        self.cases: list[Case] = []

    def evaluate(self, case: Case) -> Evaluation:
        self.cases.append(case)
        rulings = {}
        for action in Action:
            effect = self.effects.get(action, Effect.PERMITTED)
            until = None
            if action is Action.HOLD and case.releasable_at and self.hold_hours is not None:
                until = case.releasable_at + timedelta(hours=self.hold_hours)
            reason = Reason(
                rule=f"fake.{action}", citation="Fake Code 1", summary=f"{effect} by fiat"
            )
            rulings[action] = Ruling(effect=effect, reasons=(reason,), until=until)
        return Evaluation(
            jurisdiction=case.jurisdiction,
            as_of=case.as_of,
            rulings=rulings,
            facts=case.to_contract(),
            engine="fake",
        )


@dataclass
class _Store:
    """What has been committed: shared by every unit of work from one factory."""

    jurisdictions: dict[str, Jurisdiction] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    facilities: dict[str, Facility] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    convictions: dict[str, list[Conviction]] = field(default_factory=dict)
    bookings: dict[str, Booking] = field(default_factory=dict)
    detainers: dict[str, Detainer] = field(default_factory=dict)
    events: dict[str, list[DetainerEvent]] = field(default_factory=dict)


T = TypeVar("T")
A = TypeVar("A", Booking, Detainer)


class _Codes(Generic[T]):
    def __init__(self, items: dict[str, T], key: Callable[[T], str]) -> None:
        self._items = items
        self._key = key
        self.added: set[str] = set()

    def add(self, item: T) -> None:
        self._items[self._key(item)] = item
        self.added.add(self._key(item))

    def get(self, code: str) -> T | None:
        return self._items.get(code)

    def list(self) -> Sequence[T]:
        return [self._items[k] for k in sorted(self._items)]


class _Persons:
    def __init__(self, store: _Store) -> None:
        self._s = store
        self.added: set[str] = set()

    def add(self, person: Person, convictions: Sequence[Conviction]) -> None:
        self._s.persons[person.id] = person
        self._s.convictions[person.id] = list(convictions)
        self.added.add(person.id)

    def get(self, person_id: str) -> Person | None:
        return self._s.persons.get(person_id)

    def find_by_identifier(self, kind: IdentifierKind, value: str) -> Sequence[Person]:
        return [p for p in self._s.persons.values() if p.identifiers.get(kind) == value]

    def convictions(self, person_id: str) -> Sequence[Conviction]:
        return list(self._s.convictions.get(person_id, []))


class _Versioned(Generic[A]):
    """Copies out on read, versions on save; `written` remembers the version each write started from."""

    def __init__(self, items: dict[str, A], kind: str) -> None:
        self._items = items
        self.kind = kind
        self._seen: dict[str, A] = {}
        # id -> the version read before this unit's first write (None: added here)
        self.written: dict[str, int | None] = {}

    def add(self, item: A) -> None:
        self._after_write(item)
        self._items[item.id] = copy.deepcopy(item)
        self._seen[item.id] = item
        self.written.setdefault(item.id, None)

    def get(self, item_id: str) -> A | None:
        if item_id in self._seen:
            return self._seen[item_id]
        stored = self._items.get(item_id)
        if stored is None:
            return None
        item = copy.deepcopy(stored)
        self._seen[item_id] = item
        return item

    def save(self, item: A) -> None:
        stored = self._items.get(item.id)
        if stored is None or stored.version != item.version:
            raise ConcurrencyConflict(self.kind, item.id, item.version)
        self.written.setdefault(item.id, item.version)
        item.version += 1
        self._after_write(item)
        self._items[item.id] = copy.deepcopy(item)

    def _after_write(self, item: A) -> None:
        pass

    def _all(self) -> list[A]:
        return [x for x in (self.get(i) for i in sorted(self._items)) if x is not None]


class _Bookings(_Versioned[Booking]):
    def open_by_number(self, facility_code: str, booking_number: str) -> Booking | None:
        return next(
            (
                b
                for b in self._all()
                if b.facility_code == facility_code
                and b.booking_number == booking_number
                and b.in_custody
            ),
            None,
        )

    def open_for_person(self, facility_code: str, person_id: str) -> Booking | None:
        return next(
            (
                b
                for b in self._all()
                if b.facility_code == facility_code and b.person_id == person_id and b.in_custody
            ),
            None,
        )


class _Detainers(_Versioned[Detainer]):
    def __init__(self, store: _Store) -> None:
        super().__init__(store.detainers, "detainer")
        self._events = store.events

    def _after_write(self, item: Detainer) -> None:
        self._events.setdefault(item.id, []).extend(item.new_events)
        item.new_events.clear()

    def list(self, where: DetainerFilter) -> Sequence[Detainer]:
        found = [
            d
            for d in self._all()
            if (where.state is None or d.state is where.state)
            and (where.facility_code is None or d.facility_code == where.facility_code)
            and (where.agency_code is None or d.agency_code == where.agency_code)
            and (where.after is None or d.id > where.after)
        ]
        return found[: where.limit]

    def events(self, detainer_id: str) -> Sequence[DetainerEvent]:
        return list(self._events.get(detainer_id, []))

    def live_for_booking(self, booking_id: str) -> Sequence[Detainer]:
        return [d for d in self._all() if d.booking_id == booking_id and d.is_live]

    def unmatched_at(self, facility_code: str) -> Sequence[Detainer]:
        return [
            d
            for d in self._all()
            if d.facility_code == facility_code and d.state is DetainerState.UNMATCHED
        ]

    def overdue_holds(self, now: datetime) -> Sequence[Detainer]:
        return [
            d
            for d in self._all()
            if d.hold is not None and d.hold.overdue(now) and d.hold.overrun_recorded_at is None
        ]

    def count_by_state(self) -> dict[DetainerState, int]:
        counts: dict[DetainerState, int] = {}
        for d in self._all():
            counts[d.state] = counts.get(d.state, 0) + 1
        return counts


class FakeUnitOfWork:
    """An in-memory unit of work: reads a private snapshot, publishes only its own writes on commit.

    Like a database, commit refuses a write to a booking or detainer whose
    committed version moved since this unit read it, and leaves every record
    it did not write as others committed it.
    """

    def __init__(self, committed: _Store) -> None:
        self._committed = committed
        self.commits = 0

    def __enter__(self) -> Self:
        self._open()
        return self

    def _open(self) -> None:
        self._work = copy.deepcopy(self._committed)
        s = self._work
        self.jurisdictions = _Codes(s.jurisdictions, lambda j: j.code)
        self.agencies = _Codes(s.agencies, lambda a: a.code)
        self.facilities = _Codes(s.facilities, lambda f: f.code)
        self.persons = _Persons(s)
        self.bookings = _Bookings(s.bookings, "booking")
        self.detainers = _Detainers(s)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self._work

    def commit(self) -> None:
        committed, work = self._committed, self._work
        for repo, theirs in (
            (self.bookings, committed.bookings),
            (self.detainers, committed.detainers),
        ):
            for item_id, read_version in repo.written.items():
                current = theirs.get(item_id)
                if (read_version is None) != (current is None) or (
                    current is not None and current.version != read_version
                ):
                    raise ConcurrencyConflict(repo.kind, item_id, read_version)
        for codes, mine, theirs_codes in (
            (self.jurisdictions, work.jurisdictions, committed.jurisdictions),
            (self.agencies, work.agencies, committed.agencies),
            (self.facilities, work.facilities, committed.facilities),
        ):
            for code in codes.added:
                theirs_codes[code] = copy.deepcopy(mine[code])  # type: ignore[index]
            codes.added.clear()
        for person_id in self.persons.added:
            committed.persons[person_id] = copy.deepcopy(work.persons[person_id])
            committed.convictions[person_id] = copy.deepcopy(work.convictions[person_id])
        self.persons.added.clear()
        for booking_id in self.bookings.written:
            committed.bookings[booking_id] = copy.deepcopy(work.bookings[booking_id])
        self.bookings.written.clear()
        for detainer_id in self.detainers.written:
            committed.detainers[detainer_id] = copy.deepcopy(work.detainers[detainer_id])
            committed.events[detainer_id] = copy.deepcopy(work.events[detainer_id])
        self.detainers.written.clear()
        self.commits += 1

    def rollback(self) -> None:
        self._open()


class FakeUnitOfWorkFactory:
    def __init__(self) -> None:
        self.store = _Store()
        self.made: list[FakeUnitOfWork] = []

    def __call__(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.store)
        self.made.append(uow)
        return uow


def fake_context(
    engine: FakeLegalEngine | None = None, clock: FixedClock | None = None
) -> tuple[Context, FakeUnitOfWorkFactory, FixedClock, FakeLegalEngine]:
    """A service context over fakes, and the fakes themselves for the test to inspect."""
    uow = FakeUnitOfWorkFactory()
    clock = clock or FixedClock()
    engine = engine or FakeLegalEngine()
    return Context(uow=uow, clock=clock, ids=SequentialIds(), engine=engine), uow, clock, engine
