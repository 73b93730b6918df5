"""Notices to the person, over the fakes: made where the law requires them, in the transaction of
the change that makes them due, printed, listed for the facility holding the person, and served.

"The law" is either the fake engine told which notices to require, or (where a test names a
state) the shipped policy packs, asked through a fake engine that keeps their notices only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from detainers.domain import commands as c
from detainers.domain.access import Caller, PrincipalKind, Role
from detainers.domain.audit import Outcome
from detainers.domain.errors import InvalidValue
from detainers.domain.notification import Audience, Channel, Message, MessageType
from detainers.domain.person_notice import Answer, NoticeTrigger, PersonNotice, RequiredNotice
from detainers.domain.vocabulary import (
    FacilityType,
    JurisdictionKind,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
)
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry
from detainers.services import bookings, detainers, notices, person_notices, registry
from detainers.services.errors import Forbidden, NotFound
from tests.fakes import FakeLegalEngine, RecordingRenderer
from tests.unit.builders import AGENCY, CLERK, FACILITY, OTHER_FACILITY, T0, World

T = NoticeTrigger
RULES = RulesEngine(load_registry())


class LawfulNotices(FakeLegalEngine):
    """The fake engine's rulings (everything permitted), with the shipped packs' notices."""

    def required_notices(
        self,
        jurisdiction: str,
        at: datetime,
        trigger: NoticeTrigger,
        facility_type: FacilityType | None = None,
    ) -> Sequence[RequiredNotice]:
        return RULES.required_notices(jurisdiction, at, trigger, facility_type)


def required(notice_id: str, trigger: NoticeTrigger, status: str = "PARTIAL") -> RequiredNotice:
    return RequiredNotice(
        id=notice_id,
        trigger=trigger,
        jurisdiction="US-CT",
        law_version="2019-10-01",
        citation="Test Code 7(b)",
        summary="Tell the person",
        status=status,
        template="detainer_copy",
        timezone="America/New_York",
    )


def staff(facility: str = FACILITY) -> Caller:
    return Caller(
        principal_id=f"u-{facility}",
        name=f"clerk.{facility.lower()}",
        kind=PrincipalKind.USER,
        role=Role.FACILITY_STAFF,
        facility_code=facility,
    )


OFFICER = Caller(
    principal_id="u-officer",
    name="agent.smith",
    kind=PrincipalKind.USER,
    role=Role.AGENCY_OFFICER,
    agency_code=AGENCY,
)


def stored(world: World, detainer_id: str | None = None) -> list[PersonNotice]:
    found = world.uow.store.person_notices.values()
    return sorted(
        (n for n in found if detainer_id is None or n.detainer_id == detainer_id),
        key=lambda n: (n.created_at, n.notice_id),
    )


def tasks(world: World) -> list[Message]:
    return sorted(
        (
            m
            for m in world.uow.store.messages.values()
            if m.type is MessageType.PERSON_NOTICE and m.channel is Channel.INBOX
        ),
        key=lambda m: m.id,
    )


def renderer(world: World) -> RecordingRenderer:
    found = world.ctx.notice_renderer
    assert isinstance(found, RecordingRenderer)
    return found


def place(world: World, state: str, facility: str, kind: FacilityType) -> None:
    """Register `state` and a facility of `kind` in it."""
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code=state, name=state, kind=JurisdictionKind.STATE), world.ctx
    )
    registry.register_facility(
        c.RegisterFacility(
            code=facility, name=f"Facility {facility}", type=kind, jurisdiction=state
        ),
        world.ctx,
    )


def hold_from_now(world: World, detainer_id: str, booking_id: str) -> None:
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking_id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        world.ctx,
    )
    assert world.detainer(detainer_id).hold is not None


# -- planning ------------------------------------------------------------------------


def test_where_the_law_requires_no_notice_none_is_made() -> None:
    world = World()
    world.booked_and_lodged(ReviewChoice.HONOR)
    assert stored(world) == []
    assert tasks(world) == []
    assert renderer(world).documents == []


def test_a_received_detainer_gets_a_printable_notice_and_the_facility_a_task_to_serve_it() -> None:
    world = World()
    world.engine.notices = [required("us-ct.2019.notice.detainer-copy", T.DETAINER_RECEIVED)]
    _, detainer = world.booked_and_lodged()

    (notice,) = stored(world)
    assert (notice.detainer_id, notice.notice_id, notice.trigger) == (
        detainer.id,
        "us-ct.2019.notice.detainer-copy",
        T.DETAINER_RECEIVED,
    )
    assert (notice.citation, notice.status, notice.created_at) == ("Test Code 7(b)", "PARTIAL", T0)
    assert notice.printable
    assert not notice.served
    assert world.uow.store.notice_pdfs[notice.id].startswith(b"%PDF")

    (task,) = tasks(world)
    assert (task.audience, task.recipient, task.subject) == (
        Audience.FACILITY,
        FACILITY,
        detainer.id,
    )
    assert task.acknowledged_at is None
    assert task.data["person_notice_id"] == notice.id
    assert task.data["notice"] == "us-ct.2019.notice.detainer-copy"
    # The task carries ids only: the name, and the PDF, stay in the database.
    assert not any("Doe" in str(value) or "PDF" in str(value) for value in task.data.values())


def test_the_engine_is_asked_for_the_facilitys_jurisdiction_type_and_the_events_time() -> None:
    world = World()
    world.booked_and_lodged()
    assert (
        "US-CT",
        T0,
        T.DETAINER_RECEIVED,
        FacilityType.STATE_PRETRIAL_JAIL,
    ) in world.engine.notice_questions


def test_the_printed_notice_names_the_person_as_booked_and_says_nothing_is_decided_yet() -> None:
    world = World()
    world.engine.notices = [required("n.copy", T.DETAINER_RECEIVED)]
    world.booked_and_lodged()
    (document,) = renderer(world).documents
    assert document.person_name == "DOE ROE, Juan"
    assert (document.facility_code, document.facility_name) == (FACILITY, f"Facility {FACILITY}")
    assert (document.agency_code, document.agency_name) == (AGENCY, "Boston field office")
    assert (document.form, document.warrant, document.issued_at) == ("I-247A", "I-200", T0)
    assert not document.decided
    assert document.answers == (
        (RequestedAction.HOLD, Answer.NOT_DECIDED),
        (RequestedAction.NOTIFY, Answer.NOT_DECIDED),
    )


def test_planning_the_same_events_again_makes_no_second_notice() -> None:
    world = World()
    world.engine.notices = [required("n.copy", T.DETAINER_RECEIVED)]
    _, detainer = world.booked_and_lodged()
    events = world.events(detainer.id)
    with world.ctx.uow() as uow:
        notices.plan(uow, world.ctx, events)
        notices.plan(uow, world.ctx, events)
        uow.commit()
    assert len(stored(world)) == 1
    assert len(tasks(world)) == 1


@pytest.mark.parametrize(
    ("choice", "answer"),
    [(ReviewChoice.HONOR, Answer.WILL), (ReviewChoice.DECLINE, Answer.WILL_NOT)],
)
def test_the_decision_notice_says_whether_the_facility_will_comply(
    choice: ReviewChoice, answer: Answer
) -> None:
    world = World()
    world.engine.notices = [required("n.decision", T.DECISION_RECORDED)]
    world.booked_and_lodged(choice)
    (notice,) = stored(world)
    assert notice.trigger is T.DECISION_RECORDED
    (document,) = renderer(world).documents
    assert document.decided
    assert document.answers == ((RequestedAction.HOLD, answer), (RequestedAction.NOTIFY, answer))


def test_an_escalated_review_is_not_a_decision_to_tell_the_person() -> None:
    world = World()
    world.engine.notices = [required("n.decision", T.DECISION_RECORDED)]
    world.booked_and_lodged(ReviewChoice.ESCALATE)
    (document,) = renderer(world).documents
    assert not document.decided
    assert {answer for _, answer in document.answers} == {Answer.NOT_DECIDED}


def test_a_release_notice_to_the_agency_makes_a_notice_with_the_same_date_for_the_person() -> None:
    world = World()
    world.engine.notices = [required("n.release", T.RELEASE_NOTICE_SENT)]
    _, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    release = T0 + timedelta(days=3)
    detainers.notify_release(
        c.NotifyRelease(detainer_id=detainer.id, release_at=release, actor=CLERK), world.ctx
    )
    (notice,) = stored(world)
    assert notice.trigger is T.RELEASE_NOTICE_SENT
    (document,) = renderer(world).documents
    assert document.release_at == release


def test_a_hold_makes_a_notice_with_its_deadline() -> None:
    world = World()
    world.engine.notices = [required("n.hold", T.HOLD_STARTED)]
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    hold_from_now(world, detainer.id, booking.id)
    (notice,) = stored(world)
    assert notice.trigger is T.HOLD_STARTED
    (document,) = renderer(world).documents
    hold = world.detainer(detainer.id).hold
    assert hold is not None
    assert document.hold_deadline_at == hold.deadline_at


def test_without_a_renderer_the_notice_and_its_task_are_still_made_but_not_printable() -> None:
    world = World()
    world.ctx = replace(world.ctx, notice_renderer=None)
    world.engine.notices = [required("n.copy", T.DETAINER_RECEIVED)]
    world.booked_and_lodged()
    (notice,) = stored(world)
    assert not notice.printable
    assert len(tasks(world)) == 1
    with pytest.raises(NotFound, match="printable copy"):
        person_notices.printable(notice.id, world.ctx.acting(staff()))


# -- the shipped law -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2019, 9, 30, 15, 0, tzinfo=UTC), []),
        (datetime(2019, 10, 1, 15, 0, tzinfo=UTC), ["us-ct.2019.notice.detainer-copy"]),
        (datetime(2025, 10, 1, 15, 0, tzinfo=UTC), ["us-ct.2025.notice.detainer-copy"]),
    ],
)
def test_a_connecticut_detainer_received_from_2019_10_01_gets_the_54_192h_notice(
    at: datetime, expected: list[str]
) -> None:
    world = World(engine=LawfulNotices())
    world.clock.at = at
    world.booked_and_lodged()
    assert [n.notice_id for n in stored(world)] == expected
    assert [t.data["notice"] for t in tasks(world)] == expected


def test_connecticut_tells_the_person_again_once_the_facility_has_decided() -> None:
    world = World(engine=LawfulNotices())
    world.booked_and_lodged(ReviewChoice.DECLINE)
    assert [(n.notice_id, n.status) for n in stored(world)] == [
        ("us-ct.2019.notice.decision", "PARTIAL"),
        ("us-ct.2019.notice.detainer-copy", "PARTIAL"),
    ]
    assert "54-192h" in stored(world)[0].citation


def test_california_truth_act_on_review_and_on_the_release_notice() -> None:
    world = World(engine=LawfulNotices())
    place(world, "US-CA", "CA-LA-MCJ", FacilityType.COUNTY_JAIL)
    booking = world.book(facility="CA-LA-MCJ")
    detainer = world.lodge(facility="CA-LA-MCJ")
    assert stored(world) == []  # received: the TRUTH Act's copy goes with the decision
    world.review(detainer.id, ReviewChoice.NOTIFY_ONLY)
    assert [n.notice_id for n in stored(world)] == ["us-ca.2018.notice.request-copy"]
    world.clock.advance(hours=1)
    detainers.notify_release(
        c.NotifyRelease(detainer_id=detainer.id, release_at=T0 + timedelta(days=5), actor=CLERK),
        world.ctx,
    )
    assert [n.notice_id for n in stored(world)] == [
        "us-ca.2018.notice.request-copy",
        "us-ca.2018.notice.release-date",
    ]
    assert {n.citation for n in stored(world)} == {"Gov. Code 7283.1(b) (TRUTH Act)"}
    assert booking.facility_code == "CA-LA-MCJ"


def test_a_california_state_prison_copies_the_request_under_7284_10_and_owes_no_release_notice() -> (
    None
):
    world = World(engine=LawfulNotices())
    place(world, "US-CA", "CA-CDCR-SQ", FacilityType.STATE_PRISON)
    world.book(facility="CA-CDCR-SQ")
    detainer = world.lodge(facility="CA-CDCR-SQ")
    world.review(detainer.id, ReviewChoice.NOTIFY_ONLY)
    detainers.notify_release(
        c.NotifyRelease(detainer_id=detainer.id, release_at=T0 + timedelta(days=5), actor=CLERK),
        world.ctx,
    )
    assert [(n.notice_id, n.status) for n in stored(world)] == [
        ("us-ca.2018.notice.request-copy-cdcr", "PARTIAL")
    ]


def test_texas_tells_the_person_held_on_a_detainer_that_they_are() -> None:
    world = World(engine=LawfulNotices())
    place(world, "US-TX", "TX-HC-JAIL", FacilityType.COUNTY_JAIL)
    booking = world.book(facility="TX-HC-JAIL")
    detainer = world.review(world.lodge(facility="TX-HC-JAIL").id, ReviewChoice.HONOR)
    assert stored(world) == []
    hold_from_now(world, detainer.id, booking.id)
    assert [(n.notice_id, n.trigger, n.status) for n in stored(world)] == [
        ("us-tx.2017.notice.held-under-detainer", T.HOLD_STARTED, "CONFIRMED")
    ]
    (document,) = renderer(world).documents
    assert document.notice.template == "tx_held_under_detainer"
    assert document.notice.timezone == "America/Chicago"


# -- reading and serving -------------------------------------------------------------


def _one_notice(world: World) -> tuple[str, PersonNotice]:
    world.engine.notices = [required("n.copy", T.DETAINER_RECEIVED)]
    _, detainer = world.booked_and_lodged()
    (notice,) = stored(world)
    return detainer.id, notice


def _audit(world: World, action: str) -> list[tuple[str, Outcome, str]]:
    return [
        (r.entry.actor, r.entry.outcome, r.entry.object_id)
        for r in world.uow.store.audit
        if r.entry.action == action
    ]


def test_staff_of_the_facility_list_a_detainers_notices_and_read_the_pdf_on_the_record() -> None:
    world = World()
    detainer_id, notice = _one_notice(world)
    ctx = world.ctx.acting(staff())
    assert [n.id for n in person_notices.for_detainer(detainer_id, ctx)] == [notice.id]
    printable = person_notices.printable(notice.id, ctx)
    assert printable.pdf == world.uow.store.notice_pdfs[notice.id]
    assert printable.filename == f"person-notice-{notice.id}.pdf"
    assert _audit(world, "person_notice.read") == [(staff().name, Outcome.SUCCESS, notice.id)]
    assert _audit(world, "person_notice.list") == [(staff().name, Outcome.SUCCESS, detainer_id)]


def test_another_facility_is_told_the_notice_does_not_exist_and_the_refusal_is_recorded() -> None:
    world = World()
    detainer_id, notice = _one_notice(world)
    other = world.ctx.acting(staff(OTHER_FACILITY))
    with pytest.raises(NotFound):
        person_notices.for_detainer(detainer_id, other)
    with pytest.raises(NotFound):
        person_notices.printable(notice.id, other)
    with pytest.raises(NotFound):
        person_notices.mark_served(
            person_notices.ServeNotice(notice_id=notice.id, actor=staff(OTHER_FACILITY).name),
            other,
        )
    assert _audit(world, "person_notice.read") == [
        (staff(OTHER_FACILITY).name, Outcome.DENIED, notice.id)
    ]
    assert not stored(world)[0].served


def test_the_agency_cannot_read_the_persons_notices() -> None:
    world = World()
    detainer_id, notice = _one_notice(world)
    officer = world.ctx.acting(OFFICER)
    with pytest.raises(Forbidden):
        person_notices.for_detainer(detainer_id, officer)
    with pytest.raises(Forbidden):
        person_notices.printable(notice.id, officer)


def test_serving_records_who_and_when_and_closes_the_task_once() -> None:
    world = World()
    _, notice = _one_notice(world)
    ctx = world.ctx.acting(staff())
    world.clock.advance(hours=2)
    served = person_notices.mark_served(
        person_notices.ServeNotice(notice_id=notice.id, actor=staff().name), ctx
    )
    assert (served.served_at, served.served_by) == (T0 + timedelta(hours=2), staff().name)
    (task,) = tasks(world)
    assert (task.acknowledged_at, task.acknowledged_by) == (served.served_at, staff().name)

    world.clock.advance(hours=1)
    again = person_notices.mark_served(
        person_notices.ServeNotice(notice_id=notice.id, actor="someone.else"), ctx
    )
    assert (again.served_at, again.served_by) == (served.served_at, served.served_by)
    assert [o for _, o, _ in _audit(world, "person_notice.serve")] == [Outcome.SUCCESS] * 2


def test_a_notice_cannot_be_served_before_it_was_made() -> None:
    world = World()
    _, notice = _one_notice(world)
    with pytest.raises(InvalidValue, match="before the notice was made"):
        person_notices.mark_served(
            person_notices.ServeNotice(
                notice_id=notice.id, actor=staff().name, at=T0 - timedelta(minutes=1)
            ),
            world.ctx.acting(staff()),
        )
    assert not stored(world)[0].served


def test_an_unknown_notice_is_not_found() -> None:
    world = World()
    with pytest.raises(NotFound, match=r"no person notice \[nope\]"):
        person_notices.printable("nope", world.ctx.acting(staff()))
