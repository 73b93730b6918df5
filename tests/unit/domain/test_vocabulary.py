"""Controlled vocabularies: each member documented, parse errors naming the field and the choices."""

from __future__ import annotations

import pytest

from detainers.domain import vocabulary
from detainers.domain._enum import DocumentedEnum
from detainers.domain.errors import VocabularyError
from detainers.domain.lifecycle import DetainerState, LifecycleAction
from detainers.domain.vocabulary import DetainerForm, Warrant

VOCABULARIES = [
    value
    for value in vars(vocabulary).values()
    if isinstance(value, type) and issubclass(value, DocumentedEnum) and value is not DocumentedEnum
] + [DetainerState, LifecycleAction]


def test_the_vocabularies_of_the_case_contract_are_all_here() -> None:
    names = {v.__name__ for v in VOCABULARIES}
    assert {"FacilityType", "Program287g", "DetainerForm", "Warrant", "ChargeClass"} <= names


@pytest.mark.parametrize("enum", VOCABULARIES, ids=lambda e: e.__name__)
def test_every_member_of_every_vocabulary_says_what_it_means(enum: type[DocumentedEnum]) -> None:
    undocumented = [m.value for m in enum if not m.description.strip()]
    assert undocumented == []


@pytest.mark.parametrize("enum", VOCABULARIES, ids=lambda e: e.__name__)
def test_every_member_parses_from_its_own_value(enum: type[DocumentedEnum]) -> None:
    for member in enum:
        assert enum.parse(member.value, field="f") is member


def test_an_unknown_value_is_refused_naming_the_field_and_the_accepted_values() -> None:
    with pytest.raises(VocabularyError) as raised:
        Warrant.parse("I-247", field="detainer.warrant")
    assert str(raised.value) == (
        "detainer.warrant: [I-247] is not one of [none | I-200 | I-205 | judicial]"
    )
    assert (raised.value.field, raised.value.value) == ("detainer.warrant", "I-247")
    assert isinstance(raised.value, ValueError)


def test_parsing_is_exact_about_case() -> None:
    with pytest.raises(
        VocabularyError, match=r"^detainer\.form: \[i-247a\] is not one of \[I-247 \|"
    ):
        DetainerForm.parse("i-247a", field="detainer.form")


def test_the_case_contracts_wire_values_are_kept() -> None:
    assert [f.value for f in DetainerForm] == [
        "I-247",
        "I-247D",
        "I-247N",
        "I-247X",
        "I-247A",
        "none",
    ]
    assert Warrant.accepted() == "none | I-200 | I-205 | judicial"
