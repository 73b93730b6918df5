"""The Connecticut story through the real services and the real legal engine, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain import commands as c
from detainers.domain.detainer import LodgedSubject
from detainers.domain.errors import ChoiceOutsideBounds
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    DetainerForm,
    Effect,
    IdentifierKind,
    ProbableCause,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry
from detainers.services import bookings, detainers, queries
from detainers.services.context import Context
from detainers.services.stories import AGENCY, FACILITY, replay_connecticut
from tests.fakes import FixedClock, SequentialIds


def _context(engine: Engine) -> Context:
    return Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=FixedClock(datetime(2026, 11, 27, 12, tzinfo=UTC)),
        ids=SequentialIds(),
        engine=RulesEngine(load_registry()),
    )


def test_the_connecticut_story_is_a_decline_required_by_state_law_then_an_agency_arrest(
    engine: Engine,
) -> None:
    ctx = _context(engine)
    replayed = replay_connecticut(ctx)
    assert replayed.written_now
    story = queries.detainer_timeline(replayed.detainer_id, ctx)

    assert [e.to_state for e in story.events] == [
        "unmatched",
        "received",
        "received",
        "declined",
        "released",
        "released",
    ]
    decision = story.detainer.decision
    assert decision is not None
    assert decision.choice is ReviewChoice.DECLINE
    assert not decision.noncompliant
    rulings = decision.evaluation.rulings
    assert {action: ruling.effect for action, ruling in rulings.items()} == dict.fromkeys(
        Action, Effect.FORBIDDEN
    )
    assert rulings[Action.HOLD].reasons[0].citation.startswith("Conn. Gen. Stat. 54-192h(b)(1)(A)")
    assert [(law.jurisdiction, law.version) for law in decision.evaluation.laws] == [
        ("US", "2017-04-02"),
        ("US-CT", "2019-10-01"),
    ]
    assert {"detainer.warrant": "judicial"} in [
        dict(r.change) for r in decision.evaluation.remedies if r.action is Action.HOLD
    ]
    assert decision.evaluation.facts["detainer"]["warrant"] == "I-200"

    d = story.detainer
    assert d.state is DetainerState.RELEASED
    assert d.hold is None
    assert d.closed_at is not None
    assert d.agency_arrest_date == date(2024, 4, 4)
    assert (d.agency_arrest_date - d.closed_at.date()).days == 63


def test_replaying_the_story_again_finds_it_instead_of_writing_it_twice(engine: Engine) -> None:
    ctx = _context(engine)
    first = replay_connecticut(ctx)
    again = replay_connecticut(ctx)
    assert again.detainer_id == first.detainer_id
    assert not again.written_now
    assert queries.overview(ctx).detainers == 1


def test_honoring_a_connecticut_detainer_on_an_administrative_warrant_is_refused(
    engine: Engine,
) -> None:
    ctx = _context(engine)
    replay_connecticut(ctx)  # registers the jurisdictions, agency and facility
    booked = bookings.record_booking(
        c.RecordBooking(
            facility_code=FACILITY,
            booking_number="B-2",
            person=c.PersonDetails(
                name=PersonName(given=("Sam",), family=("Roe",)),
                identifiers={IdentifierKind.STATE_ID: "CT-TEST-0002"},
            ),
            booked_at=datetime(2024, 3, 1, 15, tzinfo=UTC),
            actor="intake",
        ),
        ctx,
    )
    lodged = detainers.lodge_detainer(
        c.LodgeDetainer(
            agency_code=AGENCY,
            facility_code=FACILITY,
            subject=LodgedSubject(
                name=PersonName(given=("Sam",), family=("Roe",)),
                identifiers={IdentifierKind.BOOKING_NUMBER: "B-2"},
            ),
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.BIOMETRIC_MATCH}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
            actor="officer",
            at=datetime(2024, 3, 2, 15, tzinfo=UTC),
        ),
        ctx,
    )
    assert lodged.booking_id == booked.id
    with pytest.raises(
        ChoiceOutsideBounds, match=r"choice \[honor\] needs \[hold\].*\[forbidden\]"
    ):
        detainers.record_review(
            c.RecordReview(detainer_id=lodged.id, choice=ReviewChoice.HONOR, actor="staff"), ctx
        )
    declined = detainers.record_review(
        c.RecordReview(detainer_id=lodged.id, choice=ReviewChoice.DECLINE, actor="staff"), ctx
    )
    assert declined.state is DetainerState.DECLINED
