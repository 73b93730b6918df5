"""The use cases end to end on a real database (SQLite and PostgreSQL), with a fake legal engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from detainers.adapters.db import tables
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain import commands as c
from detainers.domain.booking import Charge
from detainers.domain.detainer import LodgedSubject
from detainers.domain.errors import ChoiceOutsideBounds
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    DetainerForm,
    Effect,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, queries, registry
from detainers.services.context import Context
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds

BOOKED = datetime(2023, 9, 14, 18, 0, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _context(engine: Engine, legal: FakeLegalEngine) -> Context:
    return Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        engine=legal,
    )


def _world(ctx: Context, *, hold_limit_hours: int | None = None) -> str:
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL), ctx
    )
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE), ctx
    )
    registry.register_agency(
        c.RegisterAgency(code="ERO-BOS", name="Boston Field Office", jurisdiction="US"), ctx
    )
    registry.register_facility(
        c.RegisterFacility(
            code="CT-HCC",
            name="A pretrial jail",
            type=FacilityType.STATE_PRETRIAL_JAIL,
            jurisdiction="US-CT",
            hold_limit_hours=hold_limit_hours,
        ),
        ctx,
    )
    booking = bookings.record_booking(
        c.RecordBooking(
            facility_code="CT-HCC",
            booking_number="2023-000123",
            person=c.PersonDetails(
                name=PersonName(given=("Ana",), family=("García", "López")),
                identifiers={IdentifierKind.STATE_ID: "CT1234567"},
            ),
            booked_at=BOOKED,
            actor="booking-clerk",
            charges=(
                Charge(
                    statute="CGS 53a-70(a)(2)",
                    description="Sexual assault in the first degree",
                    charge_class=ChargeClass.FELONY_A,
                ),
            ),
        ),
        ctx,
    )
    return booking.id


def _lodge(ctx: Context, identifiers: dict[IdentifierKind, str], *, days: int = 29) -> str:
    detainer = detainers.lodge_detainer(
        c.LodgeDetainer(
            agency_code="ERO-BOS",
            facility_code="CT-HCC",
            subject=LodgedSubject(
                name=PersonName(given=("Ana",), family=("Garcia",)), identifiers=identifiers
            ),
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
            actor="officer-1",
            at=BOOKED + timedelta(days=days),
        ),
        ctx,
    )
    return detainer.id


def test_a_honored_detainer_is_held_at_release_then_transferred(engine: Engine) -> None:
    ctx = _context(engine, FakeLegalEngine(hold_hours=48))
    booking_id = _world(ctx, hold_limit_hours=36)
    detainer_id = _lodge(ctx, {IdentifierKind.STATE_ID: "CT1234567"})
    reviewed = BOOKED + timedelta(days=30)
    detainers.record_review(
        c.RecordReview(
            detainer_id=detainer_id, choice=ReviewChoice.HONOR, actor="staff-1", at=reviewed
        ),
        ctx,
    )
    releasable = BOOKED + timedelta(days=100)
    held = bookings.mark_releasable(
        c.MarkReleasable(
            booking_id=booking_id, reason=ReleaseReason.BOND_POSTED, actor="staff-1", at=releasable
        ),
        ctx,
    )
    assert [d.id for d in held] == [detainer_id]
    assert held[0].hold is not None
    assert held[0].hold.deadline_at == releasable + timedelta(hours=36)
    detainers.transfer_custody(
        c.TransferCustody(
            detainer_id=detainer_id, actor="staff-1", at=releasable + timedelta(hours=20)
        ),
        ctx,
    )

    story = queries.detainer_timeline(detainer_id, ctx)
    assert story.detainer.state is DetainerState.TRANSFERRED
    # Honoring took up notice: the agency is told at once when the person becomes releasable.
    assert [e.to_state for e in story.events] == [
        "unmatched",
        "received",
        "honored",
        "release_notified",
        "on_hold",
        "transferred",
    ]
    assert story.booking is not None
    assert story.booking.release_reason is ReleaseReason.TRANSFERRED_TO_AGENCY
    decision = story.detainer.decision
    assert decision is not None
    assert decision.evaluation.facts["jurisdiction"] == "US-CT"
    assert decision.evaluation.facts["subject"]["charges"][0]["class"] == "felony_A"


def test_a_declined_detainer_is_released_with_the_person_and_a_later_arrest_is_recorded(
    engine: Engine,
) -> None:
    legal = FakeLegalEngine({Action.HOLD: Effect.FORBIDDEN, Action.NOTIFY: Effect.FORBIDDEN})
    ctx = _context(engine, legal)
    booking_id = _world(ctx)
    detainer_id = _lodge(ctx, {IdentifierKind.BOOKING_NUMBER: "2023-000123"})
    detainers.record_review(
        c.RecordReview(
            detainer_id=detainer_id,
            choice=ReviewChoice.DECLINE,
            actor="staff-1",
            at=BOOKED + timedelta(days=30),
        ),
        ctx,
    )
    released = datetime(2024, 2, 1, 14, tzinfo=UTC)
    assert (
        bookings.mark_releasable(
            c.MarkReleasable(
                booking_id=booking_id,
                reason=ReleaseReason.BOND_POSTED,
                actor="staff-1",
                at=released,
            ),
            ctx,
        )
        == []
    )
    detainers.record_agency_arrest(
        c.RecordAgencyArrest(
            detainer_id=detainer_id,
            arrest_date=date(2024, 4, 4),
            actor="officer-1",
            at=released + timedelta(days=70),
        ),
        ctx,
    )
    story = queries.detainer_timeline(detainer_id, ctx)
    assert story.detainer.state is DetainerState.RELEASED
    assert story.detainer.closed_at == released
    assert story.detainer.agency_arrest_date == date(2024, 4, 4)
    assert story.booking is not None
    assert story.booking.released_at == released


def test_a_refused_review_writes_nothing(engine: Engine) -> None:
    ctx = _context(engine, FakeLegalEngine({Action.HOLD: Effect.FORBIDDEN}))
    _world(ctx)
    detainer_id = _lodge(ctx, {IdentifierKind.STATE_ID: "CT1234567"})
    with pytest.raises(ChoiceOutsideBounds, match=r"\[hold\].*\[forbidden\]"):
        detainers.record_review(
            c.RecordReview(detainer_id=detainer_id, choice=ReviewChoice.HONOR, actor="staff-1"), ctx
        )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.decision)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(tables.detainer_event)).scalar() == 2
        state = conn.execute(select(tables.detainer.c.state)).scalar()
    assert state == "received"


def test_a_detainer_lodged_before_the_booking_waits_unmatched_then_attaches(engine: Engine) -> None:
    ctx = _context(engine, FakeLegalEngine())
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL), ctx
    )
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE), ctx
    )
    registry.register_agency(
        c.RegisterAgency(code="ERO-BOS", name="Boston Field Office", jurisdiction="US"), ctx
    )
    registry.register_facility(
        c.RegisterFacility(
            code="CT-HCC", name="A jail", type=FacilityType.COUNTY_JAIL, jurisdiction="US-CT"
        ),
        ctx,
    )
    detainer_id = _lodge(ctx, {IdentifierKind.A_NUMBER: "A012345678"}, days=-1)
    assert queries.detainer_timeline(detainer_id, ctx).detainer.state is DetainerState.UNMATCHED
    bookings.record_booking(
        c.RecordBooking(
            facility_code="CT-HCC",
            booking_number="B-9",
            person=c.PersonDetails(
                name=PersonName(given=("Ana",), family=("García",)),
                identifiers={IdentifierKind.A_NUMBER: "A012345678"},
            ),
            booked_at=BOOKED,
            actor="booking-clerk",
        ),
        ctx,
    )
    story = queries.detainer_timeline(detainer_id, ctx)
    assert story.detainer.state is DetainerState.RECEIVED
    assert story.events[-1].reason == "matched by a_number"
