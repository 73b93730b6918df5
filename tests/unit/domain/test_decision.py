"""The bounds the law puts on a recorded choice (`decide`), and what a decision permits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detainers.domain.decision import Evaluation, LawVersion, Reason, Remedy, Ruling, decide
from detainers.domain.errors import ChoiceOutsideBounds, InvalidValue, OverrideNeedsReason
from detainers.domain.vocabulary import Action, Effect, RequestedAction, ReviewChoice
from tests.unit.builders import CLERK, T0, decision, evaluation

HOLD_ONLY = frozenset({RequestedAction.HOLD})
NOTIFY_ONLY = frozenset({RequestedAction.NOTIFY})


def test_honoring_where_hold_is_forbidden_is_refused_naming_the_action_and_effect() -> None:
    with pytest.raises(ChoiceOutsideBounds) as raised:
        decision(ReviewChoice.HONOR, effects={Action.HOLD: Effect.FORBIDDEN})
    assert str(raised.value) == (
        "choice [honor] needs [hold], which the decision says is [forbidden]"
    )
    assert (raised.value.action, raised.value.effect) == (Action.HOLD, Effect.FORBIDDEN)


def test_honoring_where_notice_is_forbidden_is_refused_even_if_hold_is_permitted() -> None:
    with pytest.raises(ChoiceOutsideBounds, match=r"needs \[notify\].*\[forbidden\]"):
        decision(ReviewChoice.HONOR, effects={Action.NOTIFY: Effect.FORBIDDEN})


def test_notify_only_where_notice_is_forbidden_is_refused() -> None:
    with pytest.raises(ChoiceOutsideBounds, match=r"choice \[notify_only\] needs \[notify\]"):
        decision(ReviewChoice.NOTIFY_ONLY, effects={Action.NOTIFY: Effect.FORBIDDEN})


def test_only_requested_actions_are_taken_up_so_a_forbidden_unrequested_hold_does_not_matter() -> (
    None
):
    recorded = decision(
        ReviewChoice.HONOR, effects={Action.HOLD: Effect.FORBIDDEN}, requests=NOTIFY_ONLY
    )
    assert recorded.chosen_actions == {Action.NOTIFY}
    assert not recorded.permits(Action.HOLD)
    assert recorded.permits(Action.NOTIFY)


def test_interview_and_information_requests_are_never_taken_up_by_a_review() -> None:
    recorded = decision(
        ReviewChoice.HONOR,
        requests=frozenset(RequestedAction),
    )
    assert recorded.chosen_actions == {Action.HOLD, Action.NOTIFY}
    assert not recorded.permits(Action.INTERVIEW)
    assert not recorded.permits(Action.SHARE_INFO)


def test_honoring_where_everything_is_permitted_takes_up_hold_and_notice_compliantly() -> None:
    recorded = decision(ReviewChoice.HONOR)
    assert recorded.chosen_actions == {Action.HOLD, Action.NOTIFY}
    assert recorded.permits(Action.HOLD)
    assert recorded.permits(Action.NOTIFY)
    assert recorded.noncompliant is False
    assert recorded.override_reason is None
    assert recorded.decided_by == CLERK


def test_notify_only_permits_notice_but_not_a_hold() -> None:
    recorded = decision(ReviewChoice.NOTIFY_ONLY)
    assert recorded.permits(Action.NOTIFY)
    assert not recorded.permits(Action.HOLD)


def test_declining_where_hold_is_forbidden_needs_no_reason() -> None:
    recorded = decision(
        ReviewChoice.DECLINE, effects=dict.fromkeys((Action.HOLD, Action.NOTIFY), Effect.FORBIDDEN)
    )
    assert recorded.chosen_actions == frozenset()
    assert recorded.noncompliant is False


def test_declining_where_hold_is_required_needs_a_reason() -> None:
    with pytest.raises(OverrideNeedsReason) as raised:
        decision(ReviewChoice.DECLINE, effects={Action.HOLD: Effect.REQUIRED})
    assert "choice [decline] declines [hold]" in str(raised.value)
    assert "override reason is needed" in str(raised.value)


def test_a_blank_override_reason_is_no_reason() -> None:
    with pytest.raises(OverrideNeedsReason):
        decision(
            ReviewChoice.DECLINE, effects={Action.HOLD: Effect.REQUIRED}, override_reason="   "
        )


def test_declining_a_required_hold_with_a_reason_is_recorded_and_flagged_noncompliant() -> None:
    recorded = decision(
        ReviewChoice.DECLINE,
        effects={Action.HOLD: Effect.REQUIRED},
        override_reason="  court order of 2024-01-30 forbids it  ",
    )
    assert recorded.noncompliant is True
    assert recorded.override_reason == "court order of 2024-01-30 forbids it"
    assert not recorded.permits(Action.HOLD)


def test_notify_only_where_hold_is_required_is_an_override_that_needs_a_reason() -> None:
    with pytest.raises(OverrideNeedsReason, match=r"choice \[notify_only\] declines \[hold\]"):
        decision(ReviewChoice.NOTIFY_ONLY, effects={Action.HOLD: Effect.REQUIRED})


def test_declining_a_required_act_that_was_not_requested_is_no_override() -> None:
    recorded = decision(
        ReviewChoice.DECLINE, effects={Action.HOLD: Effect.REQUIRED}, requests=NOTIFY_ONLY
    )
    assert recorded.noncompliant is False


def test_honoring_where_hold_is_undecided_needs_a_reason() -> None:
    with pytest.raises(ChoiceOutsideBounds, match=r"needs \[hold\].*\[undecided\]"):
        decision(ReviewChoice.HONOR, effects={Action.HOLD: Effect.UNDECIDED})


def test_honoring_where_hold_is_undecided_with_a_reason_is_recorded_and_not_flagged() -> None:
    recorded = decision(
        ReviewChoice.HONOR,
        effects={Action.HOLD: Effect.UNDECIDED},
        override_reason="county counsel advised the hold is lawful",
    )
    assert recorded.permits(Action.HOLD)
    assert recorded.noncompliant is False
    assert recorded.override_reason == "county counsel advised the hold is lawful"


def test_an_action_the_engine_did_not_rule_on_counts_as_undecided() -> None:
    silent = Evaluation(jurisdiction="US-CT", as_of=T0, rulings={})
    assert silent.ruling(Action.HOLD).effect is Effect.UNDECIDED
    assert silent.ruling(Action.HOLD).reasons[0].rule == "engine.not-evaluated"
    with pytest.raises(ChoiceOutsideBounds, match=r"\[undecided\]"):
        decide(
            decision_id="dec-1",
            evaluation=silent,
            requests=HOLD_ONLY,
            choice=ReviewChoice.HONOR,
            decided_by=CLERK,
            decided_at=T0,
        )


@pytest.mark.parametrize("effect", list(Effect), ids=str)
def test_escalating_needs_no_reason_whatever_the_law_says(effect: Effect) -> None:
    recorded = decision(ReviewChoice.ESCALATE, effects={Action.HOLD: effect, Action.NOTIFY: effect})
    assert recorded.chosen_actions == frozenset()
    assert recorded.noncompliant is False
    assert not recorded.permits(Action.TRANSFER)


@pytest.mark.parametrize("choice", list(ReviewChoice), ids=str)
@pytest.mark.parametrize("effect", list(Effect), ids=str)
def test_a_transfer_is_permitted_only_to_a_facility_that_cooperates_where_the_law_allows_it(
    choice: ReviewChoice, effect: Effect
) -> None:
    recorded = decision(choice, effects={Action.TRANSFER: effect}, override_reason="reviewed")
    expected = choice in (ReviewChoice.HONOR, ReviewChoice.NOTIFY_ONLY) and effect in (
        Effect.REQUIRED,
        Effect.PERMITTED,
    )
    assert recorded.permits(Action.TRANSFER) is expected


def test_a_decision_time_without_a_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(
        InvalidValue, match=r"^decided_at: \[2024-02-01T09:00:00\] has no time zone"
    ):
        decision(at=datetime(2024, 2, 1, 9, 0))


def test_a_decision_time_in_another_zone_is_kept_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    recorded = decision(at=datetime(2024, 2, 1, 4, 0, tzinfo=eastern))
    assert recorded.decided_at == T0
    assert recorded.decided_at.tzinfo is UTC


def test_a_ruling_until_without_a_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue, match=r"^ruling\.until: "):
        Ruling(effect=Effect.PERMITTED, until=datetime(2024, 2, 3, 9, 0))


@pytest.mark.parametrize(
    ("effect", "allows"),
    [
        (Effect.REQUIRED, True),
        (Effect.PERMITTED, True),
        (Effect.FORBIDDEN, False),
        (Effect.UNDECIDED, False),
    ],
)
def test_only_required_and_permitted_acts_may_lawfully_be_done(
    effect: Effect, allows: bool
) -> None:
    assert effect.allows is allows


_ACTS = {
    ReviewChoice.HONOR: {Action.HOLD, Action.NOTIFY},
    ReviewChoice.NOTIFY_ONLY: {Action.NOTIFY},
}
_REQ = {RequestedAction.HOLD: Action.HOLD, RequestedAction.NOTIFY: Action.NOTIFY}


@given(
    hold=st.sampled_from(Effect),
    notify=st.sampled_from(Effect),
    requests=st.frozensets(st.sampled_from(RequestedAction), min_size=1),
    choice=st.sampled_from(ReviewChoice),
    reason=st.sampled_from([None, "", "a supervisor approved it"]),
)
def test_a_recorded_decision_never_takes_up_a_forbidden_act_nor_hides_an_override(
    hold: Effect,
    notify: Effect,
    requests: frozenset[RequestedAction],
    choice: ReviewChoice,
    reason: str | None,
) -> None:
    effects = {Action.HOLD: hold, Action.NOTIFY: notify}
    requested = {_REQ[r] for r in requests if r in _REQ}
    taken = _ACTS.get(choice, set()) & requested
    overrides = choice is not ReviewChoice.ESCALATE and any(
        effects[a] is Effect.REQUIRED for a in requested - taken
    )
    outside = any(effects[a] is Effect.FORBIDDEN for a in taken) or (
        not reason and any(effects[a] is Effect.UNDECIDED for a in taken)
    )
    try:
        recorded = decide(
            decision_id="dec-1",
            evaluation=evaluation(effects),
            requests=requests,
            choice=choice,
            decided_by=CLERK,
            decided_at=T0,
            override_reason=reason,
        )
    except ChoiceOutsideBounds:
        assert outside
        return
    except OverrideNeedsReason:
        assert overrides
        assert not reason
        return
    assert not outside
    assert not (overrides and not reason)
    assert recorded.chosen_actions == taken
    assert recorded.noncompliant is overrides
    assert all(recorded.permits(a) for a in taken)
    assert not any(recorded.permits(a) for a in set(Action) - taken - {Action.TRANSFER})


@pytest.mark.parametrize(
    "as_of", [date(2024, 2, 1), datetime(2024, 2, 1, 9, 30, tzinfo=UTC)], ids=["date", "datetime"]
)
def test_an_evaluation_written_in_the_contract_shape_reads_back_equal(as_of: date) -> None:

    reason = Reason(rule="us-ct.hold", citation="CGS 54-192h(b)", summary="forbidden")
    evaluation = Evaluation(
        jurisdiction="US-CT",
        as_of=as_of,
        rulings={
            Action.HOLD: Ruling(
                effect=Effect.FORBIDDEN,
                reasons=(reason,),
                until=datetime(2024, 2, 3, 9, tzinfo=UTC),
            ),
            Action.NOTIFY: Ruling(effect=Effect.UNDECIDED),
        },
        laws=(LawVersion(jurisdiction="US-CT", version="2019-10-01", citation="PA 19-20"),),
        remedies=(
            Remedy(
                action=Action.HOLD, effect=Effect.PERMITTED, change={"detainer.warrant": "judicial"}
            ),
        ),
        facts={"jurisdiction": "US-CT"},
        engine="test",
    )
    contract = evaluation.to_contract()
    assert contract["actions"]["hold"]["effect"] == "forbidden"
    assert contract["remedies"] == [
        {"action": "hold", "effect": "permitted", "change": {"detainer.warrant": "judicial"}}
    ]
    assert Evaluation.from_contract(contract, facts=evaluation.facts) == evaluation
