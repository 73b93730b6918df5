"""Builders of small, named domain objects for integration tests (all synthetic)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from detainers.domain.booking import Booking, Charge
from detainers.domain.decision import Evaluation, LawVersion, Reason, Remedy, Ruling
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person, PersonName
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    ChargeStatus,
    Citizenship,
    DetainerForm,
    Effect,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    Program287g,
    RequestedAction,
    Warrant,
)
from detainers.services.ports import UnitOfWork

T0 = datetime(2023, 9, 14, 16, 30, tzinfo=UTC)


def reference(uow: UnitOfWork) -> None:
    uow.jurisdictions.add(
        Jurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL)
    )
    uow.jurisdictions.add(
        Jurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE)
    )
    uow.agencies.add(Agency(code="ERO-BOS", name="Boston Field Office", jurisdiction="US"))
    uow.facilities.add(
        Facility(
            code="CT-HCC",
            name="A pretrial jail",
            type=FacilityType.STATE_PRETRIAL_JAIL,
            jurisdiction="US-CT",
            program_287g=Program287g.NONE,
            hold_limit_hours=36,
        )
    )


def person() -> Person:
    return Person(
        id="p-1",
        name=PersonName(given=("Ana", "María"), family=("García", "López")),
        date_of_birth=date(1990, 3, 4),
        aliases=(PersonName(given=("Ana",), family=("Garcia-Lopez",)),),
        identifiers={IdentifierKind.FBI_NUMBER: "123456AB7", IdentifierKind.A_NUMBER: "A012345678"},
        citizenship=Citizenship.NONCITIZEN,
    )


def booking() -> Booking:
    return Booking(
        id="b-1",
        booking_number="2023-000123",
        facility_code="CT-HCC",
        person_id="p-1",
        booked_at=T0,
        charges=(
            Charge(
                statute="CGS 53a-70(a)(2)",
                description="Sexual assault in the first degree",
                charge_class=ChargeClass.FELONY_A,
                class_raw_text="Class A Felony",
                status=ChargeStatus.PENDING,
                tags=frozenset({"violent_felony"}),
                probable_cause_finding=True,
            ),
        ),
    )


def detainer() -> Detainer:
    return Detainer.lodge(
        id="d-1",
        agency_code="ERO-BOS",
        facility_code="CT-HCC",
        subject=LodgedSubject(
            name=PersonName(given=("Ana",), family=("Garcia",)),
            date_of_birth=date(1990, 3, 4),
            identifiers={IdentifierKind.FBI_NUMBER: "123456AB7"},
        ),
        form=DetainerForm.I_247A,
        probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
        warrant=Warrant.I_200,
        requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
        at=T0 + timedelta(days=29),
        actor="officer-1",
    )


def evaluation() -> Evaluation:
    reason = Reason(rule="test.rule", citation="Test Code 1(a)", summary="permitted in the test")
    return Evaluation(
        jurisdiction="US-CT",
        as_of=date(2023, 10, 14),
        rulings={
            Action.HOLD: Ruling(
                effect=Effect.PERMITTED, reasons=(reason,), until=T0 + timedelta(days=60)
            ),
            Action.NOTIFY: Ruling(effect=Effect.REQUIRED, reasons=(reason,)),
            Action.TRANSFER: Ruling(effect=Effect.FORBIDDEN, reasons=(reason,)),
        },
        laws=(LawVersion(jurisdiction="US-CT", version="2019-10-01", citation="Test Act"),),
        remedies=(
            Remedy(action=Action.TRANSFER, effect=Effect.PERMITTED, change={"warrant": "judicial"}),
        ),
        facts={"jurisdiction": "US-CT", "nested": {"list": [1, 2]}},
        engine="test",
    )
