"""Events: what happened to a detainer, appended on every transition and never changed.

Each event names the actor, the time, the reason and the states before and
after; subclasses add what is particular to them. Payload fields are plain
values (strings, numbers, booleans, or mappings and lists of them), so an
event stores and travels as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, kw_only=True)
class DetainerEvent:
    """The common part of every event. `from_state` is empty for the first event."""

    detainer_id: str
    sequence: int
    occurred_at: datetime
    actor: str
    reason: str
    from_state: str
    to_state: str

    def payload(self) -> dict[str, Any]:
        """The fields particular to this kind of event."""
        return {name: getattr(self, name) for name in payload_fields(type(self))}


_PAYLOAD_FIELDS: dict[type[DetainerEvent], tuple[str, ...]] = {}


def payload_fields(kind: type[DetainerEvent]) -> tuple[str, ...]:
    """The names of the fields `kind` adds to the common ones (looked up once per type)."""
    names = _PAYLOAD_FIELDS.get(kind)
    if names is None:
        base = {f.name for f in fields(DetainerEvent)}
        names = _PAYLOAD_FIELDS[kind] = tuple(f.name for f in fields(kind) if f.name not in base)
    return names


@dataclass(frozen=True, kw_only=True)
class DetainerLodged(DetainerEvent):
    agency_code: str
    facility_code: str
    form: str
    warrant: str
    requests: str


@dataclass(frozen=True, kw_only=True)
class DetainerMatched(DetainerEvent):
    booking_id: str
    identifier_kind: str


@dataclass(frozen=True, kw_only=True)
class DetainerServed(DetainerEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class DetainerReviewed(DetainerEvent):
    decision_id: str
    choice: str
    noncompliant: bool


@dataclass(frozen=True, kw_only=True)
class ReleaseNotified(DetainerEvent):
    release_at: str


@dataclass(frozen=True, kw_only=True)
class HoldStarted(DetainerEvent):
    deadline_at: str
    legal_until: str


@dataclass(frozen=True, kw_only=True)
class HoldDeadlinePassed(DetainerEvent):
    """A violation: the hold was still open after its deadline."""

    deadline_at: str
    overrun_seconds: int


@dataclass(frozen=True, kw_only=True)
class DetainerTransferred(DetainerEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SubjectReleased(DetainerEvent):
    release_reason: str


@dataclass(frozen=True, kw_only=True)
class ReleasedAtDeadline(DetainerEvent):
    deadline_at: str


@dataclass(frozen=True, kw_only=True)
class DetainerAmended(DetainerEvent):
    """The agency changed the detainer's terms; `reason` is the agency's.

    `before` and `after` name only the terms that changed (`form`, `warrant`:
    a value; `probable_cause`, `requests`: a sorted list of values).
    `cleared_decision_id` is the decision made on the old terms, now cleared
    (empty if there was none).
    """

    # Left out of the hash (a dict has none), so events stay hashable like the others.
    before: dict[str, str | list[str]] = field(hash=False)
    after: dict[str, str | list[str]] = field(hash=False)
    cleared_decision_id: str


@dataclass(frozen=True, kw_only=True)
class DetainerCancelled(DetainerEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class MarkedNotInCustody(DetainerEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class AgencyArrestRecorded(DetainerEvent):
    """An outcome after release: the agency arrested the person elsewhere."""

    arrest_date: str


EVENT_TYPES: Mapping[str, type[DetainerEvent]] = MappingProxyType(
    {
        cls.__name__: cls
        for cls in (
            DetainerLodged,
            DetainerMatched,
            DetainerServed,
            DetainerReviewed,
            ReleaseNotified,
            HoldStarted,
            HoldDeadlinePassed,
            DetainerTransferred,
            SubjectReleased,
            ReleasedAtDeadline,
            DetainerAmended,
            DetainerCancelled,
            MarkedNotInCustody,
            AgencyArrestRecorded,
        )
    }
)


def event_from_record(
    kind: str, base: Mapping[str, Any], payload: Mapping[str, Any]
) -> DetainerEvent:
    """Rebuild a stored event from its type name, common fields and payload."""
    return EVENT_TYPES[kind](**base, **payload)
