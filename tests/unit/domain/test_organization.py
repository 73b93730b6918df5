"""Agencies and facilities: identified by codes, facilities under a chain of jurisdictions."""

from __future__ import annotations

import pytest

from detainers.domain.errors import InvalidValue
from detainers.domain.organization import Agency, Facility
from detainers.domain.vocabulary import FacilityType


def _facility(**changes: object) -> Facility:
    fields: dict[str, object] = {
        "code": "CA-LASD-MCJ",
        "name": "Men's Central Jail",
        "type": FacilityType.COUNTY_JAIL,
        "jurisdiction": "US-CA-06037",
    }
    fields.update(changes)
    return Facility(**fields)  # type: ignore[arg-type]


def test_a_facility_lies_under_the_chain_of_its_jurisdictions() -> None:
    assert _facility().jurisdiction_chain == ("US", "US-CA", "US-CA-06037")


@pytest.mark.parametrize("hours", [None, 0, 24, 240])
def test_a_facility_hold_limit_between_0_and_240_hours_is_accepted(hours: int | None) -> None:
    assert _facility(hold_limit_hours=hours).hold_limit_hours == hours


@pytest.mark.parametrize("hours", [-1, 241])
def test_a_facility_hold_limit_outside_0_to_240_hours_is_refused(hours: int) -> None:
    with pytest.raises(InvalidValue, match=rf"^facility\.hold_limit_hours: \[{hours}\]"):
        _facility(hold_limit_hours=hours)


@pytest.mark.parametrize("code", ["ab", "lowercase", "-LEAD", "A" * 21, "HAS SPACE"])
def test_a_malformed_facility_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue, match=r"^facility\.code: "):
        _facility(code=code)


def test_a_facility_in_a_malformed_jurisdiction_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue, match=r"^facility\.jurisdiction: \[California\]"):
        _facility(jurisdiction="California")


def test_an_agency_needs_a_wellformed_code_jurisdiction_and_name() -> None:
    Agency(code="ERO-BOS", name="Boston field office", jurisdiction="US")
    with pytest.raises(InvalidValue, match=r"^agency\.code: "):
        Agency(code="ero", name="Boston field office", jurisdiction="US")
    with pytest.raises(InvalidValue, match=r"^agency\.jurisdiction: "):
        Agency(code="ERO-BOS", name="Boston field office", jurisdiction="USA")
    with pytest.raises(InvalidValue, match=r"^agency\.name: "):
        Agency(code="ERO-BOS", name="", jurisdiction="US")
