"""Jurisdictions: coded legal units (`US`, `US-CT`, `US-CA-06037`) in a parent chain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import JurisdictionKind

# US, a state or territory (two letters), then a county by its five-digit FIPS
# code, optionally followed by a city or other local unit.
_CODE = re.compile(r"^US(-[A-Z]{2}(-\d{5}(-[A-Z0-9]{1,12})?)?)?$")


def check_code(code: str, *, field: str = "jurisdiction") -> str:
    """`code` if it is a well-formed jurisdiction code, else an `InvalidValue`."""
    if not _CODE.match(code):
        raise InvalidValue(
            field=field,
            value=code,
            problem="is not a jurisdiction code like US, US-CT, US-CA-06037",
        )
    return code


def parent_code(code: str) -> str | None:
    """The code of the enclosing jurisdiction (`US-CT` for `US-CT-09003`), `None` for `US`."""
    check_code(code)
    head, _, _ = code.rpartition("-")
    return head or None


def chain(code: str) -> tuple[str, ...]:
    """Codes from `US` down to `code`: the levels whose law composes for a facility."""
    levels: list[str] = []
    current: str | None = check_code(code)
    while current is not None:
        levels.append(current)
        current = parent_code(current)
    return tuple(reversed(levels))


@dataclass(frozen=True, kw_only=True)
class Jurisdiction:
    """A legal unit whose law is a policy pack; `parent` is `None` only for `US`."""

    code: str
    name: str
    kind: JurisdictionKind

    def __post_init__(self) -> None:
        check_code(self.code, field="jurisdiction.code")
        if not self.name.strip():
            raise InvalidValue(field="jurisdiction.name", value=self.name, problem="is empty")

    @property
    def parent(self) -> str | None:
        return parent_code(self.code)
