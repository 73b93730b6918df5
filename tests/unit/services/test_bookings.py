"""Custody use cases: booking a person, marking them otherwise releasable (holds begin), releasing them."""

from __future__ import annotations

import pytest

from detainers.domain import commands as c
from detainers.domain.booking import Booking, BookingClosed
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import (
    Action,
    Effect,
    HoldEndReason,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
)
from detainers.services import bookings, detainers
from detainers.services.errors import AlreadyExists, AmbiguousIdentity, NotFound
from tests.unit.builders import CLERK, FACILITY, HOURS, OTHER_FACILITY, T0, World

S = DetainerState


def _mark_releasable(
    world: World, booking_id: str, reason: ReleaseReason = ReleaseReason.BOND_POSTED
) -> list[Detainer]:
    return bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking_id, reason=reason, actor=CLERK), world.ctx
    )


def _release(
    world: World, booking_id: str, reason: ReleaseReason = ReleaseReason.COURT_ORDER
) -> Booking:
    return bookings.release_person(
        c.ReleasePerson(booking_id=booking_id, reason=reason, actor=CLERK), world.ctx
    )


# -- booking ------------------------------------------------------------------------


def test_a_booking_records_a_new_person_with_their_identifiers() -> None:
    world = World()
    booking = world.book("B-1", fbi_number="FBI-1001", a_number="A012345678")
    stored = world.uow.store.bookings[booking.id]
    person = world.uow.store.persons[stored.person_id]
    assert stored.in_custody
    assert stored.booked_at == T0
    assert person.identifiers == {"fbi_number": "FBI-1001", "a_number": "A012345678"}


def test_a_second_booking_of_a_known_person_reuses_their_record() -> None:
    world = World()
    first = world.book("B-1", fbi_number="FBI-1001")
    _release(world, first.id)
    second = world.book("B-2", fbi_number="FBI-1001", state_id="CT-0012345")
    assert second.person_id == first.person_id
    assert len(world.uow.store.persons) == 1


def test_a_booking_at_an_unknown_facility_is_refused_naming_it() -> None:
    world = World()
    before = world.snapshot()
    with pytest.raises(NotFound, match=r"^no facility \[CT-NOWHERE\]$"):
        world.book(facility="CT-NOWHERE")
    assert world.snapshot() == before


def test_an_open_booking_number_cannot_be_used_twice_at_one_facility() -> None:
    world = World()
    world.book("B-1", fbi_number="FBI-1001")
    before = world.snapshot()
    with pytest.raises(AlreadyExists, match=rf"^open booking \[{FACILITY}/B-1\] already exists$"):
        world.book("B-1", fbi_number="FBI-2002")
    assert world.snapshot() == before


def test_a_person_already_booked_at_the_facility_cannot_be_booked_again_under_another_number() -> (
    None
):
    world = World()
    world.book("B-1", fbi_number="FBI-1001")
    before = world.snapshot()
    with pytest.raises(AlreadyExists, match=rf"^open booking for person \[{FACILITY}/"):
        world.book("B-2", fbi_number="FBI-1001")
    assert world.snapshot() == before


def test_a_released_booking_number_may_be_used_again() -> None:
    world = World()
    first = world.book("B-1")
    _release(world, first.id)
    second = world.book("B-1")
    assert second.id != first.id
    assert world.uow.store.bookings[second.id].in_custody


def test_the_same_booking_number_may_be_open_at_two_facilities() -> None:
    world = World()
    world.book("B-1")
    other = world.book("B-1", facility=OTHER_FACILITY)
    assert other.facility_code == OTHER_FACILITY


def test_identifiers_that_name_two_different_people_are_refused_and_nothing_is_written() -> None:
    world = World()
    world.book("B-1", fbi_number="FBI-1001")
    world.book("B-2", a_number="A012345678")
    before = world.snapshot()
    with pytest.raises(AmbiguousIdentity) as raised:
        world.book("B-3", fbi_number="FBI-1001", a_number="A012345678")
    assert "a_number=A012345678, fbi_number=FBI-1001" in str(raised.value)
    assert world.snapshot() == before


@pytest.mark.parametrize("kind", ["fbi_number", "state_id", "a_number", "booking_number"])
def test_recording_a_booking_later_attaches_a_detainer_waiting_unmatched(kind: str) -> None:
    world = World()
    value = {"booking_number": "B-77"}.get(kind, "ID-9001")
    detainer = world.lodge(**{kind: value})
    assert world.detainer(detainer.id).state is S.UNMATCHED

    world.clock.advance(hours=3)
    booking = world.book("B-77", **({} if kind == "booking_number" else {kind: value}))

    stored = world.detainer(detainer.id)
    assert stored.state is S.RECEIVED
    assert stored.booking_id == booking.id
    matched = world.events(detainer.id)[-1]
    assert matched.payload() == {"booking_id": booking.id, "identifier_kind": kind}
    assert matched.occurred_at == T0 + 3 * HOURS
    assert matched.actor == CLERK


def test_a_booking_of_someone_else_leaves_a_waiting_detainer_unmatched() -> None:
    world = World()
    detainer = world.lodge(fbi_number="FBI-1001")
    world.book("B-1", fbi_number="FBI-2002")
    assert world.detainer(detainer.id).state is S.UNMATCHED
    assert world.event_kinds(detainer.id) == ["DetainerLodged"]


def test_a_booking_at_another_facility_leaves_a_waiting_detainer_unmatched() -> None:
    world = World()
    detainer = world.lodge(fbi_number="FBI-1001")
    world.book("B-1", facility=OTHER_FACILITY, fbi_number="FBI-1001")
    assert world.detainer(detainer.id).state is S.UNMATCHED


# -- otherwise releasable: holds begin here -------------------------------------------


def test_an_honored_detainer_is_held_with_the_engines_legal_end_as_deadline() -> None:
    world = World(hold_hours=48)
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    world.clock.advance(hours=5)
    releasable = T0 + 5 * HOURS

    held = _mark_releasable(world, booking.id)

    assert [d.id for d in held] == [detainer.id]
    stored = world.detainer(detainer.id)
    assert stored.state is S.ON_HOLD
    assert stored.hold is not None
    assert stored.hold.started_at == releasable
    assert stored.hold.legal_until == releasable + 48 * HOURS
    assert stored.hold.deadline_at == releasable + 48 * HOURS
    assert world.event_kinds(detainer.id)[-1] == "HoldStarted"
    kept = world.booking(booking.id)
    assert kept.in_custody
    assert (kept.releasable_at, kept.releasable_reason) == (releasable, ReleaseReason.BOND_POSTED)


def test_a_facilitys_shorter_hold_limit_sets_the_deadline() -> None:
    world = World(hold_hours=48, hold_limit_hours=24)
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    _mark_releasable(world, booking.id)
    hold = world.detainer(detainer.id).hold
    assert hold is not None
    assert hold.deadline_at == T0 + 24 * HOURS
    assert hold.legal_until == T0 + 48 * HOURS


def test_a_facilitys_longer_hold_limit_does_not_extend_the_legal_end() -> None:
    world = World(hold_hours=48, hold_limit_hours=72)
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    _mark_releasable(world, booking.id)
    hold = world.detainer(detainer.id).hold
    assert hold is not None
    assert hold.deadline_at == T0 + 48 * HOURS


def test_the_law_is_read_again_at_the_releasable_moment_with_that_moment_and_reason() -> None:
    world = World()
    booking, _ = world.booked_and_lodged(ReviewChoice.HONOR)
    world.clock.advance(hours=2)
    _mark_releasable(world, booking.id, ReleaseReason.SENTENCE_COMPLETE)
    case = world.engine.cases[-1]
    assert case.as_of == T0 + 2 * HOURS
    assert case.releasable_at == T0 + 2 * HOURS
    assert case.release_reason is ReleaseReason.SENTENCE_COMPLETE


def test_a_law_that_forbade_holds_since_review_is_obeyed_the_person_goes_free() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    world.engine.effects[Action.HOLD] = Effect.FORBIDDEN

    held = _mark_releasable(world, booking.id)

    assert held == []
    stored = world.detainer(detainer.id)
    assert stored.state is S.RELEASED
    assert stored.hold is None
    assert not world.booking(booking.id).in_custody
    assert world.booking(booking.id).release_reason is ReleaseReason.BOND_POSTED
    assert "HoldStarted" not in world.event_kinds(detainer.id)


def test_no_hold_starts_when_the_engine_gives_no_latest_end() -> None:
    world = World(hold_hours=None)
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    assert _mark_releasable(world, booking.id) == []
    assert world.detainer(detainer.id).state is S.RELEASED
    assert not world.booking(booking.id).in_custody


@pytest.mark.parametrize(
    "choice", [ReviewChoice.NOTIFY_ONLY, ReviewChoice.DECLINE, ReviewChoice.ESCALATE, None]
)
def test_without_a_decision_to_hold_the_person_is_released_and_the_detainer_closed(
    choice: ReviewChoice | None,
) -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(choice)
    world.clock.advance(hours=1)

    assert _mark_releasable(world, booking.id, ReleaseReason.RECOGNIZANCE) == []

    stored = world.detainer(detainer.id)
    assert stored.state is S.RELEASED
    assert stored.closed_at == T0 + HOURS
    released = world.events(detainer.id)[-1]
    assert released.payload() == {"release_reason": "recognizance"}
    kept = world.booking(booking.id)
    assert (kept.released_at, kept.release_reason) == (T0 + HOURS, ReleaseReason.RECOGNIZANCE)


def test_an_honored_detainer_that_asked_only_for_notice_is_not_held() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(
        ReviewChoice.HONOR, requests=frozenset({RequestedAction.NOTIFY})
    )
    assert _mark_releasable(world, booking.id) == []
    assert world.detainer(detainer.id).state is S.RELEASED


def test_one_held_detainer_keeps_the_person_and_the_others_stay_open() -> None:
    world = World()
    booking = world.book()
    honored = world.review(world.lodge().id, ReviewChoice.HONOR)
    declined = world.review(world.lodge().id, ReviewChoice.DECLINE)

    held = _mark_releasable(world, booking.id)

    assert [d.id for d in held] == [honored.id]
    assert world.detainer(honored.id).state is S.ON_HOLD
    assert world.detainer(declined.id).state is S.DECLINED
    assert world.booking(booking.id).in_custody


def test_a_release_notified_detainer_is_held_too() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    detainers.notify_release(
        c.NotifyRelease(detainer_id=detainer.id, release_at=T0 + 24 * HOURS, actor=CLERK),
        world.ctx,
    )
    assert [d.id for d in _mark_releasable(world, booking.id)] == [detainer.id]
    assert world.event_kinds(detainer.id)[-2:] == ["ReleaseNotified", "HoldStarted"]


def test_marking_a_released_person_releasable_is_refused_and_writes_nothing() -> None:
    world = World()
    booking, _ = world.booked_and_lodged(ReviewChoice.DECLINE)
    _release(world, booking.id)
    before = world.snapshot()
    with pytest.raises(BookingClosed, match=rf"booking \[{booking.id}\] ended"):
        _mark_releasable(world, booking.id)
    assert world.snapshot() == before


def test_marking_an_unknown_booking_releasable_names_it() -> None:
    with pytest.raises(NotFound, match=r"^no booking \[bk-404\]$"):
        _mark_releasable(World(), "bk-404")


def test_marking_a_held_person_releasable_again_keeps_the_hold() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    _mark_releasable(world, booking.id)
    world.clock.advance(hours=1)

    again = _mark_releasable(world, booking.id)  # a retried request, or a second charge's bond

    assert [d.id for d in again] == [detainer.id]
    stored = world.detainer(detainer.id)
    assert stored.state is S.ON_HOLD
    assert stored.hold is not None
    assert (stored.hold.started_at, stored.hold.deadline_at) == (T0, T0 + 48 * HOURS)
    assert world.booking(booking.id).in_custody


def test_a_facility_that_allows_no_hours_of_hold_releases_the_person() -> None:
    world = World(hold_limit_hours=0)
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)

    assert _mark_releasable(world, booking.id) == []

    assert world.detainer(detainer.id).state is S.RELEASED
    assert not world.booking(booking.id).in_custody


# -- release ---------------------------------------------------------------------------


def test_releasing_a_person_closes_every_live_detainer_on_the_booking() -> None:
    world = World()
    booking = world.book()
    received = world.lodge()
    honored = world.review(world.lodge().id, ReviewChoice.HONOR)
    cancelled = world.lodge()
    detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=cancelled.id, reason="withdrawn", actor=CLERK), world.ctx
    )
    world.clock.advance(hours=1)

    _release(world, booking.id, ReleaseReason.CHARGES_DISMISSED)

    assert world.detainer(received.id).state is S.RELEASED
    assert world.detainer(honored.id).state is S.RELEASED
    assert world.detainer(cancelled.id).state is S.CANCELLED
    assert world.event_kinds(cancelled.id)[-1] == "DetainerCancelled"
    kept = world.booking(booking.id)
    assert (kept.released_at, kept.release_reason) == (
        T0 + HOURS,
        ReleaseReason.CHARGES_DISMISSED,
    )


def test_releasing_a_held_person_before_the_deadline_ends_the_hold_without_a_violation() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    _mark_releasable(world, booking.id)
    world.clock.advance(hours=10)

    _release(world, booking.id)

    stored = world.detainer(detainer.id)
    assert stored.state is S.RELEASED
    assert stored.hold is not None
    assert (stored.hold.ended_at, stored.hold.end_reason) == (
        T0 + 10 * HOURS,
        HoldEndReason.RELEASED,
    )
    assert "HoldDeadlinePassed" not in world.event_kinds(detainer.id)


def test_releasing_a_held_person_after_the_deadline_records_the_violation_first() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    _mark_releasable(world, booking.id)
    world.clock.advance(hours=50)

    _release(world, booking.id)

    assert world.event_kinds(detainer.id)[-2:] == ["HoldDeadlinePassed", "SubjectReleased"]
    violation = world.events(detainer.id)[-2]
    assert violation.payload()["overrun_seconds"] == 2 * 3600


def test_releasing_a_person_twice_is_refused_and_writes_nothing() -> None:
    world = World()
    booking = world.book()
    _release(world, booking.id)
    before = world.snapshot()
    with pytest.raises(BookingClosed):
        _release(world, booking.id)
    assert world.snapshot() == before
