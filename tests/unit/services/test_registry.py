"""Registering the reference data: jurisdictions under known parents, agencies and facilities in them."""

from __future__ import annotations

import pytest

from detainers.domain import commands as c
from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import FacilityType, JurisdictionKind, Program287g
from detainers.services import registry
from detainers.services.errors import AlreadyExists, NotFound
from tests.fakes import fake_context
from tests.unit.builders import AGENCY, FACILITY, World


def test_a_registered_facility_is_stored_with_its_type_program_and_hold_limit() -> None:
    world = World()
    facility = registry.register_facility(
        c.RegisterFacility(
            code="CA-LASD-MCJ",
            name="Men's Central Jail",
            type=FacilityType.COUNTY_JAIL,
            jurisdiction="US-CT",
            program_287g=Program287g.JAIL_ENFORCEMENT,
            hold_limit_hours=24,
        ),
        world.ctx,
    )
    assert world.uow.store.facilities["CA-LASD-MCJ"] == facility
    assert facility.hold_limit_hours == 24
    assert facility.jurisdiction_chain == ("US", "US-CT")


def test_a_jurisdiction_needs_its_parent_registered_first() -> None:
    ctx, uow, _, _ = fake_context()
    with pytest.raises(NotFound, match=r"^no jurisdiction \[US\]$"):
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE),
            ctx,
        )
    assert uow.store.jurisdictions == {}


def test_registering_a_jurisdiction_twice_is_refused_naming_its_code() -> None:
    world = World()
    with pytest.raises(AlreadyExists, match=r"^jurisdiction \[US-CT\] already exists$"):
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US-CT", name="Conn.", kind=JurisdictionKind.STATE),
            world.ctx,
        )
    assert world.uow.store.jurisdictions["US-CT"].name == "Connecticut"


def test_registering_an_agency_twice_is_refused_naming_its_code() -> None:
    world = World()
    before = world.snapshot()
    with pytest.raises(AlreadyExists, match=rf"^agency \[{AGENCY}\] already exists$"):
        registry.register_agency(
            c.RegisterAgency(code=AGENCY, name="Another office", jurisdiction="US"), world.ctx
        )
    assert world.snapshot() == before


def test_registering_a_facility_twice_is_refused_naming_its_code() -> None:
    world = World()
    before = world.snapshot()
    with pytest.raises(AlreadyExists, match=rf"^facility \[{FACILITY}\] already exists$"):
        registry.register_facility(
            c.RegisterFacility(
                code=FACILITY, name="Dup", type=FacilityType.CITY_JAIL, jurisdiction="US-CT"
            ),
            world.ctx,
        )
    assert world.snapshot() == before


def test_an_agency_in_an_unknown_jurisdiction_is_refused_and_not_stored() -> None:
    world = World()
    with pytest.raises(NotFound, match=r"^no jurisdiction \[US-TX\]$"):
        registry.register_agency(
            c.RegisterAgency(code="ERO-HOU", name="Houston field office", jurisdiction="US-TX"),
            world.ctx,
        )
    assert "ERO-HOU" not in world.uow.store.agencies


def test_a_facility_in_an_unknown_jurisdiction_is_refused_and_not_stored() -> None:
    world = World()
    with pytest.raises(NotFound, match=r"^no jurisdiction \[US-CA-06037\]$"):
        registry.register_facility(
            c.RegisterFacility(
                code="CA-LASD-MCJ",
                name="Men's Central Jail",
                type=FacilityType.COUNTY_JAIL,
                jurisdiction="US-CA-06037",
            ),
            world.ctx,
        )
    assert "CA-LASD-MCJ" not in world.uow.store.facilities


def test_a_malformed_facility_is_refused_before_anything_is_written() -> None:
    world = World()
    before = world.snapshot()
    with pytest.raises(InvalidValue, match=r"^facility\.hold_limit_hours: "):
        registry.register_facility(
            c.RegisterFacility(
                code="CT-NEW",
                name="New",
                type=FacilityType.CITY_JAIL,
                jurisdiction="US-CT",
                hold_limit_hours=1000,
            ),
            world.ctx,
        )
    assert world.snapshot() == before
