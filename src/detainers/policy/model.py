"""A policy pack as the engine holds it: dated versions of one jurisdiction's law, and their rules.

Versions are half-open: in force from `effective_from_inclusive` up to, not
including, `effective_until_exclusive` (`None`: still in force). Every rule
has a stable id, a citation and a plain-words summary; `status` keeps the
legal research's confidence marking (CONFIRMED, PARTIAL, UNCONFIRMED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from detainers.domain._enum import DocumentedEnum
from detainers.domain.vocabulary import Action, Effect
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

    def in_force(self, day: date) -> bool:
        if day < self.effective_from_inclusive:
            return False
        return self.effective_until_exclusive is None or day < self.effective_until_exclusive

    def rules_for(self, action: Action) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.action is action)


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
