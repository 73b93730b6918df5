"""Use cases for detainers: lodge, match, serve, review, notify, transfer, amend, close, check holds.

Each function is one command in one unit of work. Domain rules (the
lifecycle, the decision's bounds, hold deadlines) are the aggregate's; this
layer checks the caller's permission and tenant, loads, asks the legal
engine, saves, and leaves one audit record (success or failure).
"""

from __future__ import annotations

from datetime import datetime

from detainers.domain import commands as c
from detainers.domain.access import PrincipalKind
from detainers.domain.booking import Booking
from detainers.domain.decision import decide
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import ReleaseReason
from detainers.services import authz, loading
from detainers.services.audit import Trail, audited
from detainers.services.authz import Permission
from detainers.services.bookings import end_custody
from detainers.services.context import Context
from detainers.services.errors import Forbidden, NotFound
from detainers.services.facts import case_for
from detainers.services.identity import open_booking_for
from detainers.services.ports import UnitOfWork


@audited("detainer.lodge", "detainer", "facility_code")
def lodge_detainer(cmd: c.LodgeDetainer, ctx: Context, trail: Trail) -> Detainer:
    """Lodge a detainer; attach it to the open booking its identifiers name, else leave it unmatched."""
    authz.require(ctx.caller, Permission.DETAINER_LODGE)
    authz.acts_for_agency(ctx.caller, cmd.agency_code)
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
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.match", "detainer", "detainer_id")
def match_detainer(cmd: c.MatchDetainer, ctx: Context, trail: Trail) -> Detainer:
    """A person attaches an unmatched detainer to a booking at its facility."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        booking = loading.booking(uow, cmd.booking_id)
        if booking.facility_code != detainer.facility_code or not booking.in_custody:
            raise NotFound(f"open booking at facility {detainer.facility_code}", cmd.booking_id)
        detainer.match(booking_id=booking.id, identifier_kind="review", at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.serve", "detainer", "detainer_id")
def serve_detainer(cmd: c.ServeDetainer, ctx: Context, trail: Trail) -> Detainer:
    """Record that the subject was given a copy of the detainer."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at, field="served_at")
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        detainer.serve(at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.review", "detainer", "detainer_id")
def record_review(cmd: c.RecordReview, ctx: Context, trail: Trail) -> Detainer:
    """Evaluate the law now and record the staff member's choice, if it lies inside the bounds."""
    authz.require(ctx.caller, Permission.DETAINER_REVIEW)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        if detainer.booking_id is None:
            raise NotFound("booking for detainer (match it first)", detainer.id)
        _not_the_lodging_officer(ctx, detainer)
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
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.notify", "detainer", "detainer_id")
def notify_release(cmd: c.NotifyRelease, ctx: Context, trail: Trail) -> Detainer:
    """Record a release notice to the agency (only where the decision permits notice)."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        detainer.notify_release(release_at=cmd.release_at, at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.transfer", "detainer", "detainer_id")
def transfer_custody(cmd: c.TransferCustody, ctx: Context, trail: Trail) -> Detainer:
    """Hand the person to the agency; the booking ends and any other detainer closes as released."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
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
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.release_at_deadline", "detainer", "detainer_id")
def release_at_deadline(cmd: c.ReleaseAtDeadline, ctx: Context, trail: Trail) -> Detainer:
    """Release a held person whose hold deadline has come."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        booking = loading.booking(uow, _booking_id(detainer))
        detainer.release_at_deadline(at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        _end_custody_unless_held(
            uow, booking, at=at, reason=ReleaseReason.HOLD_DEADLINE, actor=cmd.actor
        )
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.amend", "detainer", "detainer_id")
def amend_detainer(cmd: c.AmendDetainer, ctx: Context, trail: Trail) -> Detainer:
    """The agency changes its detainer's terms; a matched one goes back to the facility for review."""
    authz.require(ctx.caller, Permission.DETAINER_LODGE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        detainer.amend(
            at=at,
            reason=cmd.reason,
            actor=cmd.actor,
            form=cmd.form,
            probable_cause=cmd.probable_cause,
            warrant=cmd.warrant,
            requests=cmd.requests,
        )
        uow.detainers.save(detainer)
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.cancel", "detainer", "detainer_id")
def cancel_detainer(cmd: c.CancelDetainer, ctx: Context, trail: Trail) -> Detainer:
    """The agency withdraws the detainer; a hold on it ends at once and the person is released."""
    authz.require(ctx.caller, Permission.DETAINER_LODGE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        was_holding = detainer.state is DetainerState.ON_HOLD
        detainer.cancel(at=at, reason=cmd.reason, actor=cmd.actor)
        uow.detainers.save(detainer)
        if was_holding:
            booking = loading.booking(uow, _booking_id(detainer))
            _end_custody_unless_held(
                uow, booking, at=at, reason=ReleaseReason.DETAINER_CANCELLED, actor=cmd.actor
            )
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.not_in_custody", "detainer", "detainer_id")
def mark_not_in_custody(cmd: c.MarkNotInCustody, ctx: Context, trail: Trail) -> Detainer:
    """The facility answers that the person is not in its custody."""
    authz.require(ctx.caller, Permission.DETAINER_HANDLE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        detainer.mark_not_in_custody(at=at, reason=cmd.reason, actor=cmd.actor)
        uow.detainers.save(detainer)
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("detainer.agency_arrest", "detainer", "detainer_id")
def record_agency_arrest(cmd: c.RecordAgencyArrest, ctx: Context, trail: Trail) -> Detainer:
    """The agency records that it arrested the released person later, elsewhere."""
    authz.require(ctx.caller, Permission.AGENCY_ARREST)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        detainer = _detainer(uow, ctx, cmd.detainer_id)
        detainer.record_agency_arrest(arrest_date=cmd.arrest_date, at=at, actor=cmd.actor)
        uow.detainers.save(detainer)
        trail.success(uow, detainer.id)
        uow.commit()
    return detainer


@audited("hold.check", "hold", None)
def check_hold_deadlines(cmd: c.CheckHoldDeadlines, ctx: Context, trail: Trail) -> list[Detainer]:
    """Record a violation for every hold open past its deadline (once each). Returns them."""
    authz.require(ctx.caller, Permission.HOLD_CHECK)
    now = ctx.when(cmd.at)
    with ctx.uow() as uow:
        overdue = [
            d for d in uow.detainers.overdue_holds(now) if authz.sees_detainer(ctx.caller, d)
        ]
        for detainer in overdue:
            detainer.record_overrun(now=now, actor=cmd.actor)
            uow.detainers.save(detainer)
        trail.success(uow, "overdue", detail=f"recorded={len(overdue)}")
        uow.commit()
    return overdue


def _detainer(uow: UnitOfWork, ctx: Context, detainer_id: str) -> Detainer:
    """The detainer, if the caller's tenant may see it; otherwise not found."""
    return authz.visible_detainer(ctx.caller, uow.detainers.get(detainer_id), detainer_id)


def _not_the_lodging_officer(ctx: Context, detainer: Detainer) -> None:
    """Separation of duties: whoever lodged a detainer cannot record the facility's decision on it."""
    if ctx.caller.kind is not PrincipalKind.SYSTEM and detainer.lodged_by == ctx.caller.name:
        raise Forbidden(
            ctx.caller.role.value,
            Permission.DETAINER_REVIEW.value,
            detail=f"[{ctx.caller.name}] lodged detainer [{detainer.id}] and cannot also decide on it",
        )


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
