"""Published cases replayed through the use cases, step by step, with the law of each date.

The Connecticut story (DESIGN.md): a man charged by a town's police with
first-degree sexual assault of a child, held pretrial by the state; the agency
lodges an I-247A with an administrative warrant asking for notice and a hold;
the facility, bound by the TRUST Act, declines both; he is released on bond
and arrested by the agency two months later. The dates are those of the
agency's announcement (charge 2023-09-14, detainer 2023-10-13, release
2024-02-01, arrest 2024-04-04). The person is a placeholder: no real name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from detainers.domain import commands as c
from detainers.domain.booking import Charge
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    ChargeClass,
    ChargeStatus,
    DetainerForm,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, registry
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists

AGENCY = "ERO-BOS"
FACILITY = "CT-DOC-HCC"
EASTERN = ZoneInfo("America/New_York")
_NAMESPACE = uuid.UUID("5d1e5c9e-4a43-4b57-9c2e-0c7a1b8e6f10")


class _StoryIds:
    """Fixed ids, so the story is written once and found again by its id."""

    def __init__(self, story: str) -> None:
        self._story = story
        self._n = 0

    def __call__(self) -> str:
        self._n += 1
        return str(uuid.uuid5(_NAMESPACE, f"{self._story}/{self._n}"))


@dataclass(frozen=True)
class Replayed:
    detainer_id: str
    written_now: bool


def _local(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=EASTERN)


def _ensure(ctx: Context) -> None:
    """The reference data the story needs, registered unless already there."""
    steps = (
        lambda: registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL),
            ctx,
        ),
        lambda: registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE),
            ctx,
        ),
        lambda: registry.register_agency(
            c.RegisterAgency(code=AGENCY, name="Boston Field Office", jurisdiction="US"), ctx
        ),
        lambda: registry.register_facility(
            c.RegisterFacility(
                code=FACILITY,
                name="A state pretrial correctional center",
                type=FacilityType.STATE_PRETRIAL_JAIL,
                jurisdiction="US-CT",
            ),
            ctx,
        ),
    )
    for step in steps:
        try:
            step()
        except AlreadyExists:
            continue


def replay_connecticut(ctx: Context) -> Replayed:
    """Write the Connecticut story into the database (once), returning its detainer's id."""
    story = replace(ctx, ids=_StoryIds("connecticut-2024"))
    probe = _StoryIds("connecticut-2024")
    _person_id, booking_id, detainer_id = probe(), probe(), probe()
    with ctx.uow() as uow:
        if uow.detainers.get(detainer_id) is not None:
            return Replayed(detainer_id=detainer_id, written_now=False)
    _ensure(ctx)
    booked = bookings.record_booking(
        c.RecordBooking(
            facility_code=FACILITY,
            booking_number="STORY-CT-2023-0914",
            person=c.PersonDetails(
                name=PersonName(given=("John",), family=("Doe",)),
                identifiers={
                    IdentifierKind.STATE_ID: "CT-STORY-0001",
                    IdentifierKind.A_NUMBER: "A000000001",
                },
            ),
            booked_at=_local("2023-09-14", "18:00"),
            actor=f"{FACILITY}/intake",
            charges=(
                Charge(
                    statute="CGS 53a-70(a)(2)",
                    description="Sexual assault in the first degree, victim under 13",
                    charge_class=ChargeClass.FELONY_A,
                    class_raw_text="Class A felony",
                    status=ChargeStatus.PENDING,
                ),
                Charge(
                    statute="CGS 53-21(a)(2)",
                    description="Risk of injury to a minor (illegal sexual contact)",
                    charge_class=ChargeClass.FELONY_B,
                    class_raw_text="Class B felony",
                    status=ChargeStatus.PENDING,
                ),
            ),
        ),
        story,
    )
    lodged = detainers.lodge_detainer(
        c.LodgeDetainer(
            agency_code=AGENCY,
            facility_code=FACILITY,
            subject=LodgedSubject(
                name=PersonName(given=("John",), family=("Doe",)),
                identifiers={IdentifierKind.A_NUMBER: "A000000001"},
            ),
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
            actor=f"{AGENCY}/officer",
            at=_local("2023-10-13", "10:00"),
        ),
        story,
    )
    if booked.id != booking_id or lodged.id != detainer_id:
        raise RuntimeError("the story's ids moved: the order of its steps changed")
    detainers.serve_detainer(
        c.ServeDetainer(
            detainer_id=lodged.id, actor=f"{FACILITY}/staff", at=_local("2023-10-13", "14:00")
        ),
        story,
    )
    # The engine says hold, notice and transfer are all forbidden: the choice inside
    # those bounds is to decline.
    detainers.record_review(
        c.RecordReview(
            detainer_id=lodged.id,
            choice=ReviewChoice.DECLINE,
            actor=f"{FACILITY}/supervisor",
            at=_local("2023-10-13", "16:00"),
        ),
        story,
    )
    bookings.mark_releasable(
        c.MarkReleasable(
            booking_id=booked.id,
            reason=ReleaseReason.BOND_POSTED,
            actor=f"{FACILITY}/staff",
            at=_local("2024-02-01", "09:00"),
        ),
        story,
    )
    detainers.record_agency_arrest(
        c.RecordAgencyArrest(
            detainer_id=lodged.id,
            arrest_date=date(2024, 4, 4),
            actor=f"{AGENCY}/officer",
            at=_local("2024-04-19", "12:00"),
        ),
        story,
    )
    return Replayed(detainer_id=lodged.id, written_now=True)
