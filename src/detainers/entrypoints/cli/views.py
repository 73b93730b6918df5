"""Plain-data views of domain objects for `--json` output (stable keys, ISO times)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from detainers.domain.booking import Booking
from detainers.domain.decision import Decision
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.hold import Hold
from detainers.domain.person import Person, PersonName
from detainers.services.queries import DetainerTimeline, Overview


def iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def name_view(name: PersonName) -> dict[str, Any]:
    return {"given": list(name.given), "family": list(name.family), "display": name.display}


def detainer_summary(d: Detainer) -> dict[str, Any]:
    return {
        "id": d.id,
        "state": d.state.value,
        "agency": d.agency_code,
        "facility": d.facility_code,
        "booking_id": d.booking_id,
        "subject": d.subject.name.display,
        "form": d.form.value,
        "warrant": d.warrant.value,
        "requests": sorted(r.value for r in d.requests),
        "lodged_at": iso(d.lodged_at),
        "closed_at": iso(d.closed_at),
    }


def decision_view(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "choice": decision.choice.value,
        "decided_by": decision.decided_by,
        "decided_at": iso(decision.decided_at),
        "override_reason": decision.override_reason,
        "noncompliant": decision.noncompliant,
        **decision.evaluation.to_contract(),
    }


def hold_view(hold: Hold) -> dict[str, Any]:
    return {
        "started_at": iso(hold.started_at),
        "deadline_at": iso(hold.deadline_at),
        "legal_until": iso(hold.legal_until),
        "ended_at": iso(hold.ended_at),
        "end_reason": hold.end_reason.value if hold.end_reason else None,
        "overrun_recorded_at": iso(hold.overrun_recorded_at),
    }


def booking_view(booking: Booking, person: Person | None) -> dict[str, Any]:
    return {
        "id": booking.id,
        "facility": booking.facility_code,
        "booking_number": booking.booking_number,
        "booked_at": iso(booking.booked_at),
        "releasable_at": iso(booking.releasable_at),
        "released_at": iso(booking.released_at),
        "release_reason": booking.release_reason.value if booking.release_reason else None,
        "charges": [
            {
                "statute": c.statute,
                "description": c.description,
                "class": c.charge_class.value if c.charge_class else None,
                "class_raw_text": c.class_raw_text,
                "status": c.status.value,
            }
            for c in booking.charges
        ],
        "person": None
        if person is None
        else {
            "id": person.id,
            "name": name_view(person.name),
            "aliases": [name_view(a) for a in person.aliases],
            "date_of_birth": iso(person.date_of_birth),
            "citizenship": person.citizenship.value,
        },
    }


def event_view(event: DetainerEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "type": type(event).__name__,
        "occurred_at": iso(event.occurred_at),
        "actor": event.actor,
        "from_state": event.from_state or None,
        "to_state": event.to_state,
        "reason": event.reason,
        **event.payload(),
    }


def timeline_view(t: DetainerTimeline) -> dict[str, Any]:
    d = t.detainer
    return {
        **detainer_summary(d),
        "state_description": d.state.description,
        "probable_cause": sorted(p.value for p in d.probable_cause),
        "subject_as_lodged": {
            "name": name_view(d.subject.name),
            "date_of_birth": iso(d.subject.date_of_birth),
            "identifiers": {k.value: v for k, v in sorted(d.subject.identifiers.items())},
        },
        "served_at": iso(d.served_at),
        "cancelled_at": iso(d.cancelled_at),
        "agency_arrest_date": iso(d.agency_arrest_date),
        "booking": None if t.booking is None else booking_view(t.booking, t.person),
        "decision": None if d.decision is None else decision_view(d.decision),
        "hold": None if d.hold is None else hold_view(d.hold),
        "events": [event_view(e) for e in t.events],
    }


def overview_view(o: Overview) -> dict[str, Any]:
    return {
        "jurisdictions": o.jurisdictions,
        "agencies": o.agencies,
        "facilities": o.facilities,
        "detainers": o.detainers,
        "by_state": {state.value: count for state, count in sorted(o.by_state.items())},
    }
