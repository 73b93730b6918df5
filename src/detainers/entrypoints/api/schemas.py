"""Request and response bodies: Pydantic models at the edge, converted to and from domain objects.

Requests forbid unknown keys (a typo is an error naming the field, never a
silently dropped value: mass-assignment protection) and NUL characters. Responses carry only
what the caller's role may see; public bodies hold no person-level field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from detainers.domain.booking import Booking, Charge, Conviction
from detainers.domain.decision import Decision, Evaluation
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.events import DetainerEvent
from detainers.domain.hold import Hold
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    ChargeClass,
    ChargeStatus,
    Citizenship,
    DetainerForm,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)

T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def refuse_nul(cls, value: object) -> object:
        # PostgreSQL text cannot hold NUL: refuse it here, naming the field, not at the database.
        if _holds_nul(value):
            raise ValueError("contains a NUL character (\\u0000)")
        return value


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(v) for v in value)
    return False


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` for the next (absent on the last page)."""

    items: list[T]
    next_cursor: str | None = None


# -- reference data ------------------------------------------------------------------


class JurisdictionIn(Strict):
    code: str = Field(min_length=2, max_length=40, examples=["US-CT"])
    name: str = Field(min_length=1, max_length=200)
    kind: JurisdictionKind


class JurisdictionOut(BaseModel):
    code: str
    name: str
    kind: JurisdictionKind
    parent: str | None


class AgencyIn(Strict):
    code: str = Field(min_length=1, max_length=40, examples=["ERO-BOS"])
    name: str = Field(min_length=1, max_length=200)
    jurisdiction: str = Field(min_length=2, max_length=40)
    email: str | None = Field(default=None, max_length=320)


class AgencyOut(BaseModel):
    code: str
    name: str
    jurisdiction: str


class FacilityIn(Strict):
    code: str = Field(min_length=1, max_length=40, examples=["CT-DOC-HCC"])
    name: str = Field(min_length=1, max_length=200)
    type: FacilityType
    jurisdiction: str = Field(min_length=2, max_length=40)
    program_287g: Program287g = Program287g.NONE
    hold_limit_hours: int | None = Field(default=None, ge=0, le=48)


class FacilityOut(BaseModel):
    code: str
    name: str
    type: FacilityType
    jurisdiction: str
    program_287g: Program287g
    hold_limit_hours: int | None


# -- persons, bookings ---------------------------------------------------------------


class NameIn(Strict):
    given: list[str] = Field(default_factory=list, max_length=10)
    family: list[str] = Field(min_length=1, max_length=4)

    def domain(self) -> PersonName:
        return PersonName(given=tuple(self.given), family=tuple(self.family))


class NameOut(BaseModel):
    given: list[str]
    family: list[str]

    @classmethod
    def of(cls, name: PersonName) -> NameOut:
        return cls(given=list(name.given), family=list(name.family))


class ConvictionIn(Strict):
    statute: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=500)
    charge_class: ChargeClass | None = Field(default=None, alias="class")
    date: date
    jurisdiction: str = Field(min_length=2, max_length=40)
    tags: list[str] = Field(default_factory=list, max_length=20)

    def domain(self) -> Conviction:
        return Conviction(
            statute=self.statute,
            description=self.description,
            charge_class=self.charge_class,
            convicted_date=self.date,
            jurisdiction=self.jurisdiction,
            tags=frozenset(self.tags),
        )


class PersonIn(Strict):
    name: NameIn
    date_of_birth: date | None = None
    aliases: list[NameIn] = Field(default_factory=list, max_length=10)
    identifiers: dict[IdentifierKind, str] = Field(default_factory=dict)
    citizenship: Citizenship = Citizenship.UNKNOWN
    convictions: list[ConvictionIn] = Field(default_factory=list, max_length=50)


class ChargeIn(Strict):
    statute: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=500)
    charge_class: ChargeClass | None = Field(default=None, alias="class")
    status: ChargeStatus = ChargeStatus.PENDING
    tags: list[str] = Field(default_factory=list, max_length=20)
    probable_cause_finding: bool | None = None

    def domain(self) -> Charge:
        return Charge(
            statute=self.statute,
            description=self.description,
            charge_class=self.charge_class,
            status=self.status,
            tags=frozenset(self.tags),
            probable_cause_finding=self.probable_cause_finding,
        )


class ChargeOut(BaseModel):
    statute: str
    description: str
    charge_class: ChargeClass | None = Field(serialization_alias="class")
    status: ChargeStatus
    tags: list[str]

    @classmethod
    def of(cls, charge: Charge) -> ChargeOut:
        return cls(
            statute=charge.statute,
            description=charge.description,
            charge_class=charge.charge_class,
            status=charge.status,
            tags=sorted(charge.tags),
        )


class BookingIn(Strict):
    facility: str = Field(min_length=1, max_length=40)
    booking_number: str = Field(min_length=1, max_length=40)
    person: PersonIn
    booked_at: AwareDatetime
    charges: list[ChargeIn] = Field(default_factory=list, max_length=100)
    scheduled_release_at: AwareDatetime | None = None


class BookingOut(BaseModel):
    id: str
    booking_number: str
    facility: str
    person_id: str
    booked_at: datetime
    charges: list[ChargeOut]
    scheduled_release_at: datetime | None
    releasable_at: datetime | None
    releasable_reason: ReleaseReason | None
    released_at: datetime | None
    release_reason: ReleaseReason | None
    version: int

    @classmethod
    def of(cls, booking: Booking) -> BookingOut:
        return cls(
            id=booking.id,
            booking_number=booking.booking_number,
            facility=booking.facility_code,
            person_id=booking.person_id,
            booked_at=booking.booked_at,
            charges=[ChargeOut.of(c) for c in booking.charges],
            scheduled_release_at=booking.scheduled_release_at,
            releasable_at=booking.releasable_at,
            releasable_reason=booking.releasable_reason,
            released_at=booking.released_at,
            release_reason=booking.release_reason,
            version=booking.version,
        )


class ScheduleIn(Strict):
    release_at: AwareDatetime | None = Field(
        description="Expected release; null: no longer expected"
    )
    at: AwareDatetime | None = None


class CustodyEndIn(Strict):
    reason: ReleaseReason
    at: AwareDatetime | None = None


# -- detainers -----------------------------------------------------------------------


class SubjectIn(Strict):
    name: NameIn
    date_of_birth: date | None = None
    identifiers: dict[IdentifierKind, str] = Field(default_factory=dict)

    def domain(self) -> LodgedSubject:
        return LodgedSubject(
            name=self.name.domain(),
            date_of_birth=self.date_of_birth,
            identifiers=dict(self.identifiers),
        )


class SubjectOut(BaseModel):
    name: NameOut
    date_of_birth: date | None
    identifiers: dict[IdentifierKind, str]


class DetainerIn(Strict):
    agency: str = Field(min_length=1, max_length=40)
    facility: str = Field(min_length=1, max_length=40)
    subject: SubjectIn
    form: DetainerForm
    probable_cause: list[ProbableCause] = Field(default_factory=list)
    warrant: Warrant
    requests: list[RequestedAction] = Field(min_length=1)
    lodged_at: AwareDatetime | None = None


class AmendIn(Strict):
    form: DetainerForm | None = None
    probable_cause: list[ProbableCause] | None = None
    warrant: Warrant | None = None
    requests: list[RequestedAction] | None = Field(default=None, min_length=1)
    reason: str = Field(min_length=1, max_length=500)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)
    at: AwareDatetime | None = None


class AtIn(Strict):
    at: AwareDatetime | None = None


class ReviewIn(Strict):
    choice: ReviewChoice
    override_reason: str | None = Field(default=None, max_length=1000)
    at: AwareDatetime | None = None


class NoticeIn(Strict):
    release_at: AwareDatetime
    at: AwareDatetime | None = None


class MatchIn(Strict):
    booking_id: str = Field(min_length=1, max_length=36)
    at: AwareDatetime | None = None


class ArrestIn(Strict):
    arrest_date: date
    at: AwareDatetime | None = None


class ReasonOut(BaseModel):
    rule: str
    citation: str
    summary: str


class RulingOut(BaseModel):
    effect: str
    until: datetime | None
    reasons: list[ReasonOut]


class RemedyOut(BaseModel):
    action: str
    effect: str
    change: dict[str, str | bool | list[str] | None]


class LawOut(BaseModel):
    jurisdiction: str
    version: str
    citation: str


class EvaluationOut(BaseModel):
    """The legal engine's answer: each action's effect and why, remedies, and the laws used."""

    jurisdiction: str
    as_of: str
    actions: dict[str, RulingOut]
    remedies: list[RemedyOut]
    laws: list[LawOut]

    @classmethod
    def of(cls, evaluation: Evaluation) -> EvaluationOut:
        doc = evaluation.to_contract()
        return cls.model_validate(
            {key: doc[key] for key in ("jurisdiction", "as_of", "actions", "remedies", "laws")}
        )


class DecisionOut(BaseModel):
    id: str
    choice: ReviewChoice
    decided_by: str
    decided_at: datetime
    chosen_actions: list[str]
    override_reason: str | None
    noncompliant: bool
    evaluation: EvaluationOut

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            id=decision.id,
            choice=decision.choice,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
            chosen_actions=sorted(a.value for a in decision.chosen_actions),
            override_reason=decision.override_reason,
            noncompliant=decision.noncompliant,
            evaluation=EvaluationOut.of(decision.evaluation),
        )


class HoldOut(BaseModel):
    started_at: datetime
    deadline_at: datetime
    legal_until: datetime
    ended_at: datetime | None
    end_reason: str | None
    overrun_recorded_at: datetime | None

    @classmethod
    def of(cls, hold: Hold) -> HoldOut:
        return cls(
            started_at=hold.started_at,
            deadline_at=hold.deadline_at,
            legal_until=hold.legal_until,
            ended_at=hold.ended_at,
            end_reason=hold.end_reason.value if hold.end_reason else None,
            overrun_recorded_at=hold.overrun_recorded_at,
        )


class DetainerOut(BaseModel):
    id: str
    agency: str
    facility: str
    state: DetainerState
    subject: SubjectOut
    form: DetainerForm
    probable_cause: list[ProbableCause]
    warrant: Warrant
    requests: list[RequestedAction]
    lodged_at: datetime
    lodged_by: str
    booking_id: str | None
    served_at: datetime | None
    cancelled_at: datetime | None
    closed_at: datetime | None
    agency_arrest_date: date | None
    decision: DecisionOut | None
    hold: HoldOut | None
    version: int

    @classmethod
    def of(cls, d: Detainer) -> DetainerOut:
        return cls(
            id=d.id,
            agency=d.agency_code,
            facility=d.facility_code,
            state=d.state,
            subject=SubjectOut(
                name=NameOut.of(d.subject.name),
                date_of_birth=d.subject.date_of_birth,
                identifiers=dict(d.subject.identifiers),
            ),
            form=d.form,
            probable_cause=sorted(d.probable_cause),
            warrant=d.warrant,
            requests=sorted(d.requests),
            lodged_at=d.lodged_at,
            lodged_by=d.lodged_by,
            booking_id=d.booking_id,
            served_at=d.served_at,
            cancelled_at=d.cancelled_at,
            closed_at=d.closed_at,
            agency_arrest_date=d.agency_arrest_date,
            decision=DecisionOut.of(d.decision) if d.decision else None,
            hold=HoldOut.of(d.hold) if d.hold else None,
            version=d.version,
        )


class EventOut(BaseModel):
    sequence: int
    type: str
    occurred_at: datetime
    actor: str
    reason: str
    from_state: str
    to_state: str

    @classmethod
    def of(cls, e: DetainerEvent) -> EventOut:
        return cls(
            sequence=e.sequence,
            type=type(e).__name__,
            occurred_at=e.occurred_at,
            actor=e.actor,
            reason=e.reason,
            from_state=str(e.from_state),
            to_state=str(e.to_state),
        )
