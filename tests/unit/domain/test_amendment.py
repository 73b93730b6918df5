"""Amending a detainer: the agency changes its terms, and a decision made on the old terms is cleared."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from detainers.domain import events as ev
from detainers.domain.detainer import Detainer
from detainers.domain.errors import IllegalTransition, InvalidValue, TerminalState
from detainers.domain.lifecycle import TRANSITIONS, DetainerState, LifecycleAction, allowed_from
from detainers.domain.vocabulary import (
    DetainerForm,
    ProbableCause,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from tests.unit.builders import AGENT, BOTH, CLERK, HOURS, T0, decision, detainer_in

S = DetainerState
A = LifecycleAction
AT = T0 + 2 * HOURS
REASON = "a judge signed a warrant"
AMENDABLE = allowed_from(A.AMEND)
REFUSED = [s for s in DetainerState if s not in AMENDABLE]
REVIEWED = (S.HONORED, S.NOTIFY_ONLY, S.DECLINED, S.CONFLICT, S.RELEASE_NOTIFIED)


def _snapshot(d: Detainer) -> tuple[object, ...]:
    return (d.state, d.decision, d.hold, d.form, d.probable_cause, d.warrant, d.requests)


def test_a_detainer_can_be_amended_from_every_live_state_but_a_hold() -> None:
    assert set(AMENDABLE) == {s for s in DetainerState if not s.is_terminal} - {S.ON_HOLD}


@pytest.mark.parametrize("state", AMENDABLE, ids=str)
def test_an_amended_detainer_goes_back_for_review_with_its_new_terms(state: DetainerState) -> None:
    detainer = detainer_in(state)

    detainer.amend(at=AT, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL)

    expected = S.UNMATCHED if state is S.UNMATCHED else S.RECEIVED
    assert detainer.state is expected is TRANSITIONS[(state, A.AMEND)]
    assert detainer.warrant is Warrant.JUDICIAL
    assert detainer.decision is None
    [event] = detainer.new_events
    assert isinstance(event, ev.DetainerAmended)
    assert (event.from_state, event.to_state) == (state.value, expected.value)
    assert (event.actor, event.occurred_at, event.reason) == (AGENT, AT, REASON)
    assert event.cleared_decision_id == ("dec-1" if state in REVIEWED else "")


@pytest.mark.parametrize("state", REFUSED, ids=str)
def test_amending_a_held_or_closed_detainer_is_refused_naming_the_state_and_changes_nothing(
    state: DetainerState,
) -> None:
    detainer = detainer_in(state)
    before = _snapshot(detainer)

    with pytest.raises(IllegalTransition, match=rf"cannot \[amend\] from state \[{state}\]"):
        detainer.amend(at=AT, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL)

    assert _snapshot(detainer) == before
    assert detainer.new_events == []


@pytest.mark.parametrize("state", [s for s in REFUSED if s.is_terminal], ids=str)
def test_amending_a_closed_detainer_is_refused_as_terminal(state: DetainerState) -> None:
    with pytest.raises(TerminalState):
        detainer_in(state).amend(at=AT, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL)


def test_amending_a_held_detainer_is_refused_but_not_as_terminal() -> None:
    with pytest.raises(IllegalTransition) as raised:
        detainer_in(S.ON_HOLD).amend(at=AT, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL)
    assert type(raised.value) is IllegalTransition
    assert (raised.value.state, raised.value.action) == (S.ON_HOLD, A.AMEND)


def test_the_event_names_only_the_terms_that_changed_old_and_new() -> None:
    detainer = detainer_in(S.DECLINED)

    detainer.amend(
        at=AT,
        reason=REASON,
        actor=AGENT,
        form=DetainerForm.I_247A,  # as lodged: not a change
        probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS, ProbableCause.FINAL_ORDER}),
        warrant=Warrant.JUDICIAL,
    )

    [event] = detainer.new_events
    assert event.payload() == {
        "before": {"probable_cause": ["pending_proceedings"], "warrant": "I-200"},
        "after": {"probable_cause": ["final_order", "pending_proceedings"], "warrant": "judicial"},
        "cleared_decision_id": "dec-1",
    }


def test_changed_requests_and_form_are_recorded_and_kept() -> None:
    detainer = detainer_in(S.RECEIVED)
    notify = frozenset({RequestedAction.NOTIFY})

    detainer.amend(
        at=AT, reason="notice only", actor=AGENT, form=DetainerForm.I_247N, requests=notify
    )

    assert (detainer.form, detainer.requests) == (DetainerForm.I_247N, notify)
    assert (detainer.probable_cause, detainer.warrant) == (
        frozenset({ProbableCause.PENDING_PROCEEDINGS}),
        Warrant.I_200,
    )
    [event] = detainer.new_events
    assert isinstance(event, ev.DetainerAmended)
    assert event.before == {"form": "I-247A", "requests": ["hold", "notify"]}
    assert event.after == {"form": "I-247N", "requests": ["notify"]}


def test_an_event_of_an_amendment_travels_as_json_and_is_rebuilt_equal() -> None:
    detainer = detainer_in(S.HONORED)
    detainer.amend(
        at=AT, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL, probable_cause=frozenset()
    )
    [event] = detainer.new_events

    payload = json.loads(json.dumps(event.payload()))
    base = {f.name: getattr(event, f.name) for f in fields(ev.DetainerEvent)}

    assert ev.event_from_record("DetainerAmended", base, payload) == event
    assert payload["after"] == {"probable_cause": [], "warrant": "judicial"}
    assert hash(event) == hash(ev.event_from_record("DetainerAmended", base, payload))


@pytest.mark.parametrize(
    ("terms", "named"),
    [
        ({"form": DetainerForm.I_247A, "warrant": Warrant.I_200}, r"\[form, warrant\] repeats"),
        ({"requests": BOTH}, r"\[requests\] repeats"),
        ({}, r"\[\] names no term"),
    ],
    ids=["same form and warrant", "same requests", "nothing given"],
)
def test_an_amendment_that_changes_nothing_is_refused_naming_the_fields(
    terms: dict[str, object], named: str
) -> None:
    detainer = detainer_in(S.DECLINED)
    with pytest.raises(InvalidValue, match=rf"^amendment: {named}.*\[form, probable_cause"):
        detainer.amend(at=AT, reason=REASON, actor=AGENT, **terms)  # type: ignore[arg-type]
    assert detainer.state is S.DECLINED
    assert detainer.decision is not None
    assert detainer.new_events == []


def test_an_amendment_asking_for_nothing_is_refused() -> None:
    detainer = detainer_in(S.RECEIVED)
    with pytest.raises(InvalidValue, match=r"^detainer\.requests: .* asks for nothing"):
        detainer.amend(at=AT, reason=REASON, actor=AGENT, requests=frozenset())
    assert detainer.requests == BOTH
    assert detainer.new_events == []


def test_an_amendment_without_a_reason_is_refused() -> None:
    detainer = detainer_in(S.DECLINED)
    with pytest.raises(InvalidValue, match=r"^reason: \[ \] is empty"):
        detainer.amend(at=AT, reason=" ", actor=AGENT, warrant=Warrant.JUDICIAL)
    assert (detainer.state, detainer.warrant) == (S.DECLINED, Warrant.I_200)


def test_an_amendment_dated_before_the_last_event_is_refused() -> None:
    detainer = detainer_in(S.RECEIVED)
    detainer.serve(at=AT, actor=CLERK)
    with pytest.raises(InvalidValue, match=r"^at: .* is before the last recorded event"):
        detainer.amend(at=AT - HOURS, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL)
    assert detainer.warrant is Warrant.I_200


def test_after_an_amendment_nothing_is_done_on_the_old_decision_until_a_new_review() -> None:
    detainer = detainer_in(S.HONORED)
    detainer.amend(at=AT, reason=REASON, actor=AGENT, warrant=Warrant.JUDICIAL)

    with pytest.raises(IllegalTransition, match=r"cannot \[start_hold\] from state \[received\]"):
        detainer.start_hold(
            at=AT, legal_until=AT + 48 * HOURS, facility_limit_hours=None, actor=CLERK
        )
    with pytest.raises(IllegalTransition, match=r"cannot \[notify_release\]"):
        detainer.notify_release(release_at=AT + HOURS, at=AT, actor=CLERK)

    detainer.review(decision=decision(ReviewChoice.HONOR, at=AT + HOURS), actor=CLERK)
    assert detainer.state is S.HONORED
    assert detainer.decision is not None
