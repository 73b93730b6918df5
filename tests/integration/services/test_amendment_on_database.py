"""An amended detainer round-trips through a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from detainers.adapters.db import tables
from detainers.domain import commands as c
from detainers.domain.events import DetainerAmended
from detainers.domain.lifecycle import DetainerState
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
from detainers.services import detainers, queries
from detainers.services.context import Context
from tests.fakes import FakeLegalEngine
from tests.integration.services.test_lifecycle_on_database import (
    BOOKED,
    _context,
    _lodge,
    _world,
)

LODGED = BOOKED + timedelta(days=29)  # as `_lodge` dates it
REVIEWED = LODGED + timedelta(days=1)
AMENDED = LODGED + timedelta(days=20)


def _declined_detainer(ctx: Context) -> str:
    """A booked person, a detainer lodged on an administrative warrant, declined on review."""
    _world(ctx)
    detainer_id = _lodge(ctx, {IdentifierKind.STATE_ID: "CT1234567"})
    detainers.record_review(
        c.RecordReview(
            detainer_id=detainer_id, choice=ReviewChoice.DECLINE, actor="staff-1", at=REVIEWED
        ),
        ctx,
    )
    return detainer_id


def test_an_amended_detainer_is_stored_with_its_new_terms_no_decision_and_the_event(
    engine: Engine,
) -> None:
    legal = FakeLegalEngine({Action.HOLD: Effect.FORBIDDEN})
    ctx = _context(engine, legal)
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
