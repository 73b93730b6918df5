"""The case contract's JSON shape, built from the domain's facts (stable: external tools use it)."""

from __future__ import annotations

from datetime import date

from detainers.domain.booking import Charge, Conviction
from detainers.domain.case import Case, DetainerFacts
from detainers.domain.vocabulary import (
    ChargeClass,
    DetainerForm,
    FacilityType,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    SubjectFlag,
    Warrant,
)
from tests.unit.builders import T0


def _case(**changes: object) -> Case:
    fields: dict[str, object] = {
        "jurisdiction": "US-CT",
        "as_of": date(2024, 2, 1),
        "facility_type": FacilityType.STATE_PRETRIAL_JAIL,
        "program_287g": Program287g.NONE,
        "detainer": DetainerFacts(
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.HOLD, RequestedAction.NOTIFY}),
        ),
    }
    fields.update(changes)
    return Case(**fields)  # type: ignore[arg-type]


def test_a_case_with_only_the_required_facts_leaves_unknown_keys_out() -> None:
    assert _case().to_contract() == {
        "jurisdiction": "US-CT",
        "as_of": "2024-02-01",
        "facility": {"type": "state_pretrial_jail", "program_287g": "none"},
        "detainer": {
            "form": "I-247A",
            "probable_cause": ["pending_proceedings"],
            "warrant": "I-200",
            "requests": ["hold", "notify"],
        },
        "subject": {"charges": [], "convictions": [], "flags": []},
    }


def test_the_published_connecticut_case_has_the_contracts_shape() -> None:
    case = _case(
        detainer=DetainerFacts(
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
            lodged_date=date(2023, 10, 13),
            served_on_subject=True,
            dhs_transferred=False,
            cancelled=False,
        ),
        charges=(
            Charge(
                statute="CGS 53a-70(a)(2)",
                description="Sexual assault in the first degree",
                charge_class=ChargeClass.FELONY_A,
            ),
        ),
        convictions=(
            Conviction(
                statute="CGS 53a-101",
                description="Burglary in the first degree",
                charge_class=ChargeClass.FELONY_B,
                convicted_date=date(2015, 5, 1),
                jurisdiction="US-CT",
                tags=frozenset({"violent_felony"}),
            ),
        ),
        releasable_at=T0,
        release_reason=ReleaseReason.BOND_POSTED,
    )
    contract = case.to_contract()
    assert contract["releasable_at"] == "2024-02-01T09:00:00+00:00"
    assert contract["release_reason"] == "bond_posted"
    assert contract["detainer"] == {
        "form": "I-247A",
        "probable_cause": ["pending_proceedings"],
        "warrant": "I-200",
        "requests": ["hold", "notify"],
        "lodged_date": "2023-10-13",
        "served_on_subject": True,
        "dhs_transferred": False,
        "cancelled": False,
    }
    assert contract["subject"]["charges"] == [
        {
            "statute": "CGS 53a-70(a)(2)",
            "class": "felony_A",
            "status": "pending",
            "description": "Sexual assault in the first degree",
            "tags": [],
        }
    ]
    assert contract["subject"]["convictions"] == [
        {
            "statute": "CGS 53a-101",
            "class": "felony_B",
            "date": "2015-05-01",
            "jurisdiction": "US-CT",
            "tags": ["violent_felony"],
        }
    ]


def test_a_pending_charge_carries_a_probable_cause_finding_only_when_known() -> None:
    found = Charge(
        statute="PC 211",
        description="Robbery",
        charge_class=ChargeClass.FELONY,
        probable_cause_finding=True,
    )
    contract = _case(charges=(found,), flags=frozenset({SubjectFlag.GANG_DATABASE})).to_contract()
    assert contract["subject"]["charges"][0]["probable_cause_finding"] is True
    assert contract["subject"]["flags"] == ["gang_database"]
