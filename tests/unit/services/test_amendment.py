"""Amending a detainer through the service: the agency's officer, its tenant, and a second review."""

from __future__ import annotations

import pytest

from detainers.domain import commands as c
from detainers.domain.access import Caller, PrincipalKind, Role
from detainers.domain.audit import Outcome
from detainers.domain.detainer import Detainer
from detainers.domain.errors import IllegalTransition, InvalidValue, TerminalState
from detainers.domain.events import DetainerAmended
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import (
    Action,
    Effect,
    ProbableCause,
    ReleaseReason,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers
from detainers.services.context import Context
from detainers.services.errors import Forbidden, NotFound
from tests.unit.builders import AGENCY, AGENT, CLERK, FACILITY, HOURS, T0, World

S = DetainerState
REASON = "a judge signed a warrant"


def _officer(agency: str = AGENCY) -> Caller:
    return Caller(
        principal_id=f"user-{agency}",
        name=AGENT,
        kind=PrincipalKind.USER,
        role=Role.AGENCY_OFFICER,
        agency_code=agency,
    )


def _staff() -> Caller:
    return Caller(
        principal_id="user-staff",
        name=CLERK,
        kind=PrincipalKind.USER,
        role=Role.FACILITY_STAFF,
        facility_code=FACILITY,
    )


def _amend(
    ctx: Context, detainer_id: str, *, warrant: Warrant | None = Warrant.JUDICIAL
) -> Detainer:
    return detainers.amend_detainer(
        c.AmendDetainer(detainer_id=detainer_id, reason=REASON, actor=AGENT, warrant=warrant),
        ctx,
    )


def test_an_amendment_with_a_judicial_warrant_clears_a_decline_for_a_new_review() -> None:
    world = World(effects={Action.HOLD: Effect.FORBIDDEN})
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    declined = world.detainer(detainer.id).decision
    assert declined is not None
    world.clock.advance(hours=2)

    _amend(world.ctx.acting(_officer()), detainer.id)

    stored = world.detainer(detainer.id)
    assert (stored.state, stored.warrant, stored.decision) == (S.RECEIVED, Warrant.JUDICIAL, None)
    amended = world.events(detainer.id)[-1]
    assert isinstance(amended, DetainerAmended)
    assert (amended.from_state, amended.to_state) == ("declined", "received")
    assert (amended.before, amended.after) == ({"warrant": "I-200"}, {"warrant": "judicial"})
    assert (amended.reason, amended.occurred_at) == (REASON, T0 + 2 * HOURS)
    assert amended.cleared_decision_id == declined.id

    # The law, given the judicial warrant, now permits the hold: the facility honors it.
    world.engine.effects[Action.HOLD] = Effect.PERMITTED
    world.review(detainer.id, ReviewChoice.HONOR)

    assert world.engine.cases[-1].detainer.warrant is Warrant.JUDICIAL
    assert world.detainer(detainer.id).state is S.HONORED
    assert world.event_kinds(detainer.id)[-2:] == ["DetainerAmended", "DetainerReviewed"]


def test_an_amendment_is_audited_as_the_agency_officers_success() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.HONOR)

    _amend(world.ctx.acting(_officer()), detainer.id)

    entry = world.uow.store.audit[-1].entry
    assert (entry.action, entry.object_id, entry.outcome) == (
        "detainer.amend",
        detainer.id,
        Outcome.SUCCESS,
    )
    assert (entry.actor, entry.role, entry.organization) == (AGENT, "agency_officer", AGENCY)


def test_an_unmatched_detainer_amended_stays_unmatched_for_review() -> None:
    world = World()
    detainer = world.lodge()

    detainers.amend_detainer(
        c.AmendDetainer(
            detainer_id=detainer.id,
            reason="a final order was entered",
            actor=AGENT,
            probable_cause=frozenset({ProbableCause.FINAL_ORDER}),
        ),
        world.ctx,
    )

    stored = world.detainer(detainer.id)
    assert stored.state is S.UNMATCHED
    assert stored.probable_cause == frozenset({ProbableCause.FINAL_ORDER})


def test_amending_a_held_detainer_is_refused_and_the_hold_runs_on() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    before = world.snapshot()

    with pytest.raises(IllegalTransition, match=r"cannot \[amend\] from state \[on_hold\]"):
        _amend(world.ctx, detainer.id)

    assert world.snapshot() == before
    assert world.uow.store.audit[-1].entry.outcome is not Outcome.SUCCESS


def test_amending_a_cancelled_detainer_is_refused_as_terminal() -> None:
    world = World()
    detainer = world.lodge()
    detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=detainer.id, reason="withdrawn", actor=AGENT), world.ctx
    )
    before = world.snapshot()

    with pytest.raises(TerminalState, match=r"cannot \[amend\] from state \[cancelled\]"):
        _amend(world.ctx, detainer.id)

    assert world.snapshot() == before


def test_an_amendment_that_changes_nothing_is_refused_and_writes_nothing() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    before = world.snapshot()

    with pytest.raises(InvalidValue, match=r"^amendment: \[warrant\] repeats"):
        _amend(world.ctx, detainer.id, warrant=Warrant.I_200)

    assert world.snapshot() == before
    assert world.detainer(detainer.id).state is S.DECLINED


def test_another_agencys_officer_cannot_see_the_detainer_to_amend_it() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    before = world.snapshot()

    with pytest.raises(NotFound, match=rf"^no detainer \[{detainer.id}\]$"):
        _amend(world.ctx.acting(_officer("ERO-NYC")), detainer.id)

    assert world.snapshot() == before


def test_facility_staff_cannot_amend_a_detainer_they_can_see() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    before = world.snapshot()

    with pytest.raises(Forbidden, match=r"detainer\.lodge"):
        _amend(world.ctx.acting(_staff()), detainer.id)

    assert world.snapshot() == before


def test_amending_an_unknown_detainer_is_refused_naming_it() -> None:
    world = World()
    with pytest.raises(NotFound, match=r"^no detainer \[det-404\]$"):
        _amend(world.ctx, "det-404")
