"""Read-side use cases: lists, one detainer's timeline, and an overview of what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from detainers.domain.access import Role
from detainers.domain.booking import Booking
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import Person
from detainers.services import authz
from detainers.services.audit import Trail, audited
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.ports import BookingFilter, DetainerFilter


@dataclass(frozen=True, kw_only=True)
class DetainerTimeline:
    """A detainer with every event in order, and the booking and person it is attached to."""

    detainer: Detainer
    events: Sequence[DetainerEvent]
    booking: Booking | None
    person: Person | None


@dataclass(frozen=True, kw_only=True)
class Overview:
    jurisdictions: int
    agencies: int
    facilities: int
    by_state: dict[DetainerState, int]

    @property
    def detainers(self) -> int:
        return sum(self.by_state.values())


@audited("detainer.list", "detainer", None)
def list_detainers(where: DetainerFilter, ctx: Context, trail: Trail) -> Sequence[Detainer]:
    """Detainers matching `where` within the caller's tenant, ordered by id (page on with `after`)."""
    authz.require(ctx.caller, Permission.DETAINER_READ)
    where = authz.confine(ctx.caller, where)
    with ctx.uow() as uow:
        found = uow.detainers.list(where)
        trail.success(uow, "list", detail=f"rows={len(found)}")
        uow.commit()
    return found


@audited("detainer.read", "detainer", None)
def detainer_timeline(detainer_id: str, ctx: Context, trail: Trail) -> DetainerTimeline:
    """One detainer's full story, if the caller's tenant may see it."""
    authz.require(ctx.caller, Permission.DETAINER_READ)
    with ctx.uow() as uow:
        detainer = authz.visible_detainer(ctx.caller, uow.detainers.get(detainer_id), detainer_id)
        booking = None if detainer.booking_id is None else uow.bookings.get(detainer.booking_id)
        person = None if booking is None else uow.persons.get(booking.person_id)
        timeline = DetainerTimeline(
            detainer=detainer,
            events=uow.detainers.events(detainer_id),
            booking=booking,
            person=person,
        )
        trail.success(uow, detainer.id)
        uow.commit()
    return timeline


@audited("booking.read", "booking", None)
def booking(booking_id: str, ctx: Context, trail: Trail) -> Booking:
    """One booking, if it is at the caller's facility."""
    authz.require(ctx.caller, Permission.BOOKING_READ)
    with ctx.uow() as uow:
        found = authz.visible_booking(ctx.caller, uow.bookings.get(booking_id), booking_id)
        trail.success(uow, found.id)
        uow.commit()
    return found


@audited("booking.list", "booking", None)
def list_bookings(where: BookingFilter, ctx: Context, trail: Trail) -> Sequence[Booking]:
    """Bookings at the caller's facility matching `where`, ordered by id."""
    authz.require(ctx.caller, Permission.BOOKING_READ)
    if ctx.caller.role is not Role.SYSTEM:
        where = replace(where, facility_code=ctx.caller.facility_code)
    with ctx.uow() as uow:
        found = uow.bookings.list(where)
        trail.success(uow, "list", detail=f"rows={len(found)}")
        uow.commit()
    return found


@audited("hold.list", "hold", None)
def open_holds(where: DetainerFilter, ctx: Context, trail: Trail) -> Sequence[Detainer]:
    """Detainers on hold at the caller's facility, each with its deadline."""
    authz.require(ctx.caller, Permission.HOLD_READ)
    where = authz.confine(ctx.caller, replace(where, state=DetainerState.ON_HOLD))
    with ctx.uow() as uow:
        found = uow.detainers.list(where)
        trail.success(uow, "list", detail=f"rows={len(found)}")
        uow.commit()
    return found


def overview(ctx: Context) -> Overview:
    """How much is stored: reference data and detainers by state."""
    with ctx.uow() as uow:
        return Overview(
            jurisdictions=len(uow.jurisdictions.list()),
            agencies=len(uow.agencies.list()),
            facilities=len(uow.facilities.list()),
            by_state=uow.detainers.count_by_state(),
        )


def example_detainer(ctx: Context) -> str | None:
    """A detainer worth showing a newcomer: one held then transferred, else any."""
    for state in (DetainerState.TRANSFERRED, None):
        found = list_detainers(DetainerFilter(state=state, limit=1), ctx)
        if found:
            return found[0].id
    return None
