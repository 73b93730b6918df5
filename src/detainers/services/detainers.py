"""Use cases for detainers: lodge, match, serve, review, notify, transfer, close, and check holds.

Each function is one command in one unit of work. Domain rules (the
lifecycle, the decision's bounds, hold deadlines) are the aggregate's; this
layer loads, asks the legal engine, and saves.
"""

from __future__ import annotations

from datetime import datetime

from detainers.domain import commands as c
from detainers.domain.booking import Booking
from detainers.domain.decision import decide
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import ReleaseReason
from detainers.services import loading
from detainers.services.bookings import end_custody
from detainers.services.context import Context
from detainers.services.errors import NotFound
from detainers.services.facts import case_for
from detainers.services.identity import open_booking_for
from detainers.services.ports import UnitOfWork


def lodge_detainer(cmd: c.LodgeDetainer, ctx: Context) -> Detainer:
    """Lodge a detainer; attach it to the open booking its identifiers name, else leave it unmatched."""
    at = ctx.when(cmd.at, field="lodged_at")
    with ctx.uow() as uow:
        loading.agency(uow, cmd.agency_code)
        loading.facility(uow, cmd.facility_code)
        detainer = Detainer.lodge(
            id=ctx.ids(),
            agency_code=cmd.agency_code,
            facility_code=cmd.facility_code,
            subject=cmd.subject,
            form=cmd.form,
            probable_cause=cmd.probable_cause,
            warrant=cmd.warrant,
            requests=cmd.requests,
            at=at,
            actor=cmd.actor,
        )
        found = open_booking_for(uow, cmd.facility_code, cmd.subject)
        if found is not None:
            booking, kind = found
            detainer.match(booking_id=booking.id, identifier_kind=kind, at=at, actor=cmd.actor)
        uow.detainers.add(detainer)
        uow.commit()
    return detainer


def match_detainer(cmd: c.MatchDetainer, ctx: Context) -> Detainer:
    """A person attaches an unmatched detainer to a booking at its facility."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        booking = loading.booking(uow, cmd.booking_id)
        if booking.facility_code != detainer.facility_code or not booking.in_custody:
            raise NotFound(f"open booking at facility {detainer.facility_code}", cmd.booking_id)
        detainer.match(booking_id=booking.id, identifier_kind="review", at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        uow.commit()
    return detainer


def serve_detainer(cmd: c.ServeDetainer, ctx: Context) -> Detainer:
    """Record that the subject was given a copy of the detainer."""
    at = ctx.when(cmd.at, field="served_at")
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        detainer.serve(at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        uow.commit()
    return detainer


def record_review(cmd: c.RecordReview, ctx: Context) -> Detainer:
    """Evaluate the law now and record the staff member's choice, if it lies inside the bounds."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        if detainer.booking_id is None:
            raise NotFound("booking for detainer (match it first)", detainer.id)
        booking = loading.booking(uow, detainer.booking_id)
        evaluation = ctx.engine.evaluate(case_for(uow, detainer, booking, as_of=at))
        decision = decide(
            decision_id=ctx.ids(),
            evaluation=evaluation,
            requests=detainer.requests,
            choice=cmd.choice,
            decided_by=cmd.actor,
            decided_at=at,
            override_reason=cmd.override_reason,
        )
        detainer.review(decision=decision, actor=cmd.actor)
        uow.detainers.save(detainer)
        uow.commit()
    return detainer


def notify_release(cmd: c.NotifyRelease, ctx: Context) -> Detainer:
    """Record a release notice to the agency (only where the decision permits notice)."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        detainer.notify_release(release_at=cmd.release_at, at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        uow.commit()
    return detainer


def transfer_custody(cmd: c.TransferCustody, ctx: Context) -> Detainer:
    """Hand the person to the agency; the booking ends and any other detainer closes as released."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        booking = loading.booking(uow, _booking_id(detainer))
        detainer.transfer(at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        end_custody(
            uow,
            booking,
            at=at,
            reason=ReleaseReason.TRANSFERRED_TO_AGENCY,
            actor=cmd.actor,
            handled=detainer,
        )
        uow.bookings.save(booking)
        uow.commit()
    return detainer


def release_at_deadline(cmd: c.ReleaseAtDeadline, ctx: Context) -> Detainer:
    """Release a held person whose hold deadline has come."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        booking = loading.booking(uow, _booking_id(detainer))
        detainer.release_at_deadline(at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        _end_custody_unless_held(
            uow, booking, at=at, reason=ReleaseReason.HOLD_DEADLINE, actor=cmd.actor
        )
        uow.commit()
    return detainer


def cancel_detainer(cmd: c.CancelDetainer, ctx: Context) -> Detainer:
    """The agency withdraws the detainer; a hold on it ends at once and the person is released."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        was_holding = detainer.state is DetainerState.ON_HOLD
        detainer.cancel(at=at, reason=cmd.reason, actor=cmd.actor)
        uow.detainers.save(detainer)
        if was_holding:
            booking = loading.booking(uow, _booking_id(detainer))
            _end_custody_unless_held(
                uow, booking, at=at, reason=ReleaseReason.DETAINER_CANCELLED, actor=cmd.actor
            )
        uow.commit()
    return detainer


def mark_not_in_custody(cmd: c.MarkNotInCustody, ctx: Context) -> Detainer:
    """The facility answers that the person is not in its custody."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        detainer.mark_not_in_custody(at=at, reason=cmd.reason, actor=cmd.actor)
        uow.detainers.save(detainer)
        uow.commit()
    return detainer


def record_agency_arrest(cmd: c.RecordAgencyArrest, ctx: Context) -> Detainer:
    """The agency records that it arrested the released person later, elsewhere."""
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, cmd.detainer_id)
        detainer.record_agency_arrest(arrest_date=cmd.arrest_date, at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        uow.commit()
    return detainer


def check_hold_deadlines(cmd: c.CheckHoldDeadlines, ctx: Context) -> list[Detainer]:
    """Record a violation for every hold open past its deadline (once each). Returns them."""
    now = ctx.when(cmd.at)
    with ctx.uow() as uow:
        overdue = list(uow.detainers.overdue_holds(now))
        for detainer in overdue:
            detainer.record_overrun(now=now, actor=cmd.actor)
            uow.detainers.save(detainer)
        uow.commit()
    return overdue


def _booking_id(detainer: Detainer) -> str:
    if detainer.booking_id is None:
        raise NotFound("booking for detainer", detainer.id)
    return detainer.booking_id


def _end_custody_unless_held(
    uow: UnitOfWork,
    booking: Booking,
    *,
    at: datetime,
    reason: ReleaseReason,
    actor: str,
) -> None:
    still_held = any(
        d.state is DetainerState.ON_HOLD for d in uow.detainers.live_for_booking(booking.id)
    )
    if still_held or not booking.in_custody:
        return
    end_custody(uow, booking, at=at, reason=reason, actor=actor)
    uow.bookings.save(booking)
