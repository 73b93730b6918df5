"""The lifecycle table, exhaustively: every (state, action) pair, by the table and by the aggregate.

`EXPECTED` is written out here from DESIGN.md's lifecycle, independently of
`TRANSITIONS`, so a change to the table that the design does not call for fails.
"""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from detainers.domain import events as ev
from detainers.domain.detainer import Detainer
from detainers.domain.errors import IllegalTransition, TerminalState
from detainers.domain.lifecycle import (
    REVIEW_ACTIONS,
    TERMINAL_STATES,
    TRANSITIONS,
    DetainerState,
    LifecycleAction,
    allowed_from,
    next_state,
)
from detainers.domain.vocabulary import ReleaseReason, ReviewChoice, Warrant
from tests.unit.builders import CLERK, HOURS, T0, decision, detainer_in

S = DetainerState
A = LifecycleAction

_REVIEWS = {A.HONOR: S.HONORED, A.NOTIFY_ONLY: S.NOTIFY_ONLY, A.DECLINE: S.DECLINED}
_REVIEWS[A.ESCALATE] = S.CONFLICT

EXPECTED: dict[DetainerState, dict[LifecycleAction, DetainerState]] = {
    S.UNMATCHED: {A.MATCH: S.RECEIVED, A.MARK_NOT_IN_CUSTODY: S.NOT_IN_CUSTODY},
    S.RECEIVED: {**_REVIEWS, A.MARK_NOT_IN_CUSTODY: S.NOT_IN_CUSTODY, A.RELEASE: S.RELEASED},
    S.HONORED: {
        **_REVIEWS,
        A.NOTIFY_RELEASE: S.RELEASE_NOTIFIED,
        A.START_HOLD: S.ON_HOLD,
        A.TRANSFER: S.TRANSFERRED,
        A.RELEASE: S.RELEASED,
    },
    S.NOTIFY_ONLY: {
        **_REVIEWS,
        A.NOTIFY_RELEASE: S.RELEASE_NOTIFIED,
        A.TRANSFER: S.TRANSFERRED,
        A.RELEASE: S.RELEASED,
    },
    S.DECLINED: {**_REVIEWS, A.RELEASE: S.RELEASED},
    S.CONFLICT: {**_REVIEWS, A.RELEASE: S.RELEASED},
    S.RELEASE_NOTIFIED: {
        A.NOTIFY_RELEASE: S.RELEASE_NOTIFIED,
        A.START_HOLD: S.ON_HOLD,
        A.TRANSFER: S.TRANSFERRED,
        A.RELEASE: S.RELEASED,
    },
    S.ON_HOLD: {
        A.TRANSFER: S.TRANSFERRED,
        A.RELEASE: S.RELEASED,
        A.RELEASE_AT_DEADLINE: S.RELEASED_AT_DEADLINE,
    },
    S.TRANSFERRED: {},
    S.RELEASED: {},
    S.RELEASED_AT_DEADLINE: {},
    S.CANCELLED: {},
    S.NOT_IN_CUSTODY: {},
}
for _state, _moves in EXPECTED.items():
    if _state not in TERMINAL_STATES:
        _moves[A.CANCEL] = S.CANCELLED
# New terms need a new review; a hold runs on the terms it started with.
EXPECTED[S.UNMATCHED][A.AMEND] = S.UNMATCHED
for _state in (S.RECEIVED, S.HONORED, S.NOTIFY_ONLY, S.DECLINED, S.CONFLICT, S.RELEASE_NOTIFIED):
    EXPECTED[_state][A.AMEND] = S.RECEIVED

FINAL = {S.TRANSFERRED, S.RELEASED, S.RELEASED_AT_DEADLINE, S.CANCELLED, S.NOT_IN_CUSTODY}

ALL_PAIRS = list(itertools.product(DetainerState, LifecycleAction))
LEGAL = [(s, a) for s, a in ALL_PAIRS if a in EXPECTED[s]]
ILLEGAL = [(s, a) for s, a in ALL_PAIRS if a not in EXPECTED[s]]


def _id(pair: tuple[DetainerState, LifecycleAction]) -> str:
    return f"{pair[0]}-{pair[1]}"


# -- the table ------------------------------------------------------------------


def test_the_expected_table_names_every_state() -> None:
    assert set(EXPECTED) == set(DetainerState)


def test_the_final_states_are_the_five_of_the_design() -> None:
    assert {s for s in DetainerState if s.is_terminal} == FINAL
    assert set(TERMINAL_STATES) == FINAL


@pytest.mark.parametrize("pair", LEGAL, ids=_id)
def test_a_legal_action_leads_to_the_designed_state(
    pair: tuple[DetainerState, LifecycleAction],
) -> None:
    state, action = pair
    assert next_state("det-1", state, action) is EXPECTED[state][action]
    assert TRANSITIONS[(state, action)] is EXPECTED[state][action]


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_an_illegal_action_raises_an_error_naming_the_state_and_the_action(
    pair: tuple[DetainerState, LifecycleAction],
) -> None:
    state, action = pair
    assert (state, action) not in TRANSITIONS
    expected_error = TerminalState if state in FINAL else IllegalTransition
    with pytest.raises(expected_error) as raised:
        next_state("det-42", state, action)
    message = str(raised.value)
    assert f"[{state.value}]" in message
    assert f"[{action.value}]" in message
    assert "[det-42]" in message
    assert raised.value.state == state
    assert raised.value.action == action
    if state not in FINAL:
        assert type(raised.value) is IllegalTransition


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_an_illegal_action_error_lists_where_the_action_is_allowed(
    pair: tuple[DetainerState, LifecycleAction],
) -> None:
    state, action = pair
    with pytest.raises(IllegalTransition) as raised:
        next_state("det-1", state, action)
    allowed = [s for s in DetainerState if action in EXPECTED[s]]
    assert f"allowed from: [{', '.join(allowed)}]" in str(raised.value)


@pytest.mark.parametrize("state", sorted(FINAL), ids=str)
@pytest.mark.parametrize("action", list(LifecycleAction), ids=str)
def test_a_final_state_refuses_every_action_as_terminal(
    state: DetainerState, action: LifecycleAction
) -> None:
    with pytest.raises(TerminalState):
        next_state("det-1", state, action)


ALLOWED_FROM = [
    (A.MATCH, (S.UNMATCHED,)),
    (A.START_HOLD, (S.HONORED, S.RELEASE_NOTIFIED)),
    (A.TRANSFER, (S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED, S.ON_HOLD)),
    (A.RELEASE_AT_DEADLINE, (S.ON_HOLD,)),
    (A.NOTIFY_RELEASE, (S.HONORED, S.NOTIFY_ONLY, S.RELEASE_NOTIFIED)),
    (A.MARK_NOT_IN_CUSTODY, (S.UNMATCHED, S.RECEIVED)),
    (A.HONOR, (S.RECEIVED, S.HONORED, S.NOTIFY_ONLY, S.DECLINED, S.CONFLICT)),
    (
        A.RELEASE,
        (
            S.RECEIVED,
            S.HONORED,
            S.NOTIFY_ONLY,
            S.DECLINED,
            S.CONFLICT,
            S.RELEASE_NOTIFIED,
            S.ON_HOLD,
        ),
    ),
    (A.CANCEL, tuple(s for s in DetainerState if s not in FINAL)),
    (
        A.AMEND,
        (
            S.UNMATCHED,
            S.RECEIVED,
            S.HONORED,
            S.NOTIFY_ONLY,
            S.DECLINED,
            S.CONFLICT,
            S.RELEASE_NOTIFIED,
        ),
    ),
]


@pytest.mark.parametrize(("action", "states"), ALLOWED_FROM, ids=[a for a, _ in ALLOWED_FROM])
def test_allowed_from_lists_the_states_an_action_may_start_from_in_declaration_order(
    action: LifecycleAction, states: tuple[DetainerState, ...]
) -> None:
    assert allowed_from(action) == states


def test_every_action_is_allowed_from_some_state() -> None:
    assert all(allowed_from(action) for action in LifecycleAction)


def test_every_state_is_reachable_from_lodging() -> None:
    reached = {S.UNMATCHED}
    frontier = [S.UNMATCHED]
    while frontier:
        state = frontier.pop()
        for action in LifecycleAction:
            target = TRANSITIONS.get((state, action))
            if target is not None and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(DetainerState)


def test_every_live_state_can_be_cancelled() -> None:
    for state in DetainerState:
        if not state.is_terminal:
            assert next_state("det-1", state, A.CANCEL) is S.CANCELLED


def test_every_review_choice_has_a_lifecycle_action() -> None:
    assert set(REVIEW_ACTIONS) == {choice.value for choice in ReviewChoice}


@pytest.mark.parametrize("member", [*DetainerState, *LifecycleAction], ids=str)
def test_every_state_and_action_says_what_it_means(member: DetainerState) -> None:
    assert member.description.strip()


# -- the same pairs through the aggregate ------------------------------------------

_ACT_AT = T0 + 2 * HOURS
_CHOICE = {
    A.HONOR: ReviewChoice.HONOR,
    A.NOTIFY_ONLY: ReviewChoice.NOTIFY_ONLY,
    A.DECLINE: ReviewChoice.DECLINE,
    A.ESCALATE: ReviewChoice.ESCALATE,
}
_EVENT = {
    A.MATCH: ev.DetainerMatched,
    A.HONOR: ev.DetainerReviewed,
    A.NOTIFY_ONLY: ev.DetainerReviewed,
    A.DECLINE: ev.DetainerReviewed,
    A.ESCALATE: ev.DetainerReviewed,
    A.NOTIFY_RELEASE: ev.ReleaseNotified,
    A.START_HOLD: ev.HoldStarted,
    A.TRANSFER: ev.DetainerTransferred,
    A.RELEASE: ev.SubjectReleased,
    A.RELEASE_AT_DEADLINE: ev.ReleasedAtDeadline,
    A.AMEND: ev.DetainerAmended,
    A.CANCEL: ev.DetainerCancelled,
    A.MARK_NOT_IN_CUSTODY: ev.MarkedNotInCustody,
}


def _when(detainer: Detainer, action: LifecycleAction) -> datetime:
    if action is A.RELEASE_AT_DEADLINE and detainer.hold is not None:
        return detainer.hold.deadline_at
    return _ACT_AT


def _perform(detainer: Detainer, action: LifecycleAction, at: datetime) -> None:
    """Do `action` on `detainer` through its own method, as `CLERK` at `at`."""
    if action is A.MATCH:
        detainer.match(booking_id="bk-1", identifier_kind="fbi_number", at=at, actor=CLERK)
    elif action in _CHOICE:
        detainer.review(decision=decision(_CHOICE[action], at=at), actor=CLERK)
    elif action is A.NOTIFY_RELEASE:
        detainer.notify_release(release_at=at + 24 * HOURS, at=at, actor=CLERK)
    elif action is A.START_HOLD:
        detainer.start_hold(
            at=at, legal_until=at + 48 * HOURS, facility_limit_hours=None, actor=CLERK
        )
    elif action is A.TRANSFER:
        detainer.transfer(at=at, actor=CLERK)
    elif action is A.RELEASE:
        detainer.release(at=at, reason=ReleaseReason.BOND_POSTED, actor=CLERK)
    elif action is A.RELEASE_AT_DEADLINE:
        detainer.release_at_deadline(at=at, actor=CLERK)
    elif action is A.AMEND:
        detainer.amend(
            at=at, reason="a judge signed a warrant", actor=CLERK, warrant=Warrant.JUDICIAL
        )
    elif action is A.CANCEL:
        detainer.cancel(at=at, reason="withdrawn by the field office", actor=CLERK)
    else:
        detainer.mark_not_in_custody(at=at, reason="no such person here", actor=CLERK)


@pytest.mark.parametrize("pair", LEGAL, ids=_id)
def test_every_legal_transition_of_a_detainer_appends_one_event_saying_who_when_and_why(
    pair: tuple[DetainerState, LifecycleAction],
) -> None:
    state, action = pair
    detainer = detainer_in(state)
    at = _when(detainer, action)

    _perform(detainer, action, at)

    assert detainer.state is EXPECTED[state][action]
    assert len(detainer.new_events) == 1
    event = detainer.new_events[0]
    assert type(event) is _EVENT[action]
    assert (event.from_state, event.to_state) == (state.value, detainer.state.value)
    assert event.actor == CLERK
    assert event.occurred_at == at
    assert event.reason.strip()
    assert event.detainer_id == detainer.id
    assert event.sequence == detainer.last_sequence == 2
    if action is A.CANCEL:
        assert event.reason == "withdrawn by the field office"
    if action is A.AMEND:
        assert event.reason == "a judge signed a warrant"
    if action is A.MARK_NOT_IN_CUSTODY:
        assert event.reason == "no such person here"


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_every_illegal_transition_of_a_detainer_is_refused_and_changes_nothing(
    pair: tuple[DetainerState, LifecycleAction],
) -> None:
    state, action = pair
    detainer = detainer_in(state)
    before = (detainer.state, detainer.hold, detainer.decision, detainer.booking_id)

    with pytest.raises(IllegalTransition) as raised:
        _perform(detainer, action, _when(detainer, action))

    assert raised.value.state == state
    assert isinstance(raised.value, TerminalState) == (state in FINAL)
    assert (detainer.state, detainer.hold, detainer.decision, detainer.booking_id) == before
    assert detainer.new_events == []
    assert detainer.last_sequence == 1


@pytest.mark.parametrize("state", sorted(FINAL), ids=str)
def test_serving_a_closed_detainer_is_refused_as_terminal(state: DetainerState) -> None:
    detainer = detainer_in(state)
    with pytest.raises(TerminalState, match=r"cannot \[serve\]"):
        detainer.serve(at=_ACT_AT, actor=CLERK)
    assert detainer.served_at is None
    assert detainer.new_events == []
