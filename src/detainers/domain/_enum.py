"""A string enum whose every member carries a one-line description.

Vocabularies are part of the contract with agencies, facilities and external
tools, so each member says what it means where it is defined, and error
messages can list the accepted values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class DocumentedEnum(StrEnum):
    """A `StrEnum` whose members are declared as `NAME = "value", "description"`."""

    description: str

    def __new__(cls, value: str, description: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    @classmethod
    def accepted(cls) -> str:
        """The accepted values, for error messages: `a | b | c`."""
        return " | ".join(member.value for member in cls)

    @classmethod
    def parse(cls, raw: str, *, field: str) -> Self:
        """The member named by `raw`, or a `VocabularyError` naming the field and the choices."""
        try:
            return cls(raw)
        except ValueError:
            from detainers.domain.errors import VocabularyError

            raise VocabularyError(field=field, value=raw, accepted=cls.accepted()) from None
