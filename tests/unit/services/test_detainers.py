"""Detainer use cases: lodge, match, serve, review, notify, transfer, close, and check hold deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from detainers.domain import commands as c
from detainers.domain.detainer import Detainer
from detainers.domain.errors import (
    ChoiceOutsideBounds,
    DecisionDoesNotPermit,
    IllegalTransition,
    InvalidValue,
    OverrideNeedsReason,
    TerminalState,
)
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import (
    Action,
    DetainerForm,
    Effect,
    HoldEndReason,
    ReleaseReason,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers
from detainers.services.context import Context
from detainers.services.errors import NotFound, ServiceError
from tests.unit.builders import (
    AGENCY,
    AGENT,
    BOTH,
    CLERK,
    FACILITY,
    HOURS,
    OTHER_FACILITY,
    T0,
    World,
    subject,
)

S = DetainerState
NAIVE = datetime(2024, 2, 1, 12, 0)  # no zone: the point of the tests that use it


def _held(world: World, **lodge: object) -> tuple[str, Detainer]:
    """A booked person held on an honored detainer from T0 (deadline T0+48h unless limited)."""
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR, **lodge)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    return booking.id, world.detainer(detainer.id)


def _check(world: World) -> list[Detainer]:
    return detainers.check_hold_deadlines(c.CheckHoldDeadlines(actor="system"), world.ctx)


def _transfer(world: World, detainer_id: str) -> Detainer:
    return detainers.transfer_custody(
        c.TransferCustody(detainer_id=detainer_id, actor=AGENT), world.ctx
    )


def _release_at_deadline(world: World, detainer_id: str) -> Detainer:
    return detainers.release_at_deadline(
        c.ReleaseAtDeadline(detainer_id=detainer_id, actor=CLERK), world.ctx
    )


def _cancel(world: World, detainer_id: str) -> Detainer:
    return detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=detainer_id, reason="withdrawn by the agency", actor=AGENT),
        world.ctx,
    )


# -- lodging and matching ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fbi_number", "state_id", "a_number"])
def test_a_detainer_naming_a_booked_persons_identifier_is_attached_to_their_booking(
    kind: str,
) -> None:
    world = World()
    booking = world.book("B-1", **{kind: "ID-9001"})

    detainer = world.lodge(**{kind: "ID-9001"})

    stored = world.detainer(detainer.id)
    assert (stored.state, stored.booking_id) == (S.RECEIVED, booking.id)
    assert world.event_kinds(detainer.id) == ["DetainerLodged", "DetainerMatched"]
    assert world.events(detainer.id)[-1].payload()["identifier_kind"] == kind


def test_a_detainer_naming_an_open_booking_number_is_attached_by_it() -> None:
    world = World()
    booking = world.book("B-1", fbi_number="FBI-1001")
    detainer = world.lodge(booking_number="B-1")
    assert world.detainer(detainer.id).booking_id == booking.id
    assert world.events(detainer.id)[-1].payload()["identifier_kind"] == "booking_number"


def test_a_booking_number_is_tried_before_the_persons_identifiers() -> None:
    world = World()
    by_number = world.book("B-1", fbi_number="FBI-1001")
    world.book("B-2", fbi_number="FBI-2002")
    detainer = world.lodge(booking_number="B-1", fbi_number="FBI-2002")
    assert world.detainer(detainer.id).booking_id == by_number.id


def test_a_detainer_naming_no_one_in_custody_here_stays_unmatched_for_review() -> None:
    world = World()
    world.book("B-1", fbi_number="FBI-1001")
    world.book("B-9", facility=OTHER_FACILITY, a_number="A012345678")

    detainer = world.lodge(fbi_number="FBI-2002", a_number="A012345678", booking_number="B-9")

    stored = world.detainer(detainer.id)
    assert (stored.state, stored.booking_id) == (S.UNMATCHED, None)
    assert world.event_kinds(detainer.id) == ["DetainerLodged"]


def test_a_detainer_for_a_person_already_released_stays_unmatched() -> None:
    world = World()
    booking = world.book("B-1")
    bookings.release_person(
        c.ReleasePerson(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    detainer = world.lodge()
    assert world.detainer(detainer.id).state is S.UNMATCHED


def test_a_detainer_is_lodged_at_the_injected_clocks_time_by_the_agent() -> None:
    world = World()
    world.clock.advance(days=3)
    detainer = world.lodge()
    lodged = world.events(detainer.id)[0]
    assert (lodged.occurred_at, lodged.actor) == (T0 + 72 * HOURS, AGENT)
    assert world.detainer(detainer.id).lodged_at == T0 + 72 * HOURS


def _lodge_command(**changes: object) -> c.LodgeDetainer:
    fields: dict[str, object] = {
        "agency_code": AGENCY,
        "facility_code": FACILITY,
        "subject": subject(fbi_number="FBI-1001"),
        "form": DetainerForm.I_247A,
        "probable_cause": frozenset(),
        "warrant": Warrant.I_200,
        "requests": BOTH,
        "actor": AGENT,
    }
    fields.update(changes)
    return c.LodgeDetainer(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agency_code": "ERO-XXX"}, r"^no agency \[ERO-XXX\]$"),
        ({"facility_code": "CT-XXX"}, r"^no facility \[CT-XXX\]$"),
    ],
)
def test_a_detainer_from_an_unknown_agency_or_to_an_unknown_facility_is_refused(
    changes: dict[str, str], message: str
) -> None:
    world = World()
    before = world.snapshot()
    with pytest.raises(NotFound, match=message):
        detainers.lodge_detainer(_lodge_command(**changes), world.ctx)
    assert world.snapshot() == before


def test_a_lodging_time_without_a_zone_is_refused_naming_the_field() -> None:
    world = World()
    with pytest.raises(InvalidValue, match=r"^lodged_at: \[2024-02-01T12:00:00\] has no time zone"):
        detainers.lodge_detainer(_lodge_command(at=NAIVE), world.ctx)
    assert world.uow.store.detainers == {}


def test_a_person_can_match_a_waiting_detainer_to_a_booking_by_review() -> None:
    world = World()
    detainer = world.lodge(fbi_number="FBI-2002")
    booking = world.book("B-1", fbi_number="FBI-1001")

    detainers.match_detainer(
        c.MatchDetainer(detainer_id=detainer.id, booking_id=booking.id, actor=CLERK), world.ctx
    )

    stored = world.detainer(detainer.id)
    assert (stored.state, stored.booking_id) == (S.RECEIVED, booking.id)
    assert world.events(detainer.id)[-1].payload()["identifier_kind"] == "review"


def test_a_detainer_cannot_be_matched_to_a_booking_at_another_facility() -> None:
    world = World()
    detainer = world.lodge(fbi_number="FBI-2002")
    elsewhere = world.book("B-1", facility=OTHER_FACILITY)
    before = world.snapshot()
    with pytest.raises(NotFound, match=rf"open booking at facility {FACILITY}.*\[{elsewhere.id}\]"):
        detainers.match_detainer(
            c.MatchDetainer(detainer_id=detainer.id, booking_id=elsewhere.id, actor=CLERK),
            world.ctx,
        )
    assert world.snapshot() == before


def test_a_detainer_cannot_be_matched_to_a_closed_booking() -> None:
    world = World()
    booking = world.book("B-1", fbi_number="FBI-1001")
    bookings.release_person(
        c.ReleasePerson(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    detainer = world.lodge(fbi_number="FBI-2002")
    with pytest.raises(NotFound):
        detainers.match_detainer(
            c.MatchDetainer(detainer_id=detainer.id, booking_id=booking.id, actor=CLERK),
            world.ctx,
        )
    assert world.detainer(detainer.id).state is S.UNMATCHED


# -- service and review ----------------------------------------------------------------


def test_serving_records_the_time_and_the_engine_then_reads_it_as_served() -> None:
    world = World()
    _, detainer = world.booked_and_lodged()
    world.clock.advance(hours=2)
    detainers.serve_detainer(c.ServeDetainer(detainer_id=detainer.id, actor=CLERK), world.ctx)
    assert world.detainer(detainer.id).served_at == T0 + 2 * HOURS

    world.review(detainer.id, ReviewChoice.DECLINE)

    assert world.engine.cases[-1].detainer.served_on_subject is True


def test_a_review_takes_the_engines_evaluation_and_keeps_the_facts_it_read() -> None:
    world = World()
    _, detainer = world.booked_and_lodged()
    world.clock.advance(hours=1)

    reviewed = world.review(detainer.id, ReviewChoice.HONOR)

    stored = world.detainer(reviewed.id)
    assert stored.state is S.HONORED
    assert stored.decision is not None
    case = world.engine.cases[-1]
    assert case.as_of == T0 + HOURS
    assert case.jurisdiction == "US-CT"
    assert stored.decision.evaluation.facts == case.to_contract()
    assert stored.decision.evaluation.facts["subject"]["charges"][0]["class"] == "felony_A"
    assert stored.decision.evaluation.engine == "fake"
    assert (stored.decision.decided_by, stored.decision.decided_at) == (CLERK, T0 + HOURS)
    reviewed_event = world.events(detainer.id)[-1]
    assert reviewed_event.payload() == {
        "decision_id": stored.decision.id,
        "choice": "honor",
        "noncompliant": False,
    }


def test_a_review_choosing_a_hold_the_law_forbids_is_refused_and_writes_nothing() -> None:
    world = World(effects={Action.HOLD: Effect.FORBIDDEN})
    _, detainer = world.booked_and_lodged()
    before = world.snapshot()
    with pytest.raises(ChoiceOutsideBounds, match=r"needs \[hold\].*\[forbidden\]"):
        world.review(detainer.id, ReviewChoice.HONOR)
    assert world.snapshot() == before


def test_a_review_declining_a_hold_the_law_requires_needs_a_reason() -> None:
    world = World(effects={Action.HOLD: Effect.REQUIRED})
    _, detainer = world.booked_and_lodged()
    with pytest.raises(OverrideNeedsReason):
        world.review(detainer.id, ReviewChoice.DECLINE)
    assert world.detainer(detainer.id).state is S.RECEIVED

    world.review(detainer.id, ReviewChoice.DECLINE, override_reason="sheriff's standing order")

    assert world.detainer(detainer.id).state is S.DECLINED
    reviewed = world.events(detainer.id)[-1]
    assert reviewed.reason == "sheriff's standing order"
    assert reviewed.payload()["noncompliant"] is True


def test_a_review_of_an_unmatched_detainer_is_refused_asking_to_match_it_first() -> None:
    world = World()
    detainer = world.lodge()
    with pytest.raises(NotFound, match=rf"match it first.*\[{detainer.id}\]"):
        world.review(detainer.id)
    assert world.engine.cases == []


# -- notices and transfers ------------------------------------------------------------


def test_a_release_notice_moves_an_honored_detainer_to_release_notified() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.NOTIFY_ONLY)
    detainers.notify_release(
        c.NotifyRelease(detainer_id=detainer.id, release_at=T0 + 24 * HOURS, actor=CLERK),
        world.ctx,
    )
    assert world.detainer(detainer.id).state is S.RELEASE_NOTIFIED
    assert world.events(detainer.id)[-1].payload() == {"release_at": "2024-02-02T09:00:00+00:00"}


def test_a_release_notice_on_a_declined_detainer_is_refused_naming_the_states() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    with pytest.raises(
        IllegalTransition, match=r"cannot \[notify_release\] from state \[declined\]"
    ):
        detainers.notify_release(
            c.NotifyRelease(detainer_id=detainer.id, release_at=T0 + 24 * HOURS, actor=CLERK),
            world.ctx,
        )


def test_a_transfer_hands_the_person_over_and_ends_the_booking() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    other = world.review(world.lodge().id, ReviewChoice.DECLINE)
    world.clock.advance(hours=1)

    _transfer(world, detainer.id)

    assert world.detainer(detainer.id).state is S.TRANSFERRED
    assert world.detainer(other.id).state is S.RELEASED
    kept = world.booking(booking.id)
    assert (kept.released_at, kept.release_reason) == (
        T0 + HOURS,
        ReleaseReason.TRANSFERRED_TO_AGENCY,
    )


def test_a_transfer_from_a_hold_ends_the_hold_as_transferred() -> None:
    world = World()
    booking_id, detainer = _held(world)
    world.clock.advance(hours=5)
    _transfer(world, detainer.id)
    stored = world.detainer(detainer.id)
    assert stored.hold is not None
    assert stored.hold.end_reason is HoldEndReason.TRANSFERRED
    assert not world.booking(booking_id).in_custody


def test_a_transfer_the_law_forbids_is_refused_and_the_person_stays() -> None:
    world = World(effects={Action.TRANSFER: Effect.FORBIDDEN})
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    before = world.snapshot()
    with pytest.raises(DecisionDoesNotPermit, match=r"\[transfer\] is \[forbidden\]"):
        _transfer(world, detainer.id)
    assert world.snapshot() == before
    assert world.booking(booking.id).in_custody


def test_a_transfer_needs_a_decision_that_cooperates() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    with pytest.raises(IllegalTransition, match=r"\[transfer\] from state \[declined\]"):
        _transfer(world, detainer.id)


def test_a_transfer_of_an_unmatched_detainer_is_refused() -> None:
    world = World()
    detainer = world.lodge()
    with pytest.raises(NotFound, match=r"booking for detainer"):
        _transfer(world, detainer.id)


def test_a_transfer_needs_a_live_detainer() -> None:
    world = World()
    _, detainer = _held(world)
    _transfer(world, detainer.id)
    with pytest.raises(TerminalState, match=r"cannot \[transfer\] from state \[transferred\]"):
        _transfer(world, detainer.id)
    assert world.detainer(detainer.id).state is S.TRANSFERRED


# -- deadlines ---------------------------------------------------------------------------


def test_checking_deadlines_before_any_is_due_records_nothing() -> None:
    world = World()
    _, detainer = _held(world)
    world.clock.advance(hours=48)
    assert _check(world) == []
    assert world.event_kinds(detainer.id)[-1] == "HoldStarted"


def test_checking_deadlines_records_a_violation_once_for_a_hold_past_its_deadline() -> None:
    world = World()
    _, detainer = _held(world)
    world.clock.advance(hours=49)

    assert [d.id for d in _check(world)] == [detainer.id]
    world.clock.advance(hours=1)
    assert _check(world) == []

    events = world.events(detainer.id)
    assert [type(e).__name__ for e in events].count("HoldDeadlinePassed") == 1
    violation = events[-1]
    assert violation.occurred_at == T0 + 49 * HOURS
    assert violation.payload() == {
        "deadline_at": (T0 + 48 * HOURS).isoformat(),
        "overrun_seconds": 3600,
    }
    stored = world.detainer(detainer.id)
    assert stored.state is S.ON_HOLD
    assert stored.hold is not None
    assert stored.hold.overrun_recorded_at == T0 + 49 * HOURS


def test_a_facility_limit_shorter_than_the_law_is_the_deadline_the_check_enforces() -> None:
    world = World(hold_limit_hours=12)
    _, detainer = _held(world)
    world.clock.advance(hours=13)
    assert [d.id for d in _check(world)] == [detainer.id]


def test_releasing_at_the_deadline_before_it_comes_is_refused_and_writes_nothing() -> None:
    world = World()
    _, detainer = _held(world)
    world.clock.advance(hours=47)
    before = world.snapshot()
    with pytest.raises(InvalidValue, match=r"^released_at: .* is before the hold's deadline"):
        _release_at_deadline(world, detainer.id)
    assert world.snapshot() == before


def test_releasing_at_the_deadline_closes_the_detainer_and_the_booking() -> None:
    world = World()
    booking_id, detainer = _held(world)
    world.clock.advance(hours=48)

    _release_at_deadline(world, detainer.id)

    assert world.detainer(detainer.id).state is S.RELEASED_AT_DEADLINE
    assert world.event_kinds(detainer.id)[-1] == "ReleasedAtDeadline"
    assert "HoldDeadlinePassed" not in world.event_kinds(detainer.id)
    kept = world.booking(booking_id)
    assert (kept.released_at, kept.release_reason) == (
        T0 + 48 * HOURS,
        ReleaseReason.HOLD_DEADLINE,
    )


def test_releasing_late_at_the_deadline_records_the_violation_before_closing() -> None:
    world = World()
    _, detainer = _held(world)
    world.clock.advance(hours=50)
    _release_at_deadline(world, detainer.id)
    assert world.event_kinds(detainer.id)[-2:] == ["HoldDeadlinePassed", "ReleasedAtDeadline"]


def test_a_person_held_on_two_detainers_stays_until_both_holds_end() -> None:
    world = World()
    booking = world.book()
    first = world.review(world.lodge().id, ReviewChoice.HONOR)
    second = world.review(world.lodge().id, ReviewChoice.HONOR)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    world.clock.advance(hours=48)

    _release_at_deadline(world, first.id)
    assert world.booking(booking.id).in_custody
    assert world.detainer(second.id).state is S.ON_HOLD

    _release_at_deadline(world, second.id)
    assert not world.booking(booking.id).in_custody


# -- cancellation, custody, outcomes ---------------------------------------------------


def test_cancelling_a_held_detainer_ends_the_hold_and_releases_the_person() -> None:
    world = World()
    booking_id, detainer = _held(world)
    world.clock.advance(hours=3)

    _cancel(world, detainer.id)

    stored = world.detainer(detainer.id)
    assert stored.state is S.CANCELLED
    assert stored.hold is not None
    assert (stored.hold.ended_at, stored.hold.end_reason) == (
        T0 + 3 * HOURS,
        HoldEndReason.CANCELLED,
    )
    kept = world.booking(booking_id)
    assert (kept.released_at, kept.release_reason) == (
        T0 + 3 * HOURS,
        ReleaseReason.DETAINER_CANCELLED,
    )
    assert world.events(detainer.id)[-1].reason == "withdrawn by the agency"


def test_cancelling_a_detainer_not_holding_anyone_leaves_the_person_in_custody() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    _cancel(world, detainer.id)
    assert world.detainer(detainer.id).state is S.CANCELLED
    assert world.booking(booking.id).in_custody


def test_cancelling_one_of_two_holds_keeps_the_person_on_the_other() -> None:
    world = World()
    booking = world.book()
    first = world.review(world.lodge().id, ReviewChoice.HONOR)
    second = world.review(world.lodge().id, ReviewChoice.HONOR)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    _cancel(world, first.id)
    assert world.booking(booking.id).in_custody
    assert world.detainer(second.id).state is S.ON_HOLD


def test_cancelling_a_closed_detainer_is_refused_as_terminal() -> None:
    world = World()
    _, detainer = world.booked_and_lodged()
    _cancel(world, detainer.id)
    before = world.snapshot()
    with pytest.raises(TerminalState, match=r"cannot \[cancel\] from state \[cancelled\]"):
        _cancel(world, detainer.id)
    assert world.snapshot() == before


def test_a_detainer_for_someone_not_in_custody_is_closed_as_such() -> None:
    world = World()
    detainer = world.lodge()
    detainers.mark_not_in_custody(
        c.MarkNotInCustody(detainer_id=detainer.id, reason="no record of this person", actor=CLERK),
        world.ctx,
    )
    stored = world.detainer(detainer.id)
    assert stored.state is S.NOT_IN_CUSTODY
    assert stored.closed_at == T0


def test_a_reviewed_detainer_cannot_be_answered_not_in_custody() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    with pytest.raises(IllegalTransition, match=r"\[mark_not_in_custody\] from state \[declined\]"):
        detainers.mark_not_in_custody(
            c.MarkNotInCustody(detainer_id=detainer.id, reason="gone", actor=CLERK), world.ctx
        )


def _arrest(world: World, detainer_id: str, on: date) -> Detainer:
    return detainers.record_agency_arrest(
        c.RecordAgencyArrest(detainer_id=detainer_id, arrest_date=on, actor=AGENT), world.ctx
    )


def test_the_connecticut_story_a_decline_a_release_then_an_agency_arrest_two_months_later() -> None:
    world = World(
        effects={Action.HOLD: Effect.FORBIDDEN, Action.NOTIFY: Effect.FORBIDDEN},
    )
    booking, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    bookings.release_person(
        c.ReleasePerson(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    world.clock.advance(days=63)

    _arrest(world, detainer.id, date(2024, 4, 4))

    stored = world.detainer(detainer.id)
    assert stored.state is S.RELEASED
    assert stored.agency_arrest_date == date(2024, 4, 4)
    assert world.event_kinds(detainer.id) == [
        "DetainerLodged",
        "DetainerMatched",
        "DetainerReviewed",
        "SubjectReleased",
        "AgencyArrestRecorded",
    ]


def test_an_agency_arrest_before_the_person_was_released_is_refused() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    before = world.snapshot()
    with pytest.raises(InvalidValue, match=r"needs a released person; detainer is \[declined\]"):
        _arrest(world, detainer.id, date(2024, 4, 4))
    assert world.snapshot() == before


def test_an_agency_arrest_dated_before_the_release_is_refused() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.DECLINE)
    bookings.release_person(
        c.ReleasePerson(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    with pytest.raises(InvalidValue, match=r"^arrest_date: \[2024-01-15\] is before the release"):
        _arrest(world, detainer.id, date(2024, 1, 15))
    assert world.detainer(detainer.id).agency_arrest_date is None


# -- unknown records --------------------------------------------------------------------

_COMMANDS: dict[str, Callable[[str, Context], object]] = {
    "serve": lambda i, ctx: detainers.serve_detainer(
        c.ServeDetainer(detainer_id=i, actor=CLERK), ctx
    ),
    "review": lambda i, ctx: detainers.record_review(
        c.RecordReview(detainer_id=i, choice=ReviewChoice.HONOR, actor=CLERK), ctx
    ),
    "notify_release": lambda i, ctx: detainers.notify_release(
        c.NotifyRelease(detainer_id=i, release_at=T0, actor=CLERK), ctx
    ),
    "transfer": lambda i, ctx: detainers.transfer_custody(
        c.TransferCustody(detainer_id=i, actor=CLERK), ctx
    ),
    "release_at_deadline": lambda i, ctx: detainers.release_at_deadline(
        c.ReleaseAtDeadline(detainer_id=i, actor=CLERK), ctx
    ),
    "cancel": lambda i, ctx: detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=i, reason="r", actor=CLERK), ctx
    ),
    "mark_not_in_custody": lambda i, ctx: detainers.mark_not_in_custody(
        c.MarkNotInCustody(detainer_id=i, reason="r", actor=CLERK), ctx
    ),
    "agency_arrest": lambda i, ctx: detainers.record_agency_arrest(
        c.RecordAgencyArrest(detainer_id=i, arrest_date=T0.date(), actor=CLERK), ctx
    ),
    "match": lambda i, ctx: detainers.match_detainer(
        c.MatchDetainer(detainer_id=i, booking_id="bk-1", actor=CLERK), ctx
    ),
}


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_a_command_on_an_unknown_detainer_is_refused_naming_it(command: str) -> None:
    world = World()
    before = world.snapshot()
    with pytest.raises(NotFound, match=r"^no detainer \[det-404\]$") as raised:
        _COMMANDS[command]("det-404", world.ctx)
    assert (raised.value.kind, raised.value.key) == ("detainer", "det-404")
    assert isinstance(raised.value, ServiceError)
    assert world.snapshot() == before
