"""Decisions: the law's ruling on each action, and the choice a named person made inside it.

An `Evaluation` is what the legal engine returns: per action an effect with
reasons and citations, the law versions used, the facts read, and remedies.
A `Decision` adds the facility's recorded choice, checked against those bounds
by `decide`: a choice that needs a forbidden act is refused; declining a
required act, or acting where the law is undecided, needs a written reason,
and declining a required act is flagged as non-compliance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from detainers.domain._time import utc, utc_or_none
from detainers.domain.errors import ChoiceOutsideBounds, OverrideNeedsReason
from detainers.domain.vocabulary import Action, Effect, RequestedAction, ReviewChoice


@dataclass(frozen=True, kw_only=True)
class Reason:
    """One rule's contribution to a ruling: its stable id, citation and plain-words summary."""

    rule: str
    citation: str
    summary: str


@dataclass(frozen=True, kw_only=True)
class Ruling:
    """The effect of one action, why, and for a hold the latest time it may last."""

    effect: Effect
    reasons: tuple[Reason, ...] = ()
    until: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "until", utc_or_none(self.until, field="ruling.until"))


@dataclass(frozen=True, kw_only=True)
class LawVersion:
    """A dated version of one jurisdiction's law that an evaluation applied."""

    jurisdiction: str
    version: str
    citation: str


@dataclass(frozen=True, kw_only=True)
class Remedy:
    """The smallest change of facts that would change an action's effect."""

    action: Action
    effect: Effect
    change: Mapping[str, str]


_NOT_EVALUATED = Ruling(
    effect=Effect.UNDECIDED,
    reasons=(
        Reason(rule="engine.not-evaluated", citation="", summary="The engine gave no ruling"),
    ),
)


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """The legal engine's answer for one case (see the case contract in DESIGN.md)."""

    jurisdiction: str
    as_of: date | datetime
    rulings: Mapping[Action, Ruling]
    laws: tuple[LawVersion, ...] = ()
    remedies: tuple[Remedy, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    engine: str = ""

    def ruling(self, action: Action) -> Ruling:
        """The ruling on `action`; an action the engine did not rule on is undecided."""
        return self.rulings.get(action, _NOT_EVALUATED)

    def to_contract(self) -> dict[str, Any]:
        """The decision object of the case contract (DESIGN.md), without the facts."""
        return {
            "jurisdiction": self.jurisdiction,
            "as_of": self.as_of.isoformat(),
            "engine": self.engine,
            "actions": {
                action.value: {
                    "effect": ruling.effect.value,
                    "until": ruling.until.isoformat() if ruling.until else None,
                    "reasons": [
                        {"rule": r.rule, "citation": r.citation, "summary": r.summary}
                        for r in ruling.reasons
                    ],
                }
                for action, ruling in sorted(self.rulings.items())
            },
            "remedies": [
                {"action": r.action.value, "effect": r.effect.value, "change": dict(r.change)}
                for r in self.remedies
            ],
            "laws": [
                {"jurisdiction": law.jurisdiction, "version": law.version, "citation": law.citation}
                for law in self.laws
            ],
        }

    @classmethod
    def from_contract(cls, doc: Mapping[str, Any], *, facts: Mapping[str, Any]) -> Evaluation:
        """The evaluation that `to_contract` wrote, with the facts it was made from."""
        as_of_text: str = doc["as_of"]
        return cls(
            jurisdiction=doc["jurisdiction"],
            as_of=date.fromisoformat(as_of_text)
            if len(as_of_text) == 10
            else datetime.fromisoformat(as_of_text),
            rulings={
                Action(action): Ruling(
                    effect=Effect(ruling["effect"]),
                    until=None
                    if ruling["until"] is None
                    else datetime.fromisoformat(ruling["until"]),
                    reasons=tuple(Reason(**r) for r in ruling["reasons"]),
                )
                for action, ruling in doc["actions"].items()
            },
            laws=tuple(LawVersion(**law) for law in doc["laws"]),
            remedies=tuple(
                Remedy(action=Action(r["action"]), effect=Effect(r["effect"]), change=r["change"])
                for r in doc["remedies"]
            ),
            facts=facts,
            engine=doc["engine"],
        )


# The acts each review choice commits the facility to, among those requested.
_CHOICE_ACTS: Mapping[ReviewChoice, frozenset[Action]] = MappingProxyType(
    {
        ReviewChoice.HONOR: frozenset({Action.HOLD, Action.NOTIFY}),
        ReviewChoice.NOTIFY_ONLY: frozenset({Action.NOTIFY}),
        ReviewChoice.DECLINE: frozenset(),
        ReviewChoice.ESCALATE: frozenset(),
    }
)
_REQUESTABLE = {RequestedAction.HOLD: Action.HOLD, RequestedAction.NOTIFY: Action.NOTIFY}


@dataclass(frozen=True, kw_only=True)
class Decision:
    """A reviewed detainer: the evaluation, and the choice recorded by `decided_by`."""

    id: str
    evaluation: Evaluation
    choice: ReviewChoice
    decided_by: str
    decided_at: datetime
    chosen_actions: frozenset[Action]
    override_reason: str | None = None
    noncompliant: bool = False

    def permits(self, action: Action) -> bool:
        """Whether the facility may do `action` under this decision.

        Hold and notify are permitted when the choice took them up; a transfer
        when the law allows it and the facility did not decline or escalate.
        """
        if action is Action.TRANSFER:
            return self.choice in (ReviewChoice.HONOR, ReviewChoice.NOTIFY_ONLY) and (
                self.evaluation.ruling(Action.TRANSFER).effect.allows
            )
        return action in self.chosen_actions


def decide(
    *,
    decision_id: str,
    evaluation: Evaluation,
    requests: frozenset[RequestedAction],
    choice: ReviewChoice,
    decided_by: str,
    decided_at: datetime,
    override_reason: str | None = None,
) -> Decision:
    """Record `choice` if it lies inside the bounds of `evaluation`, else raise.

    Only requested acts are taken up. Taking up a forbidden act is refused;
    taking up an undecided act, or declining a required one, needs
    `override_reason`; declining a required act marks the decision non-compliant.
    """
    reason = (override_reason or "").strip() or None
    requested = {_REQUESTABLE[r] for r in requests if r in _REQUESTABLE}
    chosen = _CHOICE_ACTS[choice] & requested
    noncompliant = False
    for action in sorted(requested):
        effect = evaluation.ruling(action).effect
        if action in chosen:
            if effect is Effect.FORBIDDEN:
                raise ChoiceOutsideBounds(choice=choice, action=action, effect=effect)
            if (
                effect is Effect.UNDECIDED
                and reason is None
                and choice is not ReviewChoice.ESCALATE
            ):
                raise ChoiceOutsideBounds(choice=choice, action=action, effect=effect)
        elif effect is Effect.REQUIRED and choice is not ReviewChoice.ESCALATE:
            if reason is None:
                raise OverrideNeedsReason(choice=choice, action=action)
            noncompliant = True
    return Decision(
        id=decision_id,
        evaluation=evaluation,
        choice=choice,
        decided_by=decided_by,
        decided_at=utc(decided_at, field="decided_at"),
        chosen_actions=frozenset(chosen),
        override_reason=reason,
        noncompliant=noncompliant,
    )
