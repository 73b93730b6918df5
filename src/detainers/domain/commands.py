"""Commands: what a user or system asks the detainers service to do, one dataclass each.

Times named `at` are when the act happened; `None` means now (the injected
clock). `actor` is the named person or system that asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from detainers.domain.booking import Charge, Conviction
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
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


@dataclass(frozen=True, kw_only=True)
class RegisterJurisdiction:
    code: str
    name: str
    kind: JurisdictionKind


@dataclass(frozen=True, kw_only=True)
class RegisterAgency:
    code: str
    name: str
    jurisdiction: str
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class RegisterFacility:
    code: str
    name: str
    type: FacilityType
    jurisdiction: str
    program_287g: Program287g = Program287g.NONE
    hold_limit_hours: int | None = None


@dataclass(frozen=True, kw_only=True)
class PersonDetails:
    """A person as a booking records them; matched to a known person by strong identifiers."""

    name: PersonName
    date_of_birth: date | None = None
    aliases: tuple[PersonName, ...] = ()
    identifiers: dict[IdentifierKind, str] = field(default_factory=dict)
    citizenship: Citizenship = Citizenship.UNKNOWN
    convictions: tuple[Conviction, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RecordBooking:
    facility_code: str
    booking_number: str
    person: PersonDetails
    booked_at: datetime
    actor: str
    charges: tuple[Charge, ...] = ()
    scheduled_release_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class LodgeDetainer:
    agency_code: str
    facility_code: str
    subject: LodgedSubject
    form: DetainerForm
    probable_cause: frozenset[ProbableCause]
    warrant: Warrant
    requests: frozenset[RequestedAction]
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class MatchDetainer:
    detainer_id: str
    booking_id: str
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ServeDetainer:
    detainer_id: str
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AmendDetainer:
    """The agency changes the terms given (`None`: unchanged); `reason` says why."""

    detainer_id: str
    reason: str
    actor: str
    form: DetainerForm | None = None
    probable_cause: frozenset[ProbableCause] | None = None
    warrant: Warrant | None = None
    requests: frozenset[RequestedAction] | None = None
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CancelDetainer:
    detainer_id: str
    reason: str
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RecordReview:
    detainer_id: str
    choice: ReviewChoice
    actor: str
    override_reason: str | None = None
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class NotifyRelease:
    detainer_id: str
    release_at: datetime
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class MarkReleasable:
    booking_id: str
    reason: ReleaseReason
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ScheduleRelease:
    """The facility expects to release the person at `release_at` (None: no longer expected)."""

    booking_id: str
    release_at: datetime | None
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ReleasePerson:
    booking_id: str
    reason: ReleaseReason
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class TransferCustody:
    detainer_id: str
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ReleaseAtDeadline:
    detainer_id: str
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class MarkNotInCustody:
    detainer_id: str
    reason: str
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class RecordAgencyArrest:
    detainer_id: str
    arrest_date: date
    actor: str
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CheckHoldDeadlines:
    actor: str
    at: datetime | None = None
