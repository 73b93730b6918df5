"""Read-side use cases: lists, one detainer's timeline, and an overview of what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from detainers.domain.booking import Booking
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import Person
from detainers.services import loading
from detainers.services.context import Context
from detainers.services.ports import DetainerFilter


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


def list_detainers(ctx: Context, where: DetainerFilter) -> Sequence[Detainer]:
    """Detainers matching `where`, ordered by id (page on with `after`)."""
    with ctx.uow() as uow:
        return uow.detainers.list(where)


def detainer_timeline(ctx: Context, detainer_id: str) -> DetainerTimeline:
    """One detainer's full story."""
    with ctx.uow() as uow:
        detainer = loading.detainer(uow, detainer_id)
        booking = None if detainer.booking_id is None else uow.bookings.get(detainer.booking_id)
        person = None if booking is None else uow.persons.get(booking.person_id)
        return DetainerTimeline(
            detainer=detainer,
            events=uow.detainers.events(detainer_id),
            booking=booking,
            person=person,
        )


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
        found = list_detainers(ctx, DetainerFilter(state=state, limit=1))
        if found:
            return found[0].id
    return None
