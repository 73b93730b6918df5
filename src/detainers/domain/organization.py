"""The two parties of an exchange: the agency that lodges and the facility that holds.

Both are identified by codes (an ORI-like code), never by name, in anything
published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detainers.domain.errors import InvalidValue
from detainers.domain.jurisdiction import chain, check_code
from detainers.domain.vocabulary import FacilityType, Program287g

_ORG_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,19}$")


def _check_org_code(code: str, *, field: str) -> None:
    if not _ORG_CODE.match(code):
        raise InvalidValue(
            field=field, value=code, problem="is not a code of 3-20 capitals, digits or dashes"
        )


@dataclass(frozen=True, kw_only=True)
class Agency:
    """A field office that issues detainers."""

    code: str
    name: str
    jurisdiction: str
    email: str | None = None

    def __post_init__(self) -> None:
        _check_org_code(self.code, field="agency.code")
        check_code(self.jurisdiction, field="agency.jurisdiction")
        if not self.name.strip():
            raise InvalidValue(field="agency.name", value=self.name, problem="is empty")


@dataclass(frozen=True, kw_only=True)
class Facility:
    """A custody facility under a chain of jurisdictions.

    `hold_limit_hours` is the facility's own limit on holds, shorter than the
    law's maximum where the facility chooses; `None` means the law's maximum.
    """

    code: str
    name: str
    type: FacilityType
    jurisdiction: str
    program_287g: Program287g = Program287g.NONE
    hold_limit_hours: int | None = None

    def __post_init__(self) -> None:
        _check_org_code(self.code, field="facility.code")
        check_code(self.jurisdiction, field="facility.jurisdiction")
        if not self.name.strip():
            raise InvalidValue(field="facility.name", value=self.name, problem="is empty")
        if self.hold_limit_hours is not None and not 0 <= self.hold_limit_hours <= 240:
            raise InvalidValue(
                field="facility.hold_limit_hours",
                value=self.hold_limit_hours,
                problem="is not between 0 and 240",
            )

    @property
    def jurisdiction_chain(self) -> tuple[str, ...]:
        """`US` down to the facility's most local jurisdiction."""
        return chain(self.jurisdiction)
