"""Strong-identifier matching: a person by FBI number, state ID or A-number; a booking by its number.

Exact matches only. Fuzzy record linkage (names, dates of birth, typos) is the
`matching` package's job; what it cannot settle waits in the unmatched queue.
"""

from __future__ import annotations

from detainers.domain.booking import Booking
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import Person
from detainers.domain.vocabulary import IdentifierKind
from detainers.services.errors import AmbiguousIdentity
from detainers.services.ports import UnitOfWork

PERSON_KEYS = (IdentifierKind.FBI_NUMBER, IdentifierKind.STATE_ID, IdentifierKind.A_NUMBER)


def known_person(uow: UnitOfWork, identifiers: dict[IdentifierKind, str]) -> Person | None:
    """The one known person carrying any of `identifiers`; an error if they name two."""
    found: dict[str, Person] = {}
    for kind in PERSON_KEYS:
        value = identifiers.get(kind)
        if value:
            found.update({p.id: p for p in uow.persons.find_by_identifier(kind, value)})
    if len(found) > 1:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(identifiers.items()))
        raise AmbiguousIdentity(shown, ", ".join(sorted(found)))
    return next(iter(found.values()), None)


def open_booking_for(
    uow: UnitOfWork, facility_code: str, subject: LodgedSubject
) -> tuple[Booking, IdentifierKind] | None:
    """The open booking at `facility_code` that the subject's identifiers point to, and which one did."""
    number = subject.identifiers.get(IdentifierKind.BOOKING_NUMBER)
    if number:
        booking = uow.bookings.open_by_number(facility_code, number)
        if booking is not None:
            return booking, IdentifierKind.BOOKING_NUMBER
    for kind in PERSON_KEYS:
        value = subject.identifiers.get(kind)
        if not value:
            continue
        for person in uow.persons.find_by_identifier(kind, value):
            booking = uow.bookings.open_for_person(facility_code, person.id)
            if booking is not None:
                return booking, kind
    return None
