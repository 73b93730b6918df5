"""Notices to the person: what the law requires telling the person a detainer names, and the record
of each notice rendered for them and served on them.

A `RequiredNotice` comes from a policy pack: a stable id, the moment it falls
due (`NoticeTrigger`), a citation, a plain-words summary, the research's
confidence marking, and the template that words it. A `PersonNotice` is one
such notice rendered (as a printable document) for one detainer, and when and
by whom staff gave it to the person. A `NoticeDocument` is everything the
printed notice says; it is for the person, so it carries their name as booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detainers.domain._enum import DocumentedEnum
from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import RequestedAction


class NoticeTrigger(DocumentedEnum):
    """When a notice to the person falls due."""

    DETAINER_RECEIVED = (
        "detainer_received",
        "a detainer was matched to the person's booking at the facility",
    )
    DECISION_RECORDED = (
        "decision_recorded",
        "the facility recorded whether it will comply with the detainer",
    )
    RELEASE_NOTICE_SENT = (
        "release_notice_sent",
        "the agency was told the person's release date (or a corrected one)",
    )
    HOLD_STARTED = "hold_started", "the person began to be held on the detainer"


@dataclass(frozen=True, kw_only=True)
class RequiredNotice:
    """A notice the law in force requires giving the person, as a policy pack words it.

    `status` is the legal research's marking (CONFIRMED, PARTIAL, UNCONFIRMED);
    `languages` are the languages the law names for the notice (none: it names
    none); `timezone` is where the notice's dates are read (the most local
    level with a pack).
    """

    id: str
    trigger: NoticeTrigger
    jurisdiction: str
    law_version: str
    citation: str
    summary: str
    status: str
    template: str
    timezone: str
    languages: tuple[str, ...] = ()


class Answer(DocumentedEnum):
    """Whether the facility will do what the detainer asks, as the notice tells the person."""

    WILL = "will", "the facility will do this"
    WILL_NOT = "will_not", "the facility will not do this"
    NOT_DECIDED = "not_decided", "the facility has not decided this yet"


@dataclass(frozen=True, kw_only=True)
class NoticeDocument:
    """Everything one printed notice says (the renderer decides only how it looks)."""

    notice: RequiredNotice
    person_name: str
    facility_code: str
    facility_name: str
    agency_code: str
    agency_name: str
    issued_at: datetime
    detainer_id: str
    form: str
    warrant: str
    lodged_at: datetime
    answers: tuple[tuple[RequestedAction, Answer], ...]
    decided: bool
    release_at: datetime | None = None
    hold_deadline_at: datetime | None = None


@dataclass(kw_only=True)
class PersonNotice:
    """One notice rendered for the person a detainer names, and its service on them.

    `key` makes planning idempotent (one notice per detainer event and notice
    id); `printable` says whether a PDF was stored with it.
    """

    id: str
    key: str
    detainer_id: str
    notice_id: str
    trigger: NoticeTrigger
    citation: str
    summary: str
    status: str
    created_at: datetime
    printable: bool = True
    served_at: datetime | None = None
    served_by: str | None = None

    @property
    def served(self) -> bool:
        return self.served_at is not None

    def serve(self, *, at: datetime, by: str) -> bool:
        """Record that `by` gave the person this notice at `at`; False if it was served already."""
        if self.served_at is not None:
            return False
        if at < self.created_at:
            raise InvalidValue(
                field="at",
                value=at.isoformat(),
                problem=f"is before the notice was made [{self.created_at.isoformat()}]",
            )
        self.served_at, self.served_by = at, by
        return True
