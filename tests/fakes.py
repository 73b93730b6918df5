"""Hand-written fakes for the service ports: an in-memory unit of work, a fixed clock, ids, an engine.

The fake unit of work keeps the real one's promises: nothing is visible to
other units until `commit`, aggregates carry versions, and a stale write is a
`ConcurrencyConflict`.
"""

from __future__ import annotations

import copy
import itertools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Generic, Self, TypeVar

from detainers.domain.access import ApiKey, Session, User
from detainers.domain.audit import GENESIS, AuditEntry, AuditRecord, seal
from detainers.domain.booking import Booking, Conviction
from detainers.domain.case import Case
from detainers.domain.decision import Evaluation, Reason, Ruling
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import (
    Attempt,
    Audience,
    Channel,
    Endpoint,
    Message,
    MessageStatus,
    MessageType,
    Timer,
)
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person
from detainers.domain.person_notice import (
    NoticeDocument,
    NoticeTrigger,
    PersonNotice,
    RequiredNotice,
)
from detainers.domain.vocabulary import Action, Effect, FacilityType, IdentifierKind, ReviewChoice
from detainers.services.context import Context
from detainers.services.errors import ConcurrencyConflict
from detainers.services.ports import (
    BookingFilter,
    DetainerFilter,
    IdempotencyRecord,
    StatsGrouping,
    StatsRow,
)


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
        # Notices to the person it requires (none unless a test says), whatever the place and date.
        self.notices: list[RequiredNotice] = []
        self.notice_questions: list[tuple[str, datetime, NoticeTrigger, FacilityType | None]] = []

    def required_notices(
        self,
        jurisdiction: str,
        at: datetime,
        trigger: NoticeTrigger,
        facility_type: FacilityType | None = None,
    ) -> Sequence[RequiredNotice]:
        self.notice_questions.append((jurisdiction, at, trigger, facility_type))
        return [n for n in self.notices if n.trigger is trigger]

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
    audit: list[AuditRecord] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    timers: dict[str, Timer] = field(default_factory=dict)
    endpoints: dict[tuple[Audience, str, Channel], Endpoint] = field(default_factory=dict)
    person_notices: dict[str, PersonNotice] = field(default_factory=dict)
    notice_pdfs: dict[str, bytes] = field(default_factory=dict)


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

    def list(self, where: BookingFilter) -> Sequence[Booking]:
        found = [
            b
            for b in self._all()
            if (where.facility_code is None or b.facility_code == where.facility_code)
            and (where.in_custody is None or b.in_custody == where.in_custody)
            and (where.after is None or b.id > where.after)
        ]
        return found[: where.limit]


class _Detainers(_Versioned[Detainer]):
    def __init__(self, store: _Store) -> None:
        super().__init__(store.detainers, "detainer")
        self._events = store.events
        self.saved: list[DetainerEvent] = []

    def _after_write(self, item: Detainer) -> None:
        self._events.setdefault(item.id, []).extend(item.new_events)
        self.saved.extend(item.new_events)
        item.new_events.clear()

    def saved_events(self) -> Sequence[DetainerEvent]:
        return list(self.saved)

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


class _Audit:
    """The chain in memory: appended records become visible to others on commit."""

    def __init__(self, store: _Store) -> None:
        self._records = store.audit

    def append(self, entry: AuditEntry) -> AuditRecord:
        last = self._records[-1] if self._records else None
        record = seal((last.seq if last else 0) + 1, entry, last.hash if last else GENESIS)
        self._records.append(record)
        return record

    def records(
        self,
        after_seq: int = 0,
        limit: int = 1000,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Sequence[AuditRecord]:
        return [
            r
            for r in self._records
            if r.seq > after_seq
            and (start is None or r.entry.at >= start)
            and (end is None or r.entry.at < end)
        ][:limit]

    def between(self, start: datetime, end: datetime) -> Sequence[AuditRecord]:
        return [r for r in self._records if start <= r.entry.at < end]

    def head(self) -> tuple[int, str]:
        last = self._records[-1] if self._records else None
        return (last.seq, last.hash) if last else (0, GENESIS)

    def find(self, action: str) -> Sequence[AuditRecord]:
        return [r for r in self._records if r.entry.action == action]

    def purge_through(self, seq: int) -> int:
        kept = [r for r in self._records if r.seq > seq]
        removed = len(self._records) - len(kept)
        self._records[:] = kept
        return removed


class _Users:
    def __init__(self, store: _Store) -> None:
        self._users = store.users

    def add(self, user: User) -> None:
        self._users[user.id] = copy.deepcopy(user)

    def get(self, user_id: str) -> User | None:
        return copy.deepcopy(self._users.get(user_id))

    def by_username(self, username: str) -> User | None:
        return next(
            (copy.deepcopy(u) for u in self._users.values() if u.username == username), None
        )

    def save(self, user: User) -> None:
        stored = self._users.get(user.id)
        if stored is None or stored.version != user.version:
            raise ConcurrencyConflict("account", user.username, user.version)
        user.version += 1
        self._users[user.id] = copy.deepcopy(user)

    def list(self) -> Sequence[User]:
        return sorted((copy.deepcopy(u) for u in self._users.values()), key=lambda u: u.username)


class _ApiKeys:
    def __init__(self, store: _Store) -> None:
        self._keys = store.api_keys

    def add(self, key: ApiKey) -> None:
        self._keys[key.prefix] = copy.deepcopy(key)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return copy.deepcopy(self._keys.get(prefix))

    def save(self, key: ApiKey) -> None:
        self._keys[key.prefix] = copy.deepcopy(key)

    def list(self) -> Sequence[ApiKey]:
        return [copy.deepcopy(k) for k in self._keys.values()]


class _Sessions:
    def __init__(self, store: _Store) -> None:
        self._sessions = store.sessions

    def add(self, session: Session) -> None:
        self._sessions[session.token_hash] = copy.deepcopy(session)

    def by_token_hash(self, token_hash: str) -> Session | None:
        return copy.deepcopy(self._sessions.get(token_hash))

    def save(self, session: Session) -> None:
        self._sessions[session.token_hash] = copy.deepcopy(session)

    def end_all(self, user_id: str, at: datetime) -> int:
        open_ = [s for s in self._sessions.values() if s.user_id == user_id and s.ended_at is None]
        for s in open_:
            s.ended_at = at
        return len(open_)


class _Idempotency:
    def __init__(self, store: _Store) -> None:
        self._records = store.idempotency

    def add(self, record: IdempotencyRecord) -> None:
        key = (record.principal_id, record.key)
        if key in self._records:
            raise ConcurrencyConflict(
                "record", "idempotency key", detail="was used at the same time"
            )
        self._records[key] = record

    def get(self, principal_id: str, key: str) -> IdempotencyRecord | None:
        return self._records.get((principal_id, key))


class _Stats:
    """The counts `SqlStats` computes, recomputed from the detainers this unit sees."""

    _RELEASED = (DetainerState.RELEASED, DetainerState.RELEASED_AT_DEADLINE)

    def __init__(self, store: _Store) -> None:
        self._s = store

    def counts(self, by: str, start: date | None, end: date | None) -> Sequence[StatsRow]:
        grouping = StatsGrouping(by)
        groups: dict[str, list[Detainer]] = {}
        for d in self._s.detainers.values():
            day = d.lodged_at.astimezone(UTC).date()
            if (start is not None and day < start) or (end is not None and day >= end):
                continue
            groups.setdefault(self._key(grouping, d), []).append(d)
        return [self._row(key, groups[key]) for key in sorted(groups)]

    def _key(self, grouping: StatsGrouping, d: Detainer) -> str:
        if grouping is StatsGrouping.JURISDICTION:
            return self._s.facilities[d.facility_code].jurisdiction
        if grouping is StatsGrouping.FACILITY:
            return d.facility_code
        return d.lodged_at.astimezone(UTC).strftime("%Y-%m")

    def _row(self, key: str, group: list[Detainer]) -> StatsRow:
        def choice(c: ReviewChoice) -> int:
            return sum(1 for d in group if d.decision is not None and d.decision.choice is c)

        days = [
            (d.agency_arrest_date - d.closed_at.astimezone(UTC).date()).days
            for d in group
            if d.agency_arrest_date is not None and d.closed_at is not None
        ]
        return StatsRow(
            key=key,
            lodged=len(group),
            declined=choice(ReviewChoice.DECLINE),
            honored=choice(ReviewChoice.HONOR),
            notify_only=choice(ReviewChoice.NOTIFY_ONLY),
            held=sum(1 for d in group if d.hold is not None),
            transferred=sum(1 for d in group if d.state is DetainerState.TRANSFERRED),
            released=sum(1 for d in group if d.state in self._RELEASED),
            cancelled=sum(1 for d in group if d.state is DetainerState.CANCELLED),
            agency_arrest_after_release=sum(1 for d in group if d.agency_arrest_date is not None),
            median_days_release_to_arrest=float(statistics.median(days)) if days else None,
        )


class _Messages:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, message: Message) -> bool:
        if any(m.key == message.key for m in self._s.messages.values()):
            return False
        self._s.messages[message.id] = copy.deepcopy(message)
        return True

    def get(self, message_id: str) -> Message | None:
        return copy.deepcopy(self._s.messages.get(message_id))

    def save(self, message: Message) -> None:
        self._s.messages[message.id] = copy.deepcopy(message)

    def save_all(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.save(message)

    def claim_due(self, now: datetime, limit: int) -> Sequence[Message]:
        due = [
            m
            for m in self._s.messages.values()
            if m.status is MessageStatus.PENDING and m.due_at <= now
        ]
        return [copy.deepcopy(m) for m in sorted(due, key=lambda m: (m.due_at, m.id))[:limit]]

    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        self._s.attempts.extend(attempts)

    def attempts(self, message_id: str) -> Sequence[Attempt]:
        return [a for a in self._s.attempts if a.message_id == message_id]

    def for_subject(self, subject: str) -> Sequence[Message]:
        found = [m for m in self._s.messages.values() if m.subject == subject]
        return [copy.deepcopy(m) for m in sorted(found, key=lambda m: (m.created_at, m.id))]

    def inbox(
        self, audience: Audience, recipient: str, *, open_only: bool, after: str | None, limit: int
    ) -> Sequence[Message]:
        found = [
            m
            for m in self._s.messages.values()
            if m.audience is audience
            and m.recipient == recipient
            and m.channel is Channel.INBOX
            and (not open_only or m.acknowledged_at is None)
        ]
        found.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        if after is not None:
            anchor = self._s.messages.get(after)
            found = (
                []
                if anchor is None
                else [m for m in found if (m.created_at, m.id) < (anchor.created_at, anchor.id)]
            )
        return [copy.deepcopy(m) for m in found[:limit]]

    def close_tasks(self, subject: str, at: datetime, by: str) -> int:
        closed = 0
        for m in self._s.messages.values():
            if (
                m.subject == subject
                and m.channel is Channel.INBOX
                and m.type is MessageType.HOLD_DEADLINE
                and m.acknowledged_at is None
            ):
                m.acknowledged_at, m.acknowledged_by = at, by
                closed += 1
        return closed


class _Timers:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, timer: Timer) -> bool:
        if any(t.key == timer.key for t in self._s.timers.values()):
            return False
        self._s.timers[timer.id] = copy.deepcopy(timer)
        return True

    def claim_due(self, now: datetime, limit: int) -> Sequence[Timer]:
        due = [t for t in self._s.timers.values() if t.fired_at is None and t.due_at <= now]
        return [copy.deepcopy(t) for t in sorted(due, key=lambda t: (t.due_at, t.id))[:limit]]

    def save(self, timer: Timer) -> None:
        self._s.timers[timer.id] = copy.deepcopy(timer)

    def for_detainer(self, detainer_id: str) -> Sequence[Timer]:
        found = [t for t in self._s.timers.values() if t.detainer_id == detainer_id]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: t.due_at)]


class _Endpoints:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def put(self, endpoint: Endpoint) -> None:
        key = (endpoint.audience, endpoint.owner_code, endpoint.channel)
        self._s.endpoints[key] = copy.deepcopy(endpoint)

    def get(self, audience: Audience, owner_code: str, channel: Channel) -> Endpoint | None:
        return copy.deepcopy(self._s.endpoints.get((audience, owner_code, channel)))

    def for_owner(self, audience: Audience, owner_code: str) -> Sequence[Endpoint]:
        return [
            copy.deepcopy(e)
            for (a, code, _), e in sorted(self._s.endpoints.items(), key=lambda kv: kv[0][2])
            if a is audience and code == owner_code
        ]


class _PersonNotices:
    def __init__(self, store: _Store) -> None:
        self._s = store

    def add(self, notice: PersonNotice, pdf: bytes | None) -> bool:
        if self.has_key(notice.key):
            return False
        self._s.person_notices[notice.id] = copy.deepcopy(notice)
        if pdf is not None:
            self._s.notice_pdfs[notice.id] = pdf
        return True

    def get(self, notice_id: str) -> PersonNotice | None:
        return copy.deepcopy(self._s.person_notices.get(notice_id))

    def pdf(self, notice_id: str) -> bytes | None:
        return self._s.notice_pdfs.get(notice_id)

    def for_detainer(self, detainer_id: str) -> Sequence[PersonNotice]:
        found = [n for n in self._s.person_notices.values() if n.detainer_id == detainer_id]
        ordered = sorted(found, key=lambda n: (n.created_at, n.notice_id, n.id))
        return [copy.deepcopy(n) for n in ordered]

    def has_key(self, key: str) -> bool:
        return any(n.key == key for n in self._s.person_notices.values())

    def save(self, notice: PersonNotice) -> None:
        self._s.person_notices[notice.id] = copy.deepcopy(notice)


class RecordingRenderer:
    """A `NoticeRenderer` that keeps every document it is given and prints a stand-in PDF."""

    def __init__(self) -> None:
        self.documents: list[NoticeDocument] = []

    def render(self, document: NoticeDocument) -> bytes:
        self.documents.append(document)
        return f"%PDF-stand-in {document.notice.id} {document.notice.citation}".encode()


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
        self._audit_base = len(self._committed.audit)
        s = self._work
        self.jurisdictions = _Codes(s.jurisdictions, lambda j: j.code)
        self.agencies = _Codes(s.agencies, lambda a: a.code)
        self.facilities = _Codes(s.facilities, lambda f: f.code)
        self.persons = _Persons(s)
        self.bookings = _Bookings(s.bookings, "booking")
        self.detainers = _Detainers(s)
        self.audit = _Audit(s)
        self.users = _Users(s)
        self.api_keys = _ApiKeys(s)
        self.sessions = _Sessions(s)
        self.idempotency = _Idempotency(s)
        self.messages = _Messages(s)
        self.timers = _Timers(s)
        self.endpoints = _Endpoints(s)
        self.stats = _Stats(s)
        self.person_notices = _PersonNotices(s)

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
        # Accounts, keys and sessions are last-writer-wins here; the audit chain takes
        # this unit's new records after whatever others committed meanwhile.
        chain = _Audit(committed)
        for record in work.audit[self._audit_base :]:
            chain.append(record.entry)
        work.audit[:] = list(committed.audit)
        self._audit_base = len(committed.audit)
        committed.users.update(copy.deepcopy(work.users))
        committed.api_keys.update(copy.deepcopy(work.api_keys))
        committed.sessions.update(copy.deepcopy(work.sessions))
        committed.idempotency.update(copy.deepcopy(work.idempotency))
        # The outbox, timers and endpoints are last-writer-wins here too.
        committed.messages.update(copy.deepcopy(work.messages))
        committed.attempts[:] = copy.deepcopy(work.attempts)
        committed.timers.update(copy.deepcopy(work.timers))
        committed.endpoints.update(copy.deepcopy(work.endpoints))
        committed.person_notices.update(copy.deepcopy(work.person_notices))
        committed.notice_pdfs.update(work.notice_pdfs)
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
    ctx = Context(
        uow=uow,
        clock=clock,
        ids=SequentialIds(),
        engine=engine,
        notice_renderer=RecordingRenderer(),
    )
    return ctx, uow, clock, engine
