"""Load aggregates inside a unit of work, or fail with `NotFound` naming what was asked for."""

from __future__ import annotations

from detainers.domain.booking import Booking
from detainers.domain.detainer import Detainer
from detainers.domain.organization import Agency, Facility
from detainers.services.errors import NotFound
from detainers.services.ports import UnitOfWork


def detainer(uow: UnitOfWork, detainer_id: str) -> Detainer:
    found = uow.detainers.get(detainer_id)
    if found is None:
        raise NotFound("detainer", detainer_id)
    return found


def booking(uow: UnitOfWork, booking_id: str) -> Booking:
    found = uow.bookings.get(booking_id)
    if found is None:
        raise NotFound("booking", booking_id)
    return found


def facility(uow: UnitOfWork, code: str) -> Facility:
    found = uow.facilities.get(code)
    if found is None:
        raise NotFound("facility", code)
    return found


def agency(uow: UnitOfWork, code: str) -> Agency:
    found = uow.agencies.get(code)
    if found is None:
        raise NotFound("agency", code)
    return found
