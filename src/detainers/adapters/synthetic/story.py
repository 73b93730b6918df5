"""One detainer's story, told only through the domain's own acts, and cut off at the world's `now`.

A `Story` holds one detainer and its booking and performs their acts in time
order (`Detainer.match`, `review`, `notify_release`, `start_hold`, `transfer`,
`release`, ...; `Booking.mark_releasable`, `release`), so every transition
is checked by the lifecycle and appends its event. Each act's time is at
least the previous one's; the first act that would fall after `now` stops
the story, which leaves a detainer lodged near the end still live.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from detainers.adapters.synthetic._draw import span
from detainers.adapters.synthetic.rulings import Subject, review_decision
from detainers.domain.decision import Decision
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import Action, ReleaseReason, ReviewChoice, Warrant

S = DetainerState
MATCHER = "system/matcher"
WATCHDOG = "system/hold-watchdog"


@dataclass(kw_only=True)
class Plan:
    """The times a story is built around, drawn before it starts (paths may move them)."""

    match_at: datetime
    review_at: datetime
    second_review_at: datetime
    releasable_at: datetime
    release_reason: ReleaseReason
    match_kind: str | None
    notice_at: datetime | None = None


class Story:
    """Acts on one detainer and its booking, in order, until the world's `now`."""

    def __init__(
        self,
        *,
        rng: random.Random,
        detainer: Detainer,
        subject: Subject,
        plan: Plan,
        now: datetime,
        new_id: Callable[[datetime], str],
        agent: str,
    ) -> None:
        self.rng = rng
        self.detainer = detainer
        self.subject = subject
        self.plan = plan
        self.now = now
        self.decisions: list[Decision] = []
        self.stopped = False
        self._new_id = new_id
        self._agent = agent
        self._staff = f"{detainer.facility_code}/staff-{rng.randint(1, 12):02d}"
        self._last = detainer.lodged_at

    def _due(self, at: datetime) -> datetime | None:
        """`at`, moved up to the previous act; `None` (and the story stops) if after `now`."""
        at = max(at, self._last)
        if self.stopped or at > self.now:
            self.stopped = True
            return None
        self._last = at
        return at

    # -- the facility receives and reviews -----------------------------------

    def arrive(self) -> None:
        """Matched by an identifier at once, or by a person's review later; sometimes served."""
        kind = self.plan.match_kind
        at = self._due(self.plan.match_at)
        if at is None:
            return
        actor = MATCHER if kind is not None else self._staff
        self.detainer.match(
            booking_id=self.subject.booking.id,
            identifier_kind=kind or "review",
            at=at,
            actor=actor,
        )
        if self.rng.random() < 0.45:
            window = (self.plan.review_at - at).total_seconds()
            served = self._due(at + timedelta(seconds=int(window * self.rng.uniform(0.1, 0.8))))
            if served is not None:
                self.detainer.serve(at=served, actor=self._staff)

    def review(self, choice: ReviewChoice, *, transfer: bool, second: bool = False) -> None:
        """Record the facility's decision (a supervisor's, for the second review of a conflict)."""
        at = self._due(self.plan.second_review_at if second else self.plan.review_at)
        if at is None:
            return
        who = self.detainer.facility_code
        actor = f"{who}/supervisor-{self.rng.randint(1, 3)}" if second else self._staff
        decision = review_decision(
            self.rng,
            decision_id=self._new_id(at),
            detainer=self.detainer,
            subject=self.subject,
            choice=choice,
            transfer=transfer,
            releasable_at=self.plan.releasable_at,
            release_reason=self.plan.release_reason,
            decided_at=at,
            decided_by=actor,
        )
        self.detainer.review(decision=decision, actor=actor)
        self.decisions.append(decision)

    def amend_to_judicial_warrant(self) -> None:
        """The agency, told no, obtains a judge's warrant and amends (the engine's usual remedy)."""
        window = (self.plan.second_review_at - self.plan.review_at).total_seconds()
        at = self._due(
            self.plan.review_at + timedelta(seconds=int(window * self.rng.uniform(0.2, 0.8)))
        )
        if at is None:
            return
        self.detainer.amend(
            at=at,
            reason="judicial warrant obtained",
            actor=self._agent,
            warrant=Warrant.JUDICIAL,
        )

    def notify(self) -> None:
        """Tell the agency of the release; now and then a first estimate is corrected."""
        release_at = self.plan.releasable_at
        if self.plan.notice_at is None and self.rng.random() < 0.1:
            first = self._due(release_at - span(self.rng, 72, 168))
            if first is None:
                return
            estimate = release_at + span(self.rng, 24, 72)
            self.detainer.notify_release(release_at=estimate, at=first, actor=self._staff)
        planned = self.plan.notice_at or release_at - span(self.rng, 2, 72)
        at = self._due(min(max(planned, self._last + timedelta(minutes=5)), release_at))
        if at is not None:
            self.detainer.notify_release(release_at=release_at, at=at, actor=self._staff)

    # -- custody ends ---------------------------------------------------------

    def releasable(self) -> None:
        """The person would leave now but for a hold."""
        at = self._due(self.plan.releasable_at)
        if at is not None:
            self.subject.booking.mark_releasable(at, self.plan.release_reason)

    def hold(self) -> None:
        """Hold from the releasable time, to the deadline the ruling and the facility allow."""
        at = self._due(self.plan.releasable_at)
        decision = self.detainer.decision
        if at is None or decision is None:
            return
        self.detainer.start_hold(
            at=at,
            legal_until=decision.evaluation.ruling(Action.HOLD).until,
            facility_limit_hours=self.subject.facility.hold_limit_hours,
            actor=self._staff,
        )

    def pickup_during_hold(self, *, late: bool = False) -> None:
        """The agency takes custody during the hold (or, rarely, after its deadline)."""
        hold = self.detainer.hold
        if hold is None:
            return
        if late:
            self.transfer(hold.deadline_at + span(self.rng, 0.25, 8))
            return
        room = (hold.deadline_at - hold.started_at).total_seconds() / 3600
        self.transfer(hold.started_at + span(self.rng, min(1, room / 4), min(40, room - 0.5)))

    def transfer(self, when: datetime) -> None:
        at = self._due(when)
        if at is not None:
            self.detainer.transfer(at=at, actor=self._staff)
            self._leave(at, ReleaseReason.TRANSFERRED_TO_AGENCY)

    def release(self, when: datetime, reason: ReleaseReason | None = None) -> None:
        """The person leaves without being handed over; the detainer closes as released."""
        at = self._due(when)
        if at is not None:
            why = reason or self.plan.release_reason
            self.detainer.release(at=at, reason=why, actor=self._staff)
            self._leave(at, why)

    def release_early_from_hold(self) -> None:
        hold = self.detainer.hold
        if hold is not None:
            room = (hold.deadline_at - hold.started_at).total_seconds() / 3600
            self.release(hold.started_at + span(self.rng, 0.5, room - 1), ReleaseReason.COURT_ORDER)

    def release_at_deadline(self, *, late: bool = False) -> None:
        """Release when the hold's deadline comes (rarely late: a recorded violation)."""
        hold = self.detainer.hold
        if hold is None:
            return
        when = hold.deadline_at + (span(self.rng, 0.25, 8) if late else timedelta(0))
        at = self._due(when)
        if at is not None:
            self.detainer.release_at_deadline(at=at, actor=self._staff)
            self._leave(at, ReleaseReason.HOLD_DEADLINE)

    def leave(self) -> None:
        """The booking ends at the releasable time (the detainer has already closed)."""
        at = self._due(self.plan.releasable_at)
        if at is not None:
            self.subject.booking.mark_releasable(at, self.plan.release_reason)
            self._leave(at, self.plan.release_reason)

    def _leave(self, at: datetime, reason: ReleaseReason) -> None:
        booking = self.subject.booking
        if booking.releasable_at is None:
            booking.mark_releasable(at, self.plan.release_reason)
        booking.release(at, reason)

    # -- the agency -----------------------------------------------------------

    def cancel(self, when: datetime, reason: str) -> None:
        at = self._due(when)
        if at is None:
            return
        on_hold = self.detainer.state is S.ON_HOLD
        self.detainer.cancel(at=at, reason=reason, actor=self._agent)
        if on_hold:
            self._leave(at, ReleaseReason.DETAINER_CANCELLED)

    def cancel_later(self, reason: str) -> None:
        """Cancel before the release (or during the hold), at a point after the last act."""
        hold = self.detainer.hold
        if hold is not None and hold.is_open:
            room = (hold.deadline_at - hold.started_at).total_seconds() / 3600
            self.cancel(hold.started_at + span(self.rng, 0.5, room - 1), reason)
            return
        gap = (self.plan.releasable_at - self._last).total_seconds()
        self.cancel(
            self._last + timedelta(seconds=int(max(gap, 600) * self.rng.uniform(0.1, 0.9))), reason
        )

    def not_in_custody(self, when: datetime) -> None:
        at = self._due(when)
        if at is not None:
            self.detainer.mark_not_in_custody(
                at=at,
                reason="not in custody: released before the detainer arrived",
                actor=self._staff,
            )

    def later_arrest(self, chance: float) -> None:
        """Sometimes, after a release, the agency arrests the person elsewhere (never after `now`)."""
        closed = self.detainer.closed_at
        if closed is None or self.detainer.state not in (S.RELEASED, S.RELEASED_AT_DEADLINE):
            return
        if self.rng.random() >= chance:
            return
        arrest = closed.date() + timedelta(days=self.rng.randint(2, 150))
        recorded = datetime.combine(arrest, closed.timetz()) + span(self.rng, 2, 96)
        at = self._due(recorded)
        if at is not None:
            self.detainer.record_agency_arrest(arrest_date=arrest, at=at, actor=self._agent)

    def watchdog(self) -> None:
        """A hold still open past its deadline at `now` is a violation the system has recorded."""
        hold = self.detainer.hold
        if hold is None or not hold.overdue(self.now):
            return
        self.detainer.record_overrun(
            now=min(self.now, hold.deadline_at + timedelta(minutes=5)), actor=WATCHDOG
        )
