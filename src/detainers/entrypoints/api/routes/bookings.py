"""Booking routes (facility): record a booking, mark a person releasable, release, and read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from detainers.domain.commands import (
    MarkReleasable,
    PersonDetails,
    RecordBooking,
    ReleasePerson,
    ScheduleRelease,
)
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.ratelimit import SEARCH, limited
from detainers.entrypoints.api.routes._shared import (
    Cursor,
    Limit,
    ObjectId,
    created,
    decode_cursor,
    next_cursor,
)
from detainers.entrypoints.api.schemas import (
    BookingIn,
    BookingOut,
    CustodyEndIn,
    DetainerOut,
    Page,
    ScheduleIn,
)
from detainers.services import bookings, idempotency, queries
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.ports import BookingFilter

router = APIRouter(prefix="/api/v1/bookings", tags=["bookings"])

Reader = Annotated[Context, Depends(permission(Permission.BOOKING_READ))]
Writer = Annotated[Context, Depends(permission(Permission.BOOKING_WRITE))]


def _read(booking_id: str, ctx: Context) -> BookingOut:
    return BookingOut.of(queries.booking(booking_id, ctx))


@router.post(
    "",
    status_code=201,
    response_model=BookingOut,
    operation_id="recordBooking",
    summary="Book a person into the caller's facility",
    description="Unmatched detainers that name the person by a strong identifier are attached.",
)
def record(body: BookingIn, response: Response, ctx: Writer) -> BookingOut:
    def create(ctx: Context) -> BookingOut:
        person = body.person
        command = RecordBooking(
            facility_code=body.facility,
            booking_number=body.booking_number,
            person=PersonDetails(
                name=person.name.domain(),
                date_of_birth=person.date_of_birth,
                aliases=tuple(a.domain() for a in person.aliases),
                identifiers=dict(person.identifiers),
                citizenship=person.citizenship,
                convictions=tuple(c.domain() for c in person.convictions),
            ),
            booked_at=body.booked_at,
            actor=ctx.caller.name,
            charges=tuple(c.domain() for c in body.charges),
            scheduled_release_at=body.scheduled_release_at,
        )
        return BookingOut.of(bookings.record_booking(command, ctx))

    done = idempotency.carry_out(ctx, create, _read)
    created(response, f"{router.prefix}/{done.value.id}", done.replayed)
    return done.value


@router.get(
    "",
    response_model=Page[BookingOut],
    operation_id="listBookings",
    summary="Bookings at the caller's facility",
    dependencies=[Depends(limited("search", SEARCH))],
)
def list_(
    ctx: Reader,
    in_custody: Annotated[bool | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BookingOut]:
    where = BookingFilter(in_custody=in_custody, limit=limit, after=decode_cursor(cursor))
    found = queries.list_bookings(where, ctx)
    return Page[BookingOut](
        items=[BookingOut.of(b) for b in found],
        next_cursor=next_cursor([b.id for b in found], limit),
    )


@router.get(
    "/{booking_id}", response_model=BookingOut, operation_id="getBooking", summary="One booking"
)
def get(booking_id: ObjectId, ctx: Reader) -> BookingOut:
    return _read(booking_id, ctx)


@router.post(
    "/{booking_id}/releasable",
    response_model=list[DetainerOut],
    operation_id="markReleasable",
    summary="Custody would end now: holds the decisions permit begin, else the person is released",
    description="Returns the detainers now holding the person (empty when released).",
)
def releasable(booking_id: ObjectId, body: CustodyEndIn, ctx: Writer) -> list[DetainerOut]:
    command = MarkReleasable(
        booking_id=booking_id, reason=body.reason, actor=ctx.caller.name, at=body.at
    )
    return [DetainerOut.of(d) for d in bookings.mark_releasable(command, ctx)]


@router.put(
    "/{booking_id}/scheduled-release",
    response_model=BookingOut,
    operation_id="scheduleRelease",
    summary="Set or clear when the person is expected to leave; agencies already told get a correction",
)
def schedule_release(booking_id: ObjectId, body: ScheduleIn, ctx: Writer) -> BookingOut:
    command = ScheduleRelease(
        booking_id=booking_id, release_at=body.release_at, actor=ctx.caller.name, at=body.at
    )
    return BookingOut.of(bookings.schedule_release(command, ctx))


@router.post(
    "/{booking_id}/release",
    response_model=BookingOut,
    operation_id="releasePerson",
    summary="The person leaves custody; live detainers on the booking close as released",
)
def release(booking_id: ObjectId, body: CustodyEndIn, ctx: Writer) -> BookingOut:
    command = ReleasePerson(
        booking_id=booking_id, reason=body.reason, actor=ctx.caller.name, at=body.at
    )
    return BookingOut.of(bookings.release_person(command, ctx))
