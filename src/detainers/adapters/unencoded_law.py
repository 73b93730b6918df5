"""The legal engine to use while no jurisdiction's law is encoded: it rules every action undecided.

This is the engine's honest answer when it has no policy pack: "the law as
encoded cannot answer". A staff member may still record a choice, but acting
on an undecided ruling needs a written reason (see `domain.decision.decide`).
The rules engine with policy packs replaces it in `bootstrap`.
"""

from __future__ import annotations

from detainers.domain.case import Case
from detainers.domain.decision import Evaluation, Reason, Ruling
from detainers.domain.vocabulary import Action, Effect

ENGINE_NAME = "no-policy-packs"

_REASON = Reason(
    rule="engine.no-policy-pack",
    citation="",
    summary="No law is encoded for this jurisdiction yet; a person must decide and say why",
)


class UnencodedLaw:
    """A `LegalEngine` with no law: every action is undecided, with the reason."""

    def evaluate(self, case: Case) -> Evaluation:
        ruling = Ruling(effect=Effect.UNDECIDED, reasons=(_REASON,))
        return Evaluation(
            jurisdiction=case.jurisdiction,
            as_of=case.as_of,
            rulings=dict.fromkeys(Action, ruling),
            facts=case.to_contract(),
            engine=ENGINE_NAME,
        )
