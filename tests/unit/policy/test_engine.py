"""The engine's mechanics on made-up jurisdictions (tests/unit/policy/fake_rules): composition,
preemption, conflicts, missing facts, law changes, hold windows, remedies and the trace."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from detainers.domain.case import Case
from detainers.domain.vocabulary import Action, Effect
from detainers.policy.contract import decision_document, parse_case
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry

ENGINE = RulesEngine(load_registry(Path(__file__).with_name("fake_rules")))


def case(**overrides: Any) -> Case:
    doc: dict[str, Any] = {
        "jurisdiction": "US-ZZ",
        "as_of": "2021-06-01",
        "facility": {"type": "county_jail", "program_287g": "none"},
        "detainer": {
            "form": "I-247A",
            "probable_cause": ["biometric_match"],
            "warrant": "I-200",
            "requests": ["notify", "hold"],
            "cancelled": False,
        },
        "subject": {"charges": [], "convictions": [], "flags": []},
        "release_reason": "sentence_complete",
    }
    for key, value in overrides.items():
        target = doc
        *path, last = key.split("__")
        for part in path:
            target = target[part]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return parse_case(doc, ENGINE.zone)


def effects(c: Case) -> dict[str, str]:
    return {a.value: r.effect.value for a, r in ENGINE.evaluate(c).rulings.items()}


def rules(c: Case, action: Action) -> list[str]:
    return [r.rule for r in ENGINE.evaluate(c).ruling(action).reasons]


def test_a_preempting_state_requirement_beats_a_county_prohibition() -> None:
    c = case(jurisdiction="US-ZZ-00001")
    assert effects(c)["hold"] == "required"
    assert rules(c, Action.HOLD)[0] == "us-zz.v1.hold.required"
    assert "us-zz-00001.hold.never" in rules(c, Action.HOLD)


def test_a_federal_prohibition_beats_a_state_requirement() -> None:
    c = case(detainer__probable_cause=[])
    assert effects(c)["hold"] == "forbidden"
    assert rules(c, Action.HOLD)[0] == "us.fake.hold.no-pc"


def test_forbidden_beats_permitted() -> None:
    c = case(jurisdiction="US-ZZ-00001", as_of="2022-03-01")
    assert effects(c)["notify"] == "forbidden"
    assert rules(c, Action.NOTIFY) == ["us-zz-00001.notify.never"]


def test_a_clash_with_a_level_that_does_not_preempt_is_a_conflict_for_a_person() -> None:
    c = case(jurisdiction="US-YY-00002")
    ruling = ENGINE.evaluate(c).ruling(Action.TRANSFER)
    assert ruling.effect is Effect.UNDECIDED
    assert [r.rule for r in ruling.reasons] == [
        "us-yy.transfer.never",
        "us-yy-00002.transfer.always",
        "engine.conflict",
    ]
    assert {r.citation for r in ruling.reasons} >= {"YY Stat. 1(a)", "County Ord. 9(a)"}


def test_a_missing_fact_leaves_the_action_undecided_and_names_the_fact() -> None:
    c = case(release_reason=None)
    ruling = ENGINE.evaluate(c).ruling(Action.SHARE_INFO)
    assert ruling.effect is Effect.UNDECIDED
    assert ruling.reasons[-1].summary == "Could not decide without: release_reason"


def test_a_fact_that_no_rule_needs_does_not_matter() -> None:
    assert effects(case(release_reason=None))["hold"] == "required"


def test_a_rule_applies_only_when_its_facts_hold() -> None:
    assert effects(case(release_reason="bond_posted"))["share_info"] == "forbidden"
    assert effects(case())["share_info"] == "permitted"
    assert effects(case())["interview"] == "forbidden"
    assert effects(case(subject__flags=["interview_consent_signed"]))["interview"] == "permitted"


def test_the_law_in_force_on_the_date_decides_and_is_named() -> None:
    before, after = case(as_of="2021-12-31"), case(as_of="2022-01-01")
    assert effects(before)["hold"] == "required"
    assert effects(after)["hold"] == "forbidden"
    assert [(law.jurisdiction, law.version) for law in ENGINE.evaluate(after).laws] == [
        ("US", "2000-01-01"),
        ("US-ZZ", "2022-01-01"),
    ]


def test_before_a_state_law_exists_the_state_is_silent() -> None:
    c = case(as_of="2019-06-01")
    assert effects(c)["hold"] == "permitted"
    assert [law.jurisdiction for law in ENGINE.evaluate(c).laws] == ["US"]


def test_a_state_without_a_pack_is_undecided_on_everything() -> None:
    c = case(jurisdiction="US-QQ")
    assert set(effects(c).values()) == {"undecided"}
    assert rules(c, Action.HOLD)[-1] == "engine.no-pack"


def test_the_hold_ends_at_the_earliest_window_of_any_level() -> None:
    c = case(releasable_at="2021-06-04T17:00")
    ruling = ENGINE.evaluate(c).ruling(Action.HOLD)
    assert ruling.until == datetime(2021, 6, 5, 17, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert "us-zz.v1.window" in [r.rule for r in ruling.reasons]


def test_a_window_that_excludes_weekends_and_holidays_skips_them() -> None:
    # Friday 2021-07-02 17:00; Monday 2021-07-05 is Independence Day observed.
    c = case(jurisdiction="US", detainer__form="I-247", releasable_at="2021-07-02T17:00")
    until = ENGINE.evaluate(c).ruling(Action.HOLD).until
    assert until is not None
    assert until.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None) == datetime(
        2021, 7, 7, 17, 0
    )


def test_clock_hours_count_elapsed_time_across_a_clock_change() -> None:
    # 2021-11-07 02:00 EDT falls back to 01:00 EST: 48 elapsed hours end at 16:00 local.
    c = case(jurisdiction="US", releasable_at="2021-11-06T17:00")
    until = ENGINE.evaluate(c).ruling(Action.HOLD).until
    assert until is not None
    assert until.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None) == datetime(
        2021, 11, 8, 16, 0
    )


def test_a_hold_ends_when_the_law_changes_inside_its_window_and_forbids_it() -> None:
    c = case(as_of="2021-12-31", releasable_at="2021-12-31T12:00")
    ruling = ENGINE.evaluate(c).ruling(Action.HOLD)
    assert ruling.effect is Effect.REQUIRED
    assert ruling.until == datetime(2022, 1, 1, 0, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert ruling.reasons[-1].rule == "engine.law-changes-inside-window"


def test_no_hold_until_without_a_releasable_time_or_when_the_hold_is_forbidden() -> None:
    assert ENGINE.evaluate(case()).ruling(Action.HOLD).until is None
    forbidden = case(as_of="2022-02-01", releasable_at="2022-02-01T09:00")
    assert ENGINE.evaluate(forbidden).ruling(Action.HOLD).until is None


def test_remedies_name_the_smallest_change_that_makes_a_forbidden_act_lawful() -> None:
    evaluation = ENGINE.evaluate(case(as_of="2022-02-01"))
    hold_remedies = [dict(r.change) for r in evaluation.remedies if r.action is Action.HOLD]
    assert hold_remedies == [{"detainer.warrant": "judicial"}]
    interview = [dict(r.change) for r in evaluation.remedies if r.action is Action.INTERVIEW]
    assert {
        "subject.flags": "+interview_consent_signed"
    } not in interview  # v2 is silent: federal permits
    v1 = ENGINE.evaluate(case())
    assert {"subject.flags": "+interview_consent_signed"} in [
        dict(r.change) for r in v1.remedies if r.action is Action.INTERVIEW
    ]


def test_the_trace_shows_every_rule_tested_and_its_outcome() -> None:
    explained = ENGINE.explain(case(jurisdiction="US-ZZ-00001"))
    hold_steps = [(s.level, s.rule, s.outcome) for s in explained.trace.steps if s.action == "hold"]
    assert hold_steps[:2] == [
        ("US", "us.fake.hold.no-pc", "does not apply"),
        ("US", "us.fake.hold.ok", "applies"),
    ]
    assert ("US-ZZ-00001", "us-zz-00001.hold.never", "applies") in hold_steps


def test_the_decision_document_gives_until_in_local_time() -> None:
    c = case(releasable_at="2021-06-04T17:00")
    document = decision_document(ENGINE.evaluate(c), ENGINE.zone("US-ZZ"))
    assert document["actions"]["hold"]["until"] == "2021-06-05T17:00:00-05:00"
    assert document["hold"]["until"] == document["actions"]["hold"]["until"]
    assert document["as_of"] == date(2021, 6, 1).isoformat()


@pytest.mark.parametrize(
    ("override", "path", "accepted"),
    [
        ({"colour": "blue"}, "colour", "jurisdiction | as_of"),
        ({"detainer__warrant": "pink"}, "detainer.warrant", "none | I-200 | I-205 | judicial"),
        ({"detainer__requests": ["hold", "deport"]}, "detainer.requests[1]", "notify | hold"),
        ({"as_of": "01/06/2021"}, "as_of", "is not a date YYYY-MM-DD"),
        ({"as_of": "2021-06-01 at noon"}, "as_of", "is not a date-time YYYY-MM-DDTHH:MM"),
        ({"subject__flags": ["tall"]}, "subject.flags[0]", "terrorist_screening_match"),
        ({"jurisdiction": "Connecticut"}, "jurisdiction", "US-CT"),
        ({"as_of": "20210601"}, "as_of", "is not a date-time YYYY-MM-DDTHH:MM"),
        ({"detainer__lodged_date": "2021W224"}, "detainer.lodged_date", "is not a date YYYY-MM-DD"),
        (
            {"subject__charges": [{"statute": "S 1", "tags": "violent_felony"}]},
            "subject.charges[0].tags",
            "is not a list of tags",
        ),
        (
            {
                "subject__convictions": [
                    {"statute": "S 1", "date": "2010-01-01", "jurisdiction": "Mars!!"}
                ]
            },
            "subject.convictions[0].jurisdiction",
            "is not a code",
        ),
    ],
)
def test_bad_input_names_the_path_and_what_is_accepted(
    override: dict[str, Any], path: str, accepted: str
) -> None:
    from detainers.policy.errors import CaseError

    with pytest.raises(CaseError) as caught:
        case(**override)
    assert caught.value.path == path
    assert accepted in str(caught.value)


def test_null_means_not_known_like_a_missing_key() -> None:
    assert case(release_reason=None).release_reason is None
    doc_case = case(detainer__probable_cause=None)
    assert doc_case.detainer.probable_cause == frozenset()


def test_a_conviction_dated_after_the_decision_does_not_count() -> None:
    later = [{"statute": "S 9", "class": "felony_A", "date": "2030-01-01", "jurisdiction": "US-ZZ"}]
    earlier = [
        {"statute": "S 9", "class": "felony_A", "date": "2020-01-01", "jurisdiction": "US-ZZ"}
    ]
    from detainers.policy.conditions import convictions_in_force

    assert convictions_in_force(case(subject__convictions=later)) == []
    assert len(convictions_in_force(case(subject__convictions=earlier))) == 1


def test_a_charge_recorded_as_convicted_counts_as_a_conviction() -> None:
    from detainers.policy.conditions import convictions_in_force

    convicted = case(
        subject__charges=[{"statute": "S 3", "class": "felony_B", "status": "convicted"}]
    )
    [conviction] = convictions_in_force(convicted)
    assert conviction.charge_class is not None
    assert conviction.charge_class.value == "felony_B"


def test_a_law_that_forbids_the_hold_before_it_begins_leaves_no_hold() -> None:
    # Decided under the 2021 law (hold required), but released after the 2022 law forbids it.
    c = case(as_of="2021-12-30", releasable_at="2022-01-03T09:00")
    ruling = ENGINE.evaluate(c).ruling(Action.HOLD)
    assert ruling.effect is Effect.FORBIDDEN
    assert ruling.until is None
    assert "engine.law-changes-inside-window" in [r.rule for r in ruling.reasons]
