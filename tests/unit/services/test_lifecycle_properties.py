"""Random command sequences through the services (over the fakes) never break the lifecycle's promises.

A hypothesis state machine books people, lodges detainers (matched or not),
reviews them under a law that changes at random, serves, notifies, marks
people releasable, moves the clock (past deadlines too), checks deadlines,
releases, transfers, amends, cancels and records agency arrests. Refusals (domain and
service errors) are allowed outcomes and must write nothing; any other
exception fails. After every step the committed store must show:

- no detainer on hold without a decision that permits a hold, nor without an open hold;
- a detainer waiting for review (unmatched or received, amended or not) carries no decision;
- every hold's deadline after its start, and no later than its legal end and the facility's limit;
- every hold open past its deadline at the last deadline check has a violation event;
- every hold that ended after its deadline has a violation event;
- a final state never changes once reached;
- each detainer's events are numbered 1..n, chain from state to state, end in its state;
- a released booking holds no one, and a live matched detainer's person is in custody;
- a person otherwise releasable stays in custody only while a detainer holds them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from detainers.domain import commands as c
from detainers.domain.audit import Outcome
from detainers.domain.errors import DomainError
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    DetainerForm,
    Effect,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, registry
from detainers.services.errors import ServiceError
from tests.fakes import FakeLegalEngine, FixedClock, fake_context
from tests.unit.builders import AGENCY, AGENT, CLERK, T0, subject

S = DetainerState
FACILITIES = ("CT-DOC-HCC", "CT-DOC-NHCC")
PEOPLE = 2
NUMBERS = ("B-1", "B-2", "B-3", "B-4")
PERSON_KEYS = (IdentifierKind.FBI_NUMBER, IdentifierKind.STATE_ID, IdentifierKind.A_NUMBER)

# A target is (index, aim): most of the time (aim < 8) the rule picks among the
# records it can act on, so sequences get far; otherwise among all, to try the
# refusals too.
targets = st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=9))
person_keys = st.frozensets(st.sampled_from(PERSON_KEYS))
# Most acts happen at the first facility, so detainers and bookings meet.
facilities = st.sampled_from(FACILITIES[:1] * 4 + FACILITIES[1:])
# Honoring is what leads to holds, so it is drawn more often than the other choices.
choices = st.sampled_from([ReviewChoice.HONOR] * 3 + list(ReviewChoice))
asks = st.just(frozenset({RequestedAction.HOLD, RequestedAction.NOTIFY})) | st.frozensets(
    st.sampled_from(RequestedAction), min_size=1
)
REVIEWABLE = (S.RECEIVED, S.HONORED, S.NOTIFY_ONLY, S.DECLINED, S.CONFLICT)
AMENDABLE = (S.UNMATCHED, *REVIEWABLE, S.RELEASE_NOTIFIED)
minutes = st.one_of(
    st.sampled_from([1, 30, 12 * 60, 24 * 60, 47 * 60, 48 * 60, 49 * 60, 72 * 60]),
    st.integers(min_value=0, max_value=5 * 24 * 60),
)


def _identifier(kind: IdentifierKind, person: int) -> str:
    return f"{kind.value.replace('_', '')[:3].upper()}-{1000 + person}"


class DetainerLifecycle(RuleBasedStateMachine):
    """The services over the fakes, driven at random; the invariants read the committed store."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = FakeLegalEngine()
        self.ctx, self.uow, self.clock, _ = fake_context(self.engine, FixedClock(T0))
        self.booking_ids: list[str] = []
        self.detainer_ids: list[str] = []
        self.final: dict[str, tuple[object, ...]] = {}
        self.seen: dict[str, tuple[DetainerState, int]] = {}
        self.checked_at = T0 - timedelta(days=1)

    # -- running a command -----------------------------------------------------------

    def _run(self, command: Callable[[], object]) -> object | None:
        """Run `command`; a refusal is a fine outcome but must leave the store as it was.

        The one thing a refusal writes is its audit record, in a unit of its own.
        """
        first_unit = len(self.uow.made)
        audited = len(self.uow.store.audit)
        try:
            return command()
        except (DomainError, ServiceError):
            # The fake publishes only on commit, so the refused work must not have committed.
            *work, record = self.uow.made[first_unit:]
            assert all(u.commits == 0 for u in work), "a refused command wrote something"
            assert record.commits == 1
            (failure,) = self.uow.store.audit[audited:]
            assert failure.entry.outcome is not Outcome.SUCCESS
            return None

    def _detainer(self, target: tuple[int, int], *states: DetainerState) -> str:
        index, aim = target
        ids = self.detainer_ids
        if states and aim < 8:
            store = self.uow.store.detainers
            ids = [i for i in ids if store[i].state in states] or ids
        return ids[index % len(ids)]

    def _booking(self, target: tuple[int, int], *states: DetainerState) -> str:
        """A booking; when aimed, one in custody with a detainer in `states` if any."""
        index, aim = target
        ids = self.booking_ids
        if aim < 8:
            ids = [i for i in ids if self.uow.store.bookings[i].in_custody] or ids
            if states:
                wanted = {
                    d.booking_id for d in self.uow.store.detainers.values() if d.state in states
                }
                ids = [i for i in ids if i in wanted] or ids
        return ids[index % len(ids)]

    # -- setup ------------------------------------------------------------------------

    @initialize(
        limits=st.tuples(*[st.sampled_from([None, 0, 1, 12, 24, 48, 72])] * len(FACILITIES))
    )
    def register(self, limits: tuple[int | None, ...]) -> None:
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL),
            self.ctx,
        )
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE),
            self.ctx,
        )
        registry.register_agency(
            c.RegisterAgency(code=AGENCY, name="Field office", jurisdiction="US"), self.ctx
        )
        for code, limit in zip(FACILITIES, limits, strict=True):
            registry.register_facility(
                c.RegisterFacility(
                    code=code,
                    name=code,
                    type=FacilityType.STATE_PRETRIAL_JAIL,
                    jurisdiction="US-CT",
                    hold_limit_hours=limit,
                ),
                self.ctx,
            )

    # -- the law changes ---------------------------------------------------------------

    @rule(action=st.sampled_from(Action), effect=st.sampled_from(Effect))
    def law_changes(self, action: Action, effect: Effect) -> None:
        self.engine.effects[action] = effect

    @rule(hours=st.sampled_from([None, 1, 24, 48]))
    def law_changes_the_hold_limit(self, hours: int | None) -> None:
        self.engine.hold_hours = hours

    # -- time ----------------------------------------------------------------------------

    @rule(by=minutes)
    def time_passes(self, by: int) -> None:
        self.clock.advance(minutes=by)

    @precondition(
        lambda self: any(
            d.hold is not None and d.hold.is_open for d in self.uow.store.detainers.values()
        )
    )
    @rule(late_by=st.sampled_from([0, 0, 1, 90]))
    def time_reaches_a_hold_deadline(self, late_by: int) -> None:
        deadline = min(
            d.hold.deadline_at
            for d in self.uow.store.detainers.values()
            if d.hold is not None and d.hold.is_open
        )
        target = deadline + timedelta(minutes=late_by)
        self.clock.advance(seconds=max(0.0, (target - self.clock.now()).total_seconds()))

    # -- custody ---------------------------------------------------------------------------

    @rule(
        person=st.integers(0, PEOPLE - 1),
        facility=facilities,
        number=st.sampled_from(NUMBERS),
    )
    def book(self, person: int, facility: str, number: str) -> None:
        booking = self._run(
            lambda: bookings.record_booking(
                c.RecordBooking(
                    facility_code=facility,
                    booking_number=number,
                    person=c.PersonDetails(
                        name=PersonName(given=("Test",), family=(f"Person{person}",)),
                        identifiers={k: _identifier(k, person) for k in PERSON_KEYS},
                    ),
                    booked_at=self.clock.now(),
                    actor=CLERK,
                ),
                self.ctx,
            )
        )
        if booking is not None:
            self.booking_ids.append(booking.id)  # type: ignore[attr-defined]

    @precondition(lambda self: self.booking_ids)
    @rule(booking=targets, reason=st.sampled_from(ReleaseReason))
    def mark_releasable(self, booking: tuple[int, int], reason: ReleaseReason) -> None:
        self._run(
            lambda: bookings.mark_releasable(
                c.MarkReleasable(
                    booking_id=self._booking(booking, S.HONORED, S.RELEASE_NOTIFIED),
                    reason=reason,
                    actor=CLERK,
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.booking_ids)
    @rule(booking=targets, reason=st.sampled_from(ReleaseReason))
    def release_person(self, booking: tuple[int, int], reason: ReleaseReason) -> None:
        self._run(
            lambda: bookings.release_person(
                c.ReleasePerson(booking_id=self._booking(booking), reason=reason, actor=CLERK),
                self.ctx,
            )
        )

    # -- detainers ---------------------------------------------------------------------

    @rule(
        person=st.integers(0, PEOPLE - 1),
        facility=facilities,
        keys=person_keys,
        number=st.none() | st.sampled_from(NUMBERS),
        requests=asks,
    )
    def lodge(
        self,
        person: int,
        facility: str,
        keys: frozenset[IdentifierKind],
        number: str | None,
        requests: frozenset[RequestedAction],
    ) -> None:
        identifiers = {k.value: _identifier(k, person) for k in keys}
        if number is not None:
            identifiers["booking_number"] = number
        detainer = self._run(
            lambda: detainers.lodge_detainer(
                c.LodgeDetainer(
                    agency_code=AGENCY,
                    facility_code=facility,
                    subject=subject(**identifiers),
                    form=DetainerForm.I_247A,
                    probable_cause=frozenset({ProbableCause.BIOMETRIC_MATCH}),
                    warrant=Warrant.I_200,
                    requests=requests,
                    actor=AGENT,
                ),
                self.ctx,
            )
        )
        if detainer is not None:
            self.detainer_ids.append(detainer.id)  # type: ignore[attr-defined]

    @rule(
        person=st.integers(0, PEOPLE - 1),
        number=st.sampled_from(NUMBERS),
        requests=asks,
        choice=choices,
        reason=st.sampled_from([None, "a supervisor approved it"]),
        releasable=st.none() | st.sampled_from(ReleaseReason),
    )
    def a_person_is_booked_and_a_detainer_lodged_and_reviewed(
        self,
        person: int,
        number: str,
        requests: frozenset[RequestedAction],
        choice: ReviewChoice,
        reason: str | None,
        releasable: ReleaseReason | None,
    ) -> None:
        """Commands in a row, each free to be refused, so random runs often reach holds.

        Book, lodge by FBI number, review, and (when `releasable` is drawn) mark the
        person otherwise releasable.
        """
        self.book(person, FACILITIES[0], number)
        self.lodge(person, FACILITIES[0], frozenset({IdentifierKind.FBI_NUMBER}), None, requests)
        last = (len(self.detainer_ids) - 1, 9)  # aim 9: exactly the detainer just lodged
        self.review(last, choice, reason)
        booking_id = self.uow.store.detainers[self._detainer(last)].booking_id
        if releasable is not None and booking_id is not None:
            self._run(
                lambda: bookings.mark_releasable(
                    c.MarkReleasable(booking_id=booking_id, reason=releasable, actor=CLERK),
                    self.ctx,
                )
            )

    @precondition(lambda self: self.detainer_ids and self.booking_ids)
    @rule(detainer=targets, booking=targets)
    def match(self, detainer: tuple[int, int], booking: tuple[int, int]) -> None:
        self._run(
            lambda: detainers.match_detainer(
                c.MatchDetainer(
                    detainer_id=self._detainer(detainer, S.UNMATCHED),
                    booking_id=self._booking(booking),
                    actor=CLERK,
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(
        detainer=targets,
        choice=choices,
        reason=st.sampled_from([None, "a supervisor approved it"]),
    )
    def review(self, detainer: tuple[int, int], choice: ReviewChoice, reason: str | None) -> None:
        self._run(
            lambda: detainers.record_review(
                c.RecordReview(
                    detainer_id=self._detainer(detainer, *REVIEWABLE),
                    choice=choice,
                    actor=CLERK,
                    override_reason=reason,
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets)
    def serve(self, detainer: tuple[int, int]) -> None:
        self._run(
            lambda: detainers.serve_detainer(
                c.ServeDetainer(detainer_id=self._detainer(detainer), actor=CLERK), self.ctx
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets, hours=st.integers(0, 72))
    def notify_release(self, detainer: tuple[int, int], hours: int) -> None:
        self._run(
            lambda: detainers.notify_release(
                c.NotifyRelease(
                    detainer_id=self._detainer(
                        detainer, S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED
                    ),
                    release_at=self.clock.now() + timedelta(hours=hours),
                    actor=CLERK,
                ),
                self.ctx,
            )
        )

    @rule()
    def check_hold_deadlines(self) -> None:
        if (
            self._run(
                lambda: detainers.check_hold_deadlines(
                    c.CheckHoldDeadlines(actor="system"), self.ctx
                )
            )
            is not None
        ):
            self.checked_at = self.clock.now()

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets)
    def transfer(self, detainer: tuple[int, int]) -> None:
        self._run(
            lambda: detainers.transfer_custody(
                c.TransferCustody(
                    detainer_id=self._detainer(
                        detainer, S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED, S.ON_HOLD
                    ),
                    actor=AGENT,
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets)
    def release_at_deadline(self, detainer: tuple[int, int]) -> None:
        self._run(
            lambda: detainers.release_at_deadline(
                c.ReleaseAtDeadline(detainer_id=self._detainer(detainer, S.ON_HOLD), actor=CLERK),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets, warrant=st.sampled_from(Warrant), requests=st.none() | asks)
    def amend(
        self,
        detainer: tuple[int, int],
        warrant: Warrant,
        requests: frozenset[RequestedAction] | None,
    ) -> None:
        self._run(
            lambda: detainers.amend_detainer(
                c.AmendDetainer(
                    detainer_id=self._detainer(detainer, *AMENDABLE),
                    reason="new terms",
                    actor=AGENT,
                    warrant=warrant,
                    requests=requests,
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets)
    def cancel(self, detainer: tuple[int, int]) -> None:
        self._run(
            lambda: detainers.cancel_detainer(
                c.CancelDetainer(
                    detainer_id=self._detainer(detainer), reason="withdrawn", actor=AGENT
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets)
    def mark_not_in_custody(self, detainer: tuple[int, int]) -> None:
        self._run(
            lambda: detainers.mark_not_in_custody(
                c.MarkNotInCustody(
                    detainer_id=self._detainer(detainer, S.UNMATCHED, S.RECEIVED),
                    reason="not here",
                    actor=CLERK,
                ),
                self.ctx,
            )
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(detainer=targets, days=st.integers(-5, 90))
    def agency_arrest(self, detainer: tuple[int, int], days: int) -> None:
        self._run(
            lambda: detainers.record_agency_arrest(
                c.RecordAgencyArrest(
                    detainer_id=self._detainer(detainer, S.RELEASED, S.RELEASED_AT_DEADLINE),
                    arrest_date=self.clock.now().date() + timedelta(days=days),
                    actor=AGENT,
                ),
                self.ctx,
            )
        )

    # -- invariants ---------------------------------------------------------------------

    def _events(self, detainer_id: str) -> list[str]:
        return [type(e).__name__ for e in self.uow.store.events.get(detainer_id, [])]

    @invariant()
    def no_hold_without_a_permitting_decision(self) -> None:
        for d in self.uow.store.detainers.values():
            open_hold = d.hold is not None and d.hold.is_open
            assert open_hold == (d.state is S.ON_HOLD), f"{d.id}: open hold in [{d.state}]"
            if d.state is S.ON_HOLD:
                assert d.decision is not None, f"{d.id}: on hold without a decision"
                assert d.decision.permits(Action.HOLD), f"{d.id}: on hold, hold not permitted"

    @invariant()
    def no_decision_waits_for_review(self) -> None:
        for d in self.uow.store.detainers.values():
            if d.state in (S.UNMATCHED, S.RECEIVED):
                assert d.decision is None, f"{d.id}: [{d.state}] with a decision"

    @invariant()
    def every_hold_ends_by_the_law_and_the_facility(self) -> None:
        for d in self.uow.store.detainers.values():
            if d.hold is None:
                continue
            limit = self.uow.store.facilities[d.facility_code].hold_limit_hours
            assert d.hold.started_at < d.hold.deadline_at <= d.hold.legal_until
            if limit is not None:
                assert d.hold.deadline_at <= d.hold.started_at + timedelta(hours=limit)
            booking = self.uow.store.bookings[d.booking_id or ""]
            assert booking.releasable_at is not None, f"{d.id}: held but never releasable"

    @invariant()
    def no_hold_past_its_deadline_goes_unrecorded(self) -> None:
        for d in self.uow.store.detainers.values():
            hold = d.hold
            if hold is None:
                continue
            late_at_check = hold.is_open and hold.deadline_at < self.checked_at
            ended_late = hold.ended_at is not None and hold.ended_at > hold.deadline_at
            if late_at_check or ended_late:
                assert "HoldDeadlinePassed" in self._events(d.id), f"{d.id}: overrun unrecorded"
                assert hold.overrun_recorded_at is not None

    @invariant()
    def final_states_are_final(self) -> None:
        for d in self.uow.store.detainers.values():
            if not d.state.is_terminal:
                assert d.id not in self.final, f"{d.id}: left final state {self.final.get(d.id)}"
                continue
            assert d.closed_at is not None
            now = (d.state, d.closed_at, d.hold)
            assert self.final.setdefault(d.id, now) == now, f"{d.id}: changed after closing"

    @invariant()
    def every_state_change_has_an_event(self) -> None:
        for d in self.uow.store.detainers.values():
            events = self.uow.store.events.get(d.id, [])
            assert [e.sequence for e in events] == list(range(1, len(events) + 1))
            assert d.last_sequence == len(events)
            assert events[0].from_state == ""
            for before, after in itertools.pairwise(events):
                assert after.from_state == before.to_state, f"{d.id}: broken chain"
                assert after.occurred_at >= before.occurred_at, f"{d.id}: events out of time"
            assert events[-1].to_state == d.state.value
            assert all(e.detainer_id == d.id and e.actor for e in events)
            state, count = self.seen.get(d.id, (d.state, len(events)))
            if state is not d.state:
                assert len(events) > count, f"{d.id}: {state} -> {d.state} without an event"
            self.seen[d.id] = (d.state, len(events))

    @invariant()
    def a_released_booking_holds_no_one(self) -> None:
        for d in self.uow.store.detainers.values():
            if d.booking_id is None:
                assert d.state in (S.UNMATCHED, S.NOT_IN_CUSTODY, S.CANCELLED)
                continue
            booking = self.uow.store.bookings[d.booking_id]
            if d.is_live:
                assert booking.in_custody, f"{d.id}: live [{d.state}] but person released"

    @invariant()
    def a_person_otherwise_releasable_stays_only_on_a_hold(self) -> None:
        held = {d.booking_id for d in self.uow.store.detainers.values() if d.state is S.ON_HOLD}
        for booking in self.uow.store.bookings.values():
            if booking.in_custody and booking.releasable_at is not None:
                assert booking.id in held, f"{booking.id}: releasable, kept without a hold"


def test_random_command_sequences_keep_every_lifecycle_invariant() -> None:
    run_state_machine_as_test(
        DetainerLifecycle,
        settings=settings(
            max_examples=150,
            stateful_step_count=60,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
