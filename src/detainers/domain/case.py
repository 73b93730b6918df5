"""The facts of one detainer at one moment, as the legal engine reads them.

This is the domain form of the case contract in DESIGN.md; `to_contract`
gives its JSON shape, which is also the facts snapshot stored on a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from detainers.domain.booking import Charge, Conviction
from detainers.domain.vocabulary import (
    DetainerForm,
    FacilityType,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    SubjectFlag,
    Warrant,
)


@dataclass(frozen=True, kw_only=True)
class DetainerFacts:
    """What the detainer says, and what has happened to it, as of the moment decided."""

    form: DetainerForm
    probable_cause: frozenset[ProbableCause]
    warrant: Warrant
    requests: frozenset[RequestedAction]
    lodged_date: date | None = None
    served_on_subject: bool | None = None
    dhs_transferred: bool | None = None
    cancelled: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Case:
    """One question for the legal engine: this detainer, at this facility, on this date."""

    jurisdiction: str
    as_of: date | datetime
    facility_type: FacilityType
    program_287g: Program287g
    detainer: DetainerFacts
    charges: tuple[Charge, ...] = ()
    convictions: tuple[Conviction, ...] = ()
    flags: frozenset[SubjectFlag] = frozenset()
    releasable_at: datetime | None = None
    release_reason: ReleaseReason | None = None

    def day(self, zone: tzinfo | None = None) -> date:
        """The date of `as_of`: in `zone` when it is a zoned moment, else as written."""
        if not isinstance(self.as_of, datetime):
            return self.as_of
        if zone is not None and self.as_of.tzinfo is not None:
            return self.as_of.astimezone(zone).date()
        return self.as_of.date()

    def to_contract(self) -> dict[str, Any]:
        """The case in the JSON shape of the case contract (keys that are unknown are left out)."""
        detainer: dict[str, Any] = {
            "form": self.detainer.form.value,
            "probable_cause": sorted(p.value for p in self.detainer.probable_cause),
            "warrant": self.detainer.warrant.value,
            "requests": sorted(r.value for r in self.detainer.requests),
        }
        optional = {
            "lodged_date": self.detainer.lodged_date.isoformat()
            if self.detainer.lodged_date
            else None,
            "served_on_subject": self.detainer.served_on_subject,
            "dhs_transferred": self.detainer.dhs_transferred,
            "cancelled": self.detainer.cancelled,
        }
        detainer.update({key: value for key, value in optional.items() if value is not None})
        case: dict[str, Any] = {
            "jurisdiction": self.jurisdiction,
            "as_of": self.as_of.isoformat(),
            "facility": {"type": self.facility_type.value, "program_287g": self.program_287g.value},
            "detainer": detainer,
            "subject": {
                "charges": [_charge(c) for c in self.charges],
                "convictions": [_conviction(c) for c in self.convictions],
                "flags": sorted(f.value for f in self.flags),
            },
        }
        if self.releasable_at is not None:
            case["releasable_at"] = self.releasable_at.isoformat()
        if self.release_reason is not None:
            case["release_reason"] = self.release_reason.value
        return case


def _charge(charge: Charge) -> dict[str, Any]:
    out: dict[str, Any] = {
        "statute": charge.statute,
        "class": charge.charge_class.value if charge.charge_class else None,
        "status": charge.status.value,
        "description": charge.description,
        "tags": sorted(charge.tags),
    }
    if charge.probable_cause_finding is not None:
        out["probable_cause_finding"] = charge.probable_cause_finding
    return out


def _conviction(conviction: Conviction) -> dict[str, Any]:
    return {
        "statute": conviction.statute,
        "class": conviction.charge_class.value if conviction.charge_class else None,
        "date": conviction.convicted_date.isoformat(),
        "jurisdiction": conviction.jurisdiction,
        "tags": sorted(conviction.tags),
    }
