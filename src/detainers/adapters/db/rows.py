"""Conversions between table rows and domain objects, one pair per noun."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from detainers.domain.booking import Booking, Charge, Conviction
from detainers.domain.decision import Decision, Evaluation
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.events import DetainerEvent, event_from_record
from detainers.domain.hold import Hold
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.lifecycle import DetainerState
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person, PersonName
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    ChargeStatus,
    Citizenship,
    DetainerForm,
    FacilityType,
    HoldEndReason,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)

Row = Mapping[Any, Any]

_EVENT_BASE = (
    "detainer_id",
    "sequence",
    "occurred_at",
    "actor",
    "reason",
    "from_state",
    "to_state",
)


def jurisdiction_row(j: Jurisdiction) -> dict[str, Any]:
    return {"code": j.code, "name": j.name, "kind": j.kind.value, "parent_code": j.parent}


def jurisdiction_from(row: Row) -> Jurisdiction:
    return Jurisdiction(code=row["code"], name=row["name"], kind=JurisdictionKind(row["kind"]))


def agency_row(a: Agency) -> dict[str, Any]:
    return {"code": a.code, "name": a.name, "jurisdiction_code": a.jurisdiction, "email": a.email}


def agency_from(row: Row) -> Agency:
    return Agency(
        code=row["code"],
        name=row["name"],
        jurisdiction=row["jurisdiction_code"],
        email=row["email"],
    )


def facility_row(f: Facility) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "type": f.type.value,
        "jurisdiction_code": f.jurisdiction,
        "program_287g": f.program_287g.value,
        "hold_limit_hours": f.hold_limit_hours,
    }


def facility_from(row: Row) -> Facility:
    return Facility(
        code=row["code"],
        name=row["name"],
        type=FacilityType(row["type"]),
        jurisdiction=row["jurisdiction_code"],
        program_287g=Program287g(row["program_287g"]),
        hold_limit_hours=row["hold_limit_hours"],
    )


def event_row(event: DetainerEvent) -> dict[str, Any]:
    """The `detainer_event` row of an event: its type name, common fields, payload as JSON."""
    return {
        "detainer_id": event.detainer_id,
        "sequence": event.sequence,
        "type": type(event).__name__,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "reason": event.reason,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "payload": event.payload(),
    }


def event_from(row: Row) -> DetainerEvent:
    return event_from_record(row["type"], {k: row[k] for k in _EVENT_BASE}, row["payload"])


def name_doc(name: PersonName) -> dict[str, list[str]]:
    return {"given": list(name.given), "family": list(name.family)}


def name_from(doc: Mapping[str, Sequence[str]]) -> PersonName:
    return PersonName(given=tuple(doc["given"]), family=tuple(doc["family"]))


def identifiers_doc(identifiers: Mapping[IdentifierKind, str]) -> dict[str, str]:
    return {kind.value: value for kind, value in sorted(identifiers.items())}


def identifiers_from(doc: Mapping[str, str]) -> dict[IdentifierKind, str]:
    return {IdentifierKind(kind): value for kind, value in doc.items()}


def person_row(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "given_names": list(person.name.given),
        "family_names": list(person.name.family),
        "aliases": [name_doc(alias) for alias in person.aliases],
        "date_of_birth": person.date_of_birth,
        "citizenship": person.citizenship.value,
    }


def person_from(row: Row, identifiers: Mapping[str, str]) -> Person:
    return Person(
        id=row["id"],
        name=PersonName(given=tuple(row["given_names"]), family=tuple(row["family_names"])),
        date_of_birth=row["date_of_birth"],
        aliases=tuple(name_from(alias) for alias in row["aliases"]),
        identifiers=identifiers_from(identifiers),
        citizenship=Citizenship(row["citizenship"]),
    )


def _class(value: str | None) -> ChargeClass | None:
    return None if value is None else ChargeClass(value)


def conviction_row(person_id: str, conviction: Conviction) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "statute": conviction.statute,
        "description": conviction.description,
        "class": conviction.charge_class.value if conviction.charge_class else None,
        "class_raw_text": conviction.class_raw_text,
        "convicted_date": conviction.convicted_date,
        "jurisdiction_code": conviction.jurisdiction,
        "tags": sorted(conviction.tags),
    }


def conviction_from(row: Row) -> Conviction:
    return Conviction(
        statute=row["statute"],
        description=row["description"],
        charge_class=_class(row["class"]),
        class_raw_text=row["class_raw_text"],
        convicted_date=row["convicted_date"],
        jurisdiction=row["jurisdiction_code"],
        tags=frozenset(row["tags"]),
    )


def charge_row(booking_id: str, position: int, charge: Charge) -> dict[str, Any]:
    return {
        "booking_id": booking_id,
        "position": position,
        "statute": charge.statute,
        "description": charge.description,
        "class": charge.charge_class.value if charge.charge_class else None,
        "class_raw_text": charge.class_raw_text,
        "status": charge.status.value,
        "tags": sorted(charge.tags),
        "probable_cause_finding": charge.probable_cause_finding,
    }


def charge_from(row: Row) -> Charge:
    return Charge(
        statute=row["statute"],
        description=row["description"],
        charge_class=_class(row["class"]),
        class_raw_text=row["class_raw_text"],
        status=ChargeStatus(row["status"]),
        tags=frozenset(row["tags"]),
        probable_cause_finding=row["probable_cause_finding"],
    )


def booking_row(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.id,
        "facility_code": booking.facility_code,
        "booking_number": booking.booking_number,
        "person_id": booking.person_id,
        "booked_at": booking.booked_at,
        "scheduled_release_at": booking.scheduled_release_at,
        "releasable_at": booking.releasable_at,
        "releasable_reason": _value(booking.releasable_reason),
        "released_at": booking.released_at,
        "release_reason": _value(booking.release_reason),
        "version": booking.version,
    }


def booking_from(row: Row, charges: Sequence[Charge]) -> Booking:
    return Booking(
        id=row["id"],
        booking_number=row["booking_number"],
        facility_code=row["facility_code"],
        person_id=row["person_id"],
        booked_at=row["booked_at"],
        charges=tuple(charges),
        scheduled_release_at=row["scheduled_release_at"],
        releasable_at=row["releasable_at"],
        releasable_reason=_reason(row["releasable_reason"]),
        released_at=row["released_at"],
        release_reason=_reason(row["release_reason"]),
        version=row["version"],
    )


def _value(member: ReleaseReason | None) -> str | None:
    return None if member is None else member.value


def _reason(value: str | None) -> ReleaseReason | None:
    return None if value is None else ReleaseReason(value)


def detainer_row(d: Detainer) -> dict[str, Any]:
    return {
        "id": d.id,
        "agency_code": d.agency_code,
        "facility_code": d.facility_code,
        "booking_id": d.booking_id,
        "subject_given_names": list(d.subject.name.given),
        "subject_family_names": list(d.subject.name.family),
        "subject_date_of_birth": d.subject.date_of_birth,
        "subject_identifiers": identifiers_doc(d.subject.identifiers),
        "form": d.form.value,
        "probable_cause": sorted(p.value for p in d.probable_cause),
        "warrant": d.warrant.value,
        "requests": sorted(r.value for r in d.requests),
        "lodged_at": d.lodged_at,
        "lodged_by": d.lodged_by,
        "state": d.state.value,
        "served_at": d.served_at,
        "cancelled_at": d.cancelled_at,
        "closed_at": d.closed_at,
        "agency_arrest_date": d.agency_arrest_date,
        "decision_id": d.decision.id if d.decision else None,
        "version": d.version,
        "last_sequence": d.last_sequence,
        "last_event_at": d.last_event_at,
    }


def detainer_from(row: Row, decision: Decision | None, hold: Hold | None) -> Detainer:
    return Detainer(
        id=row["id"],
        agency_code=row["agency_code"],
        facility_code=row["facility_code"],
        subject=LodgedSubject(
            name=PersonName(
                given=tuple(row["subject_given_names"]), family=tuple(row["subject_family_names"])
            ),
            date_of_birth=row["subject_date_of_birth"],
            identifiers=identifiers_from(row["subject_identifiers"]),
        ),
        form=DetainerForm(row["form"]),
        probable_cause=frozenset(ProbableCause(p) for p in row["probable_cause"]),
        warrant=Warrant(row["warrant"]),
        requests=frozenset(RequestedAction(r) for r in row["requests"]),
        lodged_at=row["lodged_at"],
        lodged_by=row["lodged_by"],
        state=DetainerState(row["state"]),
        booking_id=row["booking_id"],
        served_at=row["served_at"],
        cancelled_at=row["cancelled_at"],
        closed_at=row["closed_at"],
        agency_arrest_date=row["agency_arrest_date"],
        decision=decision,
        hold=hold,
        version=row["version"],
        last_sequence=row["last_sequence"],
        last_event_at=row["last_event_at"],
    )


def hold_row(detainer_id: str, h: Hold) -> dict[str, Any]:
    return {
        "detainer_id": detainer_id,
        "started_at": h.started_at,
        "deadline_at": h.deadline_at,
        "legal_until": h.legal_until,
        "ended_at": h.ended_at,
        "end_reason": h.end_reason.value if h.end_reason else None,
        "overrun_recorded_at": h.overrun_recorded_at,
    }


def hold_from(row: Row) -> Hold:
    return Hold(
        started_at=row["started_at"],
        deadline_at=row["deadline_at"],
        legal_until=row["legal_until"],
        ended_at=row["ended_at"],
        end_reason=None if row["end_reason"] is None else HoldEndReason(row["end_reason"]),
        overrun_recorded_at=row["overrun_recorded_at"],
    )


def decision_row(detainer_id: str, d: Decision) -> dict[str, Any]:
    e = d.evaluation
    contract = e.to_contract()
    return {
        "id": d.id,
        "detainer_id": detainer_id,
        "jurisdiction_code": e.jurisdiction,
        "as_of": contract["as_of"],
        "rulings": contract["actions"],
        "laws": contract["laws"],
        "remedies": contract["remedies"],
        "facts": dict(e.facts),
        "engine": e.engine,
        "choice": d.choice.value,
        "chosen_actions": sorted(a.value for a in d.chosen_actions),
        "decided_by": d.decided_by,
        "decided_at": d.decided_at,
        "override_reason": d.override_reason,
        "noncompliant": d.noncompliant,
    }


def decision_from(row: Row) -> Decision:
    evaluation = Evaluation.from_contract(
        {
            "jurisdiction": row["jurisdiction_code"],
            "as_of": row["as_of"],
            "engine": row["engine"],
            "actions": row["rulings"],
            "laws": row["laws"],
            "remedies": row["remedies"],
        },
        facts=row["facts"],
    )
    return Decision(
        id=row["id"],
        evaluation=evaluation,
        choice=ReviewChoice(row["choice"]),
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        chosen_actions=frozenset(Action(a) for a in row["chosen_actions"]),
        override_reason=row["override_reason"],
        noncompliant=row["noncompliant"],
    )
