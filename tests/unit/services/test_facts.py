"""The case the legal engine is asked about, assembled from the records of one detainer."""

from __future__ import annotations

from datetime import date

from detainers.domain import commands as c
from detainers.domain.booking import Conviction
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    ChargeClass,
    Citizenship,
    FacilityType,
    IdentifierKind,
    ProbableCause,
    ReviewChoice,
    SubjectFlag,
)
from detainers.services import bookings
from tests.unit.builders import CLERK, FACILITY, T0, World

PRIOR = Conviction(
    statute="CGS 53a-101",
    description="Burglary in the first degree",
    charge_class=ChargeClass.FELONY_B,
    convicted_date=date(2015, 5, 1),
    jurisdiction="US-CT",
    tags=frozenset({"violent_felony"}),
)


def _book(world: World, citizenship: Citizenship = Citizenship.UNKNOWN) -> None:
    bookings.record_booking(
        c.RecordBooking(
            facility_code=FACILITY,
            booking_number="B-1",
            person=c.PersonDetails(
                name=PersonName(given=("Juan",), family=("Doe",)),
                identifiers={IdentifierKind.FBI_NUMBER: "FBI-1001"},
                citizenship=citizenship,
                convictions=(PRIOR,),
            ),
            booked_at=T0,
            actor=CLERK,
        ),
        world.ctx,
    )


def test_the_case_is_the_facilitys_law_and_type_with_the_persons_prior_convictions() -> None:
    world = World()
    _book(world)
    detainer = world.lodge()

    world.review(detainer.id, ReviewChoice.ESCALATE)

    case = world.engine.cases[-1]
    assert case.jurisdiction == "US-CT"
    assert case.facility_type is FacilityType.STATE_PRETRIAL_JAIL
    assert case.convictions == (PRIOR,)
    assert case.flags == frozenset()
    assert case.detainer.probable_cause == {ProbableCause.PENDING_PROCEEDINGS}
    assert case.detainer.lodged_date == T0.date()
    assert case.detainer.served_on_subject is False
    assert case.detainer.cancelled is False
    assert case.releasable_at is None


def test_a_person_recorded_as_a_us_citizen_is_flagged_to_the_engine() -> None:
    world = World()
    _book(world, Citizenship.US_CITIZEN)
    detainer = world.lodge()

    world.review(detainer.id, ReviewChoice.ESCALATE)

    assert world.engine.cases[-1].flags == {SubjectFlag.RECORDED_US_CITIZEN}
    facts = world.detainer(detainer.id).decision.evaluation.facts  # type: ignore[union-attr]
    assert facts["subject"]["flags"] == ["recorded_us_citizen"]
