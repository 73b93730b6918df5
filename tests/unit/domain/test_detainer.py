"""The detainer aggregate's guards beyond the state table: decisions, deadlines, times, outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from detainers.domain import events as ev
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.errors import (
    DecisionDoesNotPermit,
    IllegalTransition,
    InvalidValue,
    TerminalState,
)
from detainers.domain.hold import Hold
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    DetainerForm,
    Effect,
    HoldEndReason,
    IdentifierKind,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from tests.unit.builders import (
    AGENCY,
    AGENT,
    CLERK,
    FACILITY,
    HOURS,
    T0,
    decision,
    detainer_in,
    kinds,
    lodged,
)

S = DetainerState
NOTIFY = frozenset({RequestedAction.NOTIFY})
NAIVE = datetime(2024, 2, 1, 12, 0)  # no zone: the point of the tests that use it


def _on_hold(*, deadline_hours: int = 48) -> Detainer:
    """Held from T0+1h with a deadline `deadline_hours` later."""
    hold = Hold.start(
        at=T0 + HOURS, legal_until=T0 + (1 + deadline_hours) * HOURS, facility_limit_hours=None
    )
    return detainer_in(S.ON_HOLD, hold=hold)


# -- lodging ---------------------------------------------------------------------


def test_a_lodged_detainer_waits_unmatched_with_one_event_describing_the_request() -> None:
    detainer = lodged()
    assert detainer.state is S.UNMATCHED
    assert detainer.booking_id is None
    assert detainer.is_live
    [event] = detainer.new_events
    assert isinstance(event, ev.DetainerLodged)
    assert (event.sequence, event.from_state, event.to_state) == (1, "", "unmatched")
    assert (event.actor, event.occurred_at) == (AGENT, T0)
    assert event.payload() == {
        "agency_code": AGENCY,
        "facility_code": FACILITY,
        "form": "I-247A",
        "warrant": "I-200",
        "requests": "hold,notify",
    }


def test_a_detainer_asking_for_nothing_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^detainer\.requests: .* asks for nothing"):
        lodged(requests=frozenset())


def test_a_lodging_time_without_a_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue, match=r"^lodged_at: \[2024-02-01T12:00:00\] has no time zone"):
        lodged(at=NAIVE)


def test_a_lodged_subject_with_a_malformed_identifier_is_refused_naming_it() -> None:
    with pytest.raises(InvalidValue, match=r"^subject\.identifiers\.a_number: \[A 123\]"):
        LodgedSubject(
            name=PersonName(given=(), family=("Doe",)),
            identifiers={IdentifierKind.A_NUMBER: "A 123"},
        )


# -- time --------------------------------------------------------------------------

_ACTS: dict[str, Callable[[Detainer, datetime], None]] = {
    "match": lambda d, at: d.match(booking_id="bk-1", identifier_kind="review", at=at, actor=CLERK),
    "serve": lambda d, at: d.serve(at=at, actor=CLERK),
    "review": lambda d, at: d.review(decision=decision(at=at), actor=CLERK),
    "notify_release": lambda d, at: d.notify_release(release_at=T0, at=at, actor=CLERK),
    "start_hold": lambda d, at: d.start_hold(
        at=at, legal_until=T0 + 48 * HOURS, facility_limit_hours=None, actor=CLERK
    ),
    "transfer": lambda d, at: d.transfer(at=at, actor=CLERK),
    "release": lambda d, at: d.release(at=at, reason=ReleaseReason.OTHER, actor=CLERK),
    "cancel": lambda d, at: d.cancel(at=at, reason="withdrawn", actor=CLERK),
    "mark_not_in_custody": lambda d, at: d.mark_not_in_custody(at=at, reason="no", actor=CLERK),
}
_STATE_FOR = {
    "match": S.UNMATCHED,
    "serve": S.RECEIVED,
    "review": S.RECEIVED,
    "notify_release": S.HONORED,
    "start_hold": S.HONORED,
    "transfer": S.HONORED,
    "release": S.HONORED,
    "cancel": S.HONORED,
    "mark_not_in_custody": S.RECEIVED,
}


@pytest.mark.parametrize("act", list(_ACTS))
def test_an_act_dated_before_the_lodging_is_refused(act: str) -> None:
    detainer = detainer_in(_STATE_FOR[act])
    with pytest.raises(InvalidValue, match=r"is before the detainer was lodged"):
        _ACTS[act](detainer, T0 - timedelta(minutes=1))
    assert detainer.state is _STATE_FOR[act]
    assert detainer.new_events == []


@pytest.mark.parametrize("act", list(_ACTS))
def test_an_act_time_without_a_zone_is_refused_naming_the_field(act: str) -> None:
    detainer = detainer_in(_STATE_FOR[act])
    with pytest.raises(InvalidValue, match=r"(^at|^decided_at): \[2024-02-01T12:00:00\] has no"):
        _ACTS[act](detainer, NAIVE)
    assert detainer.new_events == []


def test_a_release_notice_with_a_naive_release_time_is_refused_naming_the_field() -> None:
    detainer = detainer_in(S.HONORED)
    with pytest.raises(InvalidValue, match=r"^release_at: "):
        detainer.notify_release(release_at=NAIVE, at=T0, actor=CLERK)
    assert detainer.state is S.HONORED


def test_an_overrun_check_with_a_naive_time_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue, match=r"^now: "):
        _on_hold().record_overrun(now=NAIVE, actor=CLERK)


# -- matching, serving, review -----------------------------------------------------


def test_matching_records_the_booking_and_the_identifier_that_matched() -> None:
    detainer = lodged()
    detainer.match(booking_id="bk-7", identifier_kind="state_id", at=T0, actor=CLERK)
    assert (detainer.state, detainer.booking_id) == (S.RECEIVED, "bk-7")
    event = detainer.new_events[-1]
    assert isinstance(event, ev.DetainerMatched)
    assert event.payload() == {"booking_id": "bk-7", "identifier_kind": "state_id"}
    assert event.reason == "matched by state_id"


def test_serving_records_the_time_without_changing_the_state() -> None:
    detainer = detainer_in(S.RECEIVED)
    detainer.serve(at=T0 + HOURS, actor=CLERK)
    assert detainer.served_at == T0 + HOURS
    assert detainer.state is S.RECEIVED
    [event] = detainer.new_events
    assert isinstance(event, ev.DetainerServed)
    assert event.from_state == event.to_state == "received"


def test_a_review_records_the_decision_and_an_override_reason_as_the_events_reason() -> None:
    detainer = detainer_in(S.RECEIVED)
    recorded = decision(
        ReviewChoice.DECLINE,
        effects={Action.HOLD: Effect.REQUIRED},
        override_reason="the judge ordered release",
    )
    detainer.review(decision=recorded, actor=CLERK)
    assert detainer.state is S.DECLINED
    assert detainer.decision == recorded
    [event] = detainer.new_events
    assert isinstance(event, ev.DetainerReviewed)
    assert event.reason == "the judge ordered release"
    assert event.payload() == {"decision_id": "dec-1", "choice": "decline", "noncompliant": True}


def test_an_unmatched_detainer_cannot_be_reviewed() -> None:
    detainer = lodged()
    with pytest.raises(IllegalTransition, match=r"cannot \[honor\] from state \[unmatched\]"):
        detainer.review(decision=decision(), actor=CLERK)
    assert detainer.decision is None


# -- holds -------------------------------------------------------------------------


def test_a_hold_is_refused_without_a_recorded_decision() -> None:
    detainer = detainer_in(S.HONORED)
    detainer.decision = None
    with pytest.raises(DecisionDoesNotPermit, match=r"\[hold\] is \[not decided\]"):
        detainer.start_hold(
            at=T0 + HOURS, legal_until=T0 + 49 * HOURS, facility_limit_hours=None, actor=CLERK
        )
    assert (detainer.state, detainer.hold, detainer.new_events) == (S.HONORED, None, [])


def test_a_hold_is_refused_after_a_notice_only_decision_even_once_release_was_notified() -> None:
    detainer = detainer_in(S.RELEASE_NOTIFIED, the_decision=decision(ReviewChoice.NOTIFY_ONLY))
    with pytest.raises(DecisionDoesNotPermit, match=r"recorded choice is \[notify_only\]"):
        detainer.start_hold(
            at=T0 + HOURS, legal_until=T0 + 49 * HOURS, facility_limit_hours=None, actor=CLERK
        )
    assert (detainer.state, detainer.hold) == (S.RELEASE_NOTIFIED, None)


def test_a_hold_is_refused_when_the_agency_did_not_ask_for_one() -> None:
    detainer = detainer_in(S.HONORED, the_decision=decision(requests=NOTIFY))
    with pytest.raises(DecisionDoesNotPermit):
        detainer.start_hold(
            at=T0 + HOURS, legal_until=T0 + 49 * HOURS, facility_limit_hours=None, actor=CLERK
        )
    assert detainer.hold is None


def test_a_hold_is_refused_without_a_legal_latest_end() -> None:
    detainer = detainer_in(S.HONORED)
    with pytest.raises(DecisionDoesNotPermit, match=r"no latest end"):
        detainer.start_hold(at=T0 + HOURS, legal_until=None, facility_limit_hours=24, actor=CLERK)
    assert (detainer.state, detainer.hold, detainer.new_events) == (S.HONORED, None, [])


def test_a_hold_whose_legal_end_has_passed_is_refused() -> None:
    detainer = detainer_in(S.HONORED)
    with pytest.raises(InvalidValue, match=r"^hold\.legal_until: .* is not after the hold's start"):
        detainer.start_hold(at=T0 + HOURS, legal_until=T0, facility_limit_hours=None, actor=CLERK)
    assert (detainer.state, detainer.hold) == (S.HONORED, None)


@pytest.mark.parametrize(
    ("legal_hours", "limit_hours", "deadline_hours"),
    [(48, None, 48), (48, 24, 24), (48, 72, 48), (48, 48, 48), (10, 12, 10)],
)
def test_a_hold_deadline_is_the_earlier_of_the_legal_end_and_the_facility_limit(
    legal_hours: int, limit_hours: int | None, deadline_hours: int
) -> None:
    start = T0 + HOURS
    detainer = detainer_in(S.HONORED)
    hold = detainer.start_hold(
        at=start,
        legal_until=start + legal_hours * HOURS,
        facility_limit_hours=limit_hours,
        actor=CLERK,
    )
    assert detainer.state is S.ON_HOLD
    assert detainer.hold == hold
    assert hold.deadline_at == start + deadline_hours * HOURS
    [event] = detainer.new_events
    assert isinstance(event, ev.HoldStarted)
    assert event.deadline_at == hold.deadline_at.isoformat()
    assert event.legal_until == (start + legal_hours * HOURS).isoformat()


def test_an_overrun_is_not_recorded_before_or_at_the_deadline() -> None:
    detainer = _on_hold()
    deadline = T0 + 49 * HOURS
    assert detainer.record_overrun(now=deadline - HOURS, actor="system") is False
    assert detainer.record_overrun(now=deadline, actor="system") is False
    assert detainer.new_events == []
    assert detainer.hold is not None
    assert detainer.hold.overrun_recorded_at is None


def test_an_overrun_is_recorded_exactly_once() -> None:
    detainer = _on_hold()
    deadline = T0 + 49 * HOURS
    late = deadline + timedelta(minutes=5)
    assert detainer.record_overrun(now=late, actor="system") is True
    assert detainer.record_overrun(now=late + HOURS, actor="system") is False
    [event] = detainer.new_events
    assert isinstance(event, ev.HoldDeadlinePassed)
    assert event.reason.startswith("VIOLATION")
    assert event.payload() == {"deadline_at": deadline.isoformat(), "overrun_seconds": 300}
    assert event.from_state == event.to_state == "on_hold"
    assert detainer.state is S.ON_HOLD
    assert detainer.hold is not None
    assert detainer.hold.overrun_recorded_at == late


def test_an_overrun_is_not_recorded_without_a_hold() -> None:
    detainer = detainer_in(S.HONORED)
    assert detainer.record_overrun(now=T0 + 1000 * HOURS, actor="system") is False
    assert detainer.new_events == []


def test_a_release_after_the_deadline_records_the_violation_before_closing() -> None:
    detainer = _on_hold()
    late = T0 + 50 * HOURS
    detainer.release(at=late, reason=ReleaseReason.OTHER, actor=CLERK)
    assert kinds(detainer.new_events) == ["HoldDeadlinePassed", "SubjectReleased"]
    assert [e.sequence for e in detainer.new_events] == [2, 3]
    assert detainer.state is S.RELEASED
    assert detainer.hold is not None
    assert (detainer.hold.ended_at, detainer.hold.end_reason) == (late, HoldEndReason.RELEASED)
    assert detainer.closed_at == late


def test_a_release_after_an_overrun_already_recorded_does_not_record_it_again() -> None:
    detainer = _on_hold()
    detainer.record_overrun(now=T0 + 50 * HOURS, actor="system")
    detainer.release(at=T0 + 51 * HOURS, reason=ReleaseReason.OTHER, actor=CLERK)
    assert kinds(detainer.new_events) == ["HoldDeadlinePassed", "SubjectReleased"]


def test_a_release_before_the_deadline_ends_the_hold_without_a_violation() -> None:
    detainer = _on_hold()
    detainer.release(at=T0 + 2 * HOURS, reason=ReleaseReason.COURT_ORDER, actor=CLERK)
    assert kinds(detainer.new_events) == ["SubjectReleased"]
    assert detainer.new_events[0].reason == "released: court_order"
    assert detainer.hold is not None
    assert detainer.hold.end_reason is HoldEndReason.RELEASED


def test_a_release_at_the_deadline_is_refused_before_the_deadline() -> None:
    detainer = _on_hold()
    with pytest.raises(InvalidValue, match=r"^released_at: .* is before the hold's deadline"):
        detainer.release_at_deadline(at=T0 + 48 * HOURS, actor=CLERK)
    assert detainer.state is S.ON_HOLD
    assert detainer.hold is not None
    assert detainer.hold.is_open


def test_a_release_exactly_at_the_deadline_is_no_violation() -> None:
    detainer = _on_hold()
    deadline = T0 + 49 * HOURS
    detainer.release_at_deadline(at=deadline, actor=CLERK)
    assert kinds(detainer.new_events) == ["ReleasedAtDeadline"]
    assert detainer.state is S.RELEASED_AT_DEADLINE
    assert detainer.hold is not None
    assert detainer.hold.end_reason is HoldEndReason.DEADLINE


def test_a_release_at_the_deadline_that_comes_late_records_the_violation_first() -> None:
    detainer = _on_hold()
    detainer.release_at_deadline(at=T0 + 52 * HOURS, actor=CLERK)
    assert kinds(detainer.new_events) == ["HoldDeadlinePassed", "ReleasedAtDeadline"]


def test_a_transfer_from_a_hold_ends_the_hold_as_transferred() -> None:
    detainer = _on_hold()
    detainer.transfer(at=T0 + 3 * HOURS, actor=CLERK)
    assert detainer.state is S.TRANSFERRED
    assert detainer.hold is not None
    assert detainer.hold.end_reason is HoldEndReason.TRANSFERRED
    assert detainer.closed_at == T0 + 3 * HOURS


def test_a_transfer_late_in_a_hold_records_the_violation_first() -> None:
    detainer = _on_hold()
    detainer.transfer(at=T0 + 60 * HOURS, actor=CLERK)
    assert kinds(detainer.new_events) == ["HoldDeadlinePassed", "DetainerTransferred"]


def test_cancelling_a_held_detainer_ends_the_hold_at_once() -> None:
    detainer = _on_hold()
    detainer.cancel(at=T0 + 2 * HOURS, reason="agency withdrew it", actor=AGENT)
    assert detainer.state is S.CANCELLED
    assert detainer.cancelled_at == T0 + 2 * HOURS
    assert detainer.hold is not None
    assert (detainer.hold.ended_at, detainer.hold.end_reason) == (
        T0 + 2 * HOURS,
        HoldEndReason.CANCELLED,
    )


# -- transfers and notices -----------------------------------------------------------


def test_a_transfer_is_refused_where_the_law_forbids_it() -> None:
    detainer = detainer_in(
        S.NOTIFY_ONLY,
        the_decision=decision(
            ReviewChoice.NOTIFY_ONLY, effects={Action.TRANSFER: Effect.FORBIDDEN}
        ),
    )
    with pytest.raises(DecisionDoesNotPermit, match=r"\[transfer\] is \[forbidden\]"):
        detainer.transfer(at=T0 + HOURS, actor=CLERK)
    assert detainer.state is S.NOTIFY_ONLY
    assert detainer.closed_at is None


def test_a_transfer_needs_a_live_detainer() -> None:
    detainer = detainer_in(S.RELEASED)
    with pytest.raises(TerminalState, match=r"cannot \[transfer\] from state \[released\]"):
        detainer.transfer(at=T0 + HOURS, actor=CLERK)


def test_a_release_notice_is_refused_when_notice_was_not_requested() -> None:
    detainer = detainer_in(
        S.HONORED, the_decision=decision(requests=frozenset({RequestedAction.HOLD}))
    )
    with pytest.raises(DecisionDoesNotPermit, match=r"\[notify\]"):
        detainer.notify_release(release_at=T0 + 24 * HOURS, at=T0, actor=CLERK)
    assert detainer.state is S.HONORED


def test_a_release_notice_records_the_release_time_in_utc() -> None:
    detainer = detainer_in(S.NOTIFY_ONLY, the_decision=decision(ReviewChoice.NOTIFY_ONLY))
    detainer.notify_release(release_at=T0 + 24 * HOURS, at=T0, actor=CLERK)
    assert detainer.state is S.RELEASE_NOTIFIED
    [event] = detainer.new_events
    assert isinstance(event, ev.ReleaseNotified)
    assert event.release_at == "2024-02-02T09:00:00+00:00"


def test_a_detainer_without_a_decision_permits_nothing() -> None:
    detainer = detainer_in(S.RECEIVED)
    assert not any(detainer.permits(action) for action in Action)


# -- outcomes ----------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.RELEASED, S.RELEASED_AT_DEADLINE])
def test_a_later_agency_arrest_is_recorded_after_a_release(state: DetainerState) -> None:
    detainer = detainer_in(state)
    detainer.closed_at = T0
    detainer.record_agency_arrest(arrest_date=date(2024, 4, 4), at=T0 + 2000 * HOURS, actor=AGENT)
    assert detainer.agency_arrest_date == date(2024, 4, 4)
    assert detainer.state is state
    [event] = detainer.new_events
    assert isinstance(event, ev.AgencyArrestRecorded)
    assert event.arrest_date == "2024-04-04"
    assert event.from_state == event.to_state == state.value


def test_an_agency_arrest_dated_after_the_time_it_is_recorded_is_refused() -> None:
    detainer = detainer_in(S.RELEASED)
    detainer.closed_at = T0
    with pytest.raises(
        InvalidValue, match=r"arrest_date: \[2024-04-04\] is after the time it is recorded"
    ):
        detainer.record_agency_arrest(arrest_date=date(2024, 4, 4), at=T0 + 24 * HOURS, actor=AGENT)
    assert detainer.agency_arrest_date is None
    assert detainer.new_events == []


def test_a_hold_cannot_be_ended_before_it_began() -> None:
    detainer = detainer_in(S.ON_HOLD)
    assert detainer.hold is not None
    before = detainer.hold.started_at - HOURS
    with pytest.raises(InvalidValue, match="is before the hold began"):
        detainer.release(at=before, reason=ReleaseReason.BOND_POSTED, actor=AGENT)
    assert detainer.state is S.ON_HOLD
    assert detainer.hold.is_open


def test_a_later_agency_arrest_may_fall_on_the_day_of_release() -> None:
    detainer = detainer_in(S.RELEASED)
    detainer.closed_at = T0
    detainer.record_agency_arrest(arrest_date=T0.date(), at=T0, actor=AGENT)
    assert detainer.agency_arrest_date == T0.date()


@pytest.mark.parametrize(
    "state", [S.RECEIVED, S.HONORED, S.ON_HOLD, S.TRANSFERRED, S.CANCELLED, S.NOT_IN_CUSTODY]
)
def test_a_later_agency_arrest_needs_a_released_person(state: DetainerState) -> None:
    detainer = detainer_in(state)
    with pytest.raises(InvalidValue, match=rf"needs a released person; detainer is \[{state}\]"):
        detainer.record_agency_arrest(arrest_date=date(2024, 4, 4), at=T0, actor=AGENT)
    assert detainer.agency_arrest_date is None
    assert detainer.new_events == []


def test_a_later_agency_arrest_dated_before_the_release_is_refused() -> None:
    detainer = detainer_in(S.RELEASED)
    detainer.closed_at = T0
    with pytest.raises(InvalidValue, match=r"^arrest_date: \[2024-01-31\] is before the release"):
        detainer.record_agency_arrest(arrest_date=date(2024, 1, 31), at=T0, actor=AGENT)
    assert detainer.agency_arrest_date is None


def test_a_lodged_detainer_keeps_the_form_and_warrant_it_was_lodged_with() -> None:
    detainer = Detainer.lodge(
        id="det-9",
        agency_code=AGENCY,
        facility_code=FACILITY,
        subject=lodged().subject,
        form=DetainerForm.I_247D,
        probable_cause=frozenset(),
        warrant=Warrant.JUDICIAL,
        requests=NOTIFY,
        at=T0,
        actor=AGENT,
    )
    event = detainer.new_events[0]
    assert isinstance(event, ev.DetainerLodged)
    assert (event.form, event.warrant, event.requests) == ("I-247D", "judicial", "notify")
