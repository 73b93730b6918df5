"""Jurisdiction codes and their parent chain: the levels whose law composes for a facility."""

from __future__ import annotations

import pytest

from detainers.domain.errors import InvalidValue
from detainers.domain.jurisdiction import Jurisdiction, chain, check_code, parent_code
from detainers.domain.vocabulary import JurisdictionKind


@pytest.mark.parametrize(
    ("code", "levels"),
    [
        ("US", ("US",)),
        ("US-CT", ("US", "US-CT")),
        ("US-CA-06037", ("US", "US-CA", "US-CA-06037")),
        ("US-CA-06037-LA", ("US", "US-CA", "US-CA-06037", "US-CA-06037-LA")),
    ],
)
def test_the_chain_runs_from_the_federal_level_down_to_the_code(
    code: str, levels: tuple[str, ...]
) -> None:
    assert chain(code) == levels


@pytest.mark.parametrize(
    ("code", "parent"),
    [("US", None), ("US-CT", "US"), ("US-CT-09003", "US-CT"), ("US-CT-09003-HTFD", "US-CT-09003")],
)
def test_each_code_names_its_parent(code: str, parent: str | None) -> None:
    assert parent_code(code) == parent
    assert Jurisdiction(code=code, name="x", kind=JurisdictionKind.STATE).parent == parent


@pytest.mark.parametrize(
    "code", ["", "us", "USA", "US-ct", "US-C", "US-CT-9003", "US-CT-", "CT", "US-CT-09003-la"]
)
def test_a_malformed_code_is_refused_naming_the_code(code: str) -> None:
    with pytest.raises(
        InvalidValue, match=rf"^jurisdiction: \[{code}\] is not a jurisdiction code"
    ):
        check_code(code)
    with pytest.raises(InvalidValue):
        chain(code)


def test_a_jurisdiction_with_a_malformed_code_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue, match=r"^jurisdiction\.code: \[US-Conn\]"):
        Jurisdiction(code="US-Conn", name="Connecticut", kind=JurisdictionKind.STATE)


def test_a_jurisdiction_without_a_name_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"^jurisdiction\.name: "):
        Jurisdiction(code="US-CT", name=" ", kind=JurisdictionKind.STATE)
