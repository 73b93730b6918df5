"""An amended detainer round-trips through a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from detainers.adapters.db import tables
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain import commands as c
from detainers.domain.detainer import LodgedSubject
from detainers.domain.events import DetainerAmended
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    DetainerForm,
    Effect,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, queries, registry
from detainers.services.context import Context
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds

BOOKED = datetime(2023, 9, 14, 18, 0, tzinfo=UTC)
LODGED = BOOKED + timedelta(days=29)
REVIEWED = LODGED + timedelta(days=1)
AMENDED = LODGED + timedelta(days=20)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _declined_detainer(ctx: Context) -> str:
    """A booked person, a detainer lodged on an administrative warrant, declined on review."""
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
            name="A jail",
            type=FacilityType.STATE_PRETRIAL_JAIL,
            jurisdiction="US-CT",
        ),
        ctx,
    )
    bookings.record_booking(
        c.RecordBooking(
            facility_code="CT-HCC",
            booking_number="2023-000123",
            person=c.PersonDetails(
                name=PersonName(given=("Ana",), family=("García",)),
                identifiers={IdentifierKind.STATE_ID: "CT1234567"},
            ),
            booked_at=BOOKED,
            actor="booking-clerk",
        ),
        ctx,
    )
    detainer = detainers.lodge_detainer(
        c.LodgeDetainer(
            agency_code="ERO-BOS",
            facility_code="CT-HCC",
            subject=LodgedSubject(
                name=PersonName(given=("Ana",), family=("Garcia",)),
                identifiers={IdentifierKind.STATE_ID: "CT1234567"},
            ),
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
            actor="officer-1",
            at=LODGED,
        ),
        ctx,
    )
    detainers.record_review(
        c.RecordReview(
            detainer_id=detainer.id, choice=ReviewChoice.DECLINE, actor="staff-1", at=REVIEWED
        ),
        ctx,
    )
    return detainer.id


def test_an_amended_detainer_is_stored_with_its_new_terms_no_decision_and_the_event(
    engine: Engine,
) -> None:
    legal = FakeLegalEngine({Action.HOLD: Effect.FORBIDDEN})
    ctx = Context(
        uow=SqlUnitOfWorkFactory(engine), clock=FixedClock(NOW), ids=SequentialIds(), engine=legal
    )
    detainer_id = _declined_detainer(ctx)
    declined = queries.detainer_timeline(detainer_id, ctx).detainer.decision
    assert declined is not None

    amended = detainers.amend_detainer(
        c.AmendDetainer(
            detainer_id=detainer_id,
            reason="a judge signed a warrant",
            actor="officer-1",
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS, ProbableCause.STATEMENTS}),
            warrant=Warrant.JUDICIAL,
            requests=frozenset({RequestedAction.HOLD}),
            at=AMENDED,
        ),
        ctx,
    )

    story = queries.detainer_timeline(detainer_id, ctx)
    stored = story.detainer
    assert stored.state is DetainerState.RECEIVED
    assert (stored.form, stored.warrant) == (DetainerForm.I_247A, Warrant.JUDICIAL)
    assert stored.probable_cause == {ProbableCause.PENDING_PROCEEDINGS, ProbableCause.STATEMENTS}
    assert stored.requests == {RequestedAction.HOLD}
    assert stored.decision is None
    assert (stored.version, stored.last_sequence) == (amended.version, 4)
    [event] = [e for e in story.events if isinstance(e, DetainerAmended)]
    assert event == story.events[-1]
    assert (event.from_state, event.to_state, event.occurred_at) == (
        "declined",
        "received",
        AMENDED,
    )
    assert event.before == {
        "probable_cause": ["pending_proceedings"],
        "requests": ["hold", "notify"],
        "warrant": "I-200",
    }
    assert event.after == {
        "probable_cause": ["pending_proceedings", "statements"],
        "requests": ["hold"],
        "warrant": "judicial",
    }
    assert event.cleared_decision_id == declined.id
    with engine.connect() as conn:
        row = conn.execute(select(tables.detainer)).one()._mapping
    assert (row["state"], row["warrant"], row["decision_id"]) == ("received", "judicial", None)

    # The facility reviews the new terms; the old decision stays on record as superseded.
    legal.effects[Action.HOLD] = Effect.PERMITTED
    detainers.record_review(
        c.RecordReview(
            detainer_id=detainer_id,
            choice=ReviewChoice.HONOR,
            actor="staff-1",
            at=AMENDED + timedelta(hours=1),
        ),
        ctx,
    )
    honored = queries.detainer_timeline(detainer_id, ctx).detainer
    assert honored.state is DetainerState.HONORED
    assert honored.decision is not None
    with engine.connect() as conn:
        decisions = conn.execute(
            select(tables.decision.c.id, tables.decision.c.choice).order_by(
                tables.decision.c.decided_at
            )
        ).all()
        current = conn.execute(select(tables.detainer.c.decision_id)).scalar_one()
    assert [tuple(row) for row in decisions] == [
        (declined.id, "decline"),
        (honored.decision.id, "honor"),
    ]
    assert current == honored.decision.id
