"""A policy pack as the engine holds it: dated versions of one jurisdiction's law, and their rules.

Versions are half-open: in force from `effective_from_inclusive` up to, not
including, `effective_until_exclusive` (`None`: still in force). Every rule
has a stable id, a citation and a plain-words summary; `status` keeps the
legal research's confidence marking (CONFIRMED, PARTIAL, UNCONFIRMED). A
version may also list the notices its law requires giving the person the
detainer names (`notices`), each due on one trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from detainers.domain._enum import DocumentedEnum
from detainers.domain.person_notice import NoticeTrigger
from detainers.domain.vocabulary import Action, Effect, FacilityType
from detainers.policy.conditions import Condition


class Status(DocumentedEnum):
    CONFIRMED = "CONFIRMED", "Seen in a primary text, or in two agreeing independent sources"
    PARTIAL = "PARTIAL", "The core point was seen; some detail was not"
    UNCONFIRMED = "UNCONFIRMED", "From one weak source or background knowledge: a hypothesis"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One rule: when `when` holds, `action` has `effect` at this level."""

    id: str
    action: Action
    effect: Effect
    when: Condition
    citation: str
    summary: str
    status: Status


@dataclass(frozen=True, kw_only=True)
class HoldWindow:
    """How long a hold may last from the otherwise-releasable time, when `when` holds."""

    id: str
    hours: int
    exclude_weekends: bool
    exclude_holidays: bool
    when: Condition
    citation: str
    summary: str


@dataclass(frozen=True, kw_only=True)
class Notice:
    """A notice to the person that this level's law requires when `when` happens.

    `facility_types` narrows it to facilities of those types (empty: every
    facility); `languages` are the languages the law names for it (empty: none
    named); `template` names the wording (the renderer's template).
    """

    id: str
    when: NoticeTrigger
    citation: str
    summary: str
    status: Status
    template: str
    languages: tuple[str, ...] = ()
    facility_types: frozenset[FacilityType] = frozenset()

    def applies_to(self, facility_type: FacilityType | None) -> bool:
        """Whether a facility of `facility_type` owes it (an unknown type owes every notice)."""
        return (
            not self.facility_types or facility_type is None or facility_type in self.facility_types
        )


@dataclass(frozen=True, kw_only=True)
class LawVersion:
    version: str
    effective_from_inclusive: date
    effective_until_exclusive: date | None
    title: str
    citation: str
    url: str | None
    status: Status
    rules: tuple[Rule, ...]
    hold_windows: tuple[HoldWindow, ...]
    notes: str
    notices: tuple[Notice, ...] = ()

    def in_force(self, day: date) -> bool:
        if day < self.effective_from_inclusive:
            return False
        return self.effective_until_exclusive is None or day < self.effective_until_exclusive

    def rules_for(self, action: Action) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.action is action)

    def notices_for(
        self, when: NoticeTrigger, facility_type: FacilityType | None = None
    ) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if n.when is when and n.applies_to(facility_type))


@dataclass(frozen=True, kw_only=True)
class Pack:
    """A jurisdiction's law: its versions in date order, and how it composes with lower levels."""

    jurisdiction: str
    name: str
    timezone: str
    preempts_lower: bool
    versions: tuple[LawVersion, ...]
    source: str
    notes: str

    def version_at(self, day: date) -> LawVersion | None:
        """The version in force on `day`, or `None` when this level had no such law then."""
        return next((v for v in self.versions if v.in_force(day)), None)

    def boundaries(self) -> tuple[date, ...]:
        """Every date on which this pack's law changes."""
        days = {v.effective_from_inclusive for v in self.versions}
        days |= {v.effective_until_exclusive for v in self.versions if v.effective_until_exclusive}
        return tuple(sorted(days))
