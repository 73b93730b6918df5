"""Use cases for custody: record a booking, mark a person otherwise releasable, release them.

Marking a person releasable is where holds begin: each live detainer whose
recorded decision permits a hold is re-evaluated at that moment (the law in
force, the hold's latest end) and held with its deadline fixed; if none is
held, the person is released and every live detainer on the booking with them.
"""

from __future__ import annotations

from datetime import datetime

from detainers.domain.booking import Booking
from detainers.domain.commands import MarkReleasable, RecordBooking, ReleasePerson, ScheduleRelease
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import Person
from detainers.domain.vocabulary import Action, ReleaseReason
from detainers.services import authz, loading, notices
from detainers.services.audit import Trail, audited
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists
from detainers.services.facts import case_for
from detainers.services.identity import known_person, open_booking_for
from detainers.services.ports import UnitOfWork


@audited("booking.record", "booking", "booking_number")
def record_booking(cmd: RecordBooking, ctx: Context, trail: Trail) -> Booking:
    """Book a person into a facility; unmatched detainers that name them are attached."""
    authz.require(ctx.caller, Permission.BOOKING_WRITE)
    authz.acts_for_facility(ctx.caller, cmd.facility_code)
    with ctx.uow() as uow:
        loading.facility(uow, cmd.facility_code)
        if uow.bookings.open_by_number(cmd.facility_code, cmd.booking_number) is not None:
            raise AlreadyExists("open booking", f"{cmd.facility_code}/{cmd.booking_number}")
        person = known_person(uow, cmd.person.identifiers)
        if person is not None and uow.bookings.open_for_person(cmd.facility_code, person.id):
            raise AlreadyExists("open booking for person", f"{cmd.facility_code}/{person.id}")
        if person is None:
            person = Person(
                id=ctx.ids(),
                name=cmd.person.name,
                date_of_birth=cmd.person.date_of_birth,
                aliases=cmd.person.aliases,
                identifiers=dict(cmd.person.identifiers),
                citizenship=cmd.person.citizenship,
            )
            uow.persons.add(person, cmd.person.convictions)
        booking = Booking(
            id=ctx.ids(),
            booking_number=cmd.booking_number,
            facility_code=cmd.facility_code,
            person_id=person.id,
            booked_at=cmd.booked_at,
            charges=cmd.charges,
            scheduled_release_at=cmd.scheduled_release_at,
        )
        uow.bookings.add(booking)
        for detainer in uow.detainers.unmatched_at(cmd.facility_code):
            found = open_booking_for(uow, cmd.facility_code, detainer.subject)
            if found is not None and found[0].id == booking.id:
                at = max(booking.booked_at, detainer.last_event_at or detainer.lodged_at)
                detainer.match(
                    booking_id=booking.id, identifier_kind=found[1], at=at, actor=cmd.actor
                )
                uow.detainers.save(detainer)
        trail.success(uow, booking.id)
        uow.commit()
    return booking


@audited("booking.releasable", "booking", "booking_id")
def mark_releasable(cmd: MarkReleasable, ctx: Context, trail: Trail) -> list[Detainer]:
    """Custody would end now; start the holds the decisions permit, else release. Returns the held."""
    authz.require(ctx.caller, Permission.BOOKING_WRITE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        booking = _booking(uow, ctx, cmd.booking_id)
        booking.mark_releasable(at, cmd.reason)
        facility = loading.facility(uow, booking.facility_code)
        held: list[Detainer] = []
        not_held: dict[str, str] = {}
        for detainer in uow.detainers.live_for_booking(booking.id):
            # Release is now: an agency owed notice and not yet told is told at once.
            if detainer.state in _UNTOLD and detainer.permits(Action.NOTIFY):
                detainer.notify_release(release_at=at, at=at, actor=cmd.actor)
                uow.detainers.save(detainer)
        for detainer in uow.detainers.live_for_booking(booking.id):
            if detainer.state is DetainerState.ON_HOLD:
                # Already held (releasable was recorded before): the hold and its deadline stand.
                held.append(detainer)
                continue
            if detainer.state not in (DetainerState.HONORED, DetainerState.RELEASE_NOTIFIED):
                continue
            if not detainer.permits(Action.HOLD):
                continue
            if facility.hold_limit_hours == 0:
                not_held[detainer.id] = (
                    f"no hold: facility {facility.code} does not hold on detainers"
                )
                continue
            # The law is read again at the moment the hold would begin: it fixes
            # the latest end, and a law that changed since review is obeyed.
            case = case_for(
                uow, detainer, booking, as_of=at, releasable_at=at, release_reason=cmd.reason
            )
            ruling = ctx.engine.evaluate(case).ruling(Action.HOLD)
            if not ruling.effect.allows or ruling.until is None:
                rules = ", ".join(r.rule for r in ruling.reasons) or "no rule given"
                why = f"is [{ruling.effect}]" if not ruling.effect.allows else "has no lawful end"
                not_held[detainer.id] = (
                    f"no hold: the hold {why} under the law at release ({rules})"
                )
                continue
            detainer.start_hold(
                at=at,
                legal_until=ruling.until,
                facility_limit_hours=facility.hold_limit_hours,
                actor=cmd.actor,
            )
            uow.detainers.save(detainer)
            held.append(detainer)
        if not held:
            end_custody(uow, booking, at=at, reason=cmd.reason, actor=cmd.actor, notes=not_held)
        uow.bookings.save(booking)
        trail.success(uow, booking.id, detail=f"held={len(held)}")
        uow.commit()
    return held


@audited("booking.schedule_release", "booking", "booking_id")
def schedule_release(cmd: ScheduleRelease, ctx: Context, trail: Trail) -> Booking:
    """Record (or clear) when the person is expected to leave; agencies already told are corrected.

    Where the decision permits notice: an agency already told of another date
    gets a corrected notice now; one not yet told gets its notice the lead time
    before the new date (a timer); a release that is off is told as such.
    """
    authz.require(ctx.caller, Permission.BOOKING_WRITE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        booking = _booking(uow, ctx, cmd.booking_id)
        booking.schedule_release(cmd.release_at)
        uow.bookings.save(booking)
        for detainer in uow.detainers.live_for_booking(booking.id):
            if not detainer.permits(Action.NOTIFY):
                continue
            if detainer.state is DetainerState.RELEASE_NOTIFIED:
                if cmd.release_at is not None:
                    detainer.notify_release(release_at=cmd.release_at, at=at, actor=cmd.actor)
                    uow.detainers.save(detainer)
                else:
                    notices.release_off(uow, ctx, detainer, at)
        trail.success(uow, booking.id)
        if cmd.release_at is not None:
            for detainer in uow.detainers.live_for_booking(booking.id):
                notices.schedule_release_notice(uow, ctx, detainer)
        uow.commit()
    return booking


@audited("booking.release", "booking", "booking_id")
def release_person(cmd: ReleasePerson, ctx: Context, trail: Trail) -> Booking:
    """The person leaves custody; every live detainer on the booking is closed as released."""
    authz.require(ctx.caller, Permission.BOOKING_WRITE)
    at = ctx.when(cmd.at)
    with ctx.uow() as uow:
        booking = _booking(uow, ctx, cmd.booking_id)
        end_custody(uow, booking, at=at, reason=cmd.reason, actor=cmd.actor)
        uow.bookings.save(booking)
        trail.success(uow, booking.id)
        uow.commit()
    return booking


_UNTOLD = (DetainerState.HONORED, DetainerState.NOTIFY_ONLY)


def _booking(uow: UnitOfWork, ctx: Context, booking_id: str) -> Booking:
    """The booking, if the caller's facility holds it; otherwise not found."""
    return authz.visible_booking(ctx.caller, uow.bookings.get(booking_id), booking_id)


def end_custody(
    uow: UnitOfWork,
    booking: Booking,
    *,
    at: datetime,
    reason: ReleaseReason,
    actor: str,
    handled: Detainer | None = None,
    notes: dict[str, str] | None = None,
) -> None:
    """Release the booking and every other live detainer on it (within the caller's unit of work).

    `notes` gives, per detainer id, why no hold was made where one had been chosen.
    """
    booking.release(at, reason)
    for detainer in uow.detainers.live_for_booking(booking.id):
        if handled is not None and detainer.id == handled.id:
            continue
        detainer.release(at=at, reason=reason, actor=actor, note=(notes or {}).get(detainer.id))
        uow.detainers.save(detainer)
