"""Assemble the legal engine's case from what the records say about one detainer."""

from __future__ import annotations

from datetime import date, datetime

from detainers.domain.booking import Booking
from detainers.domain.case import Case, DetainerFacts
from detainers.domain.detainer import Detainer
from detainers.domain.vocabulary import Citizenship, ReleaseReason, SubjectFlag
from detainers.services import loading
from detainers.services.errors import NotFound
from detainers.services.ports import UnitOfWork


def case_for(
    uow: UnitOfWork,
    detainer: Detainer,
    booking: Booking,
    *,
    as_of: date | datetime,
    releasable_at: datetime | None = None,
    release_reason: ReleaseReason | None = None,
) -> Case:
    """The case for `detainer` at `as_of`: the facility, the charges, the person's record."""
    facility = loading.facility(uow, detainer.facility_code)
    person = uow.persons.get(booking.person_id)
    if person is None:
        raise NotFound("person", booking.person_id)
    flags: set[SubjectFlag] = set()
    if person.citizenship is Citizenship.US_CITIZEN:
        flags.add(SubjectFlag.RECORDED_US_CITIZEN)
    return Case(
        jurisdiction=facility.jurisdiction,
        as_of=as_of,
        facility_type=facility.type,
        program_287g=facility.program_287g,
        detainer=DetainerFacts(
            form=detainer.form,
            probable_cause=detainer.probable_cause,
            warrant=detainer.warrant,
            requests=detainer.requests,
            lodged_date=detainer.lodged_at.date(),
            served_on_subject=detainer.served_at is not None,
            cancelled=detainer.cancelled_at is not None,
        ),
        charges=booking.charges,
        convictions=tuple(uow.persons.convictions(person.id)),
        flags=frozenset(flags),
        releasable_at=releasable_at,
        release_reason=release_reason,
    )
