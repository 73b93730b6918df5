"""Notices to the person a detainer names, where the law requires them: made, listed, printed, served.

`prepare` runs inside the outbox planner (`notices.plan`), in the transaction
of the change that makes a notice due: it asks the legal engine which notices
the law of the facility's jurisdiction requires on the event's date, renders
each as a printable PDF (through the `NoticeRenderer` port) and stores it
with the detainer; the planner then gives the facility a task to serve it.
The PDF is for the person and never leaves by webhook or e-mail: staff read
it here (an audited read) and record when they served it.

Only the facility holding the person sees its notices (permission
`detainer.handle`, on detainers at the caller's facility).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from detainers.domain import events as ev
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import Channel, MessageType
from detainers.domain.organization import Facility
from detainers.domain.person_notice import (
    Answer,
    NoticeDocument,
    NoticeTrigger,
    PersonNotice,
    RequiredNotice,
)
from detainers.domain.vocabulary import Action, RequestedAction, ReviewChoice
from detainers.services import authz
from detainers.services.audit import Trail, audited
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import NotFound, OutsideTenant
from detainers.services.ports import UnitOfWork

# The requests a facility's review answers (the others wait for their own decision).
_DECIDED_BY_REVIEW = {RequestedAction.HOLD: Action.HOLD, RequestedAction.NOTIFY: Action.NOTIFY}


def trigger_of(event: ev.DetainerEvent) -> NoticeTrigger | None:
    """The notice trigger an event is, if any."""
    match event:
        case ev.DetainerMatched() | ev.DetainerLodged() if event.to_state == DetainerState.RECEIVED:
            return NoticeTrigger.DETAINER_RECEIVED
        case ev.DetainerReviewed():
            return NoticeTrigger.DECISION_RECORDED
        case ev.ReleaseNotified():
            return NoticeTrigger.RELEASE_NOTICE_SENT
        case ev.HoldStarted():
            return NoticeTrigger.HOLD_STARTED
    return None


def prepare(
    uow: UnitOfWork, ctx: Context, event: ev.DetainerEvent, detainer: Detainer
) -> list[PersonNotice]:
    """Render and store the notices the law requires for `event`; the ones new to this call.

    One notice per event and notice id: planning the same event again makes none.
    Without a renderer wired (some tests) the notice and its task are still made,
    with no printable copy.
    """
    trigger = trigger_of(event)
    if trigger is None:
        return []
    facility = uow.facilities.get(detainer.facility_code)
    if facility is None:
        return []
    required = ctx.engine.required_notices(
        facility.jurisdiction, event.occurred_at, trigger, facility.type
    )
    made: list[PersonNotice] = []
    for notice in required:
        key = f"{detainer.id}/{event.sequence}/{notice.id}"
        if uow.person_notices.has_key(key):
            continue
        renderer = ctx.notice_renderer
        pdf = (
            None
            if renderer is None
            else renderer.render(_document(uow, notice, detainer, facility, event))
        )
        record = PersonNotice(
            id=ctx.ids(),
            key=key,
            detainer_id=detainer.id,
            notice_id=notice.id,
            trigger=trigger,
            citation=notice.citation,
            summary=notice.summary,
            status=notice.status,
            created_at=event.occurred_at,
            printable=pdf is not None,
        )
        if uow.person_notices.add(record, pdf):
            made.append(record)
    return made


def _document(
    uow: UnitOfWork,
    notice: RequiredNotice,
    detainer: Detainer,
    facility: Facility,
    event: ev.DetainerEvent,
) -> NoticeDocument:
    booking = None if detainer.booking_id is None else uow.bookings.get(detainer.booking_id)
    person = None if booking is None else uow.persons.get(booking.person_id)
    # The name as booked (the notice is for the person the facility holds); the
    # detainer's wording of it only where no booking is attached.
    name = (person.name if person is not None else detainer.subject.name).display
    agency = uow.agencies.get(detainer.agency_code)
    decision = detainer.decision
    decided = decision is not None and decision.choice is not ReviewChoice.ESCALATE
    answers: list[tuple[RequestedAction, Answer]] = []
    for request in sorted(detainer.requests):
        action = _DECIDED_BY_REVIEW.get(request)
        if not decided or decision is None or action is None:
            answers.append((request, Answer.NOT_DECIDED))
        else:
            answers.append((request, Answer.WILL if decision.permits(action) else Answer.WILL_NOT))
    return NoticeDocument(
        notice=notice,
        person_name=name,
        facility_code=facility.code,
        facility_name=facility.name,
        agency_code=detainer.agency_code,
        agency_name=agency.name if agency is not None else detainer.agency_code,
        issued_at=event.occurred_at,
        detainer_id=detainer.id,
        form=detainer.form.value,
        warrant=detainer.warrant.value,
        lodged_at=detainer.lodged_at,
        answers=tuple(answers),
        decided=decided,
        release_at=(
            datetime.fromisoformat(event.release_at)
            if isinstance(event, ev.ReleaseNotified)
            else None
        ),
        hold_deadline_at=(
            datetime.fromisoformat(event.deadline_at) if isinstance(event, ev.HoldStarted) else None
        ),
    )


# -- use cases -----------------------------------------------------------------------


def _visible(uow: UnitOfWork, ctx: Context, notice_id: str) -> tuple[PersonNotice, Detainer]:
    """The notice and its detainer, if the caller's facility holds it; else not found."""
    notice = uow.person_notices.get(notice_id)
    if notice is None:
        raise NotFound("person notice", notice_id)
    detainer = uow.detainers.get(notice.detainer_id)
    if detainer is None or not authz.sees_detainer(ctx.caller, detainer):
        # Answered like a missing notice; audited as the denial it is.
        raise OutsideTenant("person notice", notice_id)
    return notice, detainer


@audited("person_notice.list", "detainer", None)
def for_detainer(detainer_id: str, ctx: Context, trail: Trail) -> Sequence[PersonNotice]:
    """The notices to the person a detainer at the caller's facility names, oldest first."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    with ctx.uow() as uow:
        detainer = authz.visible_detainer(ctx.caller, uow.detainers.get(detainer_id), detainer_id)
        found = uow.person_notices.for_detainer(detainer.id)
        trail.success(uow, detainer.id, detail=f"rows={len(found)}")
        uow.commit()
    return found


@dataclass(frozen=True, kw_only=True)
class Printable:
    """A notice's printable copy, and a file name for it (ids only)."""

    notice: PersonNotice
    pdf: bytes

    @property
    def filename(self) -> str:
        return f"person-notice-{self.notice.id}.pdf"


@audited("person_notice.read", "person_notice", None)
def printable(notice_id: str, ctx: Context, trail: Trail) -> Printable:
    """A notice's PDF, for staff of the facility holding the person to print (an audited read)."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    with ctx.uow() as uow:
        notice, _ = _visible(uow, ctx, notice_id)
        pdf = uow.person_notices.pdf(notice.id)
        if pdf is None:
            raise NotFound("printable copy of person notice", notice_id)
        trail.success(uow, notice.id, detail=notice.notice_id)
        uow.commit()
    return Printable(notice=notice, pdf=pdf)


@dataclass(frozen=True, kw_only=True)
class ServeNotice:
    """Staff gave the person the notice (`at`: when; now if not given)."""

    notice_id: str
    actor: str
    at: datetime | None = None


@audited("person_notice.serve", "person_notice", "notice_id")
def mark_served(cmd: ServeNotice, ctx: Context, trail: Trail) -> PersonNotice:
    """Record who served the notice and when, and close its task (once; later calls change nothing)."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        notice, _ = _visible(uow, ctx, cmd.notice_id)
        if notice.serve(at=at, by=cmd.actor):
            uow.person_notices.save(notice)
            _close_task(uow, notice, at, cmd.actor)
        trail.success(uow, notice.id, detail=notice.notice_id)
        uow.commit()
    return notice


def _close_task(uow: UnitOfWork, notice: PersonNotice, at: datetime, by: str) -> None:
    for message in uow.messages.for_subject(notice.detainer_id):
        if (
            message.type is MessageType.PERSON_NOTICE
            and message.channel is Channel.INBOX
            and message.data.get("person_notice_id") == notice.id
            and message.acknowledged_at is None
        ):
            message.acknowledged_at, message.acknowledged_by = at, by
            uow.messages.save(message)
