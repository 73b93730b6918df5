"""Persons: names with several family names, and strong identifiers refused when malformed."""

from __future__ import annotations

import pytest

from detainers.domain.errors import InvalidValue
from detainers.domain.person import Person, PersonName
from detainers.domain.vocabulary import Citizenship, IdentifierKind


def test_a_name_shows_family_names_first_in_capitals_then_given_names() -> None:
    name = PersonName(given=("María", "José"), family=("García", "López"))
    assert name.display == "GARCÍA LÓPEZ, María José"


def test_a_name_without_given_names_shows_the_family_name_alone() -> None:
    assert PersonName(given=(), family=("Doe",)).display == "DOE"


@pytest.mark.parametrize("family", [(), ("",), ("Doe", " ")])
def test_a_name_needs_a_family_name(family: tuple[str, ...]) -> None:
    with pytest.raises(InvalidValue, match=r"^name\.family: .* needs a family name"):
        PersonName(given=("Juan",), family=family)


def test_a_name_with_an_empty_given_part_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^name\.given: .* has an empty part"):
        PersonName(given=("Juan", ""), family=("Doe",))


def test_a_person_with_wellformed_identifiers_is_accepted() -> None:
    person = Person(
        id="p-1",
        name=PersonName(given=("Juan",), family=("Doe",)),
        identifiers={
            IdentifierKind.FBI_NUMBER: "123456AB7",
            IdentifierKind.STATE_ID: "CT-0012345",
            IdentifierKind.A_NUMBER: "A012345678",
        },
    )
    assert person.citizenship is Citizenship.UNKNOWN


@pytest.mark.parametrize("value", ["AB", "A 12345", "A012345678!", "X" * 33])
def test_a_malformed_identifier_is_refused_naming_its_kind(value: str) -> None:
    with pytest.raises(InvalidValue, match=r"^person\.identifiers\.a_number: .* is not 3-32"):
        Person(
            id="p-1",
            name=PersonName(given=(), family=("Doe",)),
            identifiers={IdentifierKind.A_NUMBER: value},
        )


def test_a_booking_number_is_refused_as_a_persons_identifier() -> None:
    with pytest.raises(InvalidValue, match=r"^person\.identifiers\.booking_number: .* belongs to"):
        Person(
            id="p-1",
            name=PersonName(given=(), family=("Doe",)),
            identifiers={IdentifierKind.BOOKING_NUMBER: "B-1"},
        )
