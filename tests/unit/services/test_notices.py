"""What each change tells whom, and when: the outbox's planner and its timers, over the fakes.

Time is the world's `FixedClock`; "the worker" is `fire_due_timers` called
at the clock's time. Every hold here starts at T0 with a deadline 48 hours
later (the fake law's hold ruling).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from detainers.domain import commands as c
from detainers.domain.booking import Booking, Charge
from detainers.domain.detainer import Detainer
from detainers.domain.errors import ChoiceOutsideBounds
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import (
    DEFAULT_NOTICE_LEAD,
    OVERDUE_REPEAT,
    Audience,
    Channel,
    Message,
    MessageStatus,
    MessageType,
    Timer,
    TimerKind,
)
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    Effect,
    IdentifierKind,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
)
from detainers.services import bookings, delivery, detainers, notices
from detainers.services.delivery import Delivered, Outgoing
from tests.unit.builders import AGENCY, AGENT, CLERK, FACILITY, HOURS, T0, World

M = MessageType
RELEASE = T0 + timedelta(days=10)
DEADLINE = T0 + 48 * HOURS


# -- helpers -----------------------------------------------------------------------


def messages(
    world: World,
    type: MessageType | None = None,
    *,
    audience: Audience | None = None,
    channel: Channel | None = Channel.INBOX,
    status: MessageStatus | None = None,
) -> list[Message]:
    """Committed messages (in-app copies by default), in the order they were made."""
    found = [
        m
        for m in world.uow.store.messages.values()
        if (type is None or m.type is type)
        and (audience is None or m.audience is audience)
        and (channel is None or m.channel is channel)
        and (status is None or m.status is status)
    ]
    return sorted(found, key=lambda m: m.id)


def timers(world: World, detainer_id: str, kind: TimerKind | None = None) -> list[Timer]:
    found = [
        t
        for t in world.uow.store.timers.values()
        if t.detainer_id == detainer_id and (kind is None or t.kind is kind)
    ]
    return sorted(found, key=lambda t: (t.due_at, t.id))


def fire(world: World) -> int:
    """The worker's timer half, at the world's current time."""
    return notices.fire_due_timers(world.ctx, world.clock.now())


def advance_to(world: World, at: datetime) -> None:
    world.clock.at = at


def book_for_release(world: World, release_at: datetime | None = RELEASE) -> Booking:
    """A person booked now, expected to leave at `release_at`."""
    return bookings.record_booking(
        c.RecordBooking(
            facility_code=FACILITY,
            booking_number="B-1",
            person=c.PersonDetails(
                name=PersonName(given=("Juan",), family=("Doe", "Roe")),
                identifiers={IdentifierKind.FBI_NUMBER: "FBI-1001"},
            ),
            booked_at=world.clock.now(),
            actor=CLERK,
            charges=(
                Charge(
                    statute="CGS 53a-119", description="Larceny", charge_class=ChargeClass.FELONY_D
                ),
            ),
            scheduled_release_at=release_at,
        ),
        world.ctx,
    )


def held(world: World) -> tuple[Booking, Detainer]:
    """A person held from T0 on an honored detainer; the deadline is T0 + 48 h."""
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    return booking, world.detainer(detainer.id)


def counts(world: World) -> tuple[int, int]:
    return len(world.uow.store.messages), len(world.uow.store.timers)


class RecordingSender:
    """A sender that accepts everything and remembers what it was given."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        self.sent.extend(batch)
        return [Delivered(message_id=o.message.id, ok=True, status_code=200) for o in batch]


# -- lodging and review ------------------------------------------------------------


def test_a_detainer_matched_to_a_booking_lands_in_the_facility_inbox_for_review() -> None:
    world = World()
    _, detainer = world.booked_and_lodged()

    [task] = messages(world, M.DETAINER_LODGED)
    assert (task.audience, task.recipient) == (Audience.FACILITY, FACILITY)
    assert task.subject == detainer.id
    assert task.status is MessageStatus.DELIVERED  # the inbox is the database
    assert task.acknowledged_at is None
    assert messages(world, audience=Audience.AGENCY) == []


def test_an_unmatched_detainer_waits_silently_and_is_announced_when_its_person_is_booked() -> None:
    world = World()
    detainer = world.lodge()
    assert messages(world, M.DETAINER_LODGED) == []

    world.clock.advance(hours=1)
    world.book()

    [task] = messages(world, M.DETAINER_LODGED)
    assert task.subject == detainer.id
    assert task.data["state"] == DetainerState.RECEIVED.value


def test_a_review_tells_the_agency_the_decision_in_its_inbox() -> None:
    world = World()
    _, detainer = world.booked_and_lodged(ReviewChoice.HONOR)

    [told] = messages(world, M.DECISION_RECORDED)
    assert (told.audience, told.recipient) == (Audience.AGENCY, AGENCY)
    assert told.data["state"] == DetainerState.HONORED.value
    assert told.subject == detainer.id


# -- release notices ---------------------------------------------------------------


def test_an_honored_detainer_is_given_its_release_notice_48_hours_before_release() -> None:
    world = World()
    book_for_release(world)
    detainer = world.review(world.lodge().id, ReviewChoice.HONOR)

    [timer] = timers(world, detainer.id, TimerKind.RELEASE_NOTICE)
    assert timer.due_at == RELEASE - DEFAULT_NOTICE_LEAD == RELEASE - 48 * HOURS

    advance_to(world, timer.due_at - timedelta(minutes=1))
    assert fire(world) == 0
    assert messages(world, M.RELEASE_NOTICE) == []

    advance_to(world, timer.due_at)
    assert fire(world) == 1

    assert world.detainer(detainer.id).state is DetainerState.RELEASE_NOTIFIED
    assert world.event_kinds(detainer.id)[-1] == "ReleaseNotified"
    [notice] = messages(world, M.RELEASE_NOTICE)
    assert notice.type.value == "org.detainers.release.notice"
    assert (notice.audience, notice.recipient) == (Audience.AGENCY, AGENCY)
    assert notice.data["release_at"] == RELEASE.isoformat()
    assert notice.status is MessageStatus.DELIVERED


def test_a_second_notice_with_a_new_date_is_sent_as_a_correction() -> None:
    world = World()
    book_for_release(world)
    detainer = world.review(world.lodge().id, ReviewChoice.HONOR)
    advance_to(world, RELEASE - DEFAULT_NOTICE_LEAD)
    fire(world)

    later = RELEASE + timedelta(days=2)
    world.clock.advance(hours=1)
    detainers.notify_release(
        c.NotifyRelease(detainer_id=detainer.id, release_at=later, actor=CLERK), world.ctx
    )

    [first] = messages(world, M.RELEASE_NOTICE)
    [correction] = messages(world, M.RELEASE_NOTICE_CORRECTED)
    assert first.data["release_at"] == RELEASE.isoformat()
    assert correction.data["release_at"] == later.isoformat()
    assert correction.type.value == "org.detainers.release.notice_corrected"


def test_no_release_notice_is_planned_without_a_scheduled_release() -> None:
    world = World()
    book_for_release(world, release_at=None)
    detainer = world.review(world.lodge().id, ReviewChoice.HONOR)

    assert timers(world, detainer.id, TimerKind.RELEASE_NOTICE) == []


def test_where_the_law_forbids_notice_the_facility_may_only_decline_or_escalate() -> None:
    world = World(effects={Action.NOTIFY: Effect.FORBIDDEN})
    book_for_release(world)
    detainer = world.lodge()

    for choice in (ReviewChoice.HONOR, ReviewChoice.NOTIFY_ONLY):
        with pytest.raises(ChoiceOutsideBounds):
            world.review(detainer.id, choice)
    assert world.review(detainer.id, ReviewChoice.DECLINE).state is DetainerState.DECLINED


def test_a_forbidden_notice_never_leaves_and_a_withheld_record_says_why() -> None:
    world = World(effects={Action.NOTIFY: Effect.FORBIDDEN})
    book_for_release(world)
    detainer = world.review(world.lodge().id, ReviewChoice.DECLINE)

    advance_to(world, RELEASE)
    fire(world)
    sender = RecordingSender()
    delivery.deliver_due(world.ctx, sender, world.clock.now())

    to_agency = messages(world, audience=Audience.AGENCY, channel=None)
    assert [m.type for m in to_agency if m.status is not MessageStatus.WITHHELD] == [
        M.DECISION_RECORDED
    ]
    assert all("release_at" not in m.data for m in to_agency)
    assert all("release" not in o.message.type.value for o in sender.sent)
    [withheld] = messages(world, status=MessageStatus.WITHHELD)
    assert withheld.type is M.RELEASE_NOTICE
    assert (withheld.audience, withheld.recipient, withheld.subject) == (
        Audience.AGENCY,
        AGENCY,
        detainer.id,
    )
    assert withheld.delivered_at is None
    assert withheld.reason is not None
    assert "forbidden" in withheld.reason
    assert "fake.notify" in withheld.reason  # the rule that forbids it
    assert world.detainer(detainer.id).state is DetainerState.DECLINED


def test_a_withheld_notice_is_dated_by_the_decision_so_it_cannot_reveal_the_release_date() -> None:
    world = World(effects={Action.NOTIFY: Effect.FORBIDDEN})
    book_for_release(world)
    detainer = world.lodge()
    world.clock.advance(hours=3)
    world.review(detainer.id, ReviewChoice.DECLINE)
    seen_by_agency = messages(world, audience=Audience.AGENCY, channel=None)

    advance_to(world, RELEASE - DEFAULT_NOTICE_LEAD)
    fire(world)
    advance_to(world, RELEASE)
    fire(world)

    assert messages(world, audience=Audience.AGENCY, channel=None) == seen_by_agency
    [withheld] = messages(world, status=MessageStatus.WITHHELD)
    assert withheld.created_at == T0 + 3 * HOURS  # when the decision was recorded


def test_a_notice_taken_away_by_a_new_decision_is_not_sent_and_is_withheld_once() -> None:
    world = World()
    book_for_release(world)
    detainer = world.review(world.lodge().id, ReviewChoice.HONOR)
    world.clock.advance(hours=1)
    world.review(detainer.id, ReviewChoice.DECLINE)

    advance_to(world, RELEASE - DEFAULT_NOTICE_LEAD)
    assert fire(world) == 1  # the timer set under the first decision

    assert messages(world, M.RELEASE_NOTICE, status=MessageStatus.DELIVERED) == []
    [withheld] = messages(world, status=MessageStatus.WITHHELD)
    assert withheld.created_at == T0 + HOURS
    assert world.detainer(detainer.id).state is DetainerState.DECLINED


def test_a_facility_that_declined_and_later_honors_still_sends_the_notice() -> None:
    world = World()
    book_for_release(world)
    detainer = world.review(world.lodge().id, ReviewChoice.DECLINE)
    advance_to(world, RELEASE - DEFAULT_NOTICE_LEAD)
    fire(world)
    [withheld] = messages(world, status=MessageStatus.WITHHELD)
    assert withheld.reason is not None
    assert "[decline]" in withheld.reason

    world.clock.advance(hours=1)
    world.review(detainer.id, ReviewChoice.HONOR)
    fire(world)

    [notice] = messages(world, M.RELEASE_NOTICE, status=MessageStatus.DELIVERED)
    assert notice.data["release_at"] == RELEASE.isoformat()
    assert world.detainer(detainer.id).state is DetainerState.RELEASE_NOTIFIED
    assert len(messages(world, status=MessageStatus.WITHHELD)) == 1


def test_no_release_notice_is_planned_or_withheld_when_the_agency_asked_only_for_a_hold() -> None:
    world = World()
    book_for_release(world)
    detainer = world.review(
        world.lodge(requests=frozenset({RequestedAction.HOLD})).id, ReviewChoice.HONOR
    )

    assert timers(world, detainer.id, TimerKind.RELEASE_NOTICE) == []
    advance_to(world, RELEASE)
    fire(world)
    assert messages(world, M.RELEASE_NOTICE, channel=None) == []


# -- holds -------------------------------------------------------------------------


def test_a_hold_start_tells_the_facility_and_sets_alarms_a_deadline_task_and_an_overdue_check() -> (
    None
):
    world = World()
    _, detainer = held(world)

    [started] = messages(world, M.HOLD_STARTED)
    assert (started.audience, started.recipient) == (Audience.FACILITY, FACILITY)
    assert started.data["deadline_at"] == DEADLINE.isoformat()
    assert [(t.kind, t.due_at) for t in timers(world, detainer.id)] == [
        (TimerKind.HOLD_ALARM, DEADLINE - 24 * HOURS),
        (TimerKind.HOLD_ALARM, DEADLINE - 4 * HOURS),
        (TimerKind.HOLD_ALARM, DEADLINE - 1 * HOURS),
        (TimerKind.HOLD_DEADLINE, DEADLINE),
        (TimerKind.HOLD_OVERDUE, DEADLINE + timedelta(seconds=1)),
    ]


def test_each_alarm_fires_at_its_time_and_the_deadline_raises_a_task_that_stays_open() -> None:
    world = World()
    held(world)

    for hours_left in (24, 4, 1):
        advance_to(world, DEADLINE - hours_left * HOURS)
        assert fire(world) == 1
        assert messages(world, M.HOLD_ALARM)[-1].data["hours_left"] == str(hours_left)
    advance_to(world, DEADLINE)
    assert fire(world) == 1

    assert len(messages(world, M.HOLD_ALARM)) == 3
    [task] = messages(world, M.HOLD_DEADLINE)
    assert task.acknowledged_at is None
    assert task.data["deadline_at"] == DEADLINE.isoformat()
    assert messages(world, M.HOLD_OVERDUE) == []  # at the deadline is not past it


def test_a_hold_released_before_its_deadline_lets_every_later_timer_fire_into_nothing() -> None:
    world = World()
    booking, detainer = held(world)
    world.clock.advance(hours=10)
    bookings.release_person(
        c.ReleasePerson(booking_id=booking.id, reason=ReleaseReason.COURT_ORDER, actor=CLERK),
        world.ctx,
    )
    before = counts(world)[0]

    advance_to(world, DEADLINE + 2 * HOURS)
    assert fire(world) == 5

    assert counts(world)[0] == before
    assert messages(world, M.HOLD_DEADLINE) == []
    assert "HoldDeadlinePassed" not in world.event_kinds(detainer.id)
    assert all(t.fired_at is not None for t in timers(world, detainer.id))


def test_the_deadline_task_is_closed_when_the_person_is_released_at_the_deadline() -> None:
    world = World()
    _, detainer = held(world)
    advance_to(world, DEADLINE)
    fire(world)

    detainers.release_at_deadline(
        c.ReleaseAtDeadline(detainer_id=detainer.id, actor=CLERK), world.ctx
    )

    [task] = messages(world, M.HOLD_DEADLINE)
    assert task.acknowledged_at == DEADLINE
    assert task.acknowledged_by is not None
    assert "ReleasedAtDeadline" in task.acknowledged_by
    world.clock.advance(hours=1)
    fire(world)
    assert messages(world, M.HOLD_OVERDUE) == []


def test_a_hold_open_past_its_deadline_is_recorded_once_and_alarmed_every_15_minutes() -> None:
    world = World()
    _, detainer = held(world)
    advance_to(world, DEADLINE + timedelta(seconds=1))
    fire(world)

    assert world.event_kinds(detainer.id).count("HoldDeadlinePassed") == 1
    [alarm] = messages(world, M.HOLD_OVERDUE)
    assert alarm.data["role"] == "facility_supervisor"
    assert world.detainer(detainer.id).hold.overrun_recorded_at == world.clock.now()  # type: ignore[union-attr]

    for repeat in (1, 2, 3):
        world.clock.advance(seconds=OVERDUE_REPEAT.total_seconds() - 1)
        assert fire(world) == 0  # not yet
        world.clock.advance(seconds=1)
        assert fire(world) == 1
        assert fire(world) == 0  # fired twice, sent once
        assert len(messages(world, M.HOLD_OVERDUE)) == 1 + repeat

    assert world.event_kinds(detainer.id).count("HoldDeadlinePassed") == 1
    assert [m.created_at for m in messages(world, M.HOLD_OVERDUE)] == [
        DEADLINE + timedelta(seconds=1) + k * OVERDUE_REPEAT for k in range(4)
    ]


def test_a_cancelled_detainer_tells_the_facility_and_ends_the_hold_at_once() -> None:
    world = World()
    _, detainer = held(world)
    advance_to(world, DEADLINE)
    fire(world)  # the deadline task is open; the hold is not yet past it

    detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=detainer.id, reason="warrant withdrawn", actor=AGENT),
        world.ctx,
    )

    [told] = messages(world, M.DETAINER_CANCELLED)
    assert (told.audience, told.recipient) == (Audience.FACILITY, FACILITY)
    cancelled = world.detainer(detainer.id)
    assert cancelled.state is DetainerState.CANCELLED
    assert cancelled.hold is not None
    assert not cancelled.hold.is_open
    [task] = messages(world, M.HOLD_DEADLINE)
    assert task.acknowledged_at is not None
    world.clock.advance(hours=1)
    fire(world)
    assert messages(world, M.HOLD_OVERDUE) == []
    assert "HoldDeadlinePassed" not in world.event_kinds(detainer.id)


def test_timers_that_fell_due_while_the_worker_was_down_fire_at_once_in_due_order_each_once() -> (
    None
):
    world = World()
    _, detainer = held(world)

    advance_to(world, DEADLINE + 2 * HOURS)  # nobody fired anything for 50 hours
    assert fire(world) == 5
    assert fire(world) == 0

    made = [
        m.type for m in messages(world) if m.type in (M.HOLD_ALARM, M.HOLD_DEADLINE, M.HOLD_OVERDUE)
    ]
    assert made == [M.HOLD_ALARM, M.HOLD_ALARM, M.HOLD_ALARM, M.HOLD_DEADLINE, M.HOLD_OVERDUE]
    assert [m.data["hours_left"] for m in messages(world, M.HOLD_ALARM)] == ["24", "4", "1"]
    assert world.event_kinds(detainer.id).count("HoldDeadlinePassed") == 1
    # The next overdue alarm is 15 minutes from now, not a burst for each quarter hour missed.
    [pending] = [t for t in timers(world, detainer.id) if t.fired_at is None]
    assert pending.due_at == world.clock.now() + OVERDUE_REPEAT


@pytest.mark.parametrize("choice", [ReviewChoice.HONOR, ReviewChoice.DECLINE])
def test_planning_the_same_events_twice_enqueues_nothing_new(choice: ReviewChoice) -> None:
    world = World()
    booking = book_for_release(world)
    detainer = world.review(world.lodge().id, choice)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    advance_to(world, DEADLINE + timedelta(seconds=1))
    fire(world)
    before = counts(world)
    assert before[0] > 0
    assert bool(messages(world, status=MessageStatus.WITHHELD)) is (choice is ReviewChoice.DECLINE)

    with world.ctx.uow() as uow:
        notices.plan(uow, world.ctx, world.events(detainer.id))
        uow.commit()

    assert counts(world) == before
