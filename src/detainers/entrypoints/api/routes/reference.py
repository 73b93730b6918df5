"""Reference data routes: jurisdictions, agencies and facilities (read: signed in; write: admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from detainers.domain.commands import RegisterAgency, RegisterFacility, RegisterJurisdiction
from detainers.entrypoints.api.deps import permission
from detainers.entrypoints.api.routes._shared import created
from detainers.entrypoints.api.schemas import (
    AgencyIn,
    AgencyOut,
    FacilityIn,
    FacilityOut,
    JurisdictionIn,
    JurisdictionOut,
)
from detainers.services import idempotency, registry
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["reference"])

Reader = Annotated[Context, Depends(permission(Permission.REFERENCE_READ))]
Manager = Annotated[Context, Depends(permission(Permission.REFERENCE_MANAGE))]


def _jurisdiction(code: str, ctx: Context) -> JurisdictionOut:
    for j in registry.reference(ctx).jurisdictions:
        if j.code == code:
            return JurisdictionOut(code=j.code, name=j.name, kind=j.kind, parent=j.parent)
    raise NotFound("jurisdiction", code)


def _agency(code: str, ctx: Context) -> AgencyOut:
    for a in registry.reference(ctx).agencies:
        if a.code == code:
            return AgencyOut(code=a.code, name=a.name, jurisdiction=a.jurisdiction)
    raise NotFound("agency", code)


def _facility(code: str, ctx: Context) -> FacilityOut:
    for f in registry.reference(ctx).facilities:
        if f.code == code:
            return FacilityOut.model_validate(f, from_attributes=True)
    raise NotFound("facility", code)


@router.get(
    "/jurisdictions",
    response_model=list[JurisdictionOut],
    operation_id="listJurisdictions",
    summary="Registered jurisdictions",
)
def jurisdictions(ctx: Reader) -> list[JurisdictionOut]:
    return [
        JurisdictionOut(code=j.code, name=j.name, kind=j.kind, parent=j.parent)
        for j in registry.reference(ctx).jurisdictions
    ]


@router.post(
    "/jurisdictions",
    status_code=201,
    response_model=JurisdictionOut,
    operation_id="registerJurisdiction",
    summary="Register a jurisdiction (its parent must exist)",
)
def register_jurisdiction(
    body: JurisdictionIn, response: Response, ctx: Manager
) -> JurisdictionOut:
    def create(ctx: Context) -> JurisdictionOut:
        command = RegisterJurisdiction(code=body.code, name=body.name, kind=body.kind)
        j = registry.register_jurisdiction(command, ctx)
        return JurisdictionOut(code=j.code, name=j.name, kind=j.kind, parent=j.parent)

    done = idempotency.carry_out(ctx, create, _jurisdiction)
    created(response, f"/api/v1/jurisdictions/{done.value.code}", done.replayed)
    return done.value


@router.get(
    "/agencies",
    response_model=list[AgencyOut],
    operation_id="listAgencies",
    summary="Registered agencies",
)
def agencies(ctx: Reader) -> list[AgencyOut]:
    return [
        AgencyOut(code=a.code, name=a.name, jurisdiction=a.jurisdiction)
        for a in registry.reference(ctx).agencies
    ]


@router.post(
    "/agencies",
    status_code=201,
    response_model=AgencyOut,
    operation_id="registerAgency",
    summary="Register an agency (a field office)",
)
def register_agency(body: AgencyIn, response: Response, ctx: Manager) -> AgencyOut:
    def create(ctx: Context) -> AgencyOut:
        command = RegisterAgency(
            code=body.code, name=body.name, jurisdiction=body.jurisdiction, email=body.email
        )
        a = registry.register_agency(command, ctx)
        return AgencyOut(code=a.code, name=a.name, jurisdiction=a.jurisdiction)

    done = idempotency.carry_out(ctx, create, _agency)
    created(response, f"/api/v1/agencies/{done.value.code}", done.replayed)
    return done.value


@router.get(
    "/facilities",
    response_model=list[FacilityOut],
    operation_id="listFacilities",
    summary="Registered facilities",
)
def facilities(ctx: Reader) -> list[FacilityOut]:
    return [
        FacilityOut.model_validate(f, from_attributes=True)
        for f in registry.reference(ctx).facilities
    ]


@router.post(
    "/facilities",
    status_code=201,
    response_model=FacilityOut,
    operation_id="registerFacility",
    summary="Register a facility",
)
def register_facility(body: FacilityIn, response: Response, ctx: Manager) -> FacilityOut:
    def create(ctx: Context) -> FacilityOut:
        command = RegisterFacility(
            code=body.code,
            name=body.name,
            type=body.type,
            jurisdiction=body.jurisdiction,
            program_287g=body.program_287g,
            hold_limit_hours=body.hold_limit_hours,
        )
        return FacilityOut.model_validate(
            registry.register_facility(command, ctx), from_attributes=True
        )

    done = idempotency.carry_out(ctx, create, _facility)
    created(response, f"/api/v1/facilities/{done.value.code}", done.replayed)
    return done.value
