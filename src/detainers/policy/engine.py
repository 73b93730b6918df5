"""The rules engine: for one case, each action's effect with reasons, the hold's latest end, remedies.

Levels compose from `US` down to the facility's most local jurisdiction.
Within a level, the rules for an action are tried in order and the first that
holds decides; a rule whose test is unknown for lack of a fact leaves the
level undecided unless every rule that might apply agrees. Across levels:
`forbidden` beats `permitted`; where one level requires and another forbids,
the higher level wins if it preempts lower ones, and anything else is a
conflict left `undecided` with both citations. A state with no pack is
undecided (its law is not encoded); a county or city with no pack is silent.
Notices to the person compose by addition: each level in force adds its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from detainers.domain.case import Case
from detainers.domain.decision import Evaluation, LawVersion, Reason, Remedy, Ruling
from detainers.domain.jurisdiction import chain
from detainers.domain.person_notice import NoticeTrigger, RequiredNotice
from detainers.domain.vocabulary import Action, Effect, FacilityType, JurisdictionKind
from detainers.policy.model import Pack, Rule
from detainers.policy.registry import Registry
from detainers.policy.remedies import candidate_changes
from detainers.policy.window import hold_until

ENGINE_NAME = "rules-engine"


@dataclass(frozen=True)
class Step:
    """One line of the trace: a rule tested at a level, and what came of it."""

    level: str
    version: str
    action: str
    rule: str
    test: str
    outcome: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class LevelRuling:
    level: str
    effect: Effect | None  # None: the level is silent on this action
    reasons: tuple[Reason, ...]


@dataclass
class Trace:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Explained:
    evaluation: Evaluation
    trace: Trace


def level_kind(code: str) -> JurisdictionKind:
    depth = code.count("-")
    return (JurisdictionKind.FEDERAL, JurisdictionKind.STATE, JurisdictionKind.COUNTY)[
        min(depth, 2)
    ]


class RulesEngine:
    """A `LegalEngine` over the packs of a `Registry`."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._federal = registry.require("US")

    def zone(self, jurisdiction: str) -> ZoneInfo:
        """The time zone of the most local level with a pack (where releasable times are read)."""
        for code in reversed(chain(jurisdiction)):
            pack = self.registry.get(code)
            if pack is not None:
                return ZoneInfo(pack.timezone)
        return ZoneInfo(self._federal.timezone)

    def evaluate(self, case: Case) -> Evaluation:
        return self.explain(case).evaluation

    def explain(self, case: Case, *, with_remedies: bool = True, recheck: bool = True) -> Explained:
        """The evaluation of `case` and the trace of every rule tested.

        `recheck=False` keeps the law of `as_of` for the whole hold, even where a later
        law would cut it short: for replaying history under one chosen law date.
        """
        trace = Trace()
        zone = self.zone(case.jurisdiction)
        day = case.day(zone)
        per_action: dict[Action, list[LevelRuling]] = {action: [] for action in Action}
        laws: list[LawVersion] = []
        for code in chain(case.jurisdiction):
            pack = self.registry.get(code)
            if pack is None:
                self._missing_level(code, per_action, trace)
                continue
            version = pack.version_at(day)
            if version is None:
                trace.notes.append(f"{code}: no law of this pack was in force on {day.isoformat()}")
                continue
            laws.append(
                LawVersion(jurisdiction=code, version=version.version, citation=version.citation)
            )
            for action in Action:
                per_action[action].append(
                    self._level(
                        pack, version.version, version.rules_for(action), case, action, trace
                    )
                )
        rulings = {action: _compose(per_action[action], self.registry) for action in Action}
        rulings[Action.HOLD] = self._with_window(
            case, day, zone, rulings[Action.HOLD], trace, recheck=recheck
        )
        evaluation = Evaluation(
            jurisdiction=case.jurisdiction,
            as_of=case.as_of,
            rulings=rulings,
            laws=tuple(laws),
            remedies=self._remedies(case, rulings) if with_remedies else (),
            facts=case.to_contract(),
            engine=ENGINE_NAME,
        )
        return Explained(evaluation=evaluation, trace=trace)

    # -- notices to the person -------------------------------------------------------

    def notices(
        self,
        jurisdiction: str,
        day: date,
        when: NoticeTrigger,
        facility_type: FacilityType | None = None,
    ) -> tuple[RequiredNotice, ...]:
        """The notices to the person that the law in force on `day` requires when `when` happens,
        from `US` down (each level adds its own; a level with no pack or no law then adds none).

        `facility_type` leaves out notices that name other types of facility (None: keep all).
        """
        zone = self.zone(jurisdiction).key
        found: list[RequiredNotice] = []
        for code in chain(jurisdiction):
            pack = self.registry.get(code)
            version = pack.version_at(day) if pack else None
            if version is None:
                continue
            found.extend(
                RequiredNotice(
                    id=notice.id,
                    trigger=notice.when,
                    jurisdiction=code,
                    law_version=version.version,
                    citation=notice.citation,
                    summary=notice.summary,
                    status=notice.status.value,
                    template=notice.template,
                    timezone=zone,
                    languages=notice.languages,
                )
                for notice in version.notices_for(when, facility_type)
            )
        return tuple(found)

    def required_notices(
        self,
        jurisdiction: str,
        at: datetime,
        trigger: NoticeTrigger,
        facility_type: FacilityType | None = None,
    ) -> Sequence[RequiredNotice]:
        """`notices` on the local date of `at` (the `LegalEngine` port's form)."""
        return self.notices(
            jurisdiction, at.astimezone(self.zone(jurisdiction)).date(), trigger, facility_type
        )

    # -- one level ----------------------------------------------------------------

    def _missing_level(
        self, code: str, per_action: dict[Action, list[LevelRuling]], trace: Trace
    ) -> None:
        if level_kind(code) is not JurisdictionKind.STATE:
            trace.notes.append(f"{code}: no pack; local law is taken to add nothing")
            return
        reason = Reason(
            rule="engine.no-pack",
            citation="",
            summary=f"The law of {code} is not encoded; a person must decide",
        )
        trace.notes.append(f"{code}: no pack; every action is undecided")
        for action in Action:
            per_action[action].append(LevelRuling(code, Effect.UNDECIDED, (reason,)))

    def _level(
        self,
        pack: Pack,
        version: str,
        rules: tuple[Rule, ...],
        case: Case,
        action: Action,
        trace: Trace,
    ) -> LevelRuling:
        """The first rule that holds decides, unless a rule before it might hold (a fact is lacking)
        and would decide otherwise: then the level is undecided, naming the facts lacked."""
        possible: list[Rule] = []
        missing: set[str] = set()
        decisive: Rule | None = None
        for rule in rules:
            truth = rule.when.test(case)
            outcome = {True: "applies", False: "does not apply", None: "unknown"}[truth.value]
            trace.steps.append(
                Step(
                    pack.jurisdiction,
                    version,
                    action.value,
                    rule.id,
                    rule.when.describe(),
                    outcome,
                    tuple(sorted(truth.missing)),
                )
            )
            if truth.value is False:
                continue
            possible.append(rule)
            missing |= truth.missing
            if truth.value is True:
                decisive = rule
                break
        if not possible:
            return LevelRuling(pack.jurisdiction, None, ())
        if decisive is not None and all(rule.effect is decisive.effect for rule in possible):
            return LevelRuling(pack.jurisdiction, decisive.effect, (_reason(decisive),))
        lacking = ", ".join(sorted(missing))
        reasons = (
            *(_reason(rule) for rule in possible),
            Reason(
                rule="engine.missing-fact",
                citation="",
                summary=f"Could not decide without: {lacking}",
            ),
        )
        return LevelRuling(pack.jurisdiction, Effect.UNDECIDED, reasons)

    # -- the hold window ------------------------------------------------------------

    def _with_window(
        self, case: Case, day: date, zone: ZoneInfo, ruling: Ruling, trace: Trace, *, recheck: bool
    ) -> Ruling:
        if case.releasable_at is None or not ruling.effect.allows:
            return ruling
        start = case.releasable_at
        ends: list[tuple[datetime, Reason]] = []
        for code in chain(case.jurisdiction):
            pack = self.registry.get(code)
            version = pack.version_at(day) if pack else None
            if version is None:
                continue
            for window in version.hold_windows:
                if window.when.test(case).value is True:
                    until = hold_until(start, window, zone)
                    ends.append(
                        (
                            until,
                            Reason(
                                rule=window.id, citation=window.citation, summary=window.summary
                            ),
                        )
                    )
                    trace.steps.append(
                        Step(
                            code,
                            version.version,
                            "hold",
                            window.id,
                            window.when.describe(),
                            f"window ends {until.isoformat()}",
                        )
                    )
                    break
        if not ends:
            trace.notes.append(
                "no hold window applies: the hold has no lawful end, so it is not permitted"
            )
            return Ruling(
                effect=Effect.FORBIDDEN,
                reasons=(
                    *ruling.reasons,
                    Reason(
                        rule="engine.no-hold-window",
                        citation="",
                        summary="No law sets how long this hold may last",
                    ),
                ),
            )
        until, why = min(ends, key=lambda pair: pair[0])
        changed: tuple[Reason, ...] = ()
        if recheck:
            until, changed = self._recheck(case, day, until, zone, trace)
        reasons = (*ruling.reasons, why, *changed)
        if until <= start:
            # The law changes, and forbids the hold, before the hold would begin.
            return Ruling(effect=Effect.FORBIDDEN, reasons=reasons)
        return Ruling(effect=ruling.effect, reasons=reasons, until=until)

    def _recheck(
        self, case: Case, day: date, until: datetime, zone: ZoneInfo, trace: Trace
    ) -> tuple[datetime, tuple[Reason, ...]]:
        """Where a law changes after the decision's date and before the hold's end, the hold
        must also be lawful under the new law: it ends (or never starts) when it is not."""
        first, last = day, until.astimezone(zone).date()
        changes: dict[date, list[str]] = {}
        for code in chain(case.jurisdiction):
            pack = self.registry.get(code)
            for boundary in pack.boundaries() if pack else ():
                if first < boundary <= last:
                    changes.setdefault(boundary, []).append(code)
        # The earliest change of law under which the hold is no longer allowed ends it.
        for boundary in sorted(changes):
            later = replace(case, as_of=boundary, releasable_at=None)
            effect = self.explain(later, with_remedies=False).evaluation.ruling(Action.HOLD).effect
            codes = ", ".join(changes[boundary])
            trace.notes.append(
                f"{codes} changes on {boundary.isoformat()} inside the window: hold is then {effect}"
            )
            if not effect.allows:
                cut = datetime.combine(boundary, time(), tzinfo=zone)
                return cut, (
                    Reason(
                        rule="engine.law-changes-inside-window",
                        citation=f"{codes} law in force from {boundary.isoformat()}",
                        summary=f"The hold must end when the law of {codes} changes on {boundary.isoformat()}",
                    ),
                )
        return until, ()

    # -- remedies -------------------------------------------------------------------

    def _remedies(self, case: Case, rulings: dict[Action, Ruling]) -> tuple[Remedy, ...]:
        blocked = [
            a for a, r in rulings.items() if r.effect in (Effect.FORBIDDEN, Effect.UNDECIDED)
        ]
        if not blocked:
            return ()
        found: list[Remedy] = []
        for change, changed_case in candidate_changes(case):
            outcome = self.explain(changed_case, with_remedies=False).evaluation
            for action in blocked:
                effect = outcome.ruling(action).effect
                if effect.allows:
                    found.append(Remedy(action=action, effect=effect, change=change))
        return tuple(found)


def _reason(rule: Rule) -> Reason:
    return Reason(rule=rule.id, citation=rule.citation, summary=rule.summary)


def _compose(levels: list[LevelRuling], registry: Registry) -> Ruling:
    spoken = [lv for lv in levels if lv.effect is not None]
    if not spoken:
        return Ruling(
            effect=Effect.UNDECIDED,
            reasons=(
                Reason(rule="engine.silent", citation="", summary="No level of law rules on this"),
            ),
        )
    forbidding = [lv for lv in spoken if lv.effect is Effect.FORBIDDEN]
    requiring = [lv for lv in spoken if lv.effect is Effect.REQUIRED]
    if forbidding and requiring:
        # `levels` runs from US down: the first clashing level is the highest.
        highest = next(lv for lv in spoken if lv.effect in (Effect.FORBIDDEN, Effect.REQUIRED))
        pack = registry.get(highest.level)
        if pack is not None and pack.preempts_lower:
            return Ruling(
                effect=highest.effect or Effect.UNDECIDED,
                reasons=_all_reasons(forbidding + requiring, first=highest),
            )
        return Ruling(
            effect=Effect.UNDECIDED,
            reasons=(
                *_all_reasons(forbidding + requiring),
                Reason(
                    rule="engine.conflict",
                    citation="",
                    summary="Levels of law conflict (one requires, one forbids); a person must decide",
                ),
            ),
        )
    for effect in (Effect.FORBIDDEN, Effect.UNDECIDED, Effect.REQUIRED, Effect.PERMITTED):
        deciding = [lv for lv in spoken if lv.effect is effect]
        if deciding:
            return Ruling(effect=effect, reasons=_all_reasons(deciding))
    raise AssertionError("unreachable: every effect was considered")


def _all_reasons(levels: list[LevelRuling], first: LevelRuling | None = None) -> tuple[Reason, ...]:
    ordered = ([first] if first else []) + [lv for lv in levels if lv is not first]
    return tuple(reason for lv in ordered for reason in lv.reasons)
