"""Remedies: the single changes of fact that a person could bring about, tried one at a time.

Each candidate is one change a party can make: the agency can obtain a
judicial warrant or tick a probable-cause box it can support, a pending
charge can end in a conviction, the subject can consent to an interview. The
engine re-evaluates each changed case and reports those that would make a
forbidden (or undecided) action lawful. Changes nobody should be invited to
make (a database listing, a citizenship record) are not candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from detainers.domain.case import Case
from detainers.domain.vocabulary import (
    ChargeStatus,
    ProbableCause,
    RequestedAction,
    SubjectFlag,
    Warrant,
)

_CONSENTS = (SubjectFlag.INTERVIEW_CONSENT_SIGNED,)


def candidate_changes(case: Case) -> Iterator[tuple[dict[str, str], Case]]:
    """(the change in contract paths, the changed case) for every candidate change."""
    detainer = case.detainer
    if detainer.warrant is not Warrant.JUDICIAL:
        yield (
            {"detainer.warrant": Warrant.JUDICIAL.value},
            replace(case, detainer=replace(detainer, warrant=Warrant.JUDICIAL)),
        )
    for box in ProbableCause:
        if box not in detainer.probable_cause:
            yield (
                {"detainer.probable_cause": f"+{box.value}"},
                replace(
                    case, detainer=replace(detainer, probable_cause=detainer.probable_cause | {box})
                ),
            )
    for action in (RequestedAction.NOTIFY, RequestedAction.HOLD):
        if action not in detainer.requests:
            yield (
                {"detainer.requests": f"+{action.value}"},
                replace(case, detainer=replace(detainer, requests=detainer.requests | {action})),
            )
    decided_on = case.day()
    for i, charge in enumerate(case.charges):
        if charge.status is ChargeStatus.PENDING:
            conviction = charge.as_conviction(
                convicted_date=decided_on, jurisdiction=case.jurisdiction
            )
            yield (
                {f"subject.charges[{i}]": "convicted"},
                replace(
                    case,
                    charges=case.charges[:i] + case.charges[i + 1 :],
                    convictions=(*case.convictions, conviction),
                ),
            )
    for flag in _CONSENTS:
        if flag not in case.flags:
            yield ({"subject.flags": f"+{flag.value}"}, replace(case, flags=case.flags | {flag}))
