"""Decisions for the synthetic world, honestly labelled as drawn, not computed from law.

There is no legal engine yet, so each review's `Evaluation` is drawn to fit
the path the story takes: a declined detainer gets hold and notification
forbidden or merely permitted, an honoured one gets them permitted or
required, a transfer path gets transfer permitted. Every ruling carries the
one reason `synthetic.world`, which says so. The facility's choice is then
recorded through `decide`, so it is checked against those bounds like any other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from detainers.adapters.synthetic._draw import Weighted
from detainers.domain.booking import Booking, Conviction
from detainers.domain.case import Case, DetainerFacts
from detainers.domain.decision import Decision, Evaluation, Reason, Ruling, decide
from detainers.domain.detainer import Detainer
from detainers.domain.organization import Facility
from detainers.domain.person import Person
from detainers.domain.vocabulary import (
    Action,
    Citizenship,
    Effect,
    ReleaseReason,
    ReviewChoice,
    SubjectFlag,
)

ENGINE = "synthetic-world"
REASON = Reason(
    rule="synthetic.world",
    citation="",
    summary="Synthetic world: drawn by the demo generator, not computed from law",
)
# The current form's limit: 48 clock hours past the otherwise-releasable time.
HOLD_LIMIT = timedelta(hours=48)
E = Effect
_RULINGS = {effect: Ruling(effect=effect, reasons=(REASON,)) for effect in Effect}

_ALLOWING = Weighted({E.PERMITTED: 65.0, E.REQUIRED: 35.0})
_LIMITING = Weighted({E.FORBIDDEN: 65.0, E.PERMITTED: 35.0})
_EITHER = Weighted({E.PERMITTED: 55.0, E.FORBIDDEN: 45.0})
_UNSURE = Weighted({E.UNDECIDED: 70.0, E.PERMITTED: 30.0})


@dataclass(frozen=True, kw_only=True)
class Subject:
    """What the reviewer sees about the person: the booking, the person and their record."""

    facility: Facility
    booking: Booking
    person: Person
    convictions: tuple[Conviction, ...]


def review_decision(
    rng: random.Random,
    *,
    decision_id: str,
    detainer: Detainer,
    subject: Subject,
    choice: ReviewChoice,
    transfer: bool,
    releasable_at: datetime,
    release_reason: ReleaseReason,
    decided_at: datetime,
    decided_by: str,
) -> Decision:
    """A decision with `choice`, its evaluation drawn to allow the rest of the story."""
    hold_until = releasable_at + HOLD_LIMIT
    effects = _effects(rng, choice, transfer=transfer)
    rulings = {
        action: (
            Ruling(effect=effect, reasons=(REASON,), until=hold_until)
            if action is Action.HOLD and effect.allows
            else _RULINGS[effect]
        )
        for action, effect in effects.items()
    }
    case = _case(detainer, subject, decided_at, releasable_at, release_reason)
    evaluation = Evaluation(
        jurisdiction=subject.facility.jurisdiction,
        as_of=decided_at.date(),
        rulings=rulings,
        facts=case.to_contract(),
        engine=ENGINE,
    )
    return decide(
        decision_id=decision_id,
        evaluation=evaluation,
        requests=detainer.requests,
        choice=choice,
        decided_by=decided_by,
        decided_at=decided_at,
    )


def _effects(rng: random.Random, choice: ReviewChoice, *, transfer: bool) -> dict[Action, Effect]:
    if choice is ReviewChoice.HONOR:
        hold, notify = _ALLOWING.draw(rng), _ALLOWING.draw(rng)
    elif choice is ReviewChoice.NOTIFY_ONLY:
        hold, notify = _LIMITING.draw(rng), _ALLOWING.draw(rng)
    elif choice is ReviewChoice.DECLINE:
        hold, notify = _LIMITING.draw(rng), _LIMITING.draw(rng)
    else:
        hold, notify = E.UNDECIDED, _UNSURE.draw(rng)
    if transfer:
        moved = E.PERMITTED
    elif choice is ReviewChoice.DECLINE:
        moved = _LIMITING.draw(rng)
    else:
        moved = _EITHER.draw(rng)
    return {
        Action.HOLD: hold,
        Action.NOTIFY: notify,
        Action.SHARE_INFO: _EITHER.draw(rng),
        Action.INTERVIEW: _EITHER.draw(rng),
        Action.TRANSFER: moved,
    }


def _case(
    detainer: Detainer,
    subject: Subject,
    decided_at: datetime,
    releasable_at: datetime,
    release_reason: ReleaseReason,
) -> Case:
    flags = (
        frozenset({SubjectFlag.RECORDED_US_CITIZEN})
        if subject.person.citizenship is Citizenship.US_CITIZEN
        else frozenset()
    )
    return Case(
        jurisdiction=subject.facility.jurisdiction,
        as_of=decided_at.date(),
        facility_type=subject.facility.type,
        program_287g=subject.facility.program_287g,
        detainer=DetainerFacts(
            form=detainer.form,
            probable_cause=detainer.probable_cause,
            warrant=detainer.warrant,
            requests=detainer.requests,
            lodged_date=detainer.lodged_at.date(),
            served_on_subject=detainer.served_at is not None,
            cancelled=False,
        ),
        charges=subject.booking.charges,
        convictions=subject.convictions,
        flags=flags,
        releasable_at=releasable_at,
        release_reason=release_reason,
    )
