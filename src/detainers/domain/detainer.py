"""The detainer aggregate: a request from an agency, moved through its lifecycle.

Every method that changes state goes through `lifecycle.next_state` and
appends one event; guards that depend on more than the state (the recorded
decision, a hold's deadline) live here too. The clock is never read: every
act carries its own time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from detainers.domain import events as ev
from detainers.domain._time import utc
from detainers.domain.decision import Decision, Ruling
from detainers.domain.errors import DecisionDoesNotPermit, InvalidValue, TerminalState
from detainers.domain.hold import Hold
from detainers.domain.lifecycle import REVIEW_ACTIONS, DetainerState, LifecycleAction, next_state
from detainers.domain.person import PersonName, check_identifiers
from detainers.domain.vocabulary import (
    Action,
    DetainerForm,
    HoldEndReason,
    IdentifierKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    Warrant,
)

S = DetainerState
A = LifecycleAction


def _rules(ruling: Ruling) -> str:
    return ", ".join(reason.rule for reason in ruling.reasons) or "no rule given"


def _term(value: str | frozenset[str]) -> str | list[str]:
    """A term as an event stores it: a value, or a set as a sorted list."""
    return str(value) if isinstance(value, str) else sorted(str(v) for v in value)


@dataclass(frozen=True, kw_only=True)
class LodgedSubject:
    """The subject as the agency described them on the detainer (kept even once matched)."""

    name: PersonName
    date_of_birth: date | None = None
    identifiers: dict[IdentifierKind, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_identifiers(self.identifiers, field="subject.identifiers")


@dataclass(kw_only=True)
class Detainer:
    """One detainer and everything recorded about it; `new_events` await saving."""

    id: str
    agency_code: str
    facility_code: str
    subject: LodgedSubject
    form: DetainerForm
    probable_cause: frozenset[ProbableCause]
    warrant: Warrant
    requests: frozenset[RequestedAction]
    lodged_at: datetime
    lodged_by: str
    state: DetainerState = S.UNMATCHED
    booking_id: str | None = None
    served_at: datetime | None = None
    cancelled_at: datetime | None = None
    decision: Decision | None = None
    hold: Hold | None = None
    closed_at: datetime | None = None
    agency_arrest_date: date | None = None
    version: int = 0
    last_sequence: int = 0
    last_event_at: datetime | None = None
    new_events: list[ev.DetainerEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def lodge(
        cls,
        *,
        id: str,
        agency_code: str,
        facility_code: str,
        subject: LodgedSubject,
        form: DetainerForm,
        probable_cause: frozenset[ProbableCause],
        warrant: Warrant,
        requests: frozenset[RequestedAction],
        at: datetime,
        actor: str,
    ) -> Detainer:
        """A newly lodged detainer, unmatched until attached to a booking."""
        if not requests:
            raise InvalidValue(field="detainer.requests", value="[]", problem="asks for nothing")
        at = utc(at, field="lodged_at")
        detainer = cls(
            id=id,
            agency_code=agency_code,
            facility_code=facility_code,
            subject=subject,
            form=form,
            probable_cause=probable_cause,
            warrant=warrant,
            requests=requests,
            lodged_at=at,
            lodged_by=actor,
        )
        detainer._append(
            ev.DetainerLodged,
            at=at,
            actor=actor,
            reason="lodged",
            from_state="",
            agency_code=agency_code,
            facility_code=facility_code,
            form=form.value,
            warrant=warrant.value,
            requests=",".join(sorted(requests)),
        )
        return detainer

    # -- queries -------------------------------------------------------------

    @property
    def is_live(self) -> bool:
        """Not in a final state."""
        return not self.state.is_terminal

    def permits(self, action: Action) -> bool:
        """Whether the recorded decision permits `action` (no decision permits nothing)."""
        return self.decision is not None and self.decision.permits(action)

    # -- transitions ---------------------------------------------------------

    def match(self, *, booking_id: str, identifier_kind: str, at: datetime, actor: str) -> None:
        """Attach to a booking (by a strong identifier, or by a person's review)."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.MATCH)
        self.booking_id = booking_id
        self._append(
            ev.DetainerMatched,
            at=at,
            actor=actor,
            reason=f"matched by {identifier_kind}",
            to_state=target,
            booking_id=booking_id,
            identifier_kind=identifier_kind,
        )

    def serve(self, *, at: datetime, actor: str) -> None:
        """Record that the subject was given a copy (no change of state)."""
        at = self._when(at)
        self._require_live("serve")
        self.served_at = at
        self._append(ev.DetainerServed, at=at, actor=actor, reason="served on subject")

    def review(self, *, decision: Decision, actor: str) -> None:
        """Record a reviewed decision; the state follows the staff member's choice."""
        at = self._when(decision.decided_at)
        target = next_state(self.id, self.state, REVIEW_ACTIONS[decision.choice])
        if self.booking_id is None:
            raise InvalidValue(
                field="detainer", value=self.id, problem="is not matched to a booking"
            )
        self.decision = decision
        reason = decision.override_reason or f"reviewed: {decision.choice}"
        self._append(
            ev.DetainerReviewed,
            at=at,
            actor=actor,
            reason=reason,
            to_state=target,
            decision_id=decision.id,
            choice=decision.choice.value,
            noncompliant=decision.noncompliant,
        )

    def notify_release(self, *, release_at: datetime, at: datetime, actor: str) -> None:
        """Tell the agency of the coming release (again, to correct a changed date)."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.NOTIFY_RELEASE)
        self._require(Action.NOTIFY)
        release_at = utc(release_at, field="release_at")
        self._append(
            ev.ReleaseNotified,
            at=at,
            actor=actor,
            reason="release notice",
            to_state=target,
            release_at=release_at.isoformat(),
        )

    def start_hold(
        self,
        *,
        at: datetime,
        legal_until: datetime | None,
        facility_limit_hours: int | None,
        actor: str,
    ) -> Hold:
        """Begin holding at the otherwise-releasable time `at`, with the deadline fixed now."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.START_HOLD)
        self._require(Action.HOLD)
        if legal_until is None:
            raise DecisionDoesNotPermit(
                detainer_id=self.id,
                action=Action.HOLD,
                effect="without a deadline",
                why="the legal engine gave no latest end (hold.until) for this hold",
            )
        hold = Hold.start(at=at, legal_until=legal_until, facility_limit_hours=facility_limit_hours)
        self.hold = hold
        self._append(
            ev.HoldStarted,
            at=at,
            actor=actor,
            reason="otherwise releasable; hold permitted by the decision",
            to_state=target,
            deadline_at=hold.deadline_at.isoformat(),
            legal_until=hold.legal_until.isoformat(),
        )
        return hold

    def transfer(self, *, at: datetime, actor: str) -> None:
        """Hand the person to the agency."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.TRANSFER)
        self._require(Action.TRANSFER)
        self._end_hold(at=at, reason=HoldEndReason.TRANSFERRED, actor=actor)
        self._close(at)
        self._append(
            ev.DetainerTransferred,
            at=at,
            actor=actor,
            reason="custody transferred",
            to_state=target,
        )

    def release(
        self, *, at: datetime, reason: ReleaseReason, actor: str, note: str | None = None
    ) -> None:
        """The person leaves custody without being handed over (ending any hold early).

        `note` says why no hold was made where the decision had chosen one.
        """
        at = self._when(at)
        target = next_state(self.id, self.state, A.RELEASE)
        self._end_hold(at=at, reason=HoldEndReason.RELEASED, actor=actor)
        self._close(at)
        self._append(
            ev.SubjectReleased,
            at=at,
            actor=actor,
            reason=f"released: {reason}" + (f"; {note}" if note else ""),
            to_state=target,
            release_reason=reason.value,
        )

    def release_at_deadline(self, *, at: datetime, actor: str) -> None:
        """Release a held person because the hold's deadline has come."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.RELEASE_AT_DEADLINE)
        if self.hold is None:
            raise InvalidValue(field="detainer", value=self.id, problem="is on hold without a hold")
        if at < self.hold.deadline_at:
            raise InvalidValue(
                field="released_at",
                value=at.isoformat(),
                problem=f"is before the hold's deadline [{self.hold.deadline_at.isoformat()}]",
            )
        deadline = self.hold.deadline_at
        self._end_hold(at=at, reason=HoldEndReason.DEADLINE, actor=actor)
        self._close(at)
        self._append(
            ev.ReleasedAtDeadline,
            at=at,
            actor=actor,
            reason="hold deadline reached",
            to_state=target,
            deadline_at=deadline.isoformat(),
        )

    def amend(
        self,
        *,
        at: datetime,
        reason: str,
        actor: str,
        form: DetainerForm | None = None,
        probable_cause: frozenset[ProbableCause] | None = None,
        warrant: Warrant | None = None,
        requests: frozenset[RequestedAction] | None = None,
    ) -> None:
        """The agency changes the terms given (the others stay as they are).

        A decision made on the old terms is cleared: a matched detainer goes
        back to `received`, for the facility to review the new terms; an
        unmatched one stays unmatched.
        """
        at = self._when(at)
        target = next_state(self.id, self.state, A.AMEND)
        if not reason.strip():
            raise InvalidValue(field="reason", value=reason, problem="is empty: say why it changed")
        if requests is not None and not requests:
            raise InvalidValue(field="detainer.requests", value="[]", problem="asks for nothing")
        given: dict[str, str | frozenset[str] | None] = {
            "form": form,
            "probable_cause": probable_cause,
            "warrant": warrant,
            "requests": requests,
        }
        before: dict[str, str | list[str]] = {}
        after: dict[str, str | list[str]] = {}
        for name, new in given.items():
            old = getattr(self, name)
            if new is not None and new != old:
                before[name], after[name] = _term(old), _term(new)
        if not after:
            named = [name for name, new in given.items() if new is not None]
            raise InvalidValue(
                field="amendment",
                value=", ".join(named),
                problem=(
                    ("repeats the terms the detainer already has" if named else "names no term")
                    + f"; change at least one of [{', '.join(given)}]"
                ),
            )
        self.form = self.form if form is None else form
        self.probable_cause = self.probable_cause if probable_cause is None else probable_cause
        self.warrant = self.warrant if warrant is None else warrant
        self.requests = self.requests if requests is None else requests
        cleared, self.decision = self.decision, None
        self._append(
            ev.DetainerAmended,
            at=at,
            actor=actor,
            reason=reason,
            to_state=target,
            before=before,
            after=after,
            cleared_decision_id=cleared.id if cleared else "",
        )

    def cancel(self, *, at: datetime, reason: str, actor: str) -> None:
        """The agency withdraws the detainer; any hold ends at once."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.CANCEL)
        self._end_hold(at=at, reason=HoldEndReason.CANCELLED, actor=actor)
        self.cancelled_at = at
        self._close(at)
        self._append(ev.DetainerCancelled, at=at, actor=actor, reason=reason, to_state=target)

    def mark_not_in_custody(self, *, at: datetime, reason: str, actor: str) -> None:
        """The person is not (or no longer) in this facility's custody."""
        at = self._when(at)
        target = next_state(self.id, self.state, A.MARK_NOT_IN_CUSTODY)
        self._close(at)
        self._append(ev.MarkedNotInCustody, at=at, actor=actor, reason=reason, to_state=target)

    def record_overrun(self, *, now: datetime, actor: str) -> bool:
        """Record, once, that an open hold has passed its deadline. True if recorded now."""
        now = utc(now, field="now")
        hold = self.hold
        if hold is None or not hold.overdue(now) or hold.overrun_recorded_at is not None:
            return False
        self.hold = hold.overrun_recorded(now)
        self._append(
            ev.HoldDeadlinePassed,
            at=now,
            actor=actor,
            reason="VIOLATION: hold open past its deadline",
            deadline_at=hold.deadline_at.isoformat(),
            overrun_seconds=int((now - hold.deadline_at).total_seconds()),
        )
        return True

    def record_agency_arrest(self, *, arrest_date: date, at: datetime, actor: str) -> None:
        """An outcome: the agency later arrested the person (after release, elsewhere)."""
        at = self._when(at)
        if self.state not in (S.RELEASED, S.RELEASED_AT_DEADLINE):
            raise InvalidValue(
                field="arrest_date",
                value=arrest_date.isoformat(),
                problem=f"needs a released person; detainer is [{self.state}]",
            )
        if arrest_date > at.date():
            raise InvalidValue(
                field="arrest_date",
                value=arrest_date.isoformat(),
                problem=f"is after the time it is recorded [{at.isoformat()}]",
            )
        if self.closed_at is not None and arrest_date < self.closed_at.date():
            raise InvalidValue(
                field="arrest_date",
                value=arrest_date.isoformat(),
                problem=f"is before the release [{self.closed_at.date().isoformat()}]",
            )
        self.agency_arrest_date = arrest_date
        self._append(
            ev.AgencyArrestRecorded,
            at=at,
            actor=actor,
            reason="agency arrest after release",
            arrest_date=arrest_date.isoformat(),
        )

    # -- internals -----------------------------------------------------------

    def _when(self, at: datetime) -> datetime:
        """`at` in UTC; history stays in time order, so nothing happens before what is recorded."""
        at = utc(at, field="at")
        if at < self.lodged_at:
            raise InvalidValue(
                field="at",
                value=at.isoformat(),
                problem=f"is before the detainer was lodged [{self.lodged_at.isoformat()}]",
            )
        if self.last_event_at is not None and at < self.last_event_at:
            raise InvalidValue(
                field="at",
                value=at.isoformat(),
                problem=f"is before the last recorded event [{self.last_event_at.isoformat()}]",
            )
        return at

    def _require_live(self, what: str) -> None:
        if self.state.is_terminal:
            raise TerminalState(
                detainer_id=self.id, state=self.state, action=what, allowed="any live state"
            )

    def _require(self, action: Action) -> None:
        if self.permits(action):
            return
        if self.decision is None:
            effect, why = "not decided", "no decision has been recorded"
        else:
            ruling = self.decision.evaluation.ruling(action)
            effect = ruling.effect.value
            why = (
                f"the recorded choice is [{self.decision.choice}]"
                if ruling.effect.allows
                else f"the law as evaluated does not allow it ({_rules(ruling)})"
            )
        raise DecisionDoesNotPermit(detainer_id=self.id, action=action, effect=effect, why=why)

    def _end_hold(self, *, at: datetime, reason: HoldEndReason, actor: str) -> None:
        if self.hold is None or not self.hold.is_open:
            return
        if at < self.hold.started_at:
            raise InvalidValue(
                field="at",
                value=at.isoformat(),
                problem=f"is before the hold began [{self.hold.started_at.isoformat()}]",
            )
        # A hold that ends late is a violation, recorded before it closes.
        self.record_overrun(now=at, actor=actor)
        self.hold = self.hold.end(at=at, reason=reason)

    def _close(self, at: datetime) -> None:
        self.closed_at = at

    def _append(
        self,
        kind: type[ev.DetainerEvent],
        *,
        at: datetime,
        actor: str,
        reason: str,
        from_state: str | None = None,
        to_state: DetainerState | None = None,
        **payload: Any,
    ) -> None:
        before = self.state if from_state is None else from_state
        after = self.state if to_state is None else to_state
        self.last_sequence += 1
        if kind is not ev.HoldDeadlinePassed:
            # An observation (a deadline check) is not an act: an act done earlier
            # and recorded after the check is still the truth to record.
            self.last_event_at = at if self.last_event_at is None else max(self.last_event_at, at)
        self.new_events.append(
            kind(
                detainer_id=self.id,
                sequence=self.last_sequence,
                occurred_at=at,
                actor=actor,
                reason=reason,
                from_state=str(before),
                to_state=str(after),
                **payload,
            )
        )
        self.state = after
