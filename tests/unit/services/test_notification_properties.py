"""Random stories, clock jumps and worker rounds (over the fakes) never break the outbox's promises.

A hypothesis state machine books people, lodges detainers, reviews them under
a law that changes at random, schedules releases, marks people releasable,
releases, transfers, amends and cancels; moves the clock by minutes to days;
runs worker rounds (fire the due timers, deliver a batch) through a sender
whose receiver refuses at random or is down; kills the worker between
sending and recording; and restarts it with nothing kept in memory. After
every step the committed store must show:

- every hold open past its deadline at the last complete worker round has a
  recorded violation (and the facility its alarm), as has every hold that ended late;
- no message recorded as delivered twice, and every delivered one received;
- no release notice to an agency whose decision does not permit notice;
- no release notice lost: where notice is permitted and its lead time passed
  before a worker round, the agency was told;
- every timer fired at most once, and message and timer keys unique;
- a dead message always has an alarm;
- the audit chain unbroken.

Two stories the machine found (a release notice lost after a new review, or
after a release called off and set again) are kept as plain tests at the end.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
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
from detainers.domain.audit import first_break
from detainers.domain.errors import DomainError
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import (
    DEFAULT_NOTICE_LEAD,
    Audience,
    Channel,
    MessageStatus,
    MessageType,
)
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
from detainers.services import bookings, delivery, detainers, inbox, notices, registry
from detainers.services.delivery import Delivered, Outgoing
from detainers.services.errors import ServiceError
from tests.fakes import FakeLegalEngine, FakeUnitOfWork, FixedClock, fake_context
from tests.unit.builders import AGENCY, AGENT, CLERK, T0, World, subject

S = DetainerState
FACILITIES = ("CT-DOC-HCC", "CT-DOC-NHCC")
PEOPLE = 3
NUMBERS = ("B-1", "B-2", "B-3")
RELEASE_NOTICES = (MessageType.RELEASE_NOTICE, MessageType.RELEASE_NOTICE_CORRECTED)

targets = st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=9))
choices = st.sampled_from([ReviewChoice.HONOR] * 3 + list(ReviewChoice))
asks = st.just(frozenset({RequestedAction.HOLD, RequestedAction.NOTIFY})) | st.frozensets(
    st.sampled_from(RequestedAction), min_size=1
)
release_in = st.none() | st.sampled_from([0, 1, 24, 47, 48, 49, 50, 72, 120])
minutes = st.one_of(
    st.sampled_from([1, 5, 15, 16, 60, 4 * 60, 23 * 60, 24 * 60, 47 * 60, 48 * 60, 72 * 60]),
    st.integers(min_value=0, max_value=5 * 24 * 60),
)
REVIEWABLE = (S.RECEIVED, S.HONORED, S.NOTIFY_ONLY, S.DECLINED, S.CONFLICT)


class WorkerKilled(Exception):
    """The worker process died (SIGKILL) before it recorded what it did."""


class Receiver:
    """The far end of every webhook and e-mail: it counts what it accepted, by message key."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()


class FlakySender:
    """A worker's sender: the receiver refuses each message with `fail_rate`; `dies` after sending.

    It checks what a real sender relies on: a webhook has a target and a signing secret.
    """

    def __init__(
        self, receiver: Receiver, rng: random.Random, fail_rate: float, *, dies: bool = False
    ) -> None:
        self.receiver, self.rng, self.fail_rate, self.dies = receiver, rng, fail_rate, dies

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        results = []
        for outgoing in batch:
            message = outgoing.message
            assert message.channel in (Channel.WEBHOOK, Channel.EMAIL), message
            assert outgoing.target, message
            if message.channel is Channel.WEBHOOK:
                assert outgoing.secrets, message
            if self.rng.random() < self.fail_rate:
                results.append(
                    Delivered(message_id=message.id, ok=False, status_code=503, error="503")
                )
                continue
            self.receiver.accepted[message.key] += 1
            results.append(Delivered(message_id=message.id, ok=True, status_code=204))
        if self.dies:
            raise WorkerKilled
        return results


class _DyingUnit(FakeUnitOfWork):
    def commit(self) -> None:
        raise WorkerKilled


def _identifier(person: int) -> str:
    return f"FBI-{1000 + person}"


class Notifications(RuleBasedStateMachine):
    """The services and the worker over the fakes, driven at random."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = FakeLegalEngine()
        self.ctx, self.uow, self.clock, _ = fake_context(self.engine, FixedClock(T0))
        self.booking_ids: list[str] = []
        self.detainer_ids: list[str] = []
        self.receiver = Receiver()
        self.rng = random.Random(0)
        # The time of the last worker round that fired everything due, and its step.
        self.swept_at = T0 - timedelta(days=1)
        self.swept_step = -1
        self.step = 0
        self.fired: dict[str, datetime] = {}
        self.delivered: dict[str, datetime] = {}
        self.checked_notices: set[str] = set()
        self.changed: dict[str, tuple[object, int]] = {}

    def _run(self, command: Callable[[], object]) -> object | None:
        """Run a use case; a refusal is a fine outcome here (the lifecycle tests check refusals)."""
        try:
            return command()
        except (DomainError, ServiceError):
            return None

    def _detainer(self, target: tuple[int, int], *states: DetainerState) -> str:
        index, aim = target
        ids = self.detainer_ids
        if states and aim < 8:
            store = self.uow.store.detainers
            ids = [i for i in ids if store[i].state in states] or ids
        return ids[index % len(ids)]

    def _booking(self, target: tuple[int, int], *states: DetainerState) -> str:
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
        limits=st.tuples(*[st.sampled_from([None, 1, 24, 48])] * len(FACILITIES)),
        agency_email=st.booleans(),
        agency_hook=st.booleans(),
        facility_hooks=st.tuples(*[st.booleans()] * len(FACILITIES)),
        facility_mail=st.booleans(),
        seed=st.integers(0, 2**32),
    )
    def register(
        self,
        limits: tuple[int | None, ...],
        agency_email: bool,
        agency_hook: bool,
        facility_hooks: tuple[bool, ...],
        facility_mail: bool,
        seed: int,
    ) -> None:
        self.rng = random.Random(seed)
        for code, name, kind in (
            ("US", "United States", JurisdictionKind.FEDERAL),
            ("US-CT", "Connecticut", JurisdictionKind.STATE),
        ):
            registry.register_jurisdiction(
                c.RegisterJurisdiction(code=code, name=name, kind=kind), self.ctx
            )
        registry.register_agency(
            c.RegisterAgency(
                code=AGENCY,
                name="Field office",
                jurisdiction="US",
                email="ero-bos@example.gov" if agency_email else None,
            ),
            self.ctx,
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
        hooks = [(Audience.AGENCY, AGENCY)] if agency_hook else []
        hooks += [
            (Audience.FACILITY, f) for f, on in zip(FACILITIES, facility_hooks, strict=True) if on
        ]
        for audience, owner in hooks:
            self._endpoint(audience, owner, Channel.WEBHOOK, f"https://{owner.lower()}.example/h")
        if facility_mail:
            self._endpoint(Audience.FACILITY, FACILITIES[0], Channel.EMAIL, "hcc@example.gov")

    def _endpoint(self, audience: Audience, owner: str, channel: Channel, target: str) -> None:
        inbox.set_endpoint(
            inbox.SetEndpoint(
                audience=audience,
                owner_code=owner,
                channel=channel,
                target=target,
                secret=f"secret-{self.rng.random()}" if channel is Channel.WEBHOOK else None,
            ),
            self.ctx,
        )

    # -- the law and the clock --------------------------------------------------------------

    @rule(action=st.sampled_from(Action), effect=st.sampled_from(Effect))
    def law_changes(self, action: Action, effect: Effect) -> None:
        self.engine.effects[action] = effect

    @rule(hours=st.sampled_from([None, 1, 24, 48]))
    def law_changes_the_hold_limit(self, hours: int | None) -> None:
        self.engine.hold_hours = hours

    @rule(by=minutes)
    def time_passes(self, by: int) -> None:
        self.clock.advance(minutes=by)

    @precondition(lambda self: any(t.fired_at is None for t in self.uow.store.timers.values()))
    @rule(late_by=st.sampled_from([0, 0, 1, 60, 90 * 60]))
    def time_reaches_the_next_timer(self, late_by: int) -> None:
        due = min(t.due_at for t in self.uow.store.timers.values() if t.fired_at is None)
        target = due + timedelta(seconds=late_by)
        self.clock.advance(seconds=max(0.0, (target - self.clock.now()).total_seconds()))

    # -- the worker ---------------------------------------------------------------------------

    def _round(self, fail_rate: float) -> None:
        """Fire everything due (200 timers a transaction), then deliver one batch.

        (A round with nothing due changes nothing; it is skipped to save time.)
        """
        now = self.clock.now()
        timer_due = self._due()[0]
        if timer_due is not None and timer_due <= now:
            while notices.fire_due_timers(self.ctx, now) == 200:
                pass
        self.swept_at, self.swept_step = now, self.step
        message_due = self._due()[1]
        if message_due is not None and message_due <= now:
            sender = FlakySender(self.receiver, self.rng, fail_rate)
            delivery.deliver_due(self.ctx, sender, now, limit=100, rng=self.rng)

    def _due(self) -> tuple[datetime | None, datetime | None]:
        """When the next timer and the next pending message fall due."""
        store = self.uow.store
        timers = [t.due_at for t in store.timers.values() if t.fired_at is None]
        pending = [m.due_at for m in store.messages.values() if m.status is MessageStatus.PENDING]
        return min(timers, default=None), min(pending, default=None)

    def _next_due(self) -> datetime | None:
        return min((d for d in self._due() if d is not None), default=None)

    @rule(fail_rate=st.sampled_from([0.0, 0.0, 0.3, 1.0]))
    def a_worker_round(self, fail_rate: float) -> None:
        self._round(fail_rate)

    @rule(hours=st.sampled_from([1, 6, 49]), fail_rate=st.sampled_from([0.0, 0.3, 1.0]))
    def the_worker_runs_for_a_while(self, hours: int, fail_rate: float) -> None:
        """A worker polling as time passes: a round whenever something falls due (six at
        most; 1.0: the receiver is down throughout), then one at the end."""
        end = self.clock.now() + timedelta(hours=hours)
        for _ in range(6):
            self._round(fail_rate)
            due = self._next_due()
            if due is None or due > end:
                break
            self.clock.advance(seconds=max(0.0, (due - self.clock.now()).total_seconds()))
        self.clock.advance(seconds=max(0.0, (end - self.clock.now()).total_seconds()))
        self._round(fail_rate)

    @rule(during=st.sampled_from(["timers", "delivery"]), seed=st.integers(0, 2**32))
    def the_worker_is_killed_and_restarts(self, during: str, seed: int) -> None:
        """Killed before its commit (after sending, if it was delivering); restarted with nothing."""
        now = self.clock.now()
        try:
            if during == "timers":
                dying = replace(self.ctx, uow=lambda: _DyingUnit(self.uow.store))
                notices.fire_due_timers(dying, now)
            else:
                sender = FlakySender(self.receiver, self.rng, 0.0, dies=True)
                delivery.deliver_due(self.ctx, sender, now, limit=100, rng=self.rng)
        except WorkerKilled:
            pass
        self.rng = random.Random(seed)

    # -- custody ---------------------------------------------------------------------------

    @rule(
        person=st.integers(0, PEOPLE - 1),
        facility=st.sampled_from(FACILITIES[:1] * 3 + FACILITIES[1:]),
        number=st.sampled_from(NUMBERS),
        hours=release_in,
    )
    def book(self, person: int, facility: str, number: str, hours: int | None) -> None:
        now = self.clock.now()
        booking = self._run(
            lambda: bookings.record_booking(
                c.RecordBooking(
                    facility_code=facility,
                    booking_number=number,
                    person=c.PersonDetails(
                        name=PersonName(given=("Test",), family=(f"Person{person}",)),
                        identifiers={IdentifierKind.FBI_NUMBER: _identifier(person)},
                    ),
                    booked_at=now,
                    actor=CLERK,
                    scheduled_release_at=None if hours is None else now + timedelta(hours=hours),
                ),
                self.ctx,
            )
        )
        if booking is not None:
            self.booking_ids.append(booking.id)  # type: ignore[attr-defined]

    @precondition(lambda self: self.booking_ids)
    @rule(booking=targets, hours=release_in)
    def schedule_release(self, booking: tuple[int, int], hours: int | None) -> None:
        now = self.clock.now()
        self._run(
            lambda: bookings.schedule_release(
                c.ScheduleRelease(
                    booking_id=self._booking(booking, S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED),
                    release_at=None if hours is None else now + timedelta(hours=hours),
                    actor=CLERK,
                ),
                self.ctx,
            )
        )

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

    # -- detainers ---------------------------------------------------------------------------

    @rule(
        person=st.integers(0, PEOPLE - 1),
        facility=st.sampled_from(FACILITIES[:1] * 3 + FACILITIES[1:]),
        requests=asks,
    )
    def lodge(self, person: int, facility: str, requests: frozenset[RequestedAction]) -> None:
        detainer = self._run(
            lambda: detainers.lodge_detainer(
                c.LodgeDetainer(
                    agency_code=AGENCY,
                    facility_code=facility,
                    subject=subject(fbi_number=_identifier(person)),
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
        hours=release_in,
        requests=asks,
        choice=choices,
        releasable=st.none() | st.sampled_from(ReleaseReason),
    )
    def a_person_is_booked_and_a_detainer_lodged_and_reviewed(
        self,
        person: int,
        number: str,
        hours: int | None,
        requests: frozenset[RequestedAction],
        choice: ReviewChoice,
        releasable: ReleaseReason | None,
    ) -> None:
        """Commands in a row, each free to be refused, so random runs often reach holds and notices."""
        self.book(person, FACILITIES[0], number, hours)
        self.lodge(person, FACILITIES[0], requests)
        if not self.detainer_ids:
            return
        last = (len(self.detainer_ids) - 1, 9)  # aim 9: exactly the detainer just lodged
        self.review(last, choice, None)
        booking_id = self.uow.store.detainers[self._detainer(last)].booking_id
        if releasable is not None and booking_id is not None:
            self._run(
                lambda: bookings.mark_releasable(
                    c.MarkReleasable(booking_id=booking_id, reason=releasable, actor=CLERK),
                    self.ctx,
                )
            )

    @rule(person=st.integers(0, PEOPLE - 1), number=st.sampled_from(NUMBERS), hours=release_in)
    def a_person_is_held(self, person: int, number: str, hours: int | None) -> None:
        """Booked, lodged, honored and marked releasable: a hold, where the law allows one."""
        self.a_person_is_booked_and_a_detainer_lodged_and_reviewed(
            person,
            number,
            hours,
            frozenset({RequestedAction.HOLD, RequestedAction.NOTIFY}),
            ReviewChoice.HONOR,
            ReleaseReason.BOND_POSTED,
        )

    @precondition(lambda self: self.detainer_ids)
    @rule(
        detainer=targets,
        warrant=st.sampled_from(Warrant),
        worker_between=st.booleans(),
        choice=choices,
    )
    def the_agency_amends_and_the_facility_reviews_again(
        self,
        detainer: tuple[int, int],
        warrant: Warrant,
        worker_between: bool,
        choice: ReviewChoice,
    ) -> None:
        """The terms change after a decision; a worker may run before the new decision."""
        detainer_id = self._detainer(detainer, S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED)
        self._run(
            lambda: detainers.amend_detainer(
                c.AmendDetainer(
                    detainer_id=detainer_id, reason="new terms", actor=AGENT, warrant=warrant
                ),
                self.ctx,
            )
        )
        if worker_between:
            self._round(0.0)
        self._run(
            lambda: detainers.record_review(
                c.RecordReview(detainer_id=detainer_id, choice=choice, actor=CLERK), self.ctx
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
    @rule(detainer=targets, hours=st.integers(0, 72))
    def staff_notify_release(self, detainer: tuple[int, int], hours: int) -> None:
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
                    detainer_id=self._detainer(detainer, *REVIEWABLE, S.RELEASE_NOTIFIED),
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

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def no_hold_outlives_its_deadline_unrecorded(self) -> None:
        store = self.uow.store
        for d in store.detainers.values():
            hold = d.hold
            if hold is None:
                continue
            open_late = hold.is_open and hold.deadline_at + notices.GRACE <= self.swept_at
            ended_late = hold.ended_at is not None and hold.ended_at > hold.deadline_at
            if not (open_late or ended_late):
                continue
            events = [type(e).__name__ for e in store.events[d.id]]
            assert "HoldDeadlinePassed" in events, f"{d.id}: overrun unrecorded"
            assert hold.overrun_recorded_at is not None
            assert any(
                m.subject == d.id
                and m.type is MessageType.HOLD_OVERDUE
                and (m.audience, m.recipient, m.channel)
                == (Audience.FACILITY, d.facility_code, Channel.INBOX)
                for m in store.messages.values()
            ), f"{d.id}: no violation alarm for the facility"

    @invariant()
    def no_message_is_delivered_twice(self) -> None:
        store = self.uow.store
        successes = Counter(a.message_id for a in store.attempts if a.succeeded)
        for m in store.messages.values():
            if m.channel is Channel.INBOX:
                assert successes[m.id] == 0
                continue
            delivered = m.status is MessageStatus.DELIVERED
            assert successes[m.id] == (1 if delivered else 0), f"{m.key}: {successes[m.id]}"
            if delivered:
                assert m.delivered_at is not None
                assert self.delivered.setdefault(m.id, m.delivered_at) == m.delivered_at
                assert self.receiver.accepted[m.key] >= 1, f"{m.key}: delivered, never received"
            else:
                assert m.id not in self.delivered, f"{m.key}: delivered, then not"

    @invariant()
    def no_release_notice_without_permission(self) -> None:
        store = self.uow.store
        for m in store.messages.values():
            if m.id in self.checked_notices or m.type not in RELEASE_NOTICES:
                continue
            self.checked_notices.add(m.id)
            if m.status is MessageStatus.WITHHELD:
                continue
            d = store.detainers[m.subject]
            assert m.audience is Audience.AGENCY
            assert d.permits(Action.NOTIFY), f"{m.key}: notice sent, decision forbids it"

    def _track_changes(self) -> None:
        """Count the step; remember, per detainer, the step at which what decides its notice changed."""
        self.step += 1
        store = self.uow.store
        for d in store.detainers.values():
            booking = store.bookings.get(d.booking_id or "")
            now = (
                d.last_sequence,
                d.decision.id if d.decision else None,
                booking.scheduled_release_at if booking else None,
                booking.in_custody if booking else None,
            )
            if self.changed.get(d.id, (None, 0))[0] != now:
                self.changed[d.id] = (now, self.step)

    @invariant()
    def no_release_notice_is_lost(self) -> None:
        self._track_changes()
        store = self.uow.store
        for d in store.detainers.values():
            if d.state not in (S.HONORED, S.NOTIFY_ONLY) or not d.permits(Action.NOTIFY):
                continue
            booking = store.bookings[d.booking_id or ""]
            release_at = booking.scheduled_release_at
            if not booking.in_custody or release_at is None:
                continue
            unchanged_since_the_sweep = self.changed[d.id][1] <= self.swept_step
            due = release_at - DEFAULT_NOTICE_LEAD <= self.swept_at
            assert not (unchanged_since_the_sweep and due), (
                f"{d.id}: notice for [{release_at}] owed since [{release_at - DEFAULT_NOTICE_LEAD}],"
                f" not sent by the round at [{self.swept_at}]"
            )

    @invariant()
    def timers_fire_once_and_keys_are_unique(self) -> None:
        store = self.uow.store
        for timer in store.timers.values():
            if timer.fired_at is not None:
                assert self.fired.setdefault(timer.id, timer.fired_at) == timer.fired_at
            else:
                assert timer.id not in self.fired, f"{timer.key}: fired, then unfired"
        keys = [t.key for t in store.timers.values()]
        assert len(keys) == len(set(keys))
        keys = [m.key for m in store.messages.values()]
        assert len(keys) == len(set(keys))

    @invariant()
    def a_dead_message_has_an_alarm(self) -> None:
        messages = self.uow.store.messages.values()
        alarmed = {
            m.data.get("message_id")
            for m in messages
            if m.type is MessageType.DELIVERY_FAILED and m.channel is Channel.INBOX
        }
        for m in messages:
            if m.status is MessageStatus.DEAD and m.type is not MessageType.DELIVERY_FAILED:
                assert m.id in alarmed, f"{m.key}: dead without an alarm"

    @invariant()
    def the_audit_chain_holds(self) -> None:
        assert first_break(self.uow.store.audit) is None


@pytest.mark.slow
def test_random_stories_and_worker_rounds_keep_every_notification_promise() -> None:
    run_state_machine_as_test(
        Notifications,
        settings=settings(
            max_examples=150,
            stateful_step_count=60,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# -- what the machine found ----------------------------------------------------------


def _release_notices(world: World, detainer_id: str) -> list[str]:
    return [
        m.type.value
        for m in world.uow.store.messages.values()
        if m.subject == detainer_id and m.type in RELEASE_NOTICES and m.channel is Channel.INBOX
    ]


def test_a_release_notice_whose_time_came_during_a_new_review_is_sent_after_the_new_decision() -> (
    None
):
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    release_at = world.clock.now() + timedelta(hours=49)
    bookings.schedule_release(
        c.ScheduleRelease(booking_id=booking.id, release_at=release_at, actor=CLERK), world.ctx
    )
    detainers.amend_detainer(
        c.AmendDetainer(
            detainer_id=detainer.id, reason="new terms", actor=AGENT, warrant=Warrant.I_205
        ),
        world.ctx,
    )
    world.clock.advance(hours=2)  # the notice's time comes while the detainer awaits review
    notices.fire_due_timers(world.ctx, world.clock.now())
    world.review(detainer.id, ReviewChoice.HONOR)
    notices.fire_due_timers(world.ctx, world.clock.now())

    assert world.detainer(detainer.id).state is S.RELEASE_NOTIFIED
    assert _release_notices(world, detainer.id) == [MessageType.RELEASE_NOTICE.value]


def test_a_release_called_off_and_set_again_for_the_same_time_is_still_noticed() -> None:
    world = World()
    booking, detainer = world.booked_and_lodged(ReviewChoice.HONOR)
    release_at = world.clock.now() + timedelta(hours=49)

    def schedule(at: datetime | None) -> None:
        bookings.schedule_release(
            c.ScheduleRelease(booking_id=booking.id, release_at=at, actor=CLERK), world.ctx
        )

    schedule(release_at)
    schedule(None)
    world.clock.advance(hours=2)
    notices.fire_due_timers(world.ctx, world.clock.now())  # nothing to tell: the release is off
    schedule(release_at)
    notices.fire_due_timers(world.ctx, world.clock.now())

    assert world.detainer(detainer.id).state is S.RELEASE_NOTIFIED
    assert _release_notices(world, detainer.id) == [MessageType.RELEASE_NOTICE.value]
