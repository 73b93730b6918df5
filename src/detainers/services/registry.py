"""Use cases for reference data: jurisdictions, agencies and facilities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from detainers.domain.commands import RegisterAgency, RegisterFacility, RegisterJurisdiction
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.organization import Agency, Facility
from detainers.services import authz
from detainers.services.audit import Trail, audited
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists, NotFound
from detainers.services.ports import UnitOfWork


def _require_jurisdiction(uow: UnitOfWork, code: str) -> None:
    if uow.jurisdictions.get(code) is None:
        raise NotFound("jurisdiction", code)


@audited("reference.jurisdiction.create", "jurisdiction", "code")
def register_jurisdiction(cmd: RegisterJurisdiction, ctx: Context, trail: Trail) -> Jurisdiction:
    """Add a jurisdiction; its parent must already be known."""
    authz.require(ctx.caller, Permission.REFERENCE_MANAGE)
    jurisdiction = Jurisdiction(code=cmd.code, name=cmd.name, kind=cmd.kind)
    with ctx.uow() as uow:
        if uow.jurisdictions.get(cmd.code) is not None:
            raise AlreadyExists("jurisdiction", cmd.code)
        if jurisdiction.parent is not None:
            _require_jurisdiction(uow, jurisdiction.parent)
        uow.jurisdictions.add(jurisdiction)
        trail.success(uow, jurisdiction.code)
        uow.commit()
    return jurisdiction


@audited("reference.agency.create", "agency", "code")
def register_agency(cmd: RegisterAgency, ctx: Context, trail: Trail) -> Agency:
    """Add an agency (a field office) in a known jurisdiction."""
    authz.require(ctx.caller, Permission.REFERENCE_MANAGE)
    agency = Agency(code=cmd.code, name=cmd.name, jurisdiction=cmd.jurisdiction, email=cmd.email)
    with ctx.uow() as uow:
        if uow.agencies.get(cmd.code) is not None:
            raise AlreadyExists("agency", cmd.code)
        _require_jurisdiction(uow, cmd.jurisdiction)
        uow.agencies.add(agency)
        trail.success(uow, agency.code)
        uow.commit()
    return agency


@audited("reference.facility.create", "facility", "code")
def register_facility(cmd: RegisterFacility, ctx: Context, trail: Trail) -> Facility:
    """Add a facility in a known jurisdiction."""
    authz.require(ctx.caller, Permission.REFERENCE_MANAGE)
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
        trail.success(uow, facility.code)
        uow.commit()
    return facility


@dataclass(frozen=True, kw_only=True)
class Reference:
    """Everything registered: jurisdictions, agencies and facilities (no person-level data)."""

    jurisdictions: Sequence[Jurisdiction]
    agencies: Sequence[Agency]
    facilities: Sequence[Facility]


def reference(ctx: Context) -> Reference:
    """The reference data, for any signed-in caller."""
    authz.require(ctx.caller, Permission.REFERENCE_READ)
    with ctx.uow() as uow:
        return Reference(
            jurisdictions=uow.jurisdictions.list(),
            agencies=uow.agencies.list(),
            facilities=uow.facilities.list(),
        )
