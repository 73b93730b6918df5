"""Ports: the Protocols through which use cases reach storage, the clock, ids and the law.

Adapters implement them; tests use hand-written fakes (`tests/fakes.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from detainers.domain._enum import DocumentedEnum
from detainers.domain.access import ApiKey, Session, User
from detainers.domain.audit import AuditEntry, AuditRecord
from detainers.domain.booking import Booking, Conviction
from detainers.domain.case import Case
from detainers.domain.decision import Evaluation
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
from detainers.domain.vocabulary import FacilityType, IdentifierKind


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

    def required_notices(
        self,
        jurisdiction: str,
        at: datetime,
        trigger: NoticeTrigger,
        facility_type: FacilityType | None = None,
    ) -> Sequence[RequiredNotice]:
        """The notices to the person the law in force at `at` requires on `trigger`, `US` down."""
        ...


class NoticeRenderer(Protocol):
    def render(self, document: NoticeDocument) -> bytes:
        """A printable PDF of `document` (for staff to hand to the person)."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, hashed: str, password: str) -> bool:
        """Whether `password` matches; never raises for a mismatch."""
        ...


class SecondFactor(Protocol):
    """Time-based one-time passwords (RFC 6238)."""

    def new_secret(self) -> str: ...
    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time step whose code is `code` (allowing one step of drift), or None."""
        ...

    def code(self, secret: str, at: datetime) -> str:
        """The code at `at` (for provisioning checks and tests)."""
        ...


class PasswordList(Protocol):
    def is_common(self, password: str) -> bool:
        """Whether `password` is on a list of common or breached passwords."""
        ...


@dataclass(frozen=True, kw_only=True)
class Credentials:
    """What accounts and keys need: a slow password hash, TOTP, a common-password list, secrets."""

    hasher: PasswordHasher
    second_factor: SecondFactor
    common_passwords: PasswordList
    token: TokenFactory


class TokenFactory(Protocol):
    def __call__(self) -> str:
        """A new secret with at least 256 bits from a CSPRNG, URL-safe."""
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


@dataclass(frozen=True, kw_only=True)
class BookingFilter:
    """What `BookingRepository.list` selects; `after` is the last id of the previous page."""

    facility_code: str | None = None
    in_custody: bool | None = None
    limit: int = 50
    after: str | None = None


class BookingRepository(Protocol):
    def add(self, booking: Booking) -> None: ...
    def get(self, booking_id: str) -> Booking | None: ...
    def save(self, booking: Booking) -> None:
        """Write changes; `ConcurrencyConflict` if the stored version moved since the read."""
        ...

    def open_by_number(self, facility_code: str, booking_number: str) -> Booking | None: ...
    def open_for_person(self, facility_code: str, person_id: str) -> Booking | None: ...
    def list(self, where: BookingFilter) -> Sequence[Booking]:
        """Bookings matching `where`, ordered by id."""
        ...


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
    def saved_events(self) -> Sequence[DetainerEvent]:
        """Every event this unit of work has written so far, in order (for the outbox)."""
        ...

    def live_for_booking(self, booking_id: str) -> Sequence[Detainer]: ...
    def unmatched_at(self, facility_code: str) -> Sequence[Detainer]: ...
    def overdue_holds(self, now: datetime) -> Sequence[Detainer]:
        """Detainers on hold past their deadline whose overrun is not yet recorded."""
        ...

    def count_by_state(self) -> dict[DetainerState, int]: ...


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry) -> AuditRecord:
        """Seal `entry` onto the end of the chain (serialised with other writers)."""
        ...

    def records(
        self,
        after_seq: int = 0,
        limit: int = 1000,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Sequence[AuditRecord]:
        """Records with `seq > after_seq` (and `start <= at < end` if given), in chain order."""
        ...

    def between(self, start: datetime, end: datetime) -> Sequence[AuditRecord]:
        """Records with `start <= at < end`, in chain order."""
        ...

    def head(self) -> tuple[int, str]:
        """The last sealed record's seq and hash (0 and the genesis hash when empty)."""
        ...

    def find(self, action: str) -> Sequence[AuditRecord]:
        """Every record of one action, in chain order (e.g. purges and legal holds)."""
        ...

    def purge_through(self, seq: int) -> int:
        """Remove records with `seq <= seq` (the retention purge, by the owner); how many."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def by_username(self, username: str) -> User | None: ...
    def save(self, user: User) -> None:
        """Write changes; `ConcurrencyConflict` if the stored version moved since the read."""
        ...

    def list(self) -> Sequence[User]: ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def by_prefix(self, prefix: str) -> ApiKey | None: ...
    def save(self, key: ApiKey) -> None: ...
    def list(self) -> Sequence[ApiKey]: ...


class SessionRepository(Protocol):
    def add(self, session: Session) -> None: ...
    def by_token_hash(self, token_hash: str) -> Session | None: ...
    def save(self, session: Session) -> None: ...
    def end_all(self, user_id: str, at: datetime) -> int:
        """End every open session of a user; how many were open."""
        ...


@dataclass(frozen=True, kw_only=True)
class IdempotencyRecord:
    """A create request already carried out: who sent it, under which key, and what it made."""

    principal_id: str
    key: str
    action: str
    fingerprint: str
    object_id: str
    created_at: datetime


class IdempotencyRepository(Protocol):
    def add(self, record: IdempotencyRecord) -> None: ...
    def get(self, principal_id: str, key: str) -> IdempotencyRecord | None: ...


class StatsGrouping(DocumentedEnum):
    """What public statistics are grouped by (codes only, never names)."""

    JURISDICTION = "jurisdiction", "The code of the most local jurisdiction the facility is under"
    FACILITY = "facility", "The code of the facility where the detainer was lodged"
    MONTH = "month", "The month (YYYY-MM, UTC) in which the detainer was lodged"


@dataclass(frozen=True, kw_only=True)
class StatsRow:
    """Exact (unsuppressed) counts for one group of detainers; the service suppresses small cells.

    `key` is the group: the facility's jurisdiction code, the facility code, or
    the `YYYY-MM` (UTC) in which the detainer was lodged. Every count is over
    the detainers lodged in the period and in the group; see
    `services/stats.py` for each definition.
    """

    key: str
    lodged: int
    declined: int
    honored: int
    notify_only: int
    held: int
    transferred: int
    released: int
    cancelled: int
    agency_arrest_after_release: int
    median_days_release_to_arrest: float | None


class StatsReader(Protocol):
    def counts(self, by: str, start: date | None, end: date | None) -> Sequence[StatsRow]:
        """Counts of detainers lodged on `start <= day < end` (UTC days; None: unbounded).

        `by` is a `StatsGrouping` value (anything else is a `ValueError`); rows
        come ordered by key, one per group with at least one detainer.
        """
        ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> bool:
        """Enqueue `message`; False (and nothing written) if its key was already enqueued."""
        ...

    def get(self, message_id: str) -> Message | None: ...
    def save(self, message: Message) -> None: ...
    def save_all(self, messages: Sequence[Message]) -> None:
        """Save every message of `messages` (a worker's batch) in one statement."""
        ...

    def claim_due(self, now: datetime, limit: int) -> Sequence[Message]:
        """Pending messages due by `now`, oldest first, locked for this unit of work.

        On PostgreSQL rows another worker holds are skipped (`FOR UPDATE SKIP LOCKED`).
        """
        ...

    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        """Record delivery attempts (a worker's batch) in one statement."""
        ...

    def attempts(self, message_id: str) -> Sequence[Attempt]: ...
    def for_subject(self, subject: str) -> Sequence[Message]: ...
    def inbox(
        self, audience: Audience, recipient: str, *, open_only: bool, after: str | None, limit: int
    ) -> Sequence[Message]:
        """In-app messages of one recipient, newest first (`after`: the last id of the page before)."""
        ...

    def close_tasks(self, subject: str, at: datetime, by: str) -> int:
        """Acknowledge every open task (a hold's release task) about `subject`; how many."""
        ...


class TimerRepository(Protocol):
    def add(self, timer: Timer) -> bool:
        """Set `timer`; False if one with its key is already set."""
        ...

    def claim_due(self, now: datetime, limit: int) -> Sequence[Timer]:
        """Unfired timers due by `now`, in due order, locked for this unit of work."""
        ...

    def save(self, timer: Timer) -> None: ...
    def for_detainer(self, detainer_id: str) -> Sequence[Timer]: ...


class EndpointRepository(Protocol):
    def put(self, endpoint: Endpoint) -> None:
        """Insert or replace the endpoint for its (audience, owner, channel)."""
        ...

    def get(self, audience: Audience, owner_code: str, channel: Channel) -> Endpoint | None: ...
    def for_owner(self, audience: Audience, owner_code: str) -> Sequence[Endpoint]: ...


class PersonNoticeRepository(Protocol):
    def add(self, notice: PersonNotice, pdf: bytes | None) -> bool:
        """Store `notice` with its PDF; False (and nothing written) if its key is stored already."""
        ...

    def get(self, notice_id: str) -> PersonNotice | None: ...
    def pdf(self, notice_id: str) -> bytes | None:
        """The stored PDF of a notice (None: no such notice, or none was rendered)."""
        ...

    def for_detainer(self, detainer_id: str) -> Sequence[PersonNotice]:
        """A detainer's notices, oldest first."""
        ...

    def has_key(self, key: str) -> bool: ...
    def save(self, notice: PersonNotice) -> None:
        """Write when and by whom the notice was served."""
        ...


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
    @property
    def audit(self) -> AuditRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def api_keys(self) -> ApiKeyRepository: ...
    @property
    def sessions(self) -> SessionRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def messages(self) -> MessageRepository: ...
    @property
    def timers(self) -> TimerRepository: ...
    @property
    def endpoints(self) -> EndpointRepository: ...
    @property
    def stats(self) -> StatsReader: ...
    @property
    def person_notices(self) -> PersonNoticeRepository: ...

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
