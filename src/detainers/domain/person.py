"""The subject of a detainer: names (several given and family names), aliases, birth date, identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import Citizenship, IdentifierKind

_IDENTIFIER = re.compile(r"^[A-Za-z0-9-]{3,32}$")


@dataclass(frozen=True, kw_only=True)
class PersonName:
    """A name as recorded: given names and family names in order (two family names allowed)."""

    given: tuple[str, ...]
    family: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.family or not all(part.strip() for part in self.family):
            raise InvalidValue(
                field="name.family", value=self.family, problem="needs a family name"
            )
        if not all(part.strip() for part in self.given):
            raise InvalidValue(field="name.given", value=self.given, problem="has an empty part")

    @property
    def display(self) -> str:
        """`FAMILY FAMILY, Given Given`: the order records offices use."""
        return f"{' '.join(self.family).upper()}, {' '.join(self.given)}".rstrip(", ")


def check_identifiers(identifiers: dict[IdentifierKind, str], *, field: str) -> None:
    """Identifiers are 3-32 letters, digits or dashes; anything else is a typo to refuse."""
    for kind, value in identifiers.items():
        if not _IDENTIFIER.match(value):
            raise InvalidValue(
                field=f"{field}.{kind}",
                value=value,
                problem="is not 3-32 letters, digits or dashes",
            )


@dataclass(frozen=True, kw_only=True)
class Person:
    """A person known to the system. Identifiers are exact strong keys (no booking number here)."""

    id: str
    name: PersonName
    date_of_birth: date | None = None
    aliases: tuple[PersonName, ...] = ()
    identifiers: dict[IdentifierKind, str] = field(default_factory=dict)
    citizenship: Citizenship = Citizenship.UNKNOWN

    def __post_init__(self) -> None:
        if IdentifierKind.BOOKING_NUMBER in self.identifiers:
            raise InvalidValue(
                field="person.identifiers.booking_number",
                value=self.identifiers[IdentifierKind.BOOKING_NUMBER],
                problem="belongs to a booking, not a person",
            )
        check_identifiers(self.identifiers, field="person.identifiers")
