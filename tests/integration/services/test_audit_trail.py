"""The audit trail as the use cases leave it, on both databases (checklist AUD-01..08, service level).

Callers are built as the API would build them (a person with a role, a
tenant, a client address and a request id); the clock is fixed, so each
record's time is known to the microsecond.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from detainers.adapters.db import tables as t
from detainers.adapters.db.access import SqlAudit
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.adapters.security import credentials
from detainers.domain import commands as c
from detainers.domain.access import ANONYMOUS, Caller, PrincipalKind, Role
from detainers.domain.audit import AuditEntry, AuditRecord, Outcome
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.errors import InvalidValue
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    DetainerForm,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import accounts, audit, bookings, detainers, queries, registry
from detainers.services.accounts import CreateKey, CreateUser, Login
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists, Forbidden, NotFound, Unauthenticated
from detainers.services.ports import DetainerFilter
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds
from tests.integration.attacker import owner_rights

# A Tuesday, 10:30 in New York; sub-second on purpose.
NOW = datetime(2026, 11, 24, 15, 30, 12, 345_678, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
PASSWORD = "correct horse battery staple"
WRONG = "incorrect horse battery staple"
AGENCY, FACILITY, BOOKING_NUMBER = "ERO-BOS", "CT-HCC", "2026-000123"

OFFICER = Caller(
    principal_id="u-officer",
    name="officer.ana",
    kind=PrincipalKind.USER,
    role=Role.AGENCY_OFFICER,
    agency_code=AGENCY,
    client="203.0.113.7",
    request_id="req-officer",
)
CLERK = Caller(
    principal_id="u-clerk",
    name="ana.clerk",
    kind=PrincipalKind.USER,
    role=Role.FACILITY_STAFF,
    facility_code=FACILITY,
    client="203.0.113.8",
    request_id="req-clerk",
)
ADMIN = Caller(
    principal_id="u-admin",
    name="root.admin",
    kind=PrincipalKind.USER,
    role=Role.ADMIN,
    client="203.0.113.9",
    request_id="req-admin",
)
AUDITOR = Caller(
    principal_id="u-auditor",
    name="ida.auditor",
    kind=PrincipalKind.USER,
    role=Role.AUDITOR,
    client="203.0.113.10",
    request_id="req-auditor",
)
VISITOR = replace(ANONYMOUS, client="198.51.100.23", request_id="req-visitor")


class World:
    """Reference data, one booking, one matched detainer and one account, made by the system."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = FixedClock(NOW - timedelta(days=3))
        self.creds = credentials(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        self.ctx = Context(
            uow=SqlUnitOfWorkFactory(engine),
            clock=self.clock,
            ids=SequentialIds(),
            engine=FakeLegalEngine(),
            credentials=self.creds,
        )
        system = self.ctx
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL),
            system,
        )
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE),
            system,
        )
        registry.register_agency(
            c.RegisterAgency(code=AGENCY, name="Boston Field Office", jurisdiction="US"), system
        )
        registry.register_facility(
            c.RegisterFacility(
                code=FACILITY,
                name="A pretrial jail",
                type=FacilityType.STATE_PRETRIAL_JAIL,
                jurisdiction="US-CT",
            ),
            system,
        )
        self.booking_id = bookings.record_booking(self.booking_command(BOOKING_NUMBER), system).id
        self.detainer_id = self.lodge(system).id
        self.account = accounts.create_user(
            CreateUser(
                username="ana.clerk",
                role=Role.FACILITY_STAFF,
                password=PASSWORD,
                facility_code=FACILITY,
            ),
            system,
        )
        self.clock.at = NOW

    def as_(self, caller: Caller) -> Context:
        return self.ctx.acting(caller)

    def booking_command(
        self, number: str, *, facility: str = FACILITY, state_id: str = "CT1234567"
    ) -> c.RecordBooking:
        return c.RecordBooking(
            facility_code=facility,
            booking_number=number,
            person=c.PersonDetails(
                name=PersonName(given=("Ana",), family=("García",)),
                identifiers={IdentifierKind.STATE_ID: state_id},
            ),
            booked_at=NOW - timedelta(days=30),
            actor="booking-clerk",
        )

    def lodge(self, ctx: Context, facility: str = FACILITY) -> Detainer:
        return detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=AGENCY,
                facility_code=facility,
                subject=LodgedSubject(
                    name=PersonName(given=("Ana",), family=("Garcia",)),
                    identifiers={IdentifierKind.STATE_ID: "CT1234567"},
                ),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
                warrant=Warrant.I_200,
                requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
                actor="officer.ana",
            ),
            ctx,
        )

    def login(self, password: str = PASSWORD, username: str = "ana.clerk") -> object:
        code = self.creds.second_factor.code(self.account.totp_secret, self.clock.now())
        return accounts.login(
            Login(username=username, password=password, code=code), self.as_(VISITOR)
        )

    def records(self) -> list[AuditRecord]:
        with self.engine.connect() as conn:
            return list(SqlAudit(conn).records(limit=100_000))


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


# -- AUD-01 --------------------------------------------------------------------------


@dataclass(frozen=True)
class UseCase:
    """A use case as a caller runs it: once so it succeeds, once so it fails."""

    action: str
    succeed: Callable[[World], object]
    fail: Callable[[World], object]
    error: type[Exception]
    failure: Outcome


def _review(caller: Caller) -> Callable[[World], object]:
    return lambda w: detainers.record_review(
        c.RecordReview(detainer_id=w.detainer_id, choice=ReviewChoice.HONOR, actor=caller.name),
        w.as_(caller),
    )


USE_CASES = {
    "lodge": UseCase(
        "detainer.lodge",
        lambda w: w.lodge(w.as_(OFFICER)),
        lambda w: w.lodge(w.as_(OFFICER), facility="NO-SUCH"),
        NotFound,
        Outcome.NOT_FOUND,
    ),
    "review": UseCase(
        "detainer.review", _review(CLERK), _review(OFFICER), Forbidden, Outcome.DENIED
    ),
    "release": UseCase(
        "booking.release",
        lambda w: bookings.release_person(
            c.ReleasePerson(
                booking_id=w.booking_id, reason=ReleaseReason.BOND_POSTED, actor="ana.clerk"
            ),
            w.as_(CLERK),
        ),
        lambda w: bookings.release_person(
            c.ReleasePerson(booking_id="no-such", reason=ReleaseReason.BOND_POSTED, actor="x"),
            w.as_(CLERK),
        ),
        NotFound,
        Outcome.NOT_FOUND,
    ),
    "cancel": UseCase(
        "detainer.cancel",
        lambda w: detainers.cancel_detainer(
            c.CancelDetainer(detainer_id=w.detainer_id, reason="withdrawn", actor="officer.ana"),
            w.as_(OFFICER),
        ),
        lambda w: detainers.cancel_detainer(
            c.CancelDetainer(detainer_id=w.detainer_id, reason="withdrawn", actor="ana.clerk"),
            w.as_(CLERK),
        ),
        Forbidden,
        Outcome.DENIED,
    ),
    "record booking": UseCase(
        "booking.record",
        lambda w: bookings.record_booking(
            w.booking_command("2026-000999", state_id="CT7654321"), w.as_(CLERK)
        ),
        lambda w: bookings.record_booking(w.booking_command(BOOKING_NUMBER), w.as_(CLERK)),
        AlreadyExists,
        Outcome.REFUSED,
    ),
    "read detainer": UseCase(
        "detainer.read",
        lambda w: queries.detainer_timeline(w.detainer_id, w.as_(CLERK)),
        lambda w: queries.detainer_timeline(w.detainer_id, w.as_(ADMIN)),
        Forbidden,
        Outcome.DENIED,
    ),
    "list detainers": UseCase(
        "detainer.list",
        lambda w: queries.list_detainers(DetainerFilter(), w.as_(CLERK)),
        lambda w: queries.list_detainers(DetainerFilter(), w.as_(VISITOR)),
        Forbidden,
        Outcome.DENIED,
    ),
    "register facility": UseCase(
        "reference.facility.create",
        lambda w: registry.register_facility(
            c.RegisterFacility(
                code="CT-BCC",
                name="Another jail",
                type=FacilityType.STATE_PRETRIAL_JAIL,
                jurisdiction="US-CT",
            ),
            w.as_(ADMIN),
        ),
        lambda w: registry.register_facility(
            c.RegisterFacility(
                code="XX-1",
                name="Nowhere",
                type=FacilityType.STATE_PRETRIAL_JAIL,
                jurisdiction="US-XX",
            ),
            w.as_(ADMIN),
        ),
        NotFound,
        Outcome.NOT_FOUND,
    ),
    "create account": UseCase(
        "account.create",
        lambda w: accounts.create_user(
            CreateUser(
                username="bo.officer",
                role=Role.AGENCY_OFFICER,
                password=PASSWORD,
                agency_code=AGENCY,
            ),
            w.as_(ADMIN),
        ),
        lambda w: accounts.create_user(
            CreateUser(
                username="bo.officer",
                role=Role.AGENCY_OFFICER,
                password="password",
                agency_code=AGENCY,
            ),
            w.as_(ADMIN),
        ),
        InvalidValue,
        Outcome.REFUSED,
    ),
    "disable account": UseCase(
        "account.disable",
        lambda w: accounts.disable_user("ana.clerk", w.as_(ADMIN)),
        lambda w: accounts.disable_user("ana.clerk", w.as_(CLERK)),
        Forbidden,
        Outcome.DENIED,
    ),
    "create key": UseCase(
        "key.create",
        lambda w: accounts.create_key(
            CreateKey(name="jail system", role=Role.FACILITY_STAFF, facility_code=FACILITY),
            w.as_(ADMIN),
        ),
        lambda w: accounts.create_key(
            CreateKey(name="jail system", role=Role.FACILITY_STAFF, facility_code="NO-SUCH"),
            w.as_(ADMIN),
        ),
        NotFound,
        Outcome.NOT_FOUND,
    ),
    "login": UseCase(
        "session.login",
        lambda w: w.login(),
        lambda w: w.login(password=WRONG),
        Unauthenticated,
        Outcome.FAILED,
    ),
}


@pytest.mark.parametrize("case", USE_CASES.values(), ids=USE_CASES.keys())
def test_AUD_01_each_use_case_success_and_failure_leaves_exactly_one_record(
    world: World, case: UseCase
) -> None:
    before = len(world.records())
    case.succeed(world)
    succeeded = world.records()[before:]

    with pytest.raises(case.error):
        case.fail(world)
    failed = world.records()[before + len(succeeded) :]

    assert [(r.entry.action, r.entry.outcome) for r in succeeded] == [
        (case.action, Outcome.SUCCESS)
    ]
    assert [(r.entry.action, r.entry.outcome) for r in failed] == [(case.action, case.failure)]


def test_AUD_01_reading_and_verifying_the_audit_trail_are_recorded(world: World) -> None:
    before = len(world.records())

    audit.verify(world.as_(AUDITOR))
    audit.review(world.as_(AUDITOR), NOW - timedelta(days=7), NOW, NEW_YORK)

    assert [(r.entry.action, r.entry.actor) for r in world.records()[before:]] == [
        ("audit.verify", "ida.auditor"),
        ("audit.review", "ida.auditor"),
    ]


# -- AUD-02 --------------------------------------------------------------------------


def test_AUD_02_every_record_has_the_required_fields(world: World) -> None:
    before = len(world.records())
    lodged = world.lodge(world.as_(OFFICER))
    world.clock.advance(seconds=1.5)
    with pytest.raises(NotFound):
        world.lodge(world.as_(OFFICER), facility="NO-SUCH")

    success, failure = world.records()[before:]

    assert success.entry == AuditEntry(
        at=NOW,
        actor="officer.ana",
        actor_kind="user",
        role="agency_officer",
        organization=AGENCY,
        action="detainer.lodge",
        object_type="detainer",
        object_id=lodged.id,
        outcome=Outcome.SUCCESS,
        client="203.0.113.7",
        request_id="req-officer",
        detail="",
    )
    assert success.entry.at.utcoffset() == timedelta(0)
    assert failure.entry.at - success.entry.at == timedelta(seconds=1.5)
    assert (failure.entry.object_id, failure.entry.outcome, failure.entry.detail) == (
        "NO-SUCH",
        Outcome.NOT_FOUND,
        "NotFound",
    )
    for record in world.records():
        e = record.entry
        assert e.at.utcoffset() == timedelta(0)
        assert all(
            getattr(e, name) for name in (f.name for f in fields(AuditEntry)) if name != "detail"
        ), e


@pytest.mark.parametrize(
    "column", [col.name for col in t.audit_record.columns if col.name != "detail"]
)
def test_AUD_02_the_store_refuses_a_record_missing_any_field(world: World, column: str) -> None:
    last = world.records()[-1]
    row = {col.name: getattr(last.entry, col.name, None) for col in t.audit_record.columns}
    row |= {
        "seq": last.seq + 1,
        "outcome": Outcome.SUCCESS.value,
        "previous_hash": last.hash,
        "hash": "0" * 64,
        column: None,
    }

    with pytest.raises(IntegrityError), world.engine.begin() as conn:
        conn.execute(insert(t.audit_record).values(row))


# -- AUD-03 --------------------------------------------------------------------------


def test_AUD_03_the_trail_is_append_only_and_a_change_behind_its_back_is_found(
    world: World,
) -> None:
    USE_CASES["lodge"].succeed(world)
    records = world.records()
    middle = records[len(records) // 2].seq

    with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
        conn.execute(update(t.audit_record).values(outcome="denied"))
    with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
        conn.execute(t.audit_record.delete())
    assert world.records() == records
    assert audit.verify(world.ctx).broken is None

    with owner_rights(world.engine) as conn:
        conn.execute(
            update(t.audit_record).where(t.audit_record.c.seq == middle).values(actor="nobody")
        )
    broken = audit.verify(world.ctx).broken

    assert broken is not None
    assert broken.seq == middle


# -- AUD-05 --------------------------------------------------------------------------


@contextmanager
def audit_sink_down(engine: Engine) -> Iterator[None]:
    """The audit table out of reach (renamed) inside the block, back after it."""
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_record RENAME TO audit_record_offline"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_record_offline RENAME TO audit_record"))


def _detainer_rows(world: World) -> list[tuple[str, str]]:
    with world.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(t.detainer.c.id, t.detainer.c.state))]


def test_AUD_05_if_the_audit_record_cannot_be_written_the_change_does_not_happen(
    world: World,
) -> None:
    stored, records = _detainer_rows(world), world.records()

    with audit_sink_down(world.engine):
        with pytest.raises(DBAPIError):
            world.lodge(world.as_(OFFICER))
        with pytest.raises(DBAPIError):
            detainers.cancel_detainer(
                c.CancelDetainer(detainer_id=world.detainer_id, reason="withdrawn", actor="o"),
                world.as_(OFFICER),
            )

    assert _detainer_rows(world) == stored
    assert world.records() == records
    assert audit.verify(world.ctx).broken is None


# -- AUD-06 --------------------------------------------------------------------------


def _at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=NEW_YORK).astimezone(UTC)


def test_AUD_06_weekly_review_lists_failed_logins_denials_exports_after_hours_and_privileged_actions(
    world: World,
) -> None:
    week_start, week_end = _at("2026-11-23T00:00"), _at("2026-11-30T00:00")
    timeline: list[tuple[str, Callable[[], object]]] = [
        ("2026-11-22T23:59", lambda: _refused(lambda: world.login(password=WRONG))),
        ("2026-11-24T10:00", lambda: _refused(lambda: world.login(password=WRONG))),
        ("2026-11-24T10:05", lambda: world.login()),
        ("2026-11-25T11:00", lambda: _refused(lambda: _review(OFFICER)(world))),
        ("2026-11-25T12:00", lambda: queries.list_detainers(DetainerFilter(), world.as_(CLERK))),
        (
            "2026-11-25T13:00",
            lambda: queries.detainer_timeline(world.detainer_id, world.as_(CLERK)),
        ),
        (
            "2026-11-26T22:30",
            lambda: queries.detainer_timeline(world.detainer_id, world.as_(CLERK)),
        ),
        (
            "2026-11-28T14:00",
            lambda: queries.detainer_timeline(world.detainer_id, world.as_(CLERK)),
        ),
        ("2026-11-26T09:00", lambda: USE_CASES["create account"].succeed(world)),
        ("2026-11-30T00:00", lambda: _refused(lambda: world.login(password=WRONG))),
    ]
    for local, act in sorted(timeline):
        world.clock.at = _at(local)
        act()
    world.clock.at = _at("2026-11-30T09:00")

    report = audit.review(world.as_(AUDITOR), week_start, week_end, NEW_YORK)

    def seen(records: list[AuditRecord]) -> list[tuple[str, str, str]]:
        return [
            (r.entry.at.astimezone(NEW_YORK).strftime("%a %H:%M"), r.entry.actor, r.entry.action)
            for r in records
        ]

    assert seen(report.failed_logins) == [("Tue 10:00", "ana.clerk", "session.login")]
    assert seen(report.denials) == [("Wed 11:00", "officer.ana", "detainer.review")]
    assert seen(report.exports) == [("Wed 12:00", "ana.clerk", "detainer.list")]
    assert seen(report.after_hours) == [
        ("Thu 22:30", "ana.clerk", "detainer.read"),
        ("Sat 14:00", "ana.clerk", "detainer.read"),
    ]
    assert seen(report.privileged) == [("Thu 09:00", "root.admin", "account.create")]
    assert report.records == 8


def _refused(act: Callable[[], object]) -> None:
    """Run an act that is meant to be refused (a wrong password, a review by the wrong role)."""
    with pytest.raises((Unauthenticated, Forbidden)):
        act()


# -- AUD-08 --------------------------------------------------------------------------

FORGED_LINE = "x\r\n2026-11-24T10:00:00Z root.admin admin account.create success\x1b[2K"


def test_AUD_08_control_characters_in_user_strings_cannot_forge_audit_lines(
    world: World,
) -> None:
    before = len(world.records())
    with pytest.raises(Unauthenticated):
        world.login(username=FORGED_LINE)
    with pytest.raises(Forbidden):
        bookings.record_booking(
            world.booking_command(FORGED_LINE, facility="CT-OTHER"), world.as_(CLERK)
        )
    with pytest.raises(Unauthenticated):
        world.login(username="y" * 1000 + "\n")

    written = [r.entry for r in world.records()[before:]]

    assert [(e.action, e.outcome) for e in written] == [
        ("session.login", Outcome.FAILED),
        ("booking.record", Outcome.DENIED),
        ("session.login", Outcome.FAILED),
    ]
    for e in written:
        for name in (f.name for f in fields(AuditEntry) if f.name not in ("at", "outcome")):
            assert getattr(e, name).isprintable(), (name, getattr(e, name))
    escaped = "x\\x0d\\x0a2026-11-24T10:00:00Z root.admin admin account.create success\\x1b[2K"
    assert (written[0].actor, written[1].object_id) == (escaped, escaped)
    assert written[2].actor == "y" * 200
    assert audit.verify(world.ctx).broken is None
