"""Use cases for reference data: jurisdictions, agencies and facilities."""

from __future__ import annotations

from detainers.domain.commands import RegisterAgency, RegisterFacility, RegisterJurisdiction
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.organization import Agency, Facility
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists, NotFound
from detainers.services.ports import UnitOfWork


def _require_jurisdiction(uow: UnitOfWork, code: str) -> None:
    if uow.jurisdictions.get(code) is None:
        raise NotFound("jurisdiction", code)


def register_jurisdiction(cmd: RegisterJurisdiction, ctx: Context) -> Jurisdiction:
    """Add a jurisdiction; its parent must already be known."""
    jurisdiction = Jurisdiction(code=cmd.code, name=cmd.name, kind=cmd.kind)
    with ctx.uow() as uow:
        if uow.jurisdictions.get(cmd.code) is not None:
            raise AlreadyExists("jurisdiction", cmd.code)
        if jurisdiction.parent is not None:
            _require_jurisdiction(uow, jurisdiction.parent)
        uow.jurisdictions.add(jurisdiction)
        uow.commit()
    return jurisdiction


def register_agency(cmd: RegisterAgency, ctx: Context) -> Agency:
    """Add an agency (a field office) in a known jurisdiction."""
    agency = Agency(code=cmd.code, name=cmd.name, jurisdiction=cmd.jurisdiction, email=cmd.email)
    with ctx.uow() as uow:
        if uow.agencies.get(cmd.code) is not None:
            raise AlreadyExists("agency", cmd.code)
        _require_jurisdiction(uow, cmd.jurisdiction)
        uow.agencies.add(agency)
        uow.commit()
    return agency


def register_facility(cmd: RegisterFacility, ctx: Context) -> Facility:
    """Add a facility in a known jurisdiction."""
    facility = Facility(
        code=cmd.code,
        name=cmd.name,
        type=cmd.type,
        jurisdiction=cmd.jurisdiction,
        program_287g=cmd.program_287g,
        hold_limit_hours=cmd.hold_limit_hours,
    )
    with ctx.uow() as uow:
        if uow.facilities.get(cmd.code) is not None:
            raise AlreadyExists("facility", cmd.code)
        _require_jurisdiction(uow, cmd.jurisdiction)
        uow.facilities.add(facility)
        uow.commit()
    return facility
