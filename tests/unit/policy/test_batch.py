"""Batch evaluation gives exactly the answers of one-at-a-time evaluation (property-based)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detainers.domain.booking import Charge, Conviction
from detainers.domain.case import Case, DetainerFacts
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    ChargeStatus,
    DetainerForm,
    FacilityType,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    SubjectFlag,
    Warrant,
)
from detainers.policy.batch import evaluate_frame, evaluate_many, frame
from detainers.policy.casefiles import all_case_files, load_case_file
from detainers.policy.contract import parse_case
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import RULES, load_registry

ENGINE = RulesEngine(load_registry())
FAKE = RulesEngine(load_registry(Path(__file__).with_name("fake_rules")))
JURISDICTIONS = [*sorted(ENGINE.registry.packs), "US-CA-06037", "US-TX-48201", "US-AZ"]
TAGS = ["serious_felony", "violent_felony", "wobbler", "sexual_offense", "family_violence"]


def _maybe(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


@st.composite
def cases(draw: st.DrawFn, jurisdictions: list[str]) -> Case:
    jurisdiction = draw(st.sampled_from(jurisdictions))
    zone = ENGINE.zone(jurisdiction) if jurisdiction in JURISDICTIONS else FAKE.zone(jurisdiction)
    day = draw(st.dates(min_value=date(2012, 1, 1), max_value=date(2027, 1, 1)))
    # Releasable from two days before to ten days after the decision, at any minute
    # (midnight and clock changes included), so windows cross weekends, holidays and laws.
    releasable = draw(
        _maybe(
            st.builds(
                lambda d, offset, minute: (
                    datetime.combine(d, datetime.min.time())
                    + timedelta(days=offset, minutes=minute)
                ).replace(tzinfo=zone),
                st.just(day),
                st.integers(-2, 10),
                st.sampled_from([0, 60, 4 * 60, 9 * 60 + 30, 17 * 60, 23 * 60 + 59])
                | st.integers(0, 1439),
            )
        )
    )
    as_of = draw(
        st.sampled_from(
            [day, datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=zone)]
        )
    )
    charges = draw(
        st.lists(
            st.builds(
                Charge,
                statute=st.just("S 1"),
                description=st.just("a charge"),
                charge_class=_maybe(st.sampled_from(list(ChargeClass))),
                status=st.sampled_from(list(ChargeStatus)),
                tags=st.frozensets(st.sampled_from(TAGS), max_size=2),
                probable_cause_finding=_maybe(st.booleans()),
            ),
            max_size=3,
        )
    )
    convictions = draw(
        st.lists(
            st.builds(
                Conviction,
                statute=st.just("S 2"),
                description=st.just("a conviction"),
                charge_class=_maybe(st.sampled_from(list(ChargeClass))),
                convicted_date=st.dates(date(2005, 1, 1), date(2030, 1, 1)),
                jurisdiction=st.sampled_from(["US-CT", "US-CA", "US"]),
                tags=st.frozensets(st.sampled_from(TAGS), max_size=2),
            ),
            max_size=2,
        )
    )
    return Case(
        jurisdiction=jurisdiction,
        as_of=as_of,
        facility_type=draw(st.sampled_from(list(FacilityType))),
        program_287g=draw(st.sampled_from(list(Program287g))),
        detainer=DetainerFacts(
            form=draw(st.sampled_from(list(DetainerForm))),
            probable_cause=draw(st.frozensets(st.sampled_from(list(ProbableCause)))),
            warrant=draw(st.sampled_from(list(Warrant))),
            requests=draw(st.frozensets(st.sampled_from(list(RequestedAction)))),
            served_on_subject=draw(_maybe(st.booleans())),  # type: ignore[arg-type]
            cancelled=draw(_maybe(st.booleans())),  # type: ignore[arg-type]
            dhs_transferred=draw(_maybe(st.booleans())),  # type: ignore[arg-type]
        ),
        charges=tuple(charges),
        convictions=tuple(convictions),
        flags=draw(st.frozensets(st.sampled_from(list(SubjectFlag)), max_size=3)),
        releasable_at=releasable,  # type: ignore[arg-type]
        release_reason=draw(_maybe(st.sampled_from(list(ReleaseReason)))),  # type: ignore[arg-type]
    )


def _same(engine: RulesEngine, batch: list[Case], law_date: date | None = None) -> None:
    out = evaluate_many(engine, batch, law_date=law_date)
    assert out.height == len(batch)
    for case, row in zip(batch, out.iter_rows(named=True), strict=True):
        one = engine.explain(
            case if law_date is None else replace(case, as_of=law_date),
            with_remedies=False,
            recheck=law_date is None,
        ).evaluation
        assert {a.value: row[a.value] for a in Action} == {
            a.value: one.ruling(a).effect.value for a in Action
        }, case
        assert row["until"] == one.ruling(Action.HOLD).until, case


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases(JURISDICTIONS), min_size=1, max_size=25))
def test_batch_evaluation_equals_one_case_at_a_time_on_the_shipped_packs(batch: list[Case]) -> None:
    _same(ENGINE, batch)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(cases(["US", "US-ZZ", "US-ZZ-00001", "US-YY-00002", "US-QQ"]), min_size=1, max_size=20)
)
def test_batch_evaluation_equals_one_case_at_a_time_on_the_fake_jurisdictions(
    batch: list[Case],
) -> None:
    _same(FAKE, batch)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(cases(JURISDICTIONS), min_size=1, max_size=10),
    st.dates(date(2013, 1, 1), date(2026, 1, 1)),
)
def test_one_law_date_for_all_cases_equals_evaluating_each_under_that_date(
    batch: list[Case], law_date: date
) -> None:
    _same(ENGINE, batch, law_date)


def test_batch_evaluation_equals_every_packs_example_cases() -> None:
    batch = [parse_case(load_case_file(p).case, ENGINE.zone) for p in all_case_files(RULES)]
    _same(ENGINE, batch)


@settings(max_examples=20, deadline=None)
@given(st.lists(cases(JURISDICTIONS), min_size=2, max_size=15))
def test_rows_are_answered_in_the_order_given(batch: list[Case]) -> None:
    rows = frame(ENGINE, batch)
    backwards = evaluate_frame(ENGINE, rows.reverse())
    assert backwards.get_column("row").to_list() == list(reversed(range(len(batch))))
    assert backwards.reverse().equals(evaluate_frame(ENGINE, rows))


def test_an_empty_batch_gives_an_empty_answer() -> None:
    assert evaluate_many(ENGINE, []).height == 0
