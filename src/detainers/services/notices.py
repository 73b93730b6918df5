"""What each change tells whom, and when: the outbox's planner and the timers' handlers.

`plan` turns the events a unit of work wrote into messages and timers in the
same transaction (the transactional outbox): a detainer to review for the
facility, the decision for the agency, a release notice only where the
decision permits notice, a hold's start and its alarms at T-24 h, T-4 h and
T-1 h, a release task at the deadline, and a violation alarm every 15
minutes while a hold stays open past it. `fire_due_timers` runs what fell
due, in order, including what fell due while no worker ran. A message's key
is derived from the event or timer that caused it, so planning twice sends
once. Where the law requires telling the person, a printable notice is stored
and the facility gets a task to serve it (`person_notices`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from detainers.domain import events as ev
from detainers.domain.access import SYSTEM
from detainers.domain.audit import Outcome
from detainers.domain.detainer import Detainer
from detainers.domain.errors import DecisionDoesNotPermit, DomainError
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import (
    DEFAULT_NOTICE_LEAD,
    HOLD_ALARMS,
    OVERDUE_REPEAT,
    Audience,
    Channel,
    Message,
    MessageStatus,
    MessageType,
    Timer,
    TimerKind,
)
from detainers.domain.vocabulary import Action, RequestedAction
from detainers.services.context import Context
from detainers.services.ports import DetainerFilter, UnitOfWork

ACTOR = "system/notices"
GRACE = timedelta(seconds=1)
Data = dict[str, str | int | None]


def channels(uow: UnitOfWork, audience: Audience, recipient: str) -> list[Channel]:
    """The in-app inbox always; a webhook where configured; e-mail where configured.

    An agency without a webhook is written to by e-mail at its registered address.
    """
    found = [Channel.INBOX]
    configured = {e.channel for e in uow.endpoints.for_owner(audience, recipient)}
    if Channel.WEBHOOK in configured:
        found.append(Channel.WEBHOOK)
    if Channel.EMAIL in configured:
        found.append(Channel.EMAIL)
    elif audience is Audience.AGENCY and Channel.WEBHOOK not in configured:
        agency = uow.agencies.get(recipient)
        if agency is not None and agency.email:
            found.append(Channel.EMAIL)
    return found


def send(
    uow: UnitOfWork,
    ctx: Context,
    *,
    key: str,
    type: MessageType,
    audience: Audience,
    recipient: str,
    subject: str,
    data: Data,
    at: datetime,
) -> int:
    """Enqueue one message per channel of the recipient; how many were new."""
    made = 0
    for channel in channels(uow, audience, recipient):
        inbox = channel is Channel.INBOX
        message = Message(
            id=ctx.ids(),
            key=f"{key}/{channel}",
            type=type,
            audience=audience,
            recipient=recipient,
            channel=channel,
            subject=subject,
            data=data,
            created_at=at,
            due_at=at,
            # The inbox is the database itself: written is delivered.
            status=MessageStatus.DELIVERED if inbox else MessageStatus.PENDING,
            delivered_at=at if inbox else None,
        )
        made += uow.messages.add(message)
    return made


def withhold(
    uow: UnitOfWork, ctx: Context, *, key: str, detainer: Detainer, reason: str, at: datetime
) -> None:
    """Record a release notice that must not leave, and why (nothing is delivered)."""
    uow.messages.add(
        Message(
            id=ctx.ids(),
            key=f"{key}/withheld",
            type=MessageType.RELEASE_NOTICE,
            audience=Audience.AGENCY,
            recipient=detainer.agency_code,
            channel=Channel.INBOX,
            subject=detainer.id,
            data=_about(detainer),
            created_at=at,
            due_at=at,
            status=MessageStatus.WITHHELD,
            reason=reason,
        )
    )


def _about(detainer: Detainer) -> Data:
    return {
        "detainer_id": detainer.id,
        "facility": detainer.facility_code,
        "agency": detainer.agency_code,
        "state": detainer.state.value,
    }


def _timer(
    ctx: Context, kind: TimerKind, detainer_id: str, due: datetime, key: str, **data: str
) -> Timer:
    return Timer(
        id=ctx.ids(),
        key=f"{detainer_id}/{key}",
        kind=kind,
        detainer_id=detainer_id,
        due_at=due,
        data=dict(data),
    )


# -- from events ---------------------------------------------------------------------


def plan(uow: UnitOfWork, ctx: Context, events: Sequence[ev.DetainerEvent] | None = None) -> None:
    """Messages and timers for the events this unit of work wrote (or for `events`)."""
    for event in uow.detainers.saved_events() if events is None else events:
        detainer = uow.detainers.get(event.detainer_id)
        if detainer is not None:
            _plan(uow, ctx, event, detainer)


def _plan(uow: UnitOfWork, ctx: Context, event: ev.DetainerEvent, detainer: Detainer) -> None:
    key = f"{event.detainer_id}/{event.sequence}"
    at = event.occurred_at
    about = {**_about(detainer), "event": type(event).__name__}

    def to_facility(kind: MessageType, **extra: str | int | None) -> None:
        _tell(
            uow,
            ctx,
            detainer,
            Audience.FACILITY,
            key=key,
            kind=kind,
            data={**about, **extra},
            at=at,
        )

    def to_agency(kind: MessageType, **extra: str | int | None) -> None:
        _tell(
            uow, ctx, detainer, Audience.AGENCY, key=key, kind=kind, data={**about, **extra}, at=at
        )

    match event:
        case ev.DetainerMatched() | ev.DetainerLodged() if event.to_state == DetainerState.RECEIVED:
            to_facility(MessageType.DETAINER_LODGED)
        case ev.DetainerAmended():
            to_facility(MessageType.DETAINER_AMENDED)
        case ev.DetainerReviewed():
            to_agency(MessageType.DECISION_RECORDED)
            _release_notice_timer(uow, ctx, detainer)
            _withhold_unpermitted_notice(uow, ctx, detainer, key, at)
        case ev.ReleaseNotified():
            correction = event.from_state == DetainerState.RELEASE_NOTIFIED
            kind = (
                MessageType.RELEASE_NOTICE_CORRECTED if correction else MessageType.RELEASE_NOTICE
            )
            to_agency(kind, release_at=event.release_at)
        case ev.HoldStarted():
            to_facility(MessageType.HOLD_STARTED, deadline_at=event.deadline_at)
            _hold_timers(uow, ctx, detainer)
        case ev.HoldDeadlinePassed():
            to_facility(
                MessageType.HOLD_OVERDUE, deadline_at=event.deadline_at, role="facility_supervisor"
            )
        case ev.DetainerCancelled():
            to_facility(MessageType.DETAINER_CANCELLED)
            uow.messages.close_tasks(detainer.id, at, f"{ACTOR}: cancelled")
        case ev.SubjectReleased() | ev.ReleasedAtDeadline() | ev.DetainerTransferred():
            uow.messages.close_tasks(detainer.id, at, f"{ACTOR}: {type(event).__name__}")
    _person_notices(uow, ctx, event, detainer, key, about)


def _person_notices(
    uow: UnitOfWork,
    ctx: Context,
    event: ev.DetainerEvent,
    detainer: Detainer,
    key: str,
    about: Data,
) -> None:
    """Where the law requires telling the person, a printable notice and a task to serve it.

    The task carries ids only; the PDF stays in the database (read over the API).
    """
    # Imported here: its use cases import the audit module, which imports this one.
    from detainers.services import person_notices

    for notice in person_notices.prepare(uow, ctx, event, detainer):
        send(
            uow,
            ctx,
            key=f"{key}/person_notice/{notice.notice_id}",
            type=MessageType.PERSON_NOTICE,
            audience=Audience.FACILITY,
            recipient=detainer.facility_code,
            subject=detainer.id,
            data={
                **about,
                "person_notice_id": notice.id,
                "notice": notice.notice_id,
                "trigger": notice.trigger.value,
                "task": "give the person this notice, then record it served",
            },
            at=event.occurred_at,
        )


def release_off(uow: UnitOfWork, ctx: Context, detainer: Detainer, at: datetime) -> None:
    """Tell an agency already given a release date that the release is no longer expected."""
    send(
        uow,
        ctx,
        key=f"{detainer.id}/release_off/{at.isoformat()}",
        type=MessageType.RELEASE_NOTICE_CORRECTED,
        audience=Audience.AGENCY,
        recipient=detainer.agency_code,
        subject=detainer.id,
        data={**_about(detainer), "release_at": None},
        at=at,
    )


def schedule_release_notice(uow: UnitOfWork, ctx: Context, detainer: Detainer) -> None:
    """The release notice timer for the booking's current expected release (if notice is owed)."""
    if detainer.state is not DetainerState.RELEASE_NOTIFIED:
        _release_notice_timer(uow, ctx, detainer)


def _release_notice_timer(uow: UnitOfWork, ctx: Context, detainer: Detainer) -> None:
    """Where notice is permitted and a release is scheduled, notice is due its lead time before."""
    if not detainer.permits(Action.NOTIFY) or detainer.booking_id is None:
        return
    booking = uow.bookings.get(detainer.booking_id)
    if booking is None or booking.scheduled_release_at is None or not booking.in_custody:
        return
    release_at = booking.scheduled_release_at
    key = f"release_notice/{release_at.isoformat()}"
    # A timer for this release that already fired may have found no notice to send (the
    # detainer was back for review, or the release was off): arm another, or it is lost.
    earlier = [
        t
        for t in uow.timers.for_detainer(detainer.id)
        if t.kind is TimerKind.RELEASE_NOTICE and t.data.get("release_at") == release_at.isoformat()
    ]
    if any(t.fired_at is None for t in earlier):
        return
    uow.timers.add(
        _timer(
            ctx,
            TimerKind.RELEASE_NOTICE,
            detainer.id,
            release_at - DEFAULT_NOTICE_LEAD,
            f"{key}/{len(earlier)}" if earlier else key,
            release_at=release_at.isoformat(),
        )
    )


def _withhold_unpermitted_notice(
    uow: UnitOfWork, ctx: Context, detainer: Detainer, key: str, at: datetime
) -> None:
    """A release notice the agency asked for and the decision does not permit: withheld, and why.

    Recorded with the decision, not at the release's lead time: the agency sees
    its side's records, and one written then would tell it the release date.
    """
    decision = detainer.decision
    if (
        decision is None
        or RequestedAction.NOTIFY not in detainer.requests
        or detainer.permits(Action.NOTIFY)
    ):
        return
    ruling = decision.evaluation.ruling(Action.NOTIFY)
    rules = "; ".join(f"{r.rule} ({r.citation}): {r.summary}" for r in ruling.reasons)
    why = (
        f"the recorded choice [{decision.choice}] does not include notice ({rules})"
        if ruling.effect.allows
        else f"the law as evaluated makes notice [{ruling.effect}] ({rules})"
    )
    reason = str(
        DecisionDoesNotPermit(
            detainer_id=detainer.id, action=Action.NOTIFY, effect=ruling.effect.value, why=why
        )
    )
    withhold(uow, ctx, key=key, detainer=detainer, reason=reason, at=at)


def _hold_timers(uow: UnitOfWork, ctx: Context, detainer: Detainer) -> None:
    hold = detainer.hold
    if hold is None:
        return
    deadline = hold.deadline_at
    for before in HOLD_ALARMS:
        due = deadline - before
        if due > hold.started_at:
            hours = int(before.total_seconds() // 3600)
            uow.timers.add(
                _timer(
                    ctx,
                    TimerKind.HOLD_ALARM,
                    detainer.id,
                    due,
                    f"hold_alarm/{hours}h",
                    hours_left=str(hours),
                )
            )
    uow.timers.add(_timer(ctx, TimerKind.HOLD_DEADLINE, detainer.id, deadline, "hold_deadline"))
    # Past the deadline (not at it) an open hold is a violation.
    overdue = deadline + GRACE
    uow.timers.add(
        _timer(ctx, TimerKind.HOLD_OVERDUE, detainer.id, overdue, "hold_overdue/0", repeat="0")
    )


# -- timers --------------------------------------------------------------------------


def fire_due_timers(ctx: Context, now: datetime, limit: int = 200) -> int:
    """Fire every timer due by `now` (up to `limit`), in due order, in one transaction; how many."""
    ctx = replace(ctx, caller=SYSTEM)
    with ctx.uow() as uow:
        timers = uow.timers.claim_due(now, limit)
        for timer in timers:
            detainer = uow.detainers.get(timer.detainer_id)
            if detainer is not None:
                _fire(uow, ctx, timer, detainer, now)
            timer.fired_at = now
            uow.timers.save(timer)
        if timers:
            plan(uow, ctx)
            uow.commit()
    return len(timers)


def _fire(uow: UnitOfWork, ctx: Context, timer: Timer, detainer: Detainer, now: datetime) -> None:
    key = f"{detainer.id}/timer/{timer.key}"
    hold = detainer.hold
    holding = detainer.state is DetainerState.ON_HOLD and hold is not None and hold.is_open
    data: Data = {**_about(detainer), **timer.data}
    match timer.kind:
        case TimerKind.HOLD_ALARM if holding and hold is not None:
            _tell(
                uow,
                ctx,
                detainer,
                Audience.FACILITY,
                key=key,
                kind=MessageType.HOLD_ALARM,
                data={**data, "deadline_at": hold.deadline_at.isoformat()},
                at=now,
            )
        case TimerKind.HOLD_DEADLINE if holding and hold is not None:
            _tell(
                uow,
                ctx,
                detainer,
                Audience.FACILITY,
                key=key,
                kind=MessageType.HOLD_DEADLINE,
                data={
                    **data,
                    "deadline_at": hold.deadline_at.isoformat(),
                    "task": "release or transfer now",
                },
                at=now,
            )
        case TimerKind.HOLD_OVERDUE if holding and hold is not None:
            _overdue(uow, ctx, timer, detainer, now, key, data)
        case TimerKind.RELEASE_NOTICE:
            _notice_due(uow, ctx, timer, detainer, now, key)
        case _:
            pass  # the hold ended or the detainer closed: nothing is owed any more


def _tell(
    uow: UnitOfWork,
    ctx: Context,
    detainer: Detainer,
    audience: Audience,
    *,
    key: str,
    kind: MessageType,
    data: Data,
    at: datetime,
) -> None:
    """A message about `detainer` to its facility's staff or to the agency that lodged it."""
    send(
        uow,
        ctx,
        key=key,
        type=kind,
        audience=audience,
        recipient=detainer.facility_code if audience is Audience.FACILITY else detainer.agency_code,
        subject=detainer.id,
        data=data,
        at=at,
    )


def _overdue(
    uow: UnitOfWork,
    ctx: Context,
    timer: Timer,
    detainer: Detainer,
    now: datetime,
    key: str,
    data: Data,
) -> None:
    """Record the violation once; alarm the supervisor now and again every 15 minutes while open."""
    hold = detainer.hold
    if hold is None:
        return
    if not detainer.record_overrun(now=now, actor=ACTOR):
        # Already recorded: this is a repeat alarm (the first came with the recorded event).
        _tell(
            uow,
            ctx,
            detainer,
            Audience.FACILITY,
            key=key,
            kind=MessageType.HOLD_OVERDUE,
            data={
                **data,
                "deadline_at": hold.deadline_at.isoformat(),
                "role": "facility_supervisor",
            },
            at=now,
        )
    else:
        uow.detainers.save(detainer)
        _audit(uow, ctx, "hold.overrun", detainer.id, now)
    repeat = int(str(timer.data.get("repeat", "0"))) + 1
    uow.timers.add(
        _timer(
            ctx,
            TimerKind.HOLD_OVERDUE,
            detainer.id,
            max(now, hold.deadline_at) + OVERDUE_REPEAT,
            f"hold_overdue/{repeat}",
            repeat=str(repeat),
        )
    )


def _notice_due(
    uow: UnitOfWork, ctx: Context, timer: Timer, detainer: Detainer, now: datetime, key: str
) -> None:
    """Send the release notice where the decision permits it; otherwise record why not."""
    release_at = datetime.fromisoformat(str(timer.data["release_at"]))
    booking = None if detainer.booking_id is None else uow.bookings.get(detainer.booking_id)
    if (
        not detainer.is_live
        or booking is None
        or not booking.in_custody
        or booking.scheduled_release_at != release_at
    ):
        return  # released already, or the release moved (a newer timer covers it)
    if detainer.state is DetainerState.RELEASE_NOTIFIED:
        return  # told already
    if not detainer.permits(Action.NOTIFY):
        # A later decision took notice away; its withheld record was written with it (a
        # record written now would date the release for the agency).
        return
    try:
        detainer.notify_release(release_at=release_at, at=now, actor=ACTOR)
    except DomainError as e:
        withhold(uow, ctx, key=key, detainer=detainer, reason=str(e), at=now)
        _audit(
            uow, ctx, "notice.withheld", detainer.id, now, outcome=Outcome.REFUSED, detail=str(e)
        )
        return
    uow.detainers.save(detainer)
    _audit(uow, ctx, "detainer.notify", detainer.id, now)


def _audit(
    uow: UnitOfWork,
    ctx: Context,
    action: str,
    object_id: str,
    at: datetime,
    *,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
) -> None:
    # Imported here: the audit module imports this one (it plans the outbox with its record).
    from detainers.services.audit import entry

    uow.audit.append(
        entry(ctx, action, "detainer", object_id, outcome, at=at, detail=detail, actor=ACTOR)
    )


def arm_open_holds(ctx: Context, page: int = 500) -> int:
    """Set the alarms of every open hold that has none (e.g. a world loaded in bulk); how many.

    Alarms already due fire at the worker's next round, in order.
    """
    armed, after = 0, None
    while True:
        with ctx.uow() as uow:
            found = uow.detainers.list(
                DetainerFilter(state=DetainerState.ON_HOLD, limit=page, after=after)
            )
            for detainer in found:
                if not uow.timers.for_detainer(detainer.id):
                    _hold_timers(uow, ctx, detainer)
                    armed += 1
            uow.commit()
        if len(found) < page:
            return armed
        after = found[-1].id
